job "ledger" {
  type        = "service"
  datacenters = ["*"]
  meta = {
    "app"        = "ledger"
    "managed-by" = "crossdock"
  }

  group "db" {
    count = 1

    network {
      mode = "bridge"

      port "pg" {
        to = 5432
      }
    }

    service {
      name     = "ledger-db"
      provider = "nomad"
      port     = "pg"
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

      config {
        image = "ledger/postgres:16"
        ports = ["pg"]
      }
    }
  }
}

