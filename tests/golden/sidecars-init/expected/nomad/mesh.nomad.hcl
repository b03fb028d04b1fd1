job "mesh" {
  type        = "service"
  datacenters = ["*"]
  meta = {
    "app"        = "mesh"
    "managed-by" = "crossdock"
  }

  group "app" {
    count = 2

    network {
      mode = "bridge"

      port "http" {
        to = 8080
      }
    }

    service {
      name     = "mesh-app"
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

    task "migrate" {
      driver = "docker"
      env = {
        "DB_URL" = "postgres://db/app"
      }

      lifecycle {
        hook    = "prestart"
        sidecar = false
      }

      config {
        args       = ["up"]
        entrypoint = ["/migrate"]
        image      = "mesh/tools:4.0"
      }
    }

    task "warm-cache" {
      driver = "docker"

      lifecycle {
        hook    = "prestart"
        sidecar = false
      }

      config {
        args  = ["warm"]
        image = "mesh/tools:4.0"
      }

      resources {
        cpu        = 200
        memory     = 128
        memory_max = 256
      }
    }

    task "app" {
      driver = "docker"

      config {
        image = "mesh/app:4.0"
        ports = ["http"]
      }
    }

    task "proxy" {
      driver = "docker"
      env = {
        "UPSTREAM" = "127.0.0.1:8080"
      }

      lifecycle {
        hook    = "poststart"
        sidecar = true
      }

      config {
        args  = ["--listen", ":15001"]
        image = "mesh/proxy:1.9"
      }

      resources {
        cpu        = 10
        memory     = 16
        memory_max = 64
      }
    }

    task "logs" {
      driver = "docker"

      lifecycle {
        hook    = "poststart"
        sidecar = true
      }

      config {
        entrypoint = ["/bin/logship", "--follow"]
        image      = "mesh/logship:2.0"
      }
    }
  }

  group "worker" {
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

    task "wait" {
      driver = "docker"

      lifecycle {
        hook    = "prestart"
        sidecar = false
      }

      config {
        args  = ["wait-for", "app"]
        image = "mesh/tools:4.0"
      }
    }

    task "worker" {
      driver = "docker"

      config {
        image = "mesh/worker:4.0"
      }
    }
  }
}

