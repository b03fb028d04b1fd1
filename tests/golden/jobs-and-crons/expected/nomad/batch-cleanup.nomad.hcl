job "batch-cleanup" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"        = "batch"
    "managed-by" = "crossdock"
    "workload"   = "cleanup"
  }

  periodic {
    enabled          = false
    crons            = ["@daily"]
    prohibit_overlap = false
  }

  group "cleanup" {
    count = 1

    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "cleanup" {
      driver = "docker"

      config {
        args  = ["cleanup"]
        image = "batch/tools:3.0"
      }
    }
  }
}

