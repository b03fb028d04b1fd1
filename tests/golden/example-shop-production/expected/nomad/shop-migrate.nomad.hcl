job "shop-migrate" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"         = "shop"
    "description" = "The canonical crossdock example"
    "managed-by"  = "crossdock"
    "team"        = "storefront"
    "workload"    = "migrate"
  }

  group "migrate" {
    count = 1

    restart {
      attempts = 2
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "migrate" {
      driver = "docker"
      env = {
        "EXIT_CODE" = "0"
      }

      config {
        args       = ["echo migrating && exit 0"]
        entrypoint = ["sh", "-c"]
        image      = "crossdock-test/job:1.0"
      }

      template {
        data        = "{{ with nomadVar \"nomad/jobs/shop-migrate\" -}}\nDB_PASSWORD={{ (index . \"db-password\").Value | toJSON }}\n{{ end -}}\n"
        destination = "secrets/env"
        change_mode = "restart"
        perms       = "0400"
        env         = true
      }
    }
  }
}

