job "fleet-seed" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"        = "fleet"
    "managed-by" = "crossdock"
    "workload"   = "seed"
  }

  group "seed" {
    count = 1

    network {
      mode = "bridge"
    }

    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "fetch" {
      driver = "docker"
      user   = "1000:1000"

      lifecycle {
        hook    = "prestart"
        sidecar = false
      }

      config {
        cap_add         = ["DAC_OVERRIDE"]
        cap_drop        = ["ALL"]
        image           = "example/tools:1.0"
        readonly_rootfs = true
        security_opt    = ["no-new-privileges"]
        work_dir        = "/tmp"
      }
    }

    task "seed" {
      driver = "docker"

      config {
        cap_add      = ["CHOWN"]
        cap_drop     = ["NET_RAW"]
        image        = "example/seed:2.0"
        privileged   = true
        security_opt = ["no-new-privileges"]
      }
    }

    task "proxy" {
      driver = "docker"
      user   = "101:proxy"

      lifecycle {
        hook    = "prestart"
        sidecar = true
      }

      config {
        cap_add         = ["NET_ADMIN"]
        cap_drop        = ["ALL"]
        image           = "example/proxy:1.2"
        privileged      = true
        readonly_rootfs = true
        work_dir        = "/etc/proxy"
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

