#!/usr/bin/env bash
# The shared moto harness of the AWS adapter and Lambda tests.
#
#   tests/moto/moto.sh install              create target/moto-venv and install moto[server]
#   tests/moto/moto.sh start PORT [PID]     install if needed, start moto_server on
#                                           127.0.0.1:PORT, wait until it answers, print its URL;
#                                           the server stops when process PID (default: the
#                                           caller) exits
#
# Environment: MOTO_VENV (default <repo>/target/moto-venv), MOTO_VERSION (default pinned below).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${MOTO_VENV:-$ROOT/target/moto-venv}"
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"

install() {
    mkdir -p "$(dirname "$VENV")"
    local lock="$VENV.lock"
    (
        if command -v flock >/dev/null 2>&1; then flock -w 900 9; fi
        if [ -x "$VENV/bin/moto_server" ]; then exit 0; fi
        echo "moto.sh: installing moto[server]==$MOTO_VERSION into $VENV" >&2
        rm -rf "$VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
            "moto[server]==$MOTO_VERSION" >&2
    ) 9>"$lock"
}

start() {
    local port="$1" watch="${2:-$PPID}"
    install
    local log
    log="$(dirname "$VENV")/moto-$port.log"
    # the server, detached from our stdout so the caller's pipe closes when we exit
    nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 </dev/null &
    local server=$!
    # the watchdog: stops the server when the watched process is gone
    nohup bash -c "while kill -0 $watch 2>/dev/null && kill -0 $server 2>/dev/null; do sleep 1; done; kill $server 2>/dev/null" \
        >/dev/null 2>&1 </dev/null &
    local url="http://127.0.0.1:$port"
    for _ in $(seq 1 300); do
        if "$VENV/bin/python" - "$url" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1).read()
PY
        then
            echo "$url"
            return 0
        fi
        if ! kill -0 "$server" 2>/dev/null; then
            echo "moto.sh: moto_server exited; log:" >&2
            cat "$log" >&2
            return 1
        fi
        sleep 0.2
    done
    echo "moto.sh: moto_server did not answer on $url in time" >&2
    kill "$server" 2>/dev/null || true
    return 1
}

case "${1:-}" in
    install) install ;;
    start) shift; start "$@" ;;
    *) echo "usage: $0 install | start PORT [PID]" >&2; exit 2 ;;
esac
