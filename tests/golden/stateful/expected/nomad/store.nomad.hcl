job "store" {
  type        = "service"
  datacenters = ["*"]
  meta = {
    "app"        = "store"
    "managed-by" = "crossdock"
  }

  group "app" {
    count = 2

    network {
      mode = "bridge"

      port "http" {
        to = 3000
      }
    }

    service {
      name     = "store-app"
      provider = "nomad"
      port     = "http"
    }

    volume "shared-cache" {
      type      = "host"
      source    = "shared-cache"
      read_only = false
      per_alloc = false
    }

    volume "uploads" {
      type      = "host"
      source    = "uploads"
      read_only = false
      per_alloc = false
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

    task "app" {
      driver = "docker"

      config {
        image = "store/app:2.1"
        ports = ["http"]

        mount {
          readonly = false
          target   = "/tmp"
          type     = "tmpfs"
        }
      }

      volume_mount {
        volume      = "uploads"
        destination = "/srv/uploads"
        read_only   = false
      }

      volume_mount {
        volume      = "shared-cache"
        destination = "/srv/cache"
        read_only   = false
      }
    }
  }

  group "db" {
    count = 3

    network {
      mode = "bridge"

      port "pg" {
        to = 5432
      }
    }

    service {
      name     = "store-db"
      provider = "nomad"
      port     = "pg"
    }

    volume "pgdata" {
      type      = "host"
      source    = "pgdata"
      read_only = false
      per_alloc = true
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

    task "db" {
      driver = "docker"
      env = {
        "PGDATA" = "/var/lib/postgresql/data/pgdata"
      }

      config {
        image = "postgres:16.4"
        ports = ["pg"]

        mount {
          readonly = false
          target   = "/dev/shm"
          type     = "tmpfs"

          tmpfs_options {
            size = 268435456
          }
        }
      }

      resources {
        cpu        = 1000
        memory     = 1024
        memory_max = 2048
      }

      volume_mount {
        volume      = "pgdata"
        destination = "/var/lib/postgresql/data"
        read_only   = false
      }
    }
  }

  group "thumbnailer" {
    count = 1

    network {
      mode = "bridge"
    }

    volume "shared-cache" {
      type      = "host"
      source    = "shared-cache"
      read_only = false
      per_alloc = false
    }

    volume "uploads" {
      type      = "host"
      source    = "uploads"
      read_only = true
      per_alloc = false
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

    task "thumbnailer" {
      driver = "docker"

      config {
        image = "store/thumbs:2.1"
      }

      volume_mount {
        volume      = "uploads"
        destination = "/in"
        read_only   = true
      }

      volume_mount {
        volume      = "shared-cache"
        destination = "/cache"
        read_only   = false
      }
    }
  }
}

