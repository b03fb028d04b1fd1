job "fleet-logs" {
  type        = "system"
  datacenters = ["*"]
  meta = {
    "app"        = "fleet"
    "managed-by" = "crossdock"
    "workload"   = "logs"
  }

  group "logs" {
    count = 1

    constraint {
      attribute = "$${meta.role}"
      operator  = "="
      value     = "worker"
    }

    network {
      mode = "bridge"

      port "syslog" {
        to = 5514
      }
    }

    service {
      name     = "fleet-logs"
      provider = "nomad"
      port     = "syslog"
    }

    service {
      name     = "syslog"
      provider = "nomad"
      port     = "syslog"
    }

    service {
      name     = "logs-relay"
      provider = "nomad"
      port     = "syslog"
    }

    volume "cache" {
      type      = "host"
      source    = "cache"
      read_only = false
      per_alloc = false
    }

    update {
      max_parallel      = 1
      health_check      = "checks"
      min_healthy_time  = "0s"
      healthy_deadline  = "2m"
      progress_deadline = "4m"
      auto_revert       = false
    }

    restart {
      attempts = 3
      interval = "5m"
      delay    = "15s"
      mode     = "delay"
    }

    task "tune" {
      driver = "docker"

      lifecycle {
        hook    = "prestart"
        sidecar = false
      }

      config {
        args       = ["sysctl"]
        cap_add    = ["SYS_ADMIN"]
        cap_drop   = ["MKNOD"]
        image      = "example/tools:1.0"
        privileged = true
      }
    }

    task "logs" {
      driver       = "docker"
      kill_timeout = "2m"

      config {
        image = "example/logship:5.0"
        ports = ["syslog"]
      }

      volume_mount {
        volume      = "cache"
        destination = "/var/cache/logship"
        read_only   = false
      }
    }

    task "metrics" {
      driver       = "docker"
      user         = "65534:65534"
      kill_timeout = "2m"
      env = {
        "exporter.port" = "9100"
      }

      lifecycle {
        hook    = "poststart"
        sidecar = true
      }

      config {
        cap_add         = ["NET_RAW"]
        cap_drop        = ["ALL"]
        image           = "example/exporter:1.1"
        privileged      = true
        readonly_rootfs = true
        security_opt    = ["no-new-privileges"]
        work_dir        = "/metrics"
      }
    }
  }
}

