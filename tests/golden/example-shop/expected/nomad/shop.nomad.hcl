job "shop" {
  type        = "service"
  datacenters = ["*"]
  meta = {
    "app"         = "shop"
    "description" = "The canonical crossdock example"
    "managed-by"  = "crossdock"
    "team"        = "storefront"
  }

  group "api" {
    count = 1
    meta = {
      "tier" = "backend"
    }

    network {
      mode = "bridge"

      port "http" {
        to = 9090
      }
    }

    service {
      name     = "shop-api"
      provider = "nomad"
      port     = "http"

      check {
        name     = "readiness"
        type     = "tcp"
        port     = "http"
        interval = "5s"
        timeout  = "1s"
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
      max     = 4
      type    = "horizontal"

      policy {
        check "cpu" {
          query  = "avg_cpu-allocated"
          source = "nomad-apm"

          strategy "target-value" {
            target = 75
          }
        }
      }
    }

    task "wait-for-cache" {
      driver = "docker"
      env = {
        "MESSAGE" = "cache is up"
      }

      lifecycle {
        hook    = "prestart"
        sidecar = false
      }

      config {
        image = "crossdock-test/job:1.0"
      }
    }

    task "api" {
      driver = "docker"
      env = {
        "PORT" = "9090"
        "ROLE" = "api"
      }

      config {
        image = "crossdock-test/httpd:1.0"
        ports = ["http"]

        mount {
          readonly = true
          source   = "secrets/files/run/secrets/api-token"
          target   = "/run/secrets/api-token"
          type     = "bind"
        }
      }

      resources {
        cpu    = 100
        memory = 32
      }

      template {
        data        = "{{ with nomadVar \"nomad/jobs/shop\" }}{{ (index . \"api-token\").Value }}{{ end }}"
        destination = "secrets/files/run/secrets/api-token"
        change_mode = "restart"
        perms       = "0644"
      }
    }

    task "metrics" {
      driver = "docker"
      env = {
        "PORT" = "9100"
      }

      lifecycle {
        hook    = "poststart"
        sidecar = true
      }

      config {
        image = "crossdock-test/httpd:1.0"
      }
    }
  }

  group "cache" {
    count = 1

    constraint {
      attribute = "$${meta.disk}"
      operator  = "="
      value     = "ssd"
    }

    network {
      mode = "bridge"

      port "cache" {
        to = 6379
      }
    }

    service {
      name     = "shop-cache"
      provider = "nomad"
      port     = "cache"
    }

    volume "cache-data" {
      type      = "host"
      source    = "cache-data"
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

    task "cache" {
      driver = "docker"
      env = {
        "PORT" = "6379"
        "ROLE" = "cache"
      }

      config {
        image = "crossdock-test/httpd:1.0"
        ports = ["cache"]

        mount {
          readonly = false
          target   = "/tmp/cache"
          type     = "tmpfs"

          tmpfs_options {
            size = 16777216
          }
        }
      }

      volume_mount {
        volume      = "cache-data"
        destination = "/data"
        read_only   = false
      }
    }
  }

  group "web" {
    count = 2
    meta = {
      "tier" = "frontend"
    }

    spread {
      attribute = "$${node.unique.name}"
    }

    network {
      mode = "bridge"

      port "http" {
        static = 8080
        to     = 8080
      }
    }

    service {
      name     = "shop-web"
      provider = "nomad"
      port     = "http"
      tags     = ["traefik.enable=true", "traefik.http.routers.shop-web.rule=Host(`shop.example.test`)"]

      check {
        name     = "readiness"
        type     = "http"
        path     = "/healthz"
        port     = "http"
        interval = "2s"
        timeout  = "1s"
      }

      check {
        name     = "liveness"
        type     = "http"
        path     = "/healthz"
        port     = "http"
        interval = "5s"
        timeout  = "2s"

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
      healthy_deadline  = "2m"
      progress_deadline = "4m"
      auto_revert       = true
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
      driver = "docker"
      env = {
        "GREETING" = "hello from crossdock"
        "PORT"     = "8080"
      }

      config {
        image = "crossdock-test/httpd:1.0"
        ports = ["http"]

        mount {
          readonly = true
          source   = "local/files/etc/shop/web.conf"
          target   = "/etc/shop/web.conf"
          type     = "bind"
        }

        mount {
          readonly = true
          source   = "local/files/etc/shop/banner.txt"
          target   = "/etc/shop/banner.txt"
          type     = "bind"
        }

        mount {
          readonly = true
          source   = "secrets/files/run/secrets/db-password"
          target   = "/run/secrets/db-password"
          type     = "bind"
        }
      }

      resources {
        cpu        = 50
        memory     = 32
        memory_max = 64
      }

      template {
        data        = "listen=8080\nbanner=/etc/shop/banner.txt\n"
        destination = "local/files/etc/shop/web.conf"
        change_mode = "noop"
        perms       = "0644"
      }

      template {
        data        = "Welcome to the shop. Prices in $USD; \"quotes\", {{\"{{\"}} braces }} and $${not_a_var} stay as written.\n"
        destination = "local/files/etc/shop/banner.txt"
        change_mode = "noop"
        perms       = "0444"
      }

      template {
        data        = "{{ with nomadVar \"nomad/jobs/shop\" }}{{ (index . \"db-password\").Value }}{{ end }}"
        destination = "secrets/files/run/secrets/db-password"
        change_mode = "restart"
        perms       = "0400"
      }

      template {
        data        = "{{ with nomadVar \"nomad/jobs/shop\" -}}\nDB_PASSWORD={{ (index . \"db-password\").Value | toJSON }}\n{{ end -}}\n"
        destination = "secrets/env"
        change_mode = "restart"
        perms       = "0400"
        env         = true
      }
    }
  }
}

