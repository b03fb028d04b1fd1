job "etl-export" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"        = "etl"
    "managed-by" = "crossdock"
    "workload"   = "export"
  }

  periodic {
    enabled          = true
    crons            = ["0 3 * * *"]
    prohibit_overlap = true
  }

  group "export" {
    count = 2

    network {
      mode = "bridge"
    }

    restart {
      attempts = 2
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "lock" {
      driver = "docker"
      env = {
        "LOCK_TTL" = "2h"
      }

      lifecycle {
        hook    = "prestart"
        sidecar = false
      }

      config {
        args       = ["acquire", "export"]
        entrypoint = ["/bin/lock"]
        image      = "etl/tools:2.1"
      }

      resources {
        cpu        = 10
        memory     = 16
        memory_max = 32
      }
    }

    task "export" {
      driver = "docker"

      config {
        args       = ["--since", "24h"]
        entrypoint = ["/bin/export"]
        image      = "etl/exporter:2.1"
      }

      resources {
        cpu    = 250
        memory = 128
      }
    }

    task "metrics" {
      driver = "docker"
      env = {
        "JOB" = "export"
      }

      lifecycle {
        hook    = "prestart"
        sidecar = true
      }

      config {
        args       = ["--push", "http://metrics.internal:9091"]
        entrypoint = ["/bin/agent"]
        image      = "etl/metrics-agent:0.9"
      }

      resources {
        cpu        = 10
        memory     = 16
        memory_max = 32
      }

      restart {
        attempts = 3
        interval = "5m"
        delay    = "15s"
        mode     = "delay"
      }
    }

    task "logs" {
      driver = "docker"

      lifecycle {
        hook    = "prestart"
        sidecar = true
      }

      config {
        image = "etl/logship:2.0"
      }

      restart {
        attempts = 3
        interval = "5m"
        delay    = "15s"
        mode     = "delay"
      }
    }
  }
}

