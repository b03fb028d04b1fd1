job "hardened-agent" {
  type        = "system"
  datacenters = ["*"]
  meta = {
    "app"        = "hardened"
    "managed-by" = "crossdock"
    "workload"   = "agent"
  }

  group "agent" {
    count = 1

    constraint {
      attribute = "$${meta.disk}"
      operator  = "="
      value     = "ssd"
    }

    network {
      mode     = "bridge"
      hostname = "agent"
    }

    update {
      max_parallel      = 2
      health_check      = "checks"
      min_healthy_time  = "5s"
      healthy_deadline  = "5m"
      progress_deadline = "10m"
      auto_revert       = false
    }

    restart {
      attempts = 3
      interval = "5m"
      delay    = "15s"
      mode     = "delay"
    }

    task "prepare" {
      driver = "docker"
      user   = "1000:1000"

      lifecycle {
        hook    = "prestart"
        sidecar = false
      }

      config {
        entrypoint      = ["/prepare"]
        image           = "example/tools:1.0"
        readonly_rootfs = true
        work_dir        = "/work"
      }
    }

    task "agent" {
      driver       = "docker"
      user         = "0"
      kill_signal  = "SIGINT"
      kill_timeout = "45s"
      env = {
        "discovery.type"         = "single-node"
        "xpack-security-enabled" = "false"
      }

      config {
        cap_add      = ["NET_ADMIN", "SYS_TIME"]
        image        = "example/node-agent:2.1"
        privileged   = true
        security_opt = ["no-new-privileges"]
        work_dir     = "/opt/agent"
      }
    }
  }
}

