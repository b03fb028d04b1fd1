job "shop-nightly-report" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"         = "shop"
    "description" = "The canonical crossdock example"
    "managed-by"  = "crossdock"
    "team"        = "storefront"
    "workload"    = "nightly-report"
  }

  periodic {
    enabled          = true
    crons            = ["0 3 * * *"]
    prohibit_overlap = true
    time_zone        = "Europe/Paris"
  }

  group "nightly-report" {
    count = 1

    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "nightly-report" {
      driver = "docker"
      env = {
        "REPORT" = "nightly"
      }

      config {
        image = "crossdock-test/job:1.0"
      }

      resources {
        memory = 64
      }
    }
  }
}

