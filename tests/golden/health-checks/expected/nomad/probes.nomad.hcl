job "probes" {
  type        = "service"
  datacenters = ["*"]
  meta = {
    "app"        = "probes"
    "managed-by" = "crossdock"
  }

  group "exec-only" {
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

    task "exec-only" {
      driver = "docker"

      config {
        image = "crossdock-test/httpd:1.0"
      }
    }
  }

  group "http-all" {
    count = 1

    network {
      mode = "bridge"

      port "http" {
        to = 8080
      }

      port "admin" {
        to = 9000
      }
    }

    service {
      name     = "probes-http-all"
      provider = "nomad"
      port     = "http"

      check {
        name     = "readiness"
        type     = "http"
        path     = "/readyz?verbose=1"
        port     = "http"
        interval = "5s"
        timeout  = "1s"
      }

      check {
        name     = "liveness"
        type     = "http"
        path     = "/livez"
        port     = "admin"
        interval = "15s"
        timeout  = "3s"

        check_restart {
          limit = 5
          grace = "1m30s"
        }
      }
    }

    service {
      name     = "probes-http-all-admin"
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

    task "http-all" {
      driver = "docker"

      config {
        image = "crossdock-test/httpd:1.0"
        ports = ["http", "admin"]
      }
    }
  }

  group "tcp-only" {
    count = 1

    network {
      mode = "bridge"

      port "redis" {
        to = 6379
      }
    }

    service {
      name     = "probes-tcp-only"
      provider = "nomad"
      port     = "redis"

      check {
        name     = "readiness"
        type     = "tcp"
        port     = "redis"
        interval = "10s"
        timeout  = "1s"
      }

      check {
        name     = "liveness"
        type     = "tcp"
        port     = "redis"
        interval = "1m"
        timeout  = "1s"

        check_restart {
          limit = 3
          grace = "1m40s"
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

    task "tcp-only" {
      driver = "docker"

      config {
        image = "crossdock-test/httpd:1.0"
        ports = ["redis"]
      }
    }
  }
}

