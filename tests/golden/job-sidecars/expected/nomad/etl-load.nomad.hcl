job "etl-load" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"        = "etl"
    "managed-by" = "crossdock"
    "workload"   = "load"
  }

  group "load" {
    count = 1

    network {
      mode = "bridge"
    }

    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "schema" {
      driver = "docker"
      env = {
        "DB_HOST" = "127.0.0.1"
      }

      lifecycle {
        hook    = "prestart"
        sidecar = false
      }

      config {
        args       = ["apply"]
        entrypoint = ["/bin/schema"]
        image      = "etl/tools:2.1"
      }

      resources {
        cpu        = 100
        memory     = 64
        memory_max = 128
      }
    }

    task "load" {
      driver = "docker"
      env = {
        "DB_HOST" = "127.0.0.1"
      }

      config {
        args       = ["--source", "s3://bucket/in"]
        entrypoint = ["/bin/load"]
        image      = "etl/loader:2.1"
      }

      resources {
        cpu        = 500
        memory     = 256
        memory_max = 512
      }
    }

    task "db-proxy" {
      driver = "docker"
      env = {
        "UPSTREAM" = "db.internal:5432"
      }

      lifecycle {
        hook    = "prestart"
        sidecar = true
      }

      config {
        args       = ["--listen", "127.0.0.1:5432"]
        entrypoint = ["/bin/db-proxy"]
        image      = "etl/db-proxy:1.4"
      }

      resources {
        cpu        = 50
        memory     = 32
        memory_max = 64
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

