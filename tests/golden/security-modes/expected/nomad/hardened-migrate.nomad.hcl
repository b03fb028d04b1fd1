job "hardened-migrate" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"        = "hardened"
    "managed-by" = "crossdock"
    "workload"   = "migrate"
  }

  group "migrate" {
    count = 1

    network {
      mode     = "bridge"
      hostname = "migrate"
    }

    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "migrate" {
      driver       = "docker"
      user         = "postgres"
      kill_signal  = "SIGTERM"
      kill_timeout = "10s"

      config {
        entrypoint      = ["/migrate"]
        image           = "example/web:3.4"
        readonly_rootfs = true
        work_dir        = "/srv/app"
      }
    }

    task "proxy" {
      driver       = "docker"
      user         = "1001"
      kill_timeout = "10s"

      lifecycle {
        hook    = "prestart"
        sidecar = true
      }

      config {
        image        = "example/proxy:1.2"
        security_opt = ["no-new-privileges"]
      }

      restart {
        attempts = 3
        interval = "5m"
        delay    = "15s"
        mode     = "delay"
      }
    }
  }
}

