job "ledger-reconcile" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"        = "ledger"
    "managed-by" = "crossdock"
    "workload"   = "reconcile"
  }

  group "reconcile" {
    count = 1
    meta = {
      "team" = "finance"
    }

    constraint {
      attribute = "$${meta.node.example.com/pool}"
      operator  = "="
      value     = "batch"
    }

    spread {
      attribute = "$${meta.topology.kubernetes.io/zone}"
    }

    volume "archive" {
      type      = "host"
      source    = "archive"
      read_only = true
      per_alloc = false
    }

    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    task "reconcile" {
      driver = "docker"

      config {
        args  = ["reconcile"]
        image = "ledger/tools:5.0"

        mount {
          readonly = true
          source   = "local/files/etc/ledger/reconcile.toml"
          target   = "/etc/ledger/reconcile.toml"
          type     = "bind"
        }

        mount {
          readonly = true
          source   = "local/files/etc/ledger/rules.csv"
          target   = "/etc/ledger/rules.csv"
          type     = "bind"
        }

        mount {
          readonly = true
          source   = "secrets/files/run/secrets/bank-token"
          target   = "/run/secrets/bank-token"
          type     = "bind"
        }

        mount {
          readonly = false
          target   = "/work"
          type     = "tmpfs"

          tmpfs_options {
            size = 2147483648
          }
        }
      }

      template {
        data        = "[reconcile]\nwindow = \"24h\"\n"
        destination = "local/files/etc/ledger/reconcile.toml"
        change_mode = "noop"
        perms       = "0640"
      }

      template {
        data        = "account,rule\n*,match-by-reference\n"
        destination = "local/files/etc/ledger/rules.csv"
        change_mode = "noop"
        perms       = "0644"
      }

      template {
        data        = "{{ with nomadVar \"nomad/jobs/ledger-reconcile\" }}{{ (index . \"bank-token\").Value }}{{ end }}"
        destination = "secrets/files/run/secrets/bank-token"
        change_mode = "restart"
        perms       = "0400"
      }

      template {
        data        = "{{ with nomadVar \"nomad/jobs/ledger-reconcile\" -}}\nPGPASSWORD={{ (index . \"db-password\").Value | toJSON }}\n{{ end -}}\n"
        destination = "secrets/env"
        change_mode = "restart"
        perms       = "0400"
        env         = true
      }

      volume_mount {
        volume      = "archive"
        destination = "/archive"
        read_only   = true
      }
    }
  }
}

