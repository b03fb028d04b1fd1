job "batch-migrate" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"        = "batch"
    "managed-by" = "crossdock"
    "workload"   = "migrate"
  }

  group "migrate" {
    count = 1

    restart {
      attempts = 4
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "migrate" {
      driver = "docker"

      config {
        args       = ["--to", "latest"]
        entrypoint = ["/bin/migrate"]
        image      = "batch/tools:3.0"
      }
    }
  }
}

