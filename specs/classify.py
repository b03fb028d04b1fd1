"""Whether a variable or a file holds a secret: one rule for every importer.

People feed crossdock their real compose files, manifests and jobs, often in CI where logs are
public.  A value this module calls secret is never copied into a spec: the importers turn it into
a ``from_env`` (or ``from_file``) secret.  The rule errs on the side of calling a value secret:
a secret written as a plain env var is a leak, a plain value made a secret only costs one
``export`` (and ``--not-secret NAME`` undoes it).

**By name.**  The name is cut into words on ``_``, ``-``, ``.`` and camelCase humps
(``dbPassword`` -> DB, PASSWORD).  It is secret when

- a word is one of ``_ANYWHERE`` (PASSWORD, PASSWD, PASSPHRASE, SECRET, TOKEN, APIKEY,
  CREDENTIALS, CREDS, PRIVATEKEY, WEBHOOK...), wherever it stands: SECRET_KEY_BASE, TOKEN_GITHUB;
  the longest of them count inside a word too (``_INSIDE``: PGPASSWORD, GITHUBTOKEN);
- or the last word is one of ``_LAST`` (short words that mean a credential only at the end:
  PASS, PWD, PW, PIN, DSN, SALT, PEPPER, AUTH, KEY, KEYS): DB_PW, SENTRY_DSN, REDIS_AUTH, API_KEY,
  OPENAI_KEY; KEY after a word of ``_PUBLIC_KEY`` is not (PUBLIC_KEY, CACHE_KEY, SITE_KEY);
- or the name ends with a pair of ``_PAIRS`` (CONNECTION_STRING, Vault's SECRET_ID).

WEBHOOK_URL is not secret by name (n8n's is its public base URL): known webhook URLs are secret
by value.

It is not when the last word says the variable is about the secret, not the secret itself
(``_ABOUT``: AUTH_TYPE, AUTH_METHOD, PASSWORD_MIN_LENGTH, TOKEN_TTL, PASSWORD_ENABLED,
MYSQL_PASSWORD_FILE - a path to a secret file is not the secret -, KEY_ID, TOKEN_URL...), nor
when the value is a switch (``true``, ``off``...) or a path (TLS_KEY=/certs/tls.key, ssl.key=
certs/es-key.pem: the
file is the secret, and a bind mount of it is classified on its own).  A KEY_ID is an identifier
(AWS prints access key ids in its logs); an AWS key id is still caught by its value (AKIA...).

**By value**, whatever the name: a URL with a password in its userinfo (``postgres://u:p@h/db``,
``redis://:p@h``), a password or token in a URL's query (``?password=``), a webhook URL (Slack,
Discord, Teams, Telegram bot), a PEM private key (a certificate is public: not a secret), a
connection string with ``Password=``/``Pwd=``, a known token shape (GitHub, GitLab, Slack,
Stripe, OpenAI, AWS, Google, npm, PyPI, SendGrid, Hugging Face, JWT), and a long random-looking
string (see ``_random_looking``).  A value that only refers to another variable (``${DB_PASSWORD}``,
``$(DB_PASSWORD)``, ``{{ ... }}``) holds no secret of its own.

No verdict ever carries the value: reasons name the rule, so they can go in comments and messages.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

# Words that make a name secret wherever they stand.
_ANYWHERE = frozenset({
    "PASSWORD", "PASSWORDS", "PASSWD", "PASSPHRASE", "SECRET", "SECRETS", "TOKEN", "TOKENS", "APIKEY", "APIKEYS",
    "CREDENTIAL", "CREDENTIALS", "CREDS", "PRIVATEKEY", "WEBHOOK", "CONNSTR", "CONNECTIONSTRING", "PASSCODE",
})
# Long words that make a name secret even glued to another (PGPASSWORD, GITHUBTOKEN, MYAPIKEY).
_INSIDE = ("PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "CREDENTIAL")
# Words that make a name secret only as its last word (elsewhere they mean something else:
# PIN_MEMORY, PASS_THROUGH, KEY_PREFIX, AUTH_TYPE).
_LAST = frozenset({"PASS", "PWD", "PW", "PIN", "DSN", "SALT", "PEPPER", "AUTH", "KEY", "KEYS"})
# A KEY after one of these is not a credential: public halves, and the keys of data structures.
_PUBLIC_KEY = frozenset({
    "PUBLIC", "PUB", "PUBLISHABLE", "SITE", "CACHE", "PARTITION", "SORT", "PRIMARY", "FOREIGN", "ROUTING",
    "OBJECT", "SHARD", "LOOKUP", "HASH", "IDEMPOTENCY", "DEDUP", "DEDUPLICATION", "GROUP", "MESSAGE",
    "SIGNATURE", "HOTKEY", "SHORTCUT", "TRANSLATION", "I18N", "LOCK", "QUEUE", "STREAM", "TOPIC",
})
# Two last words that make a name secret even though the last one alone is in _ABOUT.
_PAIRS = frozenset({("CONNECTION", "STRING"), ("SECRET", "ID")})
# Last words saying the variable is about a secret (its kind, size, lifetime, location, switch).
_ABOUT = frozenset({
    "FILE", "FILES", "PATH", "PATHS", "DIR", "DIRECTORY", "FOLDER", "LOCATION", "MOUNT", "TYPE", "KIND",
    "METHOD", "METHODS", "MODE", "MECHANISM", "MECHANISMS", "PROVIDER", "PROVIDERS", "BACKEND", "STRATEGY",
    "SCHEME", "LENGTH", "LEN", "SIZE", "BITS", "MIN", "MAX", "COUNT", "LIMIT", "RETRIES", "ATTEMPTS", "TTL",
    "EXPIRY", "EXPIRE", "EXPIRES", "EXPIRATION", "LIFETIME", "AGE", "DURATION", "INTERVAL", "TIMEOUT",
    "VALIDITY", "ENABLED", "ENABLE", "DISABLED", "DISABLE", "REQUIRED", "REQUIRE", "ALLOWED", "ALLOW", "FLAG",
    "POLICY", "RULES", "COMPLEXITY", "STRENGTH", "REGEX", "PATTERN", "FORMAT", "ALGORITHM", "ALG", "HASHER",
    "HASHING", "ID", "IDS", "NAME", "NAMES", "USER", "USERNAME", "LOGIN", "EMAIL", "HEADER", "PARAM",
    "FIELD", "PREFIX", "SUFFIX", "LABEL", "HINT", "PROMPT", "VERSION", "LEVEL", "ISSUER", "AUDIENCE", "SCOPE",
    "SCOPES", "URL", "URI", "ENDPOINT", "HOST", "HOSTNAME", "PORT", "ADDR", "ADDRESS", "SERVER", "REALM",
    "ROTATION", "RESET", "STORE", "KEYRING", "VAULT", "ROLE", "ACCOUNT", "SOURCE", "REF",
})
# Values that switch something on or off: never a credential, whatever the name.
_SWITCHES = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled", "none", "null", "y", "n"})
# Values an AUTH variable takes when it names a method, not a credential (POSTGRES_HOST_AUTH ...).
_AUTH_MODES = frozenset({"trust", "md5", "scram-sha-256", "password", "basic", "bearer", "digest", "ldap",
                         "oauth", "oauth2", "oidc", "saml", "jwt", "token", "cert", "peer", "ident", "reject",
                         "plain", "internal", "external", "local", "anonymous"})

_HUMP = re.compile(r"[A-Z]{1,64}(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
# Every run a pattern scans before a closing literal is bounded (256: a reference or a
# template expression is far shorter): Python's re tries each start position, so an unbounded
# run before a literal that never comes costs O(n^2) on a value of n characters ("{{{{..." or
# "AAAA..." of 256 KiB took 15 s); bounded, it is O(256 n).
_REFERENCE = re.compile(r"\$\{[^}]{0,256}\}|\$\([^)]{0,256}\)|\$[A-Za-z_][A-Za-z0-9_]*|\{\{.{0,256}?\}\}|%\{[^}]{0,256}\}")
# An absolute path, or a relative one to a file with an extension (certs/tls.key, ./key.pem).
_PATH = re.compile(r"/[A-Za-z0-9._@+=,:/-]*|(?:\.{0,2}/)?(?:[A-Za-z0-9._-]+/)+[A-Za-z0-9_-]+\.[A-Za-z0-9]{1,5}")

_URL_USERINFO = re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}://[^\s/@:?#]{0,256}:([^\s/@?#]{1,256})@")
_URL_QUERY = re.compile(r"[?&;](?:password|passwd|pwd|pass|token|access_token|auth_token|api_key|apikey|"
                        r"secret|client_secret|sig|signature|private_token)=([^&;#\s]+)", re.I)
_WEBHOOK = re.compile(r"https?://(?:hooks\.slack\.com/(?:services|workflows|triggers)/|(?:[a-z0-9-]+\.)?"
                      r"discord(?:app)?\.com/api/webhooks/|[a-z0-9-]+\.webhook\.office\.com/|"
                      r"outlook\.office\.com/webhook/|api\.telegram\.org/bot[0-9]+:|hooks\.zapier\.com/hooks/|"
                      r"chat\.googleapis\.com/v1/spaces/[^\s]{0,256}key=)", re.I)
# Private keys of every PEM flavour (RSA, EC, OPENSSH, ENCRYPTED, PGP ... PRIVATE KEY [BLOCK]).
_PEM_PRIVATE = re.compile(r"-----BEGIN [A-Z0-9 ]{0,64}PRIVATE KEY(?: BLOCK)?-----")
_CONN_PASSWORD = re.compile(r"(?:^|;)\s*(?:password|pwd|sharedaccesskey|accountkey)\s*=\s*([^;\s][^;]*)", re.I)
# Token formats with a fixed prefix; the length of the random part is each vendor's (or a lower
# bound on it), so that a short word sharing the prefix ("sk-learn") is not taken for a key.
_TOKENS = re.compile(
    r"(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,}|glpat-[A-Za-z0-9_-]{20,}"
    r"|xox[abposre]-[A-Za-z0-9-]{10,}|xapp-[0-9]-[A-Za-z0-9-]{20,}|[sr]k_(?:live|test)_[A-Za-z0-9]{20,}"
    r"|whsec_[A-Za-z0-9]{24,}|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,}|(?:AKIA|ASIA)[A-Z0-9]{16}"
    r"|AIza[A-Za-z0-9_-]{35}|npm_[A-Za-z0-9]{36}|pypi-AgE[A-Za-z0-9_-]{50,}"
    r"|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}|hf_[A-Za-z0-9]{34,}|glc_[A-Za-z0-9+/=]{32,}"
    r"|dop_v1_[a-f0-9]{64}|shp(?:at|ss|ca)_[a-fA-F0-9]{32}"
    r"|eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})")
_RANDOM_ALPHABET = re.compile(r"[A-Za-z0-9+/=_-]+")
# 32 characters: the shortest length common generated keys have (32 random bytes are 43 base64
# characters, Laravel/Fernet keys 44, Django's 50); below it, build ids and short hashes get too
# close.  4.0 bits per character: of 100,000 random base62/base64 strings of 32 to 88 characters,
# 99.9% measure over 4.17 (the lowest, 3.94).  Entropy alone does not tell words apart
# (ProductCatalogService2024Version1Alpha measures 4.48), the share of lower-to-lower letter
# pairs does: a random character is lower case with p = 26/62 at most, so a pair is with
# p^2 = 0.18; 99.9% of those random strings stay under 0.45, names made of camelCase words
# score 0.48 to 0.75.  Each of upper case, lower case and a digit must appear: hex digests,
# UUIDs, lower-case slugs and upper-case constants never pass.
_RANDOM_MIN_LENGTH = 32
_RANDOM_MIN_BITS = 4.0
_RANDOM_MAX_LOWER_PAIRS = 0.45

# File names (the last part of a mount's target or source) whose content is a credential.
_SECRET_FILES = frozenset({
    "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".npmrc", ".netrc", "_netrc", ".pgpass", ".my.cnf",
    "credentials", "credentials.json", "credentials.yaml", "credentials.yml", "htpasswd", ".htpasswd",
    "kubeconfig", ".dockercfg", ".git-credentials", ".pypirc", "service-account.json", "serviceaccount.json",
    "client_secret.json", "secrets.json", "secrets.yaml", "secrets.yml", ".vault-token", "token",
})
_SECRET_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".p8", ".asc", ".gpg", ".kdbx", ".ppk")
_SECRET_DIRS = ("/run/secrets/", "/var/run/secrets/")
_FILE_LINE = re.compile(r"""^\s*(?:export\s+)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*[:=]\s*(.*)$""")
_FILE_COMMENT = re.compile(r"\s#")  # a comment after the value (cut in Python: a lazy match was O(n^2))
# A value written out on a line of a file: not the opening of a list, block or command.
_LITERAL = re.compile(r"""["']?[^\s(\[{$<>|&;"']""")
_NPM_AUTH = re.compile(r"_(?:authToken|auth|password)\s*=\s*\S", re.I)
_NETRC = re.compile(r"^[ \t]*(?:machine[ \t]+\S+[ \t]+)?login[ \t]+\S+[ \t]+password[ \t]+\S", re.M)


@dataclass(frozen=True)
class Verdict:
    """Whether something is secret, and why (the rule, never the value: safe to print)."""

    secret: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.secret


PLAIN = Verdict(False)


def words(name: str) -> list[str]:
    """``dbPassword`` -> ['DB', 'PASSWORD']; ``AWS_SECRET_ACCESS_KEY`` -> ['AWS', 'SECRET', 'ACCESS', 'KEY']."""
    out: list[str] = []
    for part in re.split(r"[_\-.\s/:]+", name):
        out += [w.upper() for w in _HUMP.findall(part)]
    return out


def by_name(name: str) -> Verdict:
    """What the name alone says (see the module's docstring)."""
    parts = words(name)
    for i in range(len(parts) - 1):  # API_KEY, PRIVATE_KEY written as two words count as one
        if (parts[i], parts[i + 1]) in (("API", "KEY"), ("API", "KEYS"), ("PRIVATE", "KEY")):
            parts[i:i + 2] = [parts[i] + parts[i + 1], ""]
    parts = [p for p in parts if p]
    if not parts:
        return PLAIN
    last = parts[-1]
    if len(parts) >= 2 and (parts[-2], last) in _PAIRS:
        return Verdict(True, f"the name ends with {parts[-2]}_{last}")
    if last in _ABOUT:
        return PLAIN
    hit = next((p for p in parts if p in _ANYWHERE), None)
    hit = hit or next((w for p in parts for w in _INSIDE if w in p), None)
    if hit is not None:
        return Verdict(True, f"the name contains {hit}")
    if last in _LAST and not (last in ("KEY", "KEYS") and len(parts) >= 2 and parts[-2] in _PUBLIC_KEY):
        return Verdict(True, f"the name ends with {last}")
    return PLAIN


def _entropy(text: str) -> float:
    """Shannon entropy in bits per character of ``text``'s own character frequencies."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _random_looking(value: str) -> bool:
    return (len(value) >= _RANDOM_MIN_LENGTH and bool(_RANDOM_ALPHABET.fullmatch(value))
            and not value.startswith("/") and any(c.isupper() for c in value)
            and any(c.islower() for c in value) and any(c.isdigit() for c in value)
            and _entropy(value) >= _RANDOM_MIN_BITS and _lower_pairs(value) < _RANDOM_MAX_LOWER_PAIRS)


def _lower_pairs(text: str) -> float:
    """The share of neighbouring characters that are both lower-case letters (words have many)."""
    return sum(1 for a, b in zip(text, text[1:]) if a.islower() and b.islower()) / (len(text) - 1)


def _not_reference(text: str) -> bool:
    return _REFERENCE.sub("", text) != ""


def by_value(value: str, random: bool = True) -> Verdict:
    """What the value alone says (see the module's docstring); ``random=False`` leaves out the
    random-looking rule (lines of a file: a certificate's base64 body is public)."""
    if not value:
        return PLAIN
    if _PEM_PRIVATE.search(value):
        return Verdict(True, "the value is a PEM private key")
    for rule, why in ((_URL_USERINFO, "a URL with a password"), (_CONN_PASSWORD, "a connection string with a password"),
                      (_URL_QUERY, "a URL with a password or token in its query")):
        if any(_not_reference(m.group(1)) for m in rule.finditer(value)):
            return Verdict(True, f"the value is {why}")
    if _WEBHOOK.search(value):
        return Verdict(True, "the value is a webhook URL")
    if _TOKENS.search(value):
        return Verdict(True, "the value has the shape of an access token")
    if random and _random_looking(value):
        return Verdict(True, f"the value looks random ({len(value)} characters, {_entropy(value):.1f} bits each)")
    return PLAIN


def classify(name: str, value: str | None, random: bool = True) -> Verdict:
    """Whether the variable ``name`` holding ``value`` (None: no value given, e.g. a value-less
    compose entry or a reference) is a secret.  A name-only verdict is dropped for a switch, a
    path, an authentication method's name under an AUTH name, or a mere reference."""
    if value is not None:
        verdict = by_value(value, random)
        if verdict:
            return verdict
        text = value.strip()
        if not text or text.lower() in _SWITCHES or _PATH.fullmatch(text) or not _not_reference(text):
            return PLAIN
    verdict = by_name(name)
    if verdict and value is not None and words(name)[-1:] == ["AUTH"] and value.strip().lower() in _AUTH_MODES:
        return PLAIN
    return verdict


@dataclass(frozen=True)
class SecretRules:
    """The classifier with the user's overrides (``--secret NAME``, ``--not-secret NAME``)."""

    force_secret: frozenset[str] = field(default_factory=frozenset)
    force_plain: frozenset[str] = field(default_factory=frozenset)

    def classify(self, name: str, value: str | None) -> Verdict:
        """``classify`` unless the user said otherwise for ``name`` (--secret wins over --not-secret:
        the safe side)."""
        if name in self.force_secret:
            return Verdict(True, f"--secret {name}")
        if name in self.force_plain:
            return PLAIN
        return classify(name, value)


NO_RULES = SecretRules()


def classify_file(path: str, text: str | None) -> Verdict:
    """Whether a file mounted at (or read from) ``path`` with content ``text`` holds credentials:
    by its name or folder (keys, ``.npmrc``, ``/run/secrets/...``), or by a line of it (a PEM
    private key, an npm auth token, a ``.netrc`` password, a ``KEY=value`` / ``key: value`` line
    that ``classify`` calls secret).  Certificates (``*.crt``, ``*.cert``) are public."""
    lower = path.lower()
    base = lower.rstrip("/").rsplit("/", 1)[-1]
    if any(d in "/" + lower.lstrip("/") for d in _SECRET_DIRS):
        return Verdict(True, "the file is under /run/secrets")
    if base in _SECRET_FILES or base.endswith(_SECRET_SUFFIXES) or lower.endswith("/.docker/config.json"):
        return Verdict(True, f"a file named {base} holds credentials")
    if text is None:
        return PLAIN
    if _PEM_PRIVATE.search(text):
        return Verdict(True, "the file holds a PEM private key")
    if _NPM_AUTH.search(text) or _NETRC.search(text):
        return Verdict(True, "the file holds a registry or login password")
    for number, line in enumerate(text.splitlines(), 1):
        m = _FILE_LINE.match(line)
        value = _FILE_COMMENT.split(m.group(2), 1)[0].rstrip() if m else ""
        if m and ([w for w in words(m.group(1)) if w] in ([k] for k in _LAST) or not _LITERAL.match(value)):
            continue  # a bare 'key:' is a data structure's; 'passwords=(' opens a list, not a credential
        verdict = (classify(m.group(1), value.strip("'\""), random=False) if m
                   else by_value(line.strip(), random=False))
        if verdict:
            return Verdict(True, f"line {number} of the file: {verdict.reason}")
    return PLAIN
