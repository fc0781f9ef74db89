#!/usr/bin/env bash
# Builds the container image from the repository's Dockerfile with podman and checks it the way
# users run it. No container registry is reachable from our machines, so the debian:12-slim
# base comes from Debian packages (debootstrap) when it is not there yet. Steps:
#   1. base image (debootstrap --variant=minbase bookworm, imported as debian:12-slim)
#   2. podman build (the Dockerfile's Release build, here with warnings as errors)
#   3. the image's size; ldd inside it: every library resolves, and the runtime packages the
#      Dockerfile installs are exactly the owners of those libraries (plus ca-certificates);
#      it runs as a non-root user
#   4. HTTP mode with a bearer token and --sandbox: the official SDK client lists and calls a
#      tool; SIGTERM then stops the container with exit code 0
#   5. stdio mode through `podman run -i`: the SDK client over stdio
# Usage: scripts/image.sh   (as root; installs podman, runc and debootstrap if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

image=${IMAGE:-localhost/credentials-mcp:check}
base=docker.io/library/debian:12-slim
# crun fails on this kernel's cgroup layout; runc with explicit ulimits builds and runs.
podman=(podman --runtime runc)
limits=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

log() { echo "image: $*"; }

missing=()
for tool in podman runc debootstrap; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        podman runc debootstrap uidmap >/dev/null
fi

# The machine's own Debian mirror (deb822 or one-line sources), for debootstrap.
mirror() {
    local found
    found=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security |
        head -n 1 | awk '{print $2}')
    if [ -z "$found" ]; then
        found=$(grep -hE '^deb\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            grep -v security | head -n 1 | awk '{print $2}')
    fi
    echo "${found:-http://deb.debian.org/debian}"
}

if ! "${podman[@]}" image exists "$base"; then
    root=$(mktemp -d)
    log "no $base: building it with debootstrap from $(mirror)"
    start=$(date +%s)
    debootstrap --variant=minbase bookworm "$root" "$(mirror)" >/dev/null
    # Trimmed as the official slim image is: no package caches, lists, documentation or
    # translations, now or in packages installed later.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
        "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/info
    find "$root"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    cat >"$root"/etc/dpkg/dpkg.cfg.d/slim <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
SLIM
    tar -C "$root" -c . | "${podman[@]}" import - "$base" >/dev/null 2>&1
    rm -rf "$root"
    log "base image in $(($(date +%s) - start)) s"
fi

# Can this machine run containers at all? If not, that is the machine, not the image: say
# exactly what failed and exit 77, which scripts/test.sh reports as blocked rather than failed.
if ! preflight=$("${podman[@]}" run --rm "${limits[@]}" "$base" true 2>&1); then
    log "BLOCKED: podman cannot run a container on this machine"
    log "command: ${podman[*]} run --rm ${limits[*]} $base true"
    echo "$preflight" | sed 's/^/image:   /'
    exit 77
fi

log "building $image"
start=$(date +%s)
"${podman[@]}" build --network host "${limits[@]}" --build-arg CMCP_WERROR=ON -t "$image" . \
    >/tmp/credentials-mcp-image-build.log 2>&1 || {
    tail -n 60 /tmp/credentials-mcp-image-build.log
    exit 1
}
log "built in $(($(date +%s) - start)) s"
size=$("${podman[@]}" image inspect --format '{{.Size}}' "$image")
base_size=$("${podman[@]}" image inspect --format '{{.Size}}' "$base")
log "size: $((size / 1024 / 1024)) MiB, of which $(((size - base_size) / 1024 / 1024)) MiB on top of $base"

run() { "${podman[@]}" run --rm "${limits[@]}" "$@"; }

user=$(run --entrypoint id "$image" -u)
[ "$user" != 0 ] || { log "FAIL: the image runs as root"; exit 1; }
log "runs as uid $user"

# Every library the binary needs resolves, and the Dockerfile installs no package that owns
# none of them (ca-certificates aside, which TLS needs as data, not as a library).
wanted=$(sed -n 's/^ARG RUNTIME_PACKAGES="\(.*\)"$/\1/p' Dockerfile)
[ -n "$wanted" ] || { log "FAIL: no ARG RUNTIME_PACKAGES in the Dockerfile"; exit 1; }
owners=$(run --entrypoint /bin/sh "$image" -c '
    set -e
    if ldd /usr/local/bin/credentials-mcp | grep "not found"; then exit 3; fi
    for lib in $(ldd /usr/local/bin/credentials-mcp | awk "/=>/ {print \$3}"); do
        real=$(readlink -f "$lib")
        for path in "$lib" "$real" "${real#/usr}" "/usr$lib"; do
            if owner=$(dpkg -S "$path" 2>/dev/null); then echo "${owner%%:*}"; break; fi
        done
    done | sort -u')
log "libraries come from: $(echo "$owners" | tr '\n' ' ')"
for package in $wanted; do
    [ "$package" = ca-certificates ] && continue
    if ! echo "$owners" | grep -qx "${package}"; then
        log "FAIL: the Dockerfile installs $package, which owns no library the binary links"
        exit 1
    fi
done

node=tests/node/node_modules/.bin/node
[ -x "$node" ] || { log "FAIL: run scripts/install-deps.sh --test-tools first"; exit 1; }

port=$("$node" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
name=credentials-mcp-check-$$
"${podman[@]}" run -d --name "$name" --network host "${limits[@]}" \
    -e CREDENTIALS_MCP_AUTH_TOKENS="$token" "$image" \
    http --listen "127.0.0.1:$port" --sandbox --drain-seconds 1 >/dev/null
cleanup() { "${podman[@]}" rm -f "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT
"$node" -e '
    const url = process.argv[1];
    const deadline = Date.now() + 20000;
    (async function poll() {
        try { if ((await fetch(url)).ok) return; } catch {}
        if (Date.now() > deadline) { console.error("not ready: " + url); process.exit(1); }
        setTimeout(poll, 100);
    })();' "http://127.0.0.1:$port/readyz"
"$node" tests/node/image-client.mjs http "http://127.0.0.1:$port/mcp" "$token"
"${podman[@]}" stop -t 20 "$name" >/dev/null
status=$("${podman[@]}" inspect --format '{{.State.ExitCode}}' "$name")
[ "$status" = 0 ] || {
    "${podman[@]}" logs "$name" | tail -n 20
    log "FAIL: SIGTERM ended the container with $status"
    exit 1
}
log "HTTP mode: SIGTERM stopped the container with exit code 0"

"$node" tests/node/image-client.mjs stdio podman --runtime runc run -i --rm "${limits[@]}" \
    "$image" stdio --sandbox
log "all checks passed"
