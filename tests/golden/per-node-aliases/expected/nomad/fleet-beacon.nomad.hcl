job "fleet-beacon" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"        = "fleet"
    "managed-by" = "crossdock"
    "workload"   = "beacon"
  }

  periodic {
    enabled          = true
    crons            = ["@hourly"]
    prohibit_overlap = true
  }

  group "beacon" {
    count = 1

    network {
      mode     = "bridge"
      hostname = "beacon"
    }

    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "beacon" {
      driver = "docker"

      config {
        image = "example/beacon:1.0"
      }
    }

    task "agent" {
      driver = "docker"
      user   = "1000:1000"

      lifecycle {
        hook    = "prestart"
        sidecar = true
      }

      config {
        cap_add         = ["SETGID"]
        cap_drop        = ["ALL"]
        image           = "example/agent:1.0"
        readonly_rootfs = true
        security_opt    = ["no-new-privileges"]
        work_dir        = "/agent"
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

