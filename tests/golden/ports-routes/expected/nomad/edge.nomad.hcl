job "edge" {
  type        = "service"
  datacenters = ["*"]
  meta = {
    "app"        = "edge"
    "managed-by" = "crossdock"
  }

  group "docs" {
    count = 1

    network {
      mode = "bridge"

      port "web" {
        to = 3000
      }
    }

    service {
      name     = "edge-docs"
      provider = "nomad"
      port     = "web"
      tags     = ["traefik.enable=true", "traefik.http.routers.edge-docs.rule=Host(`docs.example.com`)"]

      check {
        name     = "readiness"
        type     = "http"
        path     = "/ready"
        port     = "web"
        interval = "10s"
        timeout  = "1s"
      }

      check {
        name     = "liveness"
        type     = "tcp"
        port     = "web"
        interval = "10s"
        timeout  = "1s"

        check_restart {
          limit = 3
          grace = "0s"
        }
      }
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

    scaling {
      enabled = true
      min     = 1
      max     = 3
      type    = "horizontal"

      policy {
        check "cpu" {
          query  = "avg_cpu-allocated"
          source = "nomad-apm"

          strategy "target-value" {
            target = 50
          }
        }
      }
    }

    task "docs" {
      driver = "docker"

      config {
        image = "edge/docs:2.0"
        ports = ["web"]
      }

      resources {
        cpu = 100
      }
    }
  }

  group "gateway" {
    count = 2

    network {
      mode = "bridge"

      port "http" {
        static = 80
        to     = 8080
      }

      port "https" {
        static = 443
        to     = 8443
      }

      port "admin" {
        static = 9443
        to     = 9901
      }

      port "dns" {
        to = 5353
      }

      port "metrics" {
        to = 9100
      }
    }

    service {
      name     = "edge-gateway"
      provider = "nomad"
      port     = "http"
      tags     = ["traefik.enable=true", "traefik.http.routers.edge-gateway.rule=Host(`edge.example.com`) && PathPrefix(`/api`)"]
    }

    service {
      name     = "edge-gateway-https"
      provider = "nomad"
      port     = "https"
    }

    service {
      name     = "edge-gateway-dns"
      provider = "nomad"
      port     = "dns"
    }

    service {
      name     = "edge-gateway-metrics"
      provider = "nomad"
      port     = "metrics"
    }

    service {
      name     = "edge-gateway-admin"
      provider = "nomad"
      port     = "admin"
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

    scaling {
      enabled = true
      min     = 2
      max     = 10
      type    = "horizontal"

      policy {
        check "cpu" {
          query  = "avg_cpu-allocated"
          source = "nomad-apm"

          strategy "target-value" {
            target = 80
          }
        }
      }
    }

    task "gateway" {
      driver = "docker"

      config {
        image = "edge/gateway:2.0"
        ports = ["http", "https", "dns", "metrics", "admin"]
      }
    }
  }
}

