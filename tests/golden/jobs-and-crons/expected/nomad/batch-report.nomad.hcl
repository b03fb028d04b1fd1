job "batch-report" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"        = "batch"
    "managed-by" = "crossdock"
    "workload"   = "report"
  }

  periodic {
    enabled          = true
    crons            = ["*/15 * * * *"]
    prohibit_overlap = false
  }

  group "report" {
    count = 1

    restart {
      attempts = 1
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "report" {
      driver = "docker"

      config {
        args  = ["report"]
        image = "batch/tools:3.0"
      }
    }
  }
}

