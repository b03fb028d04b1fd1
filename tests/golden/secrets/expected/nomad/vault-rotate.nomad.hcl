job "vault-rotate" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"        = "vault"
    "managed-by" = "crossdock"
    "workload"   = "rotate"
  }

  group "rotate" {
    count = 1

    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "rotate" {
      driver = "docker"

      config {
        image = "vault/tools:1.0"
      }

      template {
        data        = "{{ with nomadVar \"nomad/jobs/vault-rotate\" -}}\nAPI_KEY={{ (index . \"api-key\").Value | toJSON }}\n{{ end -}}\n"
        destination = "secrets/env"
        change_mode = "restart"
        perms       = "0400"
        env         = true
      }
    }
  }
}

