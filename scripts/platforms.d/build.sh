# shellcheck shell=bash
# Builds from the Go module proxy, cached by name and version under $CACHE/<name>-<version>/bin.
# Each build uses a throw-away wrapper module (platforms.d/gomod/<name>/go.mod, go.sum) that
# replaces the upstream module's local-folder replaces with published versions.
# Sourced by scripts/platforms.

K8S_VERSION="v1.37.2"
ETCD_VERSION="v3.6.16"
CRI_DOCKERD_VERSION="v0.3.17"
COREDNS_VERSION="v1.15.0"

go_cache_dir() { echo "$CACHE/$1-$2"; }

# go_build NAME VERSION LDFLAGS PACKAGE...: one `go build -p 2` of all packages into the cache.
go_build() {
    local name="$1" version="$2" ldflags="$3"
    shift 3
    local dest work log pid count last
    dest="$(go_cache_dir "$name" "$version")"
    # .complete lists the packages built: a longer list (a new binary) rebuilds, reusing
    # Go's build cache for what was compiled before.
    [ "$(cat "$dest/.complete" 2>/dev/null)" = "$*" ] && return 0
    command -v go >/dev/null 2>&1 || fail "build $name" "the go command is missing (Go >= 1.26 is needed)"
    local toolchain=local gov
    gov="$(go env GOVERSION 2>/dev/null || echo go0)"
    case "$gov" in
    go1.2[6-9]* | go1.[3-9][0-9]*) ;;
    go1.2[1-5]*) toolchain=go1.27.3 ;; # the one newer toolchain these machines may fetch
    *) fail "build $name" "Go $gov is too old (>= 1.26 needed; >= 1.21 can switch toolchains)" ;;
    esac
    work="$CACHE/build/$name-$version"
    log="$CACHE/build/$name-$version.log"
    rm -rf "$work" "$dest"
    mkdir -p "$work" "$dest/bin"
    cp -a "$RECIPES/gomod/$name/." "$work/"
    say "build $name $version: started (log $log)"
    # nice: the machine's 2 cores are shared; -p 2: one build, packages compiled once.
    (cd "$work" && GOTOOLCHAIN="$toolchain" GOFLAGS=-mod=mod CGO_ENABLED=0 \
        nice -n 10 go build -p 2 -v -trimpath -ldflags "$ldflags" -o "$dest/bin/" "$@") >"$log" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        sleep 30
        count="$(grep -cv '^go: ' "$log" || true)"
        last="$(tail -n 1 "$log" | cut -c1-80)"
        say "build $name $version: $count packages compiled, last: $last"
    done
    wait "$pid" || fail "build $name $version" "go build failed" "$log"
    echo "$*" >"$dest/.complete"
    say "build $name $version: done ($(du -sh "$dest" | cut -f1))"
}

build_kubernetes() {
    local ld="-s -w" p
    # Without these stamps the binaries report v0.0.0 and version-skew checks misfire.
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=37"
        ld="$ld -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
    done
    go_build kubernetes "$K8S_VERSION" "$ld" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
        k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kubectl \
        k8s.io/kubernetes/cmd/kube-proxy
}

build_etcd() {
    go_build etcd "$ETCD_VERSION" "-s -w" go.etcd.io/etcd/server/v3
    # The module root's binary is named after its path ("server"); give it its real name.
    local bin f
    bin="$(go_cache_dir etcd "$ETCD_VERSION")/bin"
    for f in server v3; do
        if [ -f "$bin/$f" ]; then mv "$bin/$f" "$bin/etcd"; fi
    done
    return 0
}

build_coredns() {
    go_build coredns "$COREDNS_VERSION" "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" .
}

build_cri_dockerd() {
    go_build cri-dockerd "$CRI_DOCKERD_VERSION" \
        "-s -w -X github.com/Mirantis/cri-dockerd/cmd/version.Version=${CRI_DOCKERD_VERSION#v}" \
        github.com/Mirantis/cri-dockerd
}

# shellcheck disable=SC2034 # used by kubernetes.sh
K8S_BIN="$(go_cache_dir kubernetes "$K8S_VERSION")/bin"
# shellcheck disable=SC2034
ETCD_BIN="$(go_cache_dir etcd "$ETCD_VERSION")/bin"
# shellcheck disable=SC2034
COREDNS_BIN="$(go_cache_dir coredns "$COREDNS_VERSION")/bin"
# shellcheck disable=SC2034
CRI_DOCKERD_BIN="$(go_cache_dir cri-dockerd "$CRI_DOCKERD_VERSION")/bin"
