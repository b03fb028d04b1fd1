# shellcheck shell=bash
# A real single-node Kubernetes on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, and a kubelet whose CRI runtime is cri-dockerd in front of the Docker Engine
# that Swarm uses (so both platforms run the same locally imported images).
# Sourced by scripts/platforms.

K8S_STATE="$STATE/kubernetes"
K8S_LOGS="$K8S_STATE/logs"
K8S_PIDS="$K8S_STATE/pids"
PKI="$K8S_STATE/pki"
KUBECONFIG_PATH="$K8S_STATE/kubeconfig"
NODE_NAME="crossdock-node"
CRI_SOCKET="$K8S_STATE/cri-dockerd.sock"
POD_CIDR="10.88.0.0/16"     # containerd's default CNI range; far from Swarm's 10.0.x pools
SERVICE_CIDR="10.96.0.0/24" # the first address is the `kubernetes` Service
API_PORT=6443
CNI_BRIDGE="crossdock0"
DNS_IP="${POD_CIDR%.0/16}.1" # the bridge gateway, also the node's InternalIP
POD_FORWARD_RULE=(-i "$CNI_BRIDGE" -o "$CNI_BRIDGE" -m comment --comment crossdock-platforms -j ACCEPT)
K8S_COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler coredns cri-dockerd kubelet kube-proxy)

# shellcheck source=platforms.d/kubernetes-config.sh
source "$RECIPES/kubernetes-config.sh"

pidfile() { echo "$K8S_PIDS/$1.pid"; }
logfile() { echo "$K8S_LOGS/$1.log"; }
kubelet_running() { daemon_pid "$(pidfile kubelet)" >/dev/null; }
kctl() { "$K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

api_ready() { curl -sf --cacert "$PKI/ca.crt" -H "Authorization: Bearer $(admin_token)" "https://127.0.0.1:$API_PORT/readyz" >/dev/null; }
etcd_ready() {
    curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/apiserver-etcd-client.crt" --key "$PKI/apiserver-etcd-client.key" \
        https://127.0.0.1:2379/health | grep -q '"health":"true"'
}
kubelet_healthy() { curl -sf http://127.0.0.1:10248/healthz >/dev/null; }
node_ready() {
    [ "$(kctl get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = "True" ]
}

# start_component NAME READY_CHECK TIMEOUT BINARY ARGS...: start unless running, wait until ready.
start_component() {
    local name="$1" check="$2" timeout="$3" pid
    shift 3
    # The arguments a component was started with are kept beside its pid file: a component
    # running with other arguments (an older harness) is restarted, so `up` applies changes.
    local args_now args_file
    args_now="$(printf '%s\n' "$@" | sha256sum | cut -c1-16)"
    args_file="$(pidfile "$name").args"
    # (A component without the record, started by a harness that kept none, is adopted as is.)
    if pid="$(daemon_pid "$(pidfile "$name")")" && [ -f "$args_file" ] && [ "$(cat "$args_file")" != "$args_now" ]; then
        say "$name: running with other arguments, restarting"
        daemon_stop "$(pidfile "$name")" "$name"
    fi
    if pid="$(daemon_pid "$(pidfile "$name")")"; then
        say "$name: already running (pid $pid)"
    else
        mkdir -p "$(dirname "$args_file")"
        echo "$args_now" >"$args_file"
        say "$name: starting (log $(logfile "$name"))"
        daemon_start "$(pidfile "$name")" "$(logfile "$name")" "$@"
    fi
    local start="$SECONDS"
    until "$check" >/dev/null 2>&1; do
        daemon_pid "$(pidfile "$name")" >/dev/null || fail "$name" "exited during start-up" "$(logfile "$name")"
        [ $((SECONDS - start)) -ge "$timeout" ] && fail "$name" "not ready after ${timeout}s" "$(logfile "$name")"
        sleep 1
    done
}

# The controller-manager and scheduler serve /healthz unauthenticated on their secure ports;
# their serving certificates are self-signed in memory, hence -k (loopback only).
cm_ready() { curl -sfk https://127.0.0.1:10257/healthz >/dev/null; }
scheduler_ready() { curl -sfk https://127.0.0.1:10259/healthz >/dev/null; }

kubernetes_up() {
    # runc comes with docker.io; nsenter and socat serve `kubectl port-forward` through cri-dockerd.
    apt_install containernetworking-plugins socat conntrack iptables openssl curl util-linux
    docker_up
    docker_ready_for_pods
    images_up
    build_etcd
    build_cri_dockerd
    build_coredns
    build_kubernetes
    mkdir -p "$K8S_LOGS" "$K8S_PIDS"
    k8s_credentials
    k8s_write_configs

    local etcd_args=(
        --name crossdock --data-dir "$K8S_STATE/etcd"
        --listen-client-urls https://127.0.0.1:2379 --advertise-client-urls https://127.0.0.1:2379
        --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380
        --initial-cluster crossdock=http://127.0.0.1:2380
        --listen-metrics-urls http://127.0.0.1:2381
        --cert-file "$PKI/etcd-server.crt" --key-file "$PKI/etcd-server.key"
        --client-cert-auth --trusted-ca-file "$PKI/ca.crt"
        --unsafe-no-fsync --snapshot-count 10000 --log-level warn
    )
    start_component etcd etcd_ready 60 "$ETCD_BIN/etcd" "${etcd_args[@]}"

    # shellcheck disable=SC2054 # commas inside flag values
    local api_args=(
        --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT"
        --etcd-servers https://127.0.0.1:2379 --etcd-cafile "$PKI/ca.crt"
        --etcd-certfile "$PKI/apiserver-etcd-client.crt" --etcd-keyfile "$PKI/apiserver-etcd-client.key"
        --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key"
        --client-ca-file "$PKI/ca.crt" --token-auth-file "$PKI/tokens.csv"
        --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt"
        --kubelet-client-key "$PKI/apiserver-kubelet-client.key"
        --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types Hostname
        --service-account-issuer "https://127.0.0.1:$API_PORT" --service-account-key-file "$PKI/sa.pub"
        --service-account-signing-key-file "$PKI/sa.key"
        --service-cluster-ip-range "$SERVICE_CIDR"
        --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction
        --allow-privileged=true --profiling=false
        # The `kubernetes` Service cannot point at a loopback address; nothing in-cluster needs it.
        --endpoint-reconciler-type none
    )
    start_component kube-apiserver api_ready 120 "$K8S_BIN/kube-apiserver" "${api_args[@]}"

    start_component kube-controller-manager cm_ready 60 "$K8S_BIN/kube-controller-manager" \
        --kubeconfig "$K8S_STATE/controller-manager.kubeconfig" --bind-address 127.0.0.1 \
        --leader-elect=false --use-service-account-credentials=true \
        --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
        --service-cluster-ip-range "$SERVICE_CIDR" --allocate-node-cidrs=false --profiling=false \
        --enable-hostpath-provisioner
    start_component kube-scheduler scheduler_ready 60 "$K8S_BIN/kube-scheduler" \
        --kubeconfig "$K8S_STATE/scheduler.kubeconfig" --bind-address 127.0.0.1 \
        --leader-elect=false --profiling=false

    start_component coredns coredns_ready 60 "$COREDNS_BIN/coredns" -conf "$K8S_STATE/Corefile"

    # A socket file left by a cri-dockerd that died with the machine refuses connections.
    daemon_pid "$(pidfile cri-dockerd)" >/dev/null || rm -f "$CRI_SOCKET"
    start_component cri-dockerd cri_ready 60 "$CRI_DOCKERD_BIN/cri-dockerd" \
        --container-runtime-endpoint "unix://$CRI_SOCKET" --docker-endpoint unix:///var/run/docker.sock \
        --cri-dockerd-root-directory "$K8S_STATE/cri-dockerd" \
        --network-plugin cni --cni-bin-dir /usr/lib/cni --cni-conf-dir "$K8S_STATE/cni/net.d" \
        --cni-cache-dir "$K8S_STATE/cni/cache" --hairpin-mode hairpin-veth \
        --pod-infra-container-image "crossdock-test/pause:$IMAGE_TAG" \
        --streaming-bind-addr 127.0.0.1:10010 --log-level info

    start_component kubelet kubelet_and_node_ready 180 "$K8S_BIN/kubelet" \
        --config "$K8S_STATE/kubelet-config.yaml" --kubeconfig "$K8S_STATE/kubelet.kubeconfig" \
        --root-dir "$K8S_STATE/kubelet" --hostname-override "$NODE_NAME" --node-ip "$DNS_IP" \
        --v 1
    start_component kube-proxy kube_proxy_ready 60 "$K8S_BIN/kube-proxy" \
        --config "$K8S_STATE/kube-proxy-config.yaml"
    ln -sf "$K8S_BIN/kubectl" "$K8S_STATE/kubectl"
    default_storage_class
    say "kubernetes $K8S_VERSION is up: node $NODE_NAME Ready; KUBECONFIG=$KUBECONFIG_PATH"
}

# PersistentVolumeClaims need a provisioner: the controller-manager's built-in hostPath one
# (single node, for development and tests; volumes live under /tmp/hostpath_pv and are deleted
# with their claims), behind the default StorageClass.
default_storage_class() {
    kctl apply -f - >/dev/null <<'YAML' || fail storage "cannot create the default StorageClass" "$(logfile kube-apiserver)"
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: crossdock-hostpath
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
  labels: {app.kubernetes.io/managed-by: crossdock-platforms}
provisioner: kubernetes.io/host-path
reclaimPolicy: Delete
volumeBindingMode: Immediate
YAML
}

# A node object can still say Ready from before a crash: the kubelet's own health counts too.
kubelet_and_node_ready() { kubelet_healthy && node_ready; }
coredns_ready() { curl -sf http://127.0.0.1:10181/ready >/dev/null; }
kube_proxy_ready() { curl -sf http://127.0.0.1:10256/healthz >/dev/null; }
cri_ready() { [ -S "$CRI_SOCKET" ] && socat -u OPEN:/dev/null "UNIX-CONNECT:$CRI_SOCKET" 2>/dev/null; }

kubernetes_down() {
    local i
    daemon_stop "$(pidfile kube-proxy)" kube-proxy
    daemon_stop "$(pidfile kubelet)" kubelet
    # Pod containers outlive the kubelet; remove them while cri-dockerd can still tear down
    # their networks, then the sandboxes' leftovers by label.
    if docker_answers; then
        local ids
        ids="$(docker ps -aq --filter label=io.kubernetes.docker.type)"
        if [ -n "$ids" ]; then
            say "removing $(echo "$ids" | wc -l) pod containers"
            # shellcheck disable=SC2086
            docker rm -f $ids >/dev/null 2>&1 || true
        fi
    fi
    for i in cri-dockerd coredns kube-scheduler kube-controller-manager kube-apiserver etcd; do
        daemon_stop "$(pidfile "$i")" "$i"
    done
    # Volumes (secrets, projected tokens, emptyDir in memory) are mounts under the kubelet
    # root, which the kubelet also bind-mounts onto itself (once per start).
    local m _
    for _ in 1 2 3 4 5; do
        m="$(awk -v root="$K8S_STATE/kubelet" 'index($2, root) == 1 {print $2}' /proc/mounts | sort -r)"
        [ -z "$m" ] && break
        echo "$m" | while read -r mp; do umount -l "$mp" 2>/dev/null || true; done
    done
    if [ -x "$K8S_BIN/kube-proxy" ]; then "$K8S_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi
    while iptables -D FORWARD "${POD_FORWARD_RULE[@]}" 2>/dev/null; do :; done
    ip link del "$CNI_BRIDGE" 2>/dev/null || true
    # Fresh cluster and fresh credentials on the next `up`; logs are kept for diagnosis.
    find "$K8S_STATE" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} + 2>/dev/null || true
    say "kubernetes: down (logs kept in $K8S_LOGS)"
}

kubernetes_status() {
    echo "== kubernetes $K8S_VERSION (etcd $ETCD_VERSION, cri-dockerd $CRI_DOCKERD_VERSION, coredns $COREDNS_VERSION)"
    local rc=0 name pid
    for name in "${K8S_COMPONENTS[@]}"; do
        if pid="$(daemon_pid "$(pidfile "$name")")"; then
            printf '%-24s running, pid %s, log %s\n' "$name:" "$pid" "$(logfile "$name")"
        else
            printf '%-24s not running, log %s\n' "$name:" "$(logfile "$name")"
            rc=1
        fi
    done
    printf '%-24s %s\n' "binaries:" "$K8S_BIN $( [ -f "$K8S_BIN/../.complete" ] || echo '(not built)')"
    printf '%-24s %s\n' "kubeconfig:" "$KUBECONFIG_PATH"
    if [ "$rc" -eq 0 ]; then
        printf '%-24s %s\n' "node $NODE_NAME:" "$(node_ready && echo Ready || echo NotReady)"
        node_ready || rc=1
    fi
    return "$rc"
}

kubernetes_env() {
    echo "export KUBECONFIG=$KUBECONFIG_PATH"
    echo "export PATH=$K8S_BIN:\$PATH"
}
