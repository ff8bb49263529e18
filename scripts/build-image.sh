#!/usr/bin/env bash
# Builds the single executable (scripts/build-binary.mjs), then the test
# image tasque/tasque:dev from it without a base image or a registry: a root
# file system with the executable, the shared libraries it links, Debian's
# static busybox and static tini, imported with `docker import`. The image
# has the layout, user, environment and entry point of the Dockerfile's
# image, so the tests in test/image.test.ts hold for both. Usage:
#   npm run build:image
# Needs root only to install Debian's tini and busybox-static when they are
# missing. The image goes to the engine named by DOCKER_HOST, by default the
# test engine of scripts/test-dockerd.sh when its socket exists.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=tasque/tasque:dev
TEST_SOCKET=/tmp/tasque-docker.sock
# Keep these in line with the Dockerfile.
TASQUE_UID=10001
SHUTDOWN_GRACE=8s

if [ -z "${DOCKER_HOST:-}" ] && [ -S "$TEST_SOCKET" ]; then
  export DOCKER_HOST="unix://$TEST_SOCKET"
fi

install_packages() {
  local missing=()
  [ -x /usr/bin/tini-static ] || missing+=(tini)
  [ -x /bin/busybox ] || missing+=(busybox-static)
  if [ "${#missing[@]}" -eq 0 ]; then return; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Copies a file to the same path under the root file system. A symbolic link,
# such as the ELF interpreter /lib64/ld-linux-x86-64.so.2, is copied as a
# link, and its target is copied as well, to the path the link names.
copy_into_rootfs() {
  local path=$1 rootfs=$2 target
  mkdir -p "$rootfs$(dirname "$path")"
  if [ -L "$path" ]; then
    cp -P "$path" "$rootfs$path"
    target=$(readlink "$path")
    case "$target" in
      /*) ;;
      *) target="$(dirname "$path")/$target" ;;
    esac
    copy_into_rootfs "$target" "$rootfs"
  else
    cp "$path" "$rootfs$path"
  fi
}

# Lists the shared libraries that `ldd` resolves for a file, the ELF interpreter included.
shared_libraries() {
  ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
}

build_rootfs() {
  local rootfs=$1
  mkdir -p "$rootfs"/{bin,etc,tmp,usr/bin,usr/local/bin,usr/share/doc/tasque,home/tasque}
  chmod 1777 "$rootfs/tmp"

  cp dist/tasque "$rootfs/usr/local/bin/tasque"
  cp dist/tasque.licenses.txt "$rootfs/usr/share/doc/tasque/licenses.txt"
  for library in $(shared_libraries dist/tasque); do
    copy_into_rootfs "$library" "$rootfs"
  done

  cp /usr/bin/tini-static "$rootfs/usr/bin/tini"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
  done

  cat >"$rootfs/etc/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
tasque:x:$TASQUE_UID:$TASQUE_UID:Tasque:/home/tasque:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$rootfs/etc/group" <<EOF
root:x:0:
tasque:x:$TASQUE_UID:
nogroup:x:65534:
EOF
  chown "$TASQUE_UID:$TASQUE_UID" "$rootfs/home/tasque"
}

main() {
  install_packages
  node scripts/build-binary.mjs

  local version checksum previous_id current_id
  version=$(node -p 'require("./package.json").version')
  previous_id=$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
  checksum=$(cut -d ' ' -f 1 dist/tasque.sha256)
  ROOTFS=$(mktemp -d)
  trap 'rm -rf "$ROOTFS"' EXIT
  build_rootfs "$ROOTFS"

  # docker import sets no environment, so PATH is set here. The labels are
  # those of the Dockerfile, plus the checksum of the executable inside.
  tar -C "$ROOTFS" --numeric-owner -c . | docker import \
    --change "ENV PATH=/usr/local/bin:/usr/bin:/bin" \
    --change "ENV TASK_SHUTDOWN_GRACE=$SHUTDOWN_GRACE" \
    --change "USER tasque" \
    --change "WORKDIR /home/tasque" \
    --change 'ENTRYPOINT ["tini", "-s", "--", "tasque"]' \
    --change 'CMD ["--help"]' \
    --change "LABEL org.opencontainers.image.title=tasque" \
    --change "LABEL org.opencontainers.image.version=$version" \
    --change "LABEL org.opencontainers.image.licenses=MIT" \
    --change "LABEL io.tasque.executable.sha256=$checksum" \
    - "$IMAGE" >/dev/null

  # Each import leaves the image it replaces untagged. Remove it unless a container still uses it.
  current_id=$(docker image inspect --format '{{.Id}}' "$IMAGE")
  if [ -n "$previous_id" ] && [ "$previous_id" != "$current_id" ]; then
    docker image rm "$previous_id" >/dev/null 2>&1 || true
  fi
  echo "build-image: imported $IMAGE (Tasque $version, executable SHA-256 $checksum) into ${DOCKER_HOST:-the default Docker Engine}"
}

main
