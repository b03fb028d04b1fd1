# shellcheck shell=bash
# Shared helpers for scripts/platforms: progress output, failures, daemons, packages.
# Sourced, not run. Needs STATE set by the caller.

START_SECONDS="$SECONDS"

say() { printf '[platforms %4ss] %s\n' "$((SECONDS - START_SECONDS))" "$*"; }
elapsed() { echo "$((SECONDS - START_SECONDS))"; }

# fail COMPONENT MESSAGE [LOG]: name the component, show the end of its log, exit 1.
fail() {
    local component="$1" message="$2" log="${3:-}"
    printf '[platforms] FAILED: %s: %s\n' "$component" "$message" >&2
    if [ -n "$log" ] && [ -f "$log" ]; then
        printf '[platforms] last 40 lines of %s:\n' "$log" >&2
        tail -n 40 "$log" | sed 's/^/    /' >&2
    fi
    exit 1
}

# kube-proxy sets net.ipv4.conf.all.route_localnet=1 (so that NodePorts answer on 127.0.0.1),
# and with it the kernel routes a packet that arrives on another interface addressed to
# 127.0.0.0/8 (CVE-2020-8558): the DNAT rules of Docker's and kube-proxy's 127.0.0.1 ports would
# forward it to a container. Such packets are dropped before any NAT, by both platforms' `up`
# (the sysctl outlives `down kubernetes`); `down all` removes the rule.
LOCALNET_RULE=(! -i lo -d 127.0.0.0/8 -m comment --comment crossdock-platforms -j DROP)
guard_localnet() {
    iptables -t raw -C PREROUTING "${LOCALNET_RULE[@]}" 2>/dev/null ||
        iptables -t raw -I PREROUTING 1 "${LOCALNET_RULE[@]}"
}
unguard_localnet() { while iptables -t raw -D PREROUTING "${LOCALNET_RULE[@]}" 2>/dev/null; do :; done; }

# wait_until SECONDS COMMAND...: true once COMMAND succeeds, false after SECONDS.
wait_until() {
    local limit="$1" start="$SECONDS"
    shift
    until "$@" >/dev/null 2>&1; do
        [ $((SECONDS - start)) -ge "$limit" ] && return 1
        sleep 1
    done
}

# Daemons run in their own session (setsid) so they outlive this script; a pid file and the
# binary's path in /proc/PID/cmdline identify them, so a recycled pid is never mistaken.
daemon_pid() { # daemon_pid PIDFILE: print the pid if that process still runs the same binary
    local pidfile="$1" pid bin
    [ -f "$pidfile" ] || return 1
    read -r pid bin <"$pidfile" || return 1
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n 1 | grep -qxF "$bin" || return 1
    echo "$pid"
}

write_if_changed() { # write_if_changed FILE < CONTENT: leave FILE untouched when it already holds CONTENT
    local file="$1" tmp
    tmp="$(mktemp "$file.XXXXXX")"
    cat >"$tmp"
    if cmp -s "$tmp" "$file"; then rm -f "$tmp"; else mv -f "$tmp" "$file"; fi
}

daemon_start() { # daemon_start PIDFILE LOG BINARY ARGS...
    local pidfile="$1" log="$2" bin="$3"
    shift 3
    mkdir -p "$(dirname "$pidfile")" "$(dirname "$log")"
    echo "=== scripts/platforms: starting $bin at $(date -u +%FT%TZ)" >>"$log"
    # 9>&-: daemons must not inherit the lock of scripts/platforms.
    setsid "$bin" "$@" </dev/null >>"$log" 2>&1 9>&- &
    local pid="$!"
    echo "$pid $bin" >"$pidfile"
    # Until the forked shell has exec'd the binary, /proc/PID/cmdline still names the shell and
    # daemon_pid would call a starting daemon dead: wait (at most 5 s) for the exec.
    for _ in $(seq 1 50); do
        daemon_pid "$pidfile" >/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
}

daemon_stop() { # daemon_stop PIDFILE NAME: TERM, wait up to 20 s, then KILL
    local pidfile="$1" name="$2" pid
    if pid="$(daemon_pid "$pidfile")"; then
        say "stopping $name (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

# apt_install PACKAGE...: install the Debian packages that are not installed yet.
apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    local log="$STATE/apt.log"
    mkdir -p "$STATE"
    say "installing Debian packages: ${missing[*]}"
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
        >"$log" 2>&1 || fail "apt-get" "could not install ${missing[*]}" "$log"
}
