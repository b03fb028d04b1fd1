job "rollout" {
  type        = "service"
  datacenters = ["*"]
  meta = {
    "app"        = "rollout"
    "managed-by" = "crossdock"
  }

  group "careful" {
    count = 6

    constraint {
      attribute = "$${meta.zone}"
      operator  = "="
      value     = "eu-west-1a"
    }

    constraint {
      attribute = "$${meta.node.example.com/pool}"
      operator  = "="
      value     = "web"
    }

    spread {
      attribute = "$${meta.topology.kubernetes.io/zone}"
    }

    spread {
      attribute = "$${node.unique.name}"
    }

    network {
      mode = "bridge"
    }

    update {
      max_parallel      = 2
      health_check      = "checks"
      min_healthy_time  = "10s"
      healthy_deadline  = "10m"
      progress_deadline = "20m"
      auto_revert       = true
      auto_promote      = false
      canary            = 0
    }

    restart {
      attempts = 3
      interval = "5m"
      delay    = "15s"
      mode     = "delay"
    }

    task "careful" {
      driver = "docker"

      config {
        image = "rollout/web:1.2"
      }
    }
  }

  group "fast" {
    count = 3

    constraint {
      attribute = "$${meta.kubernetes.io/arch}"
      operator  = "="
      value     = "arm64"
    }

    network {
      mode = "bridge"
    }

    update {
      max_parallel      = 3
      health_check      = "task_states"
      min_healthy_time  = "0s"
      healthy_deadline  = "5m"
      progress_deadline = "10m"
      auto_revert       = false
      auto_promote      = true
      canary            = 2
    }

    restart {
      attempts = 3
      interval = "5m"
      delay    = "15s"
      mode     = "delay"
    }

    task "fast" {
      driver = "docker"

      config {
        image = "rollout/web:1.2"
      }
    }
  }
}

