# shellcheck shell=bash
# Local test images: busybox-static root filesystems imported with `docker import`.
# No registry is reachable, so every image the tests run is made here; tags are versions,
# never `latest` (tools pull `latest` unconditionally). See IMAGES.md.
# Sourced by scripts/platforms.

IMAGE_TAG="1.0"
IMAGES=(httpd job pause)

image_cmd() { # the default command of each image
    case "$1" in
    httpd) echo '["/bin/serve"]' ;;
    job) echo '["/bin/job"]' ;;
    pause) echo '["/bin/pause"]' ;;
    esac
}

# The recipe digest covers the rootfs files and busybox itself, so a changed recipe rebuilds.
image_digest() {
    local name="$1"
    {
        (cd "$RECIPES/images/$name" && find rootfs -type f | sort | xargs sha256sum)
        sha256sum /bin/busybox
        image_cmd "$name"
        sha256sum <"$RECIPES/images.sh"
    } | sha256sum | cut -c1-16
}

image_build() {
    local name="$1" ref="crossdock-test/$1:$IMAGE_TAG" digest root
    digest="$(image_digest "$name")"
    if [ "$(docker image inspect --format '{{index .Config.Labels "crossdock.recipe"}}' "$ref" 2>/dev/null)" = "$digest" ]; then
        return 0
    fi
    say "image: building $ref"
    root="$(mktemp -d)"
    mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/run/secrets" "$root/root"
    chmod 1777 "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    local applet
    for applet in $(/bin/busybox --list); do
        [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
    done
    cp -a "$RECIPES/images/$name/rootfs/." "$root/"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    tar --numeric-owner --owner=0 --group=0 -C "$root" -c . |
        docker import \
            --change "CMD $(image_cmd "$name")" \
            --change "LABEL crossdock.recipe=$digest" \
            --change "LABEL org.opencontainers.image.title=$ref" \
            - "$ref" >/dev/null || fail "image $ref" "docker import failed"
    rm -rf "$root"
}

IMAGES_READY=""
images_up() {
    [ -n "$IMAGES_READY" ] && return 0
    apt_install busybox-static
    local name
    for name in "${IMAGES[@]}"; do
        image_build "$name"
    done
    IMAGES_READY=1
    say "images: $(printf 'crossdock-test/%s:'"$IMAGE_TAG"' ' "${IMAGES[@]}")ready"
}
