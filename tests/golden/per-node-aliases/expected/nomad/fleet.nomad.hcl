job "fleet" {
  type        = "service"
  datacenters = ["*"]
  meta = {
    "app"        = "fleet"
    "managed-by" = "crossdock"
  }

  group "quiet" {
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

    task "quiet" {
      driver = "docker"

      config {
        image = "example/quiet:1.0"
      }
    }
  }
}

