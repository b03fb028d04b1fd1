job "fleet-rotate" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"        = "fleet"
    "managed-by" = "crossdock"
    "workload"   = "rotate"
  }

  periodic {
    enabled          = true
    crons            = ["*/15 * * * *"]
    prohibit_overlap = true
  }

  group "rotate" {
    count = 1

    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "check" {
      driver = "docker"
      user   = "1000:1000"

      lifecycle {
        hook    = "prestart"
        sidecar = false
      }

      config {
        cap_add         = ["SETUID"]
        cap_drop        = ["ALL"]
        image           = "example/tools:1.0"
        readonly_rootfs = true
        security_opt    = ["no-new-privileges"]
        work_dir        = "/srv"
      }
    }

    task "rotate" {
      driver       = "docker"
      user         = "root:0"
      kill_signal  = "SIGUSR1"
      kill_timeout = "1m30s"

      config {
        cap_add         = ["KILL"]
        cap_drop        = ["ALL"]
        hostname        = "rotate.jobs.example"
        image           = "example/rotate:1.0"
        readonly_rootfs = true
        security_opt    = ["no-new-privileges"]
      }
    }
  }
}

