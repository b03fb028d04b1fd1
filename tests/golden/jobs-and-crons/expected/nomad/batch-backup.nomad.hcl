job "batch-backup" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"        = "batch"
    "managed-by" = "crossdock"
    "workload"   = "backup"
  }

  periodic {
    enabled          = true
    crons            = ["30 2 * * 1-5"]
    prohibit_overlap = true
    time_zone        = "America/New_York"
  }

  group "backup" {
    count = 1

    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "backup" {
      driver = "docker"

      config {
        args  = ["backup"]
        image = "batch/tools:3.0"
      }
    }
  }
}

