job "hello" {
  type        = "service"
  datacenters = ["*"]
  meta = {
    "app"        = "hello"
    "managed-by" = "crossdock"
  }

  group "web" {
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

    task "web" {
      driver = "docker"

      config {
        image = "crossdock-test/httpd:1.0"
      }
    }
  }
}

