job "hatch-tick" {
  type        = "batch"
  datacenters = ["dc1", "dc2"]
  priority    = 70
  meta = {
    "app"        = "hatch"
    "managed-by" = "crossdock"
    "workload"   = "tick"
  }

  periodic {
    enabled          = true
    crons            = ["*/5 * * * *"]
    prohibit_overlap = true
  }

  group "tick" {
    count          = 1
    shutdown_delay = "1s"

    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "tick" {
      driver = "docker"

      config {
        image = "hatch/job:1.0"
      }
    }
  }
}

