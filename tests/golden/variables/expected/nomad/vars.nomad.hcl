job "vars" {
  type        = "service"
  datacenters = ["*"]
  meta = {
    "app"        = "vars"
    "managed-by" = "crossdock"
  }

  group "api" {
    count = 3

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

    task "api" {
      driver = "docker"
      env = {
        "DEFAULTED"     = "fallback value"
        "EMPTY_DEFAULT" = ""
        "FROM_ENV"      = "from the environment"
        "LITERAL"       = "$${NOT_EXPANDED} and $5"
        "MIXED"         = "tag=9.9.9-from-env, cost=$3"
      }

      config {
        image = "registry.example.com/api:9.9.9-from-env"
      }
    }
  }
}

