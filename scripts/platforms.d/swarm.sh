# shellcheck shell=bash
# Docker Engine (Debian's docker.io) and a single-node Swarm manager on 127.0.0.1.
# Sourced by scripts/platforms.

SWARM_STATE="$STATE/swarm"
DOCKERD_PIDFILE="$SWARM_STATE/dockerd.pid"
DOCKERD_LOG="$SWARM_STATE/dockerd.log"

docker_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# docker_up: Docker Engine installed and answering; shared by Swarm and Kubernetes (cri-dockerd).
docker_up() {
    if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
        apt_install docker.io
    fi
    if docker_answers; then
        return 0
    fi
    mkdir -p "$SWARM_STATE"
    # --host pins the API to the unix socket: no TCP listener. --ip makes 127.0.0.1 the address
    # that published container ports (docker run -p, Swarm host-mode ports) bind by default.
    local args=(--host unix:///var/run/docker.sock --ip 127.0.0.1)
    if oom_clamp_needed; then
        mkdir -p "$STATE/bin"
        install -m 0755 "$RECIPES/runc-oom-clamp" "$STATE/bin/runc-oom-clamp"
        args+=(--add-runtime "crossdock-runc=$STATE/bin/runc-oom-clamp" --default-runtime crossdock-runc)
    fi
    say "starting dockerd (unix socket only, log $DOCKERD_LOG)"
    daemon_start "$DOCKERD_PIDFILE" "$DOCKERD_LOG" "$(command -v dockerd)" "${args[@]}"
    local start="$SECONDS"
    until docker_answers; do
        daemon_pid "$DOCKERD_PIDFILE" >/dev/null || fail "dockerd" "exited during start-up" "$DOCKERD_LOG"
        [ $((SECONDS - start)) -ge 60 ] && fail "dockerd" "did not answer 'docker version' within 60 s" "$DOCKERD_LOG"
        sleep 1
    done
    say "dockerd $(docker version --format '{{.Server.Version}}') is up"
}

# Some VMs deny even root a negative oom_score_adj; runc then fails every pod sandbox
# (cri-dockerd asks for -998). There dockerd runs containers through runc-oom-clamp.
oom_clamp_needed() { ! (echo -1 >/proc/self/oom_score_adj) 2>/dev/null; }

# docker_ready_for_pods: the running engine can start pod sandboxes; restart it through this
# harness if it was started here without the runc wrapper it needs.
docker_ready_for_pods() {
    oom_clamp_needed || return 0
    docker info --format '{{.DefaultRuntime}}' 2>/dev/null | grep -qx crossdock-runc && return 0
    if daemon_pid "$DOCKERD_PIDFILE" >/dev/null; then
        say "dockerd: restarting with the runc-oom-clamp runtime (needed for pods here)"
        daemon_stop "$DOCKERD_PIDFILE" dockerd
        docker_up
        wait_until 60 docker_answers || fail "dockerd" "did not come back after restart" "$DOCKERD_LOG"
        return 0
    fi
    fail "dockerd" "this machine refuses negative oom_score_adj, and the running dockerd (not started by scripts/platforms) lacks the runc-oom-clamp runtime; stop it and rerun: scripts/platforms up" "$DOCKERD_LOG"
}

swarm_state() { docker info --format '{{.Swarm.LocalNodeState}}/{{.Swarm.ControlAvailable}}' 2>/dev/null; }

swarm_up() {
    docker_up
    local state
    state="$(swarm_state)"
    case "$state" in
    active/true) say "swarm: already a manager" ;;
    inactive/*)
        gwbridge_loopback
        say "swarm: init (advertise and listen on 127.0.0.1)"
        docker swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377 >/dev/null \
            || fail "swarm" "docker swarm init failed" "$DOCKERD_LOG"
        ;;
    *) fail "swarm" "node is in swarm state '$state', not a manager; run: scripts/platforms down swarm" "$DOCKERD_LOG" ;;
    esac
    # The kernel's VXLAN socket of the overlay networks binds 0.0.0.0:4789 and cannot be told
    # otherwise; a single-node swarm needs no VXLAN from outside, so nothing from outside reaches it.
    iptables -C INPUT "${VXLAN_RULE[@]}" 2>/dev/null || iptables -I INPUT 1 "${VXLAN_RULE[@]}"
    guard_localnet
    images_up
}

VXLAN_RULE=(! -i lo -p udp --dport 4789 -j DROP)

# Swarm tasks publish host-mode ports through docker_gwbridge, not the default bridge, so
# dockerd's --ip does not apply to them: the bridge is made before `swarm init` (as Docker
# documents for customizing it) with 127.0.0.1 as its host binding address.
gwbridge_loopback() {
    local opt='com.docker.network.bridge.host_binding_ipv4'
    if docker network inspect docker_gwbridge >/dev/null 2>&1; then
        [ "$(docker network inspect docker_gwbridge --format "{{index .Options \"$opt\"}}")" = 127.0.0.1 ] && return 0
        docker network rm docker_gwbridge >/dev/null || fail "swarm" "cannot replace docker_gwbridge (still in use?)" "$DOCKERD_LOG"
    fi
    say "swarm: docker_gwbridge with host ports on 127.0.0.1"
    docker network create --driver bridge \
        --opt com.docker.network.bridge.name=docker_gwbridge \
        --opt com.docker.network.bridge.enable_icc=false \
        --opt com.docker.network.bridge.enable_ip_masquerade=true \
        --opt "$opt=127.0.0.1" docker_gwbridge >/dev/null \
        || fail "swarm" "docker network create docker_gwbridge failed" "$DOCKERD_LOG"
}

swarm_down() {
    if docker_answers; then
        if [ "$(swarm_state)" != "inactive/false" ]; then
            say "swarm: leaving"
            docker swarm leave --force >/dev/null 2>&1 || true
        fi
    fi
    while iptables -D INPUT "${VXLAN_RULE[@]}" 2>/dev/null; do :; done
    # The engine also serves Kubernetes (cri-dockerd); stop it only if this harness started
    # it and Kubernetes is down.
    if kubelet_running; then
        say "dockerd: kept running (Kubernetes uses it)"
    elif daemon_pid "$DOCKERD_PIDFILE" >/dev/null; then
        daemon_stop "$DOCKERD_PIDFILE" dockerd
    fi
}

swarm_status() {
    echo "== swarm"
    if ! docker_answers; then
        echo "dockerd:  not answering (log: $DOCKERD_LOG)"
        return 1
    fi
    local pid="external"
    pid="$(daemon_pid "$DOCKERD_PIDFILE" || echo "not started by this harness")"
    echo "dockerd:  $(docker version --format 'server {{.Server.Version}} (API {{.Server.APIVersion}})'), pid $pid, log $DOCKERD_LOG"
    echo "swarm:    $(swarm_state) (state/manager)"
    echo "images:   $(docker image ls --format '{{.Repository}}:{{.Tag}}' 'crossdock-test/*' | sort | tr '\n' ' ')"
    [ "$(swarm_state)" = "active/true" ]
}
