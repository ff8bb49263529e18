#!/usr/bin/env bash
# Starts a Docker Engine for the test suite, with no container network, and
# imports the busybox test image. Needs root. Usage:
#   scripts/test-dockerd.sh start   install docker.io if needed, start dockerd, import the image
#   scripts/test-dockerd.sh stop    stop that dockerd
# The socket is unix:///tmp/tasque-docker.sock; tests read it from
# TASQUE_TEST_DOCKER_HOST.
set -euo pipefail

SOCKET=/tmp/tasque-docker.sock
DATA_ROOT=/tmp/tasque-docker
EXEC_ROOT=/tmp/tasque-docker-exec
PIDFILE=/tmp/tasque-docker.pid
LOG=/tmp/tasque-dockerd.log
IMAGE=tasque-test/busybox:latest
export DOCKER_HOST="unix://$SOCKET"

install_packages() {
  if command -v dockerd >/dev/null && [ -x /bin/busybox ]; then return; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io busybox-static >/dev/null
}

engine_answers() {
  docker version >/dev/null 2>&1
}

start_engine() {
  if engine_answers; then return; fi
  # --bridge=none and the iptables flags keep containers off any network and
  # leave the host's firewall untouched.
  dockerd --host "unix://$SOCKET" --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" \
    --pidfile "$PIDFILE" --bridge=none --iptables=false --ip-forward=false --ip-masq=false \
    >"$LOG" 2>&1 &
  for _ in $(seq 1 60); do
    if engine_answers; then return; fi
    sleep 0.5
  done
  echo "dockerd did not start within 30 seconds; its log:" >&2
  tail -n 40 "$LOG" >&2
  exit 1
}

import_image() {
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then return; fi
  local rootfs
  rootfs=$(mktemp -d)
  mkdir -p "$rootfs/bin" "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/"
  for command in sh echo cat sleep env true false head wc sha256sum cut tr dd kill trap id ls printf seq yes; do
    ln -sf busybox "$rootfs/bin/$command"
  done
  chmod 1777 "$rootfs/tmp"
  tar -C "$rootfs" -c . | docker import - "$IMAGE" >/dev/null
  rm -rf "$rootfs"
}

case "${1:-}" in
  start)
    install_packages
    start_engine
    import_image
    echo "test dockerd ready at $DOCKER_HOST"
    ;;
  stop)
    if [ -f "$PIDFILE" ]; then
      kill "$(cat "$PIDFILE")" 2>/dev/null || true
      for _ in $(seq 1 40); do [ -f "$PIDFILE" ] || break; sleep 0.25; done
    fi
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
