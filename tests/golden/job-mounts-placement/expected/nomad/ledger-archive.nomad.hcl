job "ledger-archive" {
  type        = "batch"
  datacenters = ["*"]
  meta = {
    "app"        = "ledger"
    "managed-by" = "crossdock"
    "workload"   = "archive"
  }

  periodic {
    enabled          = true
    crons            = ["15 1 * * *"]
    prohibit_overlap = true
  }

  group "archive" {
    count = 1
    meta = {
      "team" = "finance"
      "tier" = "batch"
    }

    constraint {
      attribute = "$${node.unique.name}"
      operator  = "="
      value     = "storage-1"
    }

    spread {
      attribute = "$${node.unique.name}"
    }

    volume "archive" {
      type      = "host"
      source    = "archive"
      read_only = false
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

    task "archive" {
      driver = "docker"

      config {
        args  = ["archive"]
        image = "ledger/tools:5.0"

        mount {
          readonly = true
          source   = "local/files/etc/ledger/archive.toml"
          target   = "/etc/ledger/archive.toml"
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
          source   = "secrets/files/run/secrets/db-password"
          target   = "/run/secrets/db-password"
          type     = "bind"
        }

        mount {
          readonly = false
          target   = "/scratch"
          type     = "tmpfs"

          tmpfs_options {
            size = 536870912
          }
        }
      }

      template {
        data        = "keep = \"7y\"\n"
        destination = "local/files/etc/ledger/archive.toml"
        change_mode = "noop"
        perms       = "0600"
      }

      template {
        data        = "account,rule\n*,match-by-reference\n"
        destination = "local/files/etc/ledger/rules.csv"
        change_mode = "noop"
        perms       = "0644"
      }

      template {
        data        = "{{ with nomadVar \"nomad/jobs/ledger-archive\" }}{{ (index . \"db-password\").Value }}{{ end }}"
        destination = "secrets/files/run/secrets/db-password"
        change_mode = "restart"
        perms       = "0440"
      }

      template {
        data        = "{{ with nomadVar \"nomad/jobs/ledger-archive\" -}}\nBANK_TOKEN={{ (index . \"bank-token\").Value | toJSON }}\n{{ end -}}\n"
        destination = "secrets/env"
        change_mode = "restart"
        perms       = "0400"
        env         = true
      }

      volume_mount {
        volume      = "archive"
        destination = "/archive"
        read_only   = false
      }
    }
  }
}

