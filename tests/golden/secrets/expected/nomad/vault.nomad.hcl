job "vault" {
  type        = "service"
  datacenters = ["*"]
  meta = {
    "app"        = "vault"
    "managed-by" = "crossdock"
  }

  group "api" {
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

    task "api" {
      driver = "docker"

      config {
        image = "vault/api:1.0"

        mount {
          readonly = true
          source   = "secrets/files/etc/tls/tls.crt"
          target   = "/etc/tls/tls.crt"
          type     = "bind"
        }

        mount {
          readonly = true
          source   = "secrets/files/run/secrets/signing-key"
          target   = "/run/secrets/signing-key"
          type     = "bind"
        }
      }

      template {
        data        = "{{ with nomadVar \"nomad/jobs/vault\" }}{{ (index . \"tls-cert\").Value }}{{ end }}"
        destination = "secrets/files/etc/tls/tls.crt"
        change_mode = "restart"
        perms       = "0440"
      }

      template {
        data        = "{{ with nomadVar \"nomad/jobs/vault\" }}{{ (index . \"signing-key\").Value }}{{ end }}"
        destination = "secrets/files/run/secrets/signing-key"
        change_mode = "restart"
        perms       = "0644"
      }

      template {
        data        = "{{ with nomadVar \"nomad/jobs/vault\" -}}\nAPI_KEY={{ (index . \"api-key\").Value | toJSON }}\nSIGNING_KEY={{ (index . \"signing-key\").Value | toJSON }}\n{{ end -}}\n"
        destination = "secrets/env"
        change_mode = "restart"
        perms       = "0400"
        env         = true
      }
    }
  }
}

