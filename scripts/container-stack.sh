#!/usr/bin/env bash
# The container stack that tminus's container tests (and a developer) use on this machine:
# a Docker engine, a registry on 127.0.0.1, a podman configuration that works here, and two base
# images made without any registry (tminus-test/busybox:1, tminus-test/python:3).
#
#   scripts/container-stack.sh [up]   install what is missing, start what is down, print the environment
#   scripts/container-stack.sh down   stop the dockerd and registry this script started
#
# `up` prints KEY=VALUE lines (value to the end of the line) on stdout and writes them to
# $TMINUS_CONTAINER_STATE/env; progress goes to stderr. When the stack cannot be had it prints one
# line "container stack unavailable: <what and why>" and exits 1. Podman and the python image are
# optional: when they cannot be had, TMINUS_TEST_PODMAN_SKIP / TMINUS_TEST_PYTHON_SKIP say why.
# Safe to run again and from several processes at once (one lock); fast when everything is up.
set -euo pipefail

STATE="${TMINUS_CONTAINER_STATE:-/var/lib/tminus-test}"
CACHE="${TMINUS_CONTAINER_CACHE:-/var/cache/tminus-test}"
BUSYBOX_IMAGE=tminus-test/busybox:1
PYTHON_IMAGE=tminus-test/python:3
# Bump when the python rootfs recipe changes: the cached tarball and the image are made again
# (the image carries the recipe as a label).
PYTHON_RECIPE=python3-bookworm-minbase-v2
PYTHON_ROOTFS="$CACHE/$PYTHON_RECIPE.tar"
IMAGE_PATH='PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
OWN_SOCKET="unix://$STATE/docker.sock"

STACK_NAME=container
# shellcheck source=lib/stack.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/stack.sh"
# A process that exists and is not a zombie (a dead daemon's parent may not have reaped it yet).
alive() { [ -n "$1" ] && ps -o stat= -p "$1" 2>/dev/null | grep -qv '^Z'; }

# ---- checks (cheap; used by the fast path and after each start) ------------------------------

docker_answers() { DOCKER_HOST="$1" timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
registry_answers() { curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$1/v2/" 2>/dev/null; }
docker_has_images() { DOCKER_HOST="$1" docker image inspect "${@:2}" >/dev/null 2>&1; }
recipe_label='{{index .Config.Labels "tminus-test.recipe"}}'
docker_has_python() { [ "$(DOCKER_HOST="$1" docker image inspect --format "$recipe_label" "$PYTHON_IMAGE" 2>/dev/null)" = "$PYTHON_RECIPE" ]; }
podman_has_python() { [ "$(podman_env podman image inspect --format "$recipe_label" "$PYTHON_IMAGE" 2>/dev/null)" = "$PYTHON_RECIPE" ]; }
podman_env() { CONTAINERS_CONF="$STATE/containers.conf" CONTAINERS_REGISTRIES_CONF="$STATE/registries.conf" "$@"; }

# The previous run's environment, if everything in it still answers.
env_file_still_good() {
  [ -r "$STATE/env" ] || return 1
  local host registry python podman
  host=$(sed -n 's/^DOCKER_HOST=//p' "$STATE/env")
  registry=$(sed -n 's/^TMINUS_TEST_REGISTRY=127.0.0.1://p' "$STATE/env")
  python=$(sed -n 's/^TMINUS_TEST_PYTHON_IMAGE=//p' "$STATE/env")
  podman=$(sed -n 's/^TMINUS_TEST_PODMAN=//p' "$STATE/env")
  [ -n "$host" ] && [ -n "$registry" ] || return 1
  docker_answers "$host" && registry_answers "$registry" || return 1
  docker_has_images "$host" "$BUSYBOX_IMAGE" || return 1
  [ -z "$python" ] || docker_has_python "$host" || return 1
  if [ "$podman" = available ]; then
    podman_env podman image exists "$BUSYBOX_IMAGE" || return 1
    [ -z "$python" ] || podman_has_python || return 1
  fi
}

# ---- installing --------------------------------------------------------------------------------

missing_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  echo "${missing[@]}"
}

install_missing() {
  local missing
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  command -v apt-get >/dev/null || unavailable "missing $missing and there is no apt-get to install them"
  [ "$(id -u)" = 0 ] || unavailable "missing $missing; run scripts/container-stack.sh once as root to install them"
  log "installing $missing"
  local why
  # shellcheck disable=SC2086 # one word per package
  if ! why=$(apt_install $missing); then
    # The engine and the registry are required; podman and debootstrap only widen the tests.
    missing=$(missing_packages)
    local required=""
    for p in $missing; do
      case $p in docker.io | docker-registry | runc | busybox-static) required+=" $p" ;; esac
    done
    if [ -n "$required" ]; then
      unavailable "cannot install${required} with apt-get (is the Debian mirror reachable?): ${why:-no reason given}"
    fi
    # shellcheck disable=SC2086
    apt_install $missing >/dev/null 2>&1 || log "still missing: $missing ($why)"
  fi
}

# ---- dockerd -----------------------------------------------------------------------------------

start_dockerd() {
  mkdir -p "$STATE/docker" "$STATE/docker-exec"
  local pid
  pid=$(cat "$STATE/dockerd.pid" 2>/dev/null || true)
  if alive "$pid"; then
    # Ours is running but does not answer: give it a moment (it may still be starting).
    for _ in $(seq 1 50); do docker_answers "$OWN_SOCKET" && return 0; sleep 0.2; done
    unavailable "dockerd (pid $pid) runs but does not answer on $OWN_SOCKET; see $STATE/dockerd.log"
  fi
  rm -f "$STATE/dockerd.pid" "$STATE/docker.sock"
  # A containerd our dead dockerd left behind: dockerd would wait for it (a zombie looks alive to it).
  local containerd_pid="$STATE/docker-exec/containerd/containerd.pid" cpid
  cpid=$(cat "$containerd_pid" 2>/dev/null || true)
  if alive "$cpid" && grep -qF "$STATE/docker-exec" "/proc/$cpid/cmdline" 2>/dev/null; then
    kill "$cpid" 2>/dev/null || true
    for _ in $(seq 1 50); do alive "$cpid" || break; sleep 0.2; done
  fi
  rm -f "$containerd_pid"
  log "starting dockerd (data in $STATE/docker, socket $STATE/docker.sock)"
  # setsid: the daemon outlives this script and the test process that ran it; 9>&-: it must not
  # inherit (and so hold) the lock.
  setsid -f dockerd --data-root "$STATE/docker" --exec-root "$STATE/docker-exec" \
    -H "$OWN_SOCKET" --pidfile "$STATE/dockerd.pid" --bridge=none --iptables=false \
    >>"$STATE/dockerd.log" 2>&1 </dev/null 3>&- 9>&-
  for _ in $(seq 1 100); do
    docker_answers "$OWN_SOCKET" && return 0
    sleep 0.2
  done
  unavailable "dockerd did not answer within 20 s: $(tail -n3 "$STATE/dockerd.log" | one_line)"
}

# Our own dockerd if it answers, else one the machine already runs, else ours started now.
ensure_docker() {
  if docker_answers "$OWN_SOCKET"; then
    DOCKER_HOST_OUT=$OWN_SOCKET
  elif [ -z "${TMINUS_CONTAINER_OWN_DOCKERD:-}" ] && docker_answers unix:///var/run/docker.sock; then
    DOCKER_HOST_OUT=unix:///var/run/docker.sock
  else
    command -v dockerd >/dev/null || unavailable "no dockerd: install docker.io"
    [ "$(id -u)" = 0 ] || unavailable "dockerd is not running and only root can start it here"
    start_dockerd
    DOCKER_HOST_OUT=$OWN_SOCKET
  fi
}

# ---- registry ----------------------------------------------------------------------------------

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

start_registry() {
  local port=$1
  mkdir -p "$STATE/registry"
  cat >"$STATE/registry.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
  log "starting docker-registry on 127.0.0.1:$port (storage $STATE/registry)"
  setsid -f bash -c 'echo $$ >"$1"; exec docker-registry serve "$2"' _ \
    "$STATE/registry.pid" "$STATE/registry.yml" >>"$STATE/registry.log" 2>&1 </dev/null 3>&- 9>&-
  for _ in $(seq 1 50); do
    registry_answers "$port" && return 0
    sleep 0.1
  done
  return 1
}

ensure_registry() {
  local port
  port=$(cat "$STATE/registry.port" 2>/dev/null || true)
  if [ -n "$port" ] && registry_answers "$port"; then
    REGISTRY_PORT=$port
    return 0
  fi
  command -v docker-registry >/dev/null || unavailable "no docker-registry: install the docker-registry package"
  local pid
  pid=$(cat "$STATE/registry.pid" 2>/dev/null || true)
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  # The previous port if it is free (image names stay the same), else a free one.
  local previous=$port
  for attempt in 1 2 3; do
    if [ "$attempt" = 1 ] && [ -n "$previous" ] && ! (exec 8<>"/dev/tcp/127.0.0.1/$previous") 2>/dev/null; then
      port=$previous
    else
      port=$(free_port)
    fi
    if start_registry "$port"; then
      echo "$port" >"$STATE/registry.port"
      REGISTRY_PORT=$port
      return 0
    fi
  done
  unavailable "docker-registry did not answer: $(tail -n3 "$STATE/registry.log" | one_line)"
}

# ---- podman ------------------------------------------------------------------------------------

# runc (crun cannot run on hybrid cgroups), cgroupfs (no systemd), ulimits root may set here.
write_podman_conf() {
  cat >"$STATE/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
EOF
  # No short-name lookups on registries that cannot be reached; the local registry is plain HTTP.
  cat >"$STATE/registries.conf" <<EOF
unqualified-search-registries = []
short-name-mode = "permissive"
[[registry]]
location = "127.0.0.1:$REGISTRY_PORT"
insecure = true
EOF
}

podman_problem() {
  command -v podman >/dev/null || {
    echo "podman is not installed"
    return
  }
  local out
  out=$(podman_env timeout 30 podman info --format '{{.Host.OCIRuntime.Name}}' 2>&1) || {
    echo "podman info failed: $(echo "$out" | one_line)"
    return
  }
}

# ---- images ------------------------------------------------------------------------------------

busybox_rootfs() {
  local tar="$CACHE/busybox-rootfs.tar"
  if [ ! -s "$tar" ]; then
    local dir
    dir=$(mktemp -d)
    mkdir -p "$dir/bin" "$dir/tmp" "$dir/etc" "$dir/root"
    chmod 1777 "$dir/tmp"
    cp /bin/busybox "$dir/bin/busybox"
    for applet in $("$dir/bin/busybox" --list); do
      [ "$applet" = busybox ] || ln -s busybox "$dir/bin/$applet"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$dir/etc/passwd"
    echo 'root:x:0:' >"$dir/etc/group"
    tar --numeric-owner -C "$dir" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$dir"
  fi
  echo "$tar"
}

apt_mirror() {
  local uri
  uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list |
    grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n1 | tr -d ' ' || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

# A Debian bookworm minbase with python3 and pip, as a tarball cached for later imports.
python_rootfs() {
  if [ ! -s "$PYTHON_ROOTFS" ]; then
    command -v debootstrap >/dev/null || {
      echo "debootstrap is not installed" >&2
      return 1
    }
    local root mirror
    find "$CACHE" -maxdepth 1 -name 'python3-bookworm-*.tar' ! -name "$PYTHON_RECIPE.tar" -delete
    root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    mirror=$(apt_mirror)
    log "making the python rootfs with debootstrap from $mirror (about a minute, cached in $PYTHON_ROOTFS)"
    if ! debootstrap --variant=minbase --include=python3,python3-pip bookworm "$root" "$mirror" \
      >"$CACHE/debootstrap.log" 2>&1; then
      rm -rf "$root"
      echo "debootstrap failed: $(tail -n2 "$CACHE/debootstrap.log" | one_line)" >&2
      return 1
    fi
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar --numeric-owner -C "$root" -cf "$PYTHON_ROOTFS.tmp" . && mv "$PYTHON_ROOTFS.tmp" "$PYTHON_ROOTFS"
    rm -rf "$root"
  fi
  echo "$PYTHON_ROOTFS"
}

# import ENGINE IMAGE TARBALL CMD [LABEL]: the image from a rootfs tarball, with PATH and a command.
import_image() {
  local engine=$1 image=$2 tar=$3 cmd=$4 label=${5:-}
  log "importing $image into $engine"
  local changes=(-c "ENV $IMAGE_PATH" -c 'ENV LANG=C.UTF-8' -c "CMD [\"$cmd\"]")
  [ -z "$label" ] || changes+=(-c "LABEL $label")
  if [ "$engine" = docker ]; then
    DOCKER_HOST=$DOCKER_HOST_OUT docker import "${changes[@]}" "$tar" "$image" >/dev/null
  else
    podman_env podman import -q "${changes[@]}" "$tar" "$image" >/dev/null
  fi
}

has_image() {
  if [ "$1" = docker ]; then docker_has_images "$DOCKER_HOST_OUT" "$2"; else podman_env podman image exists "$2"; fi
}
has_python() {
  if [ "$1" = docker ]; then docker_has_python "$DOCKER_HOST_OUT"; else podman_has_python; fi
}

# The test images in one engine; fails (with the reason on stderr) when busybox cannot be had.
ensure_images() {
  local engine=$1 tar
  if ! has_image "$engine" "$BUSYBOX_IMAGE"; then
    tar=$(busybox_rootfs) && import_image "$engine" "$BUSYBOX_IMAGE" "$tar" /bin/sh || return 1
  fi
  [ -n "$PYTHON_SKIP" ] && return 0
  has_python "$engine" && return 0
  # An image of an older recipe goes first (the tag moves to the new one).
  if [ "$engine" = docker ]; then
    DOCKER_HOST=$DOCKER_HOST_OUT docker image rm "$PYTHON_IMAGE" >/dev/null 2>&1 || true
  else
    podman_env podman image rm "$PYTHON_IMAGE" >/dev/null 2>&1 || true
  fi
  if ! tar=$(python_rootfs 2>"$STATE/python-rootfs.err"); then
    PYTHON_SKIP="no python base image: $(one_line <"$STATE/python-rootfs.err")"
  elif ! import_image "$engine" "$PYTHON_IMAGE" "$tar" python3 "tminus-test.recipe=$PYTHON_RECIPE" \
    2>"$STATE/python-rootfs.err"; then
    PYTHON_SKIP="could not import $PYTHON_IMAGE into $engine: $(one_line <"$STATE/python-rootfs.err")"
  fi
}

# ---- main --------------------------------------------------------------------------------------

up() {
  if env_file_still_good; then
    cat "$STATE/env"
    return 0
  fi
  mkdir -p "$STATE" "$CACHE" 2>/dev/null ||
    unavailable "cannot create $STATE or $CACHE (run scripts/container-stack.sh once as root)"
  exec 9>>"$STATE/lock"
  flock -w 900 9 || unavailable "another container-stack.sh held $STATE/lock for 15 minutes"
  # Another process may have brought everything up while this one waited for the lock.
  if env_file_still_good; then
    cat "$STATE/env"
    return 0
  fi

  install_missing
  command -v docker >/dev/null || unavailable "no docker command: install docker.io"
  command -v curl >/dev/null || unavailable "no curl: install curl"
  ensure_docker
  ensure_registry
  write_podman_conf

  PYTHON_SKIP=""
  ensure_images docker 2>"$STATE/images.err" ||
    unavailable "could not import $BUSYBOX_IMAGE into docker: $(one_line <"$STATE/images.err")"
  local podman_skip
  podman_skip=$(podman_problem)
  if [ -z "$podman_skip" ]; then
    # A python image docker has but podman lacks means no python tests on podman only.
    local docker_python_skip=$PYTHON_SKIP
    if ! ensure_images podman 2>"$STATE/images.err"; then
      podman_skip="podman could not import $BUSYBOX_IMAGE: $(one_line <"$STATE/images.err")"
    elif [ -n "$PYTHON_SKIP" ] && [ -z "$docker_python_skip" ]; then
      podman_skip="podman has no $PYTHON_IMAGE: $PYTHON_SKIP"
    fi
    PYTHON_SKIP=$docker_python_skip
  fi

  {
    echo "DOCKER_HOST=$DOCKER_HOST_OUT"
    echo "TMINUS_TEST_REGISTRY=127.0.0.1:$REGISTRY_PORT"
    echo "CONTAINERS_CONF=$STATE/containers.conf"
    echo "CONTAINERS_REGISTRIES_CONF=$STATE/registries.conf"
    echo "TMINUS_TEST_BUSYBOX_IMAGE=$BUSYBOX_IMAGE"
    if [ -z "$PYTHON_SKIP" ]; then
      echo "TMINUS_TEST_PYTHON_IMAGE=$PYTHON_IMAGE"
    else
      echo "TMINUS_TEST_PYTHON_SKIP=$PYTHON_SKIP"
    fi
    if [ -z "$podman_skip" ]; then
      echo "TMINUS_TEST_PODMAN=available"
    else
      echo "TMINUS_TEST_PODMAN_SKIP=$podman_skip"
    fi
  } >"$STATE/env.tmp"
  mv "$STATE/env.tmp" "$STATE/env"
  cat "$STATE/env"
}

down() {
  local pid
  for name in registry dockerd; do
    pid=$(cat "$STATE/$name.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.2; done
      log "stopped $name (pid $pid)"
    fi
  done
  rm -f "$STATE/env"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *)
    echo "usage: $0 [up|down]" >&2
    exit 2
    ;;
esac
