job "batch-render" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"        = "batch"
    "managed-by" = "crossdock"
    "workload"   = "render"
  }

  group "render" {
    count = 3

    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "render" {
      driver = "docker"

      config {
        image = "batch/render:3.0"
      }

      resources {
        cpu        = 500
        memory     = 256
        memory_max = 512
      }
    }
  }
}

