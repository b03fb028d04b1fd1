# shellcheck shell=bash
# Credentials and configuration files for the local Kubernetes, generated at `up` (kept until
# `down`). Tokens and keys are written mode 0600 and never printed.
# Sourced by scripts/platforms.d/kubernetes.sh.

CERT_DAYS=825

# sign NAME CN ORG USAGE SAN: a key and a certificate signed by the local CA.
sign() {
    local name="$1" cn="$2" org="$3" usage="$4" san="$5" subj="/CN=$2" ext
    [ -n "$org" ] && subj="/O=$org/CN=$cn"
    ext="$(mktemp)"
    {
        echo "basicConstraints=critical,CA:FALSE"
        echo "keyUsage=critical,digitalSignature,keyEncipherment"
        echo "extendedKeyUsage=$usage"
        [ -n "$san" ] && echo "subjectAltName=$san"
    } >"$ext"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
    openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
        -days "$CERT_DAYS" -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
    rm -f "$ext" "$PKI/$name.csr"
}

admin_token() { awk -F, '$2 == "crossdock-admin" {print $1}' "$PKI/tokens.csv" 2>/dev/null; }
token_of() { awk -F, -v u="$1" '$2 == u {print $1}' "$PKI/tokens.csv"; }

k8s_credentials() {
    [ -f "$PKI/.complete" ] && return 0
    say "credentials: generating CA, certificates, service-account keys and tokens in $PKI"
    rm -rf "$PKI"
    mkdir -p "$PKI"
    chmod 700 "$PKI"
    (
        umask 077
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days "$CERT_DAYS" \
            -keyout "$PKI/ca.key" -out "$PKI/ca.crt" -subj "/CN=crossdock-platforms-ca" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        local api_san="IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default"
        api_san="$api_san,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
        sign apiserver kube-apiserver "" serverAuth "$api_san"
        sign etcd-server etcd "" serverAuth,clientAuth "IP:127.0.0.1,DNS:localhost"
        sign apiserver-etcd-client kube-apiserver-etcd-client "" clientAuth ""
        sign apiserver-kubelet-client kube-apiserver-kubelet-client system:masters clientAuth ""
        sign kubelet-serving "system:node:$NODE_NAME" system:nodes serverAuth "IP:127.0.0.1,DNS:localhost,DNS:$NODE_NAME"
        openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
        openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
        # token,user,uid,"groups": the static token file of kube-apiserver.
        {
            echo "$(openssl rand -hex 24),crossdock-admin,crossdock-admin,\"system:masters\""
            echo "$(openssl rand -hex 24),system:kube-controller-manager,kube-controller-manager,\"system:masters\""
            echo "$(openssl rand -hex 24),system:kube-scheduler,kube-scheduler,\"system:masters\""
            echo "$(openssl rand -hex 24),system:node:$NODE_NAME,kubelet,\"system:nodes\""
            echo "$(openssl rand -hex 24),system:kube-proxy,kube-proxy,\"\""
            echo "$(openssl rand -hex 24),system:coredns,coredns,\"system:masters\""
        } >"$PKI/tokens.csv"
    )
    touch "$PKI/.complete"
}

# write_kubeconfig FILE USER: a kubeconfig for USER's token, CA embedded.
write_kubeconfig() {
    local file="$1" user="$2"
    (
        umask 077
        cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: crossdock
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: $user
  user:
    token: $(token_of "$user")
contexts:
- name: crossdock
  context:
    cluster: crossdock
    user: $user
current-context: crossdock
EOF
    )
}

k8s_write_configs() {
    write_kubeconfig "$KUBECONFIG_PATH" crossdock-admin
    write_kubeconfig "$K8S_STATE/controller-manager.kubeconfig" system:kube-controller-manager
    write_kubeconfig "$K8S_STATE/scheduler.kubeconfig" system:kube-scheduler
    write_kubeconfig "$K8S_STATE/kubelet.kubeconfig" "system:node:$NODE_NAME"
    write_kubeconfig "$K8S_STATE/kube-proxy.kubeconfig" system:kube-proxy
    write_kubeconfig "$K8S_STATE/coredns.kubeconfig" system:coredns

    # The apiserver reaches the kubelet by the node's Hostname address (the kubelet refuses a
    # loopback node IP, and listens on 127.0.0.1 only), so the node name must resolve there.
    grep -qE "^127\.0\.0\.1[[:space:]]+$NODE_NAME([[:space:]]|\$)" /etc/hosts ||
        echo "127.0.0.1 $NODE_NAME # added by crossdock scripts/platforms" >>/etc/hosts

    # The pod bridge is made here, not by the CNI plugin on the first pod, because its
    # address is the node's InternalIP and the kubelet checks that it exists at start.
    if ! ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then
        ip link add "$CNI_BRIDGE" type bridge
        ip addr add "${POD_CIDR%.0/16}.1/16" dev "$CNI_BRIDGE"
    fi
    ip link set "$CNI_BRIDGE" up
    # Docker sets the FORWARD policy to DROP and bridged traffic passes iptables
    # (br_netfilter): allow pod-to-pod traffic on the pod bridge, and nothing beyond it.
    iptables -C FORWARD "${POD_FORWARD_RULE[@]}" 2>/dev/null || iptables -I FORWARD 1 "${POD_FORWARD_RULE[@]}"
    guard_localnet

    mkdir -p "$K8S_STATE/cni/net.d" "$K8S_STATE/cni/cache" "$K8S_STATE/cni/ipam"
    # No ipMasq: pods have no business reaching beyond this machine.
    cat >"$K8S_STATE/cni/net.d/10-crossdock.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "crossdock",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CNI_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$K8S_STATE/cni/ipam",
        "ranges": [[{"subnet": "$POD_CIDR", "gateway": "${POD_CIDR%.0/16}.1"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF

    cat >"$K8S_STATE/kubelet-config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$CRI_SOCKET
# These machines mount cgroup v1 and have no systemd as init.
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
address: 127.0.0.1
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: AlwaysAllow}
# cri-dockerd's streaming URLs have no scheme, which the kubelet's WebSocket translator reads
# as https ("server gave HTTP response to HTTPS client" on kubectl exec); without the gate the
# apiserver translates and the kubelet proxies SPDY, which works.
featureGates: {ExtendWebSocketsToKubelet: false}
clusterDomain: cluster.local
clusterDNS: ["$DNS_IP"]
resolvConf: /etc/resolv.conf
# A developer's disk or memory filling up must not evict test pods or delete the local
# images, which no registry can give back: eviction near-off, image GC off (100).
evictionHard: {memory.available: "50Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
maxPods: 110
rotateCertificates: false
EOF

    # Services: iptables mode (no IPVS in these kernels). NodePorts only on loopback.
    # kube-proxy exits when its configuration file changes, even to the same bytes: write it
    # only when the content differs.
    write_if_changed "$K8S_STATE/kube-proxy-config.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $K8S_STATE/kube-proxy.kubeconfig}
mode: iptables
hostnameOverride: $NODE_NAME
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clusterCIDR: $POD_CIDR
nodePortAddresses: ["127.0.0.0/8"]
# 0 leaves the kernel's conntrack settings alone: these VMs may refuse to change them.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF

    # Cluster DNS for pods, on the bridge gateway (reachable from this host and its pods only);
    # it answers cluster.local and nothing else: pods have no business resolving the world.
    cat >"$K8S_STATE/Corefile" <<EOF
.:53 {
    bind $DNS_IP
    ready 127.0.0.1:10181
    health 127.0.0.1:10180
    errors
    loadbalance
    cache 5
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $K8S_STATE/coredns.kubeconfig crossdock
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
}
EOF
}
