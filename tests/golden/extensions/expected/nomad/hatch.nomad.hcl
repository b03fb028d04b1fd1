job "hatch" {
  type        = "service"
  datacenters = ["dc1", "dc2"]
  priority    = 70
  meta = {
    "app"        = "hatch"
    "managed-by" = "crossdock"
  }

  group "web" {
    count          = 1
    shutdown_delay = "5s"

    network {
      mode = "bridge"

      port "http" {
        to = 80
      }
    }

    service {
      name     = "hatch-web"
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
      kill_timeout = "30s"

      config {
        image = "hatch/web:1.0"
        ports = ["http"]
      }
    }
  }
}

