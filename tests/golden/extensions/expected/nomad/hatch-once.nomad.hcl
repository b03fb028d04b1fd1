job "hatch-once" {
  type        = "batch"
  datacenters = ["dc1", "dc2"]
  priority    = 70
  meta = {
    "app"        = "hatch"
    "managed-by" = "crossdock"
    "workload"   = "once"
  }

  group "once" {
    count = 1

    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "once" {
      driver       = "docker"
      kill_timeout = "1m"

      config {
        image = "hatch/job:1.0"
      }
    }
  }
}

