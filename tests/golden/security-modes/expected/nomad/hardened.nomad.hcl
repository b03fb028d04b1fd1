job "hardened" {
  type        = "service"
  datacenters = ["*"]
  meta = {
    "app"        = "hardened"
    "managed-by" = "crossdock"
  }

  group "legacy" {
    count = 1

    network {
      mode = "bridge"
    }

    update {
      max_parallel      = 1
      health_check      = "checks"
      min_healthy_time  = "0s"
      healthy_deadline  = "5m"
      progress_deadline = "10m"
      auto_revert       = false
      auto_promote      = true
      canary            = 1
    }

    restart {
      attempts = 3
      interval = "5m"
      delay    = "15s"
      mode     = "delay"
    }

    task "legacy" {
      driver = "docker"

      config {
        image = "example/legacy:0.9"
      }
    }
  }

  group "web" {
    count = 2

    network {
      mode     = "bridge"
      hostname = "web.internal.example"

      port "http" {
        to = 8080
      }
    }

    service {
      name     = "hardened-web"
      provider = "nomad"
      port     = "http"
    }

    service {
      name     = "www"
      provider = "nomad"
      port     = "http"
    }

    service {
      name     = "web-front"
      provider = "nomad"
      port     = "http"
    }

    update {
      max_parallel      = 1
      health_check      = "checks"
      min_healthy_time  = "0s"
      healthy_deadline  = "5m"
      progress_deadline = "10m"
      auto_revert       = false
      auto_promote      = true
      canary            = 1
    }

    restart {
      attempts = 3
      interval = "5m"
      delay    = "15s"
      mode     = "delay"
    }

    task "web" {
      driver       = "docker"
      user         = "10001:10001"
      kill_signal  = "SIGQUIT"
      kill_timeout = "1s500ms"

      config {
        cap_add         = ["NET_BIND_SERVICE"]
        cap_drop        = ["ALL"]
        image           = "example/web:3.4"
        ports           = ["http"]
        readonly_rootfs = true
        security_opt    = ["no-new-privileges"]
        work_dir        = "/srv/app"
      }
    }

    task "proxy" {
      driver       = "docker"
      user         = "envoy:envoy"
      kill_timeout = "1s500ms"

      lifecycle {
        hook    = "poststart"
        sidecar = true
      }

      config {
        cap_drop = ["ALL"]
        image    = "example/proxy:1.2"
        work_dir = "/etc/proxy"
      }
    }
  }
}

