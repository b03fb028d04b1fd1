job "hostile" {
  type        = "service"
  datacenters = ["*"]
  meta = {
    "app"        = "hostile"
    "colon"      = "key: value # not a comment"
    "dollar"     = "$HOME $${HOME} $$ $(HOME) %%{if x}"
    "empty"      = ""
    "managed-by" = "crossdock"
    "newline"    = "line one\nline two\n"
    "on"         = "off"
    "quote"      = "she said \"hi\" and 'bye'"
    "template"   = "{{ .Values.x }} {{- y -}}"
    "yes"        = "0755"
  }

  group "web" {
    count = 1
    meta = {
      "example.com/flag" = "true"
      "version"          = "1.0"
    }

    network {
      mode = "bridge"

      port "http" {
        to = 8080
      }
    }

    service {
      name     = "hostile-web"
      provider = "nomad"
      port     = "http"
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

    task "web" {
      driver = "docker"
      env = {
        "AMP"           = "&anchor"
        "AT"            = "@at"
        "BACKSLASH"     = "C:\\path\\to\\n"
        "BACKTICK"      = "`tick`"
        "BANG"          = "!tag"
        "BRACES"        = "{{ not a template }}"
        "BRACKETS"      = "[not, a, list]"
        "COLON"         = "a: b"
        "CURLY"         = "{not: a map}"
        "DASH"          = "- item"
        "DOLLAR"        = "costs $5, $$ and $(HOME)"
        "DOLLAR_BRACE"  = "$${NOT_A_VAR}"
        "EMPTY"         = ""
        "FLOAT"         = "1e3"
        "GT"            = "> folded"
        "HASH"          = "# not a comment"
        "HEX"           = "0x1F"
        "LEADING_SPACE" = "  padded  "
        "N"             = "n"
        "NEWLINES"      = "one\ntwo\n\nthree\r\n"
        "NO"            = "no"
        "NULL"          = "null"
        "OCTAL"         = "0755"
        "OFF"           = "off"
        "ON"            = "on"
        "PERCENT"       = "100%"
        "PERCENT_BRACE" = "%%{ if true }yes%%{ endif }"
        "PIPE"          = "| not a block"
        "QUESTION"      = "? key"
        "QUOTES"        = "\"double\" and 'single'"
        "STAR"          = "*alias"
        "TAB"           = "a\tb"
        "TILDE"         = "~"
        "UNICODE"       = "héllo wörld — ☃ 😀 中文"
        "Y"             = "y"
        "YES"           = "yes"
      }

      config {
        args       = ["-", "*star", "&anchor", "!tag", "~", "null", "1e3", "0755", "on", "y", "n", "NO", "%%{x}", "$${y}", "$(z)", "$$"]
        entrypoint = ["sh", "-c", "echo \"$GREETING\" && exec httpd -f"]
        image      = "crossdock-test/httpd:1.0"
        ports      = ["http"]

        mount {
          readonly = true
          source   = "local/files/etc/hostile/app.conf"
          target   = "/etc/hostile/app.conf"
          type     = "bind"
        }

        mount {
          readonly = true
          source   = "local/files/etc/hostile/space name.txt"
          target   = "/etc/hostile/space name.txt"
          type     = "bind"
        }
      }

      template {
        data        = "{{\"{{\"}} keep }} $${keep} %%{keep} $keep $$keep\n---\nkey: value\n# comment\n\ttab\n"
        destination = "local/files/etc/hostile/app.conf"
        change_mode = "noop"
        perms       = "0600"
      }

      template {
        data        = "{{/* empty */}}"
        destination = "local/files/etc/hostile/space name.txt"
        change_mode = "noop"
        perms       = "0644"
      }
    }
  }
}

