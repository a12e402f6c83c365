# Shared by the scripts that install and start a test stack (container-stack.sh, slurm-stack.sh):
# progress, the one-line refusal, and an idempotent apt install. Source it after setting STACK_NAME
# (the word each line starts with: "container", "slurm").

# Progress goes to fd 3 (the script's stderr), so that capturing a step's errors does not hide it.
exec 3>&2
log() { echo "$STACK_NAME-stack: $*" >&3; }
# The one line a caller (a test, CI) shows as the reason its tests skip; then exit 1.
unavailable() {
  echo "$STACK_NAME stack unavailable: $*" | tr -d "\r\n" | head -c 2000 >&2
  echo >&2
  exit 1
}
one_line() { tr '\n\r' '  ' | sed 's/  */ /g; s/^ //; s/ $//' | cut -c1-400; }

# apt-get install, updating the package lists once if that fails; prints apt's last errors on failure.
apt_install() {
  local out
  out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=300 "$@" 2>&1) && return 0
  log "apt-get install failed, updating the package lists once: $(echo "$out" | tail -n1)"
  DEBIAN_FRONTEND=noninteractive apt-get update -q -o DPkg::Lock::Timeout=300 >/dev/null 2>&1 || true
  out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=300 "$@" 2>&1) && return 0
  echo "$out" | grep -E '^(E|W):' | tail -n2 | one_line
  return 1
}
