"""Hostile cases against a spec (validate / render), classes 2-8 of issue 19.

Every spec lives in ``proj/`` under the case's tmp_path; what is "outside" lives in ``outside/``.
Expected codes and locations come from the issue, not from today's output.
"""

from __future__ import annotations

from hostile_harness import Case, fifo_at, link_at

HEAD = "apiVersion: crossdock/v1\nkind: App\nmetadata:\n  name: demo\n"


def line_of(text: str, needle: str) -> int:
    """The 1-based line of ``text`` holding ``needle`` (expected locations are computed, not
    typed by hand)."""
    for n, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return n
    raise ValueError(needle)


def at(file: str, text: str, needle: str) -> str:
    """The regex of ``file:LINE:`` for the line holding ``needle``."""
    return rf"{file.replace('.', '[.]')}:{line_of(text, needle)}:"


def planted(cls: int, n: int) -> str:
    return f"Pl4nted-{cls}-{n}-Zq"


# -- class 2: confined file access --------------------------------------------------------

SECRET_FROM = HEAD + """secrets:
  db:
    from_file: {src}
services:
  web:
    image: nginx:1.25
    secrets:
      - secret: db
        env: DB_PASSWORD
"""
CONFIG_FROM = HEAD + """services:
  web:
    image: nginx:1.25
    files:
      - path: /etc/app/app.conf
        file: {src}
"""


def _confined() -> list[Case]:
    cases = []
    for n, (kind, src, setup) in enumerate([
        ("secret-absolute", "{ROOT}/outside/secret.txt", None),
        ("secret-dotdot", "../outside/secret.txt", None),
        ("config-absolute", "{ROOT}/outside/secret.txt", None),
        ("config-dotdot", "../outside/secret.txt", None),
        ("config-symlink", "config/app.conf", link_at("proj/config/app.conf", "../../outside/secret.txt")),
        ("secret-symlink-dir", "keys/secret.txt", link_at("proj/keys", "../outside")),
    ], 1):
        template = SECRET_FROM if kind.startswith("secret") else CONFIG_FROM
        text = template.replace("{src}", src)
        # render reads a secret's file only to write its value (--include-secrets); without it the
        # file is not read at all (tests/specs/test_confined_files.py)
        flags = ("--include-secrets",) if kind.startswith("secret") else ()
        cases.append(Case(f"{kind}", "2-confined", ("render", "proj/app.yaml", "-t", "all", "-o", "out", *flags), 2,
                          at("app.yaml", text, "file:"), (planted(2, n),),
                          files={"proj/app.yaml": text, "outside/secret.txt": planted(2, n) + "\n"}, setup=setup))
    environ = CONFIG_FROM.replace("{src}", "/proc/self/environ")
    cases.append(Case("config-proc-environ", "2-confined", ("render", "proj/app.yaml", "-t", "all", "-o", "out"), 2,
                      at("app.yaml", environ, "file:"), (planted(2, 10),), files={"proj/app.yaml": environ},
                      env={"CI_JOB_TOKEN": planted(2, 10)}))
    fifo_secret = SECRET_FROM.replace("{src}", "secrets/pipe")
    cases.append(Case("secret-fifo", "2-confined", ("validate", "proj/app.yaml"), 2,
                      at("app.yaml", fifo_secret, "from_file:"), files={"proj/app.yaml": fifo_secret},
                      setup=fifo_at("proj/secrets/pipe")))
    cases.append(Case("spec-fifo", "2-confined", ("validate", "proj/app.yaml"), 2, r"app[.]yaml",
                      setup=fifo_at("proj/app.yaml")))
    plain = HEAD + "services:\n  web:\n    image: nginx:1.25\n"
    cases.append(Case("overlay-fifo", "2-confined", ("render", "proj/app.yaml", "--overlay", "proj/over.yaml",
                                                     "-t", "swarm"), 2, r"over[.]yaml",
                      files={"proj/app.yaml": plain}, setup=fifo_at("proj/over.yaml")))
    big = (plain + "# " + "x" * (5 * 1024 * 1024) + "\n").encode()
    cases.append(Case("stdin-5MiB", "2-confined", ("validate", "-"), 2, r"(^|\n)(error: )?(-|<stdin>|stdin|standard input):",
                      stdin=big))
    config_big = CONFIG_FROM.replace("{src}", "config/big.conf")
    cases.append(Case("config-over-cap", "2-confined", ("validate", "proj/app.yaml"), 2,
                      at("app.yaml", config_big, "file:"),
                      files={"proj/app.yaml": config_big, "proj/config/big.conf": "y" * (2 * 1024 * 1024)}))
    # --allow-path opens exactly the folder it names: the same outside file is then read.
    allowed = CONFIG_FROM.replace("{src}", "../shared/common.conf")
    cases.append(Case("allow-path-opens", "2-confined", ("validate", "proj/app.yaml", "--allow-path", "shared"), 0,
                      "", files={"proj/app.yaml": allowed, "shared/common.conf": "listen 80;\n"}))
    return cases


# -- class 3: bounded expansion -----------------------------------------------------------

def _expansion() -> list[Case]:
    mib = "A" * (1024 * 1024)
    # 1 MiB anchored once, aliased 3,000 times: 3 GB once expanded (the measurement).
    aliases = "".join(f"      K{i}: *big\n" for i in range(3000))
    alias_bomb = HEAD + f"services:\n  web:\n    image: nginx:1.25\n    env:\n      K: &big \"{mib}\"\n{aliases}"
    refs = "".join(f"      V{i}: ${{A}}\n" for i in range(3000))
    var_bomb = HEAD + f"variables:\n  A: \"{mib}\"\nservices:\n  web:\n    image: nginx:1.25\n    env:\n{refs}"
    return [
        Case("yaml-alias-bytes", "3-expansion", ("render", "proj/app.yaml", "-t", "swarm", "-o", "out"), 2,
             r"app[.]yaml:\d+:", files={"proj/app.yaml": alias_bomb}),
        Case("variable-bomb", "3-expansion", ("render", "proj/app.yaml", "-t", "swarm", "-o", "out"), 2,
             r"app[.]yaml:\d+:", files={"proj/app.yaml": var_bomb}),
    ]


# -- class 4: YAML scalars ----------------------------------------------------------------

def _scalars() -> list[Case]:
    cases = []
    for name, value in [("unknown-tag", "!foo bar"), ("float-tag", "!!float abc"),
                        ("timestamp-tag", "!!timestamp notatime"), ("python-tag", "!!python/name:os.system"),
                        ("huge-int", "9" * 5000), ("huge-int-replicas", None)]:
        if value is None:
            text = HEAD + "services:\n  web:\n    image: nginx:1.25\n    replicas: " + "1" * 5000 + "\n"
            needle = "replicas:"
        else:
            text = HEAD + f"services:\n  web:\n    image: nginx:1.25\n    env:\n      FLAG: {value}\n"
            needle = "FLAG:"
        for cmd in (("validate", "proj/app.yaml"), ("render", "proj/app.yaml", "-t", "all", "-o", "out")):
            cases.append(Case(f"{name}-{cmd[0]}", "4-scalars", cmd, 2, at("app.yaml", text, needle),
                              files={"proj/app.yaml": text}))
    for name, value in [("equals-sign", "="), ("merge-key", "<<")]:
        text = HEAD + f"services:\n  web:\n    image: nginx:1.25\n    env:\n      SEPARATOR: {value}\n"
        cases.append(Case(f"{name}-plain-string", "4-scalars", ("render", "proj/app.yaml", "-t", "swarm", "-o", "out"),
                          0, "", files={"proj/app.yaml": text}))
    return cases


# -- class 5: messages --------------------------------------------------------------------

SECRET_IN_FIELD = HEAD + """secrets:
  db:
    from_env: DB_PASSWORD
services:
  web:
    image: nginx:1.25
    replicas: ${DB_PASSWORD}
    secrets:
      - secret: db
        env: DB_PASSWORD
"""


def _messages() -> list[Case]:
    cases = []
    for name, value in [("backslash-quote", 'Pl4\\nt"ed\'5-1'), ("newline-tab", "Pl4nt\ned\t5-2"),
                        ("control-char", "Pl4nt\x01ed\x7f5-3"), ("two-chars", "%Q")]:
        cases.append(Case(f"secret-{name}", "5-messages", ("validate", "proj/app.yaml"), 2,
                          at("app.yaml", SECRET_IN_FIELD, "replicas:"), (value,),
                          files={"proj/app.yaml": SECRET_IN_FIELD}, env={"DB_PASSWORD": value}))
    for name, key in [("newline", "A\\nB"), ("escape", "K\\e[31mEY"), ("bell", "BEL\\aL")]:
        # A service name must be a DNS label: the message has to show this key, escaped.
        text = HEAD + f"services:\n  \"{key}\":\n    image: nginx:1.25\n"
        cases.append(Case(f"key-with-{name}", "5-messages", ("validate", "proj/app.yaml"), 2,
                          at("app.yaml", text, f'"{key}"'), files={"proj/app.yaml": text}))
    shadow = "".join(f"{u}:$6$salt${planted(5, i)}:19000:0:99999:7:::\n" for i, u in enumerate(["root", "daemon"], 10))
    cases.append(Case("shadow-as-spec", "5-messages", ("validate", "proj/shadow"), 2, r"shadow",
                      (planted(5, 10), planted(5, 11)), files={"proj/shadow": shadow}))
    plain = HEAD + "services:\n  web:\n    image: nginx:1.25\n"
    cases.append(Case("password-file-as-overlay", "5-messages",
                      ("validate", "proj/app.yaml", "--overlay", "proj/secrets/db.txt"), 2, r"db[.]txt",
                      (planted(5, 20),), files={"proj/app.yaml": plain, "proj/secrets/db.txt": planted(5, 20) + "\n"}))
    cases.append(Case("env-file-as-spec", "5-messages", ("render", "proj/.env", "-t", "all"), 2, r"[.]env",
                      (planted(5, 21),), files={"proj/.env": f"API_TOKEN={planted(5, 21)}\nMODE: x\n"}))
    return cases


# -- class 6: output safety ---------------------------------------------------------------

def _output() -> list[Case]:
    nomad_spec = HEAD + """secrets:
  db:
    from_file: secrets/db.txt
services:
  web:
    image: nginx:1.25
    files:
      - path: /etc/app/app.conf
        file: config/app.conf
    secrets:
      - secret: db
        env: DB_PASSWORD
"""
    repo = {"nomad/app.yaml": nomad_spec, "nomad/secrets/db.txt": planted(6, 1) + "\n",
            "nomad/config/app.conf": "listen 80;\n"}
    reads_kube = CONFIG_FROM.replace("{src}", "kubernetes/app.conf")
    home_env = {"HOME": "{ROOT}/home"}
    plain = HEAD + "services:\n  web:\n    image: nginx:1.25\n"
    return [
        Case("render-o-dot-spec-in-nomad", "6-output", ("render", "nomad/app.yaml", "-t", "all", "-o", "."), 2,
             r"(-o|--output)", (planted(6, 1),), files=repo, unchanged=True),
        Case("render-o-spec-folder", "6-output", ("render", "proj/app.yaml", "-t", "kubernetes", "-o", "proj"), 2,
             r"(-o|--output)", files={"proj/app.yaml": reads_kube, "proj/kubernetes/app.conf": "listen 80;\n"},
             unchanged=True),
        Case("render-o-home", "6-output", ("render", "proj/app.yaml", "-t", "nomad", "-o", "{ROOT}/home"), 2,
             r"(-o|--output)", files={"proj/app.yaml": plain, "home/.profile": "# mine\n"}, env=home_env,
             unchanged=True),
        Case("render-o-force-replaces", "6-output",
             ("render", "proj/app.yaml", "-t", "nomad", "-o", "out", "--force"), 0, "",
             files={"proj/app.yaml": plain, "out/nomad/stale.hcl": "old\n"}),
    ]


# -- class 7: a secret's source in a plain field ------------------------------------------

def _secret_source() -> list[Case]:
    cases = []
    for n, (field, line) in enumerate([("env", "    env:\n      DSN: \"postgres://app:${DB_PASSWORD}@db/app\"\n"),
                                       ("label", "    labels:\n      pw: ${DB_PASSWORD}\n"),
                                       ("image", None)], 1):
        image = "registry.example.com/${DB_PASSWORD}:1" if line is None else "nginx:1.25"
        text = HEAD + ("secrets:\n  db:\n    from_env: DB_PASSWORD\nservices:\n  web:\n"
                       f"    image: {image}\n" + (line or "")
                       + "    secrets:\n      - secret: db\n        env: DB_PASSWORD\n")
        use = at("app.yaml", text, "${DB_PASSWORD}")
        src = at("app.yaml", text, "from_env:")
        value = f"pl4nted{n}zq"  # valid in an image name too, so only the new check can refuse it
        cases.append(Case(f"from-env-in-{field}", "7-secret-source", ("render", "proj/app.yaml", "-t", "all", "-o", "out"),
                          2, rf"(?s)(?=.*{use})(?=.*({src}|secrets[.]db))", (value,), files={"proj/app.yaml": text},
                          env={"DB_PASSWORD": value}))
    return cases


# -- class 8: image references ------------------------------------------------------------

def _images() -> list[Case]:
    cases = []
    for name, image in [("escape", '"nginx\\e[31m"'), ("upper-case", '"UPPER/Case:tag"'),
                        ("space", '"nginx:1.25 --privileged"'), ("empty-tag", '"nginx:"'),
                        ("bad-digest", '"nginx@sha256:abc"'), ("newline", '"nginx\\n:1"')]:
        text = HEAD + f"services:\n  web:\n    image: {image}\n"
        cases.append(Case(f"image-{name}", "8-images", ("validate", "proj/app.yaml"), 2, at("app.yaml", text, "image:"),
                          files={"proj/app.yaml": text}))
    good = HEAD + ("services:\n  web:\n    image: registry.example.com:5000/team/app:1.0@sha256:"
                   + "a" * 64 + "\n")
    cases.append(Case("image-full-reference-ok", "8-images", ("validate", "proj/app.yaml"), 0, "",
                      files={"proj/app.yaml": good}))
    return cases


def cases() -> list[Case]:
    return _confined() + _expansion() + _scalars() + _messages() + _output() + _secret_source() + _images()
