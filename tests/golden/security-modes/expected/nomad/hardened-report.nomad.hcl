job "hardened-report" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"        = "hardened"
    "managed-by" = "crossdock"
    "workload"   = "report"
  }

  periodic {
    enabled          = true
    crons            = ["0 3 * * *"]
    prohibit_overlap = true
  }

  group "report" {
    count = 1

    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "report" {
      driver = "docker"
      user   = "10001"

      config {
        cap_drop = ["ALL"]
        image    = "example/web:3.4"
        work_dir = "/srv/app"
      }
    }
  }
}

