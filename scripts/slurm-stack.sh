#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for tminus's Slurm tests (and a developer): munge,
# slurmctld and slurmd from Debian's packages, started without systemd, with the configuration in a
# state directory of their own.
#
#   scripts/slurm-stack.sh [up]   install what is missing, start what is down, print the environment
#   scripts/slurm-stack.sh down   cancel every job and stop the daemons this script started
#
# `up` prints KEY=VALUE lines on stdout (SLURM_CONF, TMINUS_TEST_SLURM_NODE, TMINUS_TEST_SLURM_CPUS,
# TMINUS_TEST_SLURM_MEMORY_MB, TMINUS_TEST_SLURM_PARTITIONS) and writes them to $STATE/env; progress goes to
# stderr. When the cluster cannot be had it prints one line "slurm stack unavailable: <what and why>"
# and exits 1. Safe to run again and from several processes at once (one lock); well under a second
# when everything is up.
#
# The cluster: one node (this host, its CPUs and memory as `slurmd -C` sees them) and a drained
# big-memory node that never comes up, partitions `debug`
# (the default) and `low` (lower priority tier: a `debug` job that needs its CPUs preempts it, which
# cancels the `low` job — how the tests make Slurm preempt a job), no accounting daemon (job records
# come from `scontrol show job`, and jobcomp/filetxt keeps one line per ended job).
set -euo pipefail

STATE="${TMINUS_SLURM_STATE:-/var/lib/tminus-test/slurm}"
CONF="$STATE/slurm.conf"
CLEAN=""
# Bump when the configuration below changes, so that running daemons are restarted with it.
CONF_VERSION=3

STACK_NAME=slurm
# shellcheck source=lib/stack.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/stack.sh"

export SLURM_CONF="$CONF"

# ---- checks ------------------------------------------------------------------------------------

controller_answers() { timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP'; }
node_state() { timeout 5 sinfo -h -n "$(hostname -s)" -o '%T' 2>/dev/null | head -n1; }
node_usable() {
  case "$(node_state)" in idle* | mixed* | allocated* | completing*) return 0 ;; *) return 1 ;; esac
}
munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
pid_alive() { [ -r "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

env_lines() {
  local node cpus mem
  node=$(hostname -s)
  cpus=$(sed -n "s/^NodeName=$node CPUs=\([0-9]*\).*/\1/p" "$CONF")
  mem=$(sed -n "s/^NodeName=$node .* RealMemory=\([0-9]*\).*/\1/p" "$CONF")
  echo "SLURM_CONF=$CONF"
  echo "TMINUS_TEST_SLURM_NODE=$node"
  echo "TMINUS_TEST_SLURM_CPUS=$cpus"
  echo "TMINUS_TEST_SLURM_MEMORY_MB=$mem"
  echo "TMINUS_TEST_SLURM_PARTITIONS=debug,low"
}

fast_path() {
  [ -r "$STATE/env" ] && [ -r "$CONF" ] || return 1
  grep -q "^# tminus-slurm-stack v$CONF_VERSION\$" "$CONF" || return 1
  pid_alive "$STATE/slurmctld.pid" && pid_alive "$STATE/slurmd.pid" || return 1
  controller_answers && node_usable || return 1
  cat "$STATE/env"
}

# ---- installing --------------------------------------------------------------------------------

missing_packages() {
  local missing=()
  command -v slurmctld >/dev/null || missing+=(slurmctld)
  command -v slurmd >/dev/null || missing+=(slurmd)
  command -v sbatch >/dev/null || missing+=(slurm-client)
  command -v munged >/dev/null || missing+=(munge)
  echo "${missing[@]}"
}

install_missing() {
  local missing why
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  command -v apt-get >/dev/null || unavailable "missing $missing and there is no apt-get to install them"
  [ "$(id -u)" = 0 ] || unavailable "missing $missing; run scripts/slurm-stack.sh once as root to install them"
  log "installing $missing"
  # shellcheck disable=SC2086 # one word per package
  why=$(apt_install $missing) ||
    unavailable "cannot install $missing with apt-get (is the Debian mirror reachable?): ${why:-no reason given}"
}

# ---- configuration -----------------------------------------------------------------------------

write_conf() {
  local node cpus mem
  node=$(hostname -s)
  local probe
  probe=$(slurmd -C 2>/dev/null | head -n1) || unavailable "slurmd -C failed: $(slurmd -C 2>&1 | one_line)"
  cpus=$(echo "$probe" | sed -n 's/.* CPUs=\([0-9]*\).*/\1/p')
  mem=$(echo "$probe" | sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p')
  [ -n "$cpus" ] && [ -n "$mem" ] || unavailable "could not read CPUs and memory from slurmd -C: $probe"
  # Leave the system some memory: slurmd drains a node whose RealMemory exceeds what it finds.
  mem=$((mem * 9 / 10))
  mkdir -p "$STATE/state" "$STATE/spool" "$STATE/log"
  cat >"$CONF.tmp" <<EOF
# tminus-slurm-stack v$CONF_VERSION
# Written by scripts/slurm-stack.sh, and rewritten when the script changes it.
ClusterName=tminus-test
SlurmctldHost=$node
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/state
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/log/jobcomp.log
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256
PreemptType=preempt/partition_prio
PreemptMode=CANCEL
ReturnToService=2
MinJobAge=300
# Seconds between the SIGTERM and the SIGKILL of a cancelled or timed-out job (default 30).
KillWait=2
NodeName=$node CPUs=$cpus RealMemory=$mem State=UNKNOWN
# Never up (its address is TEST-NET-1, which nothing answers): a job asking for more memory than this
# host has is accepted because of it and stays pending, as on a cluster whose big node is drained.
NodeName=tminus-bigmem NodeAddr=192.0.2.1 CPUs=$cpus RealMemory=$((mem * 8)) State=DRAIN Reason=never-up
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP PriorityTier=2
PartitionName=low Nodes=ALL MaxTime=INFINITE State=UP PriorityTier=1
EOF
  mv "$CONF.tmp" "$CONF"
}

# ---- daemons -----------------------------------------------------------------------------------

start_munge() {
  munge_works && return 0
  [ -r /etc/munge/munge.key ] || unavailable "/etc/munge/munge.key is missing (reinstall the munge package)"
  mkdir -p /run/munge
  chown munge:munge /run/munge 2>/dev/null || true
  log "starting munged"
  runuser -u munge -- /usr/sbin/munged 9>&- 2>&1 | one_line >&3 || true
  for _ in $(seq 1 50); do munge_works && return 0; sleep 0.1; done
  unavailable "munged does not answer (munge -n | unmunge fails)"
}

stop_pidfile() {
  local file=$1 pid
  pid_alive "$file" || return 0
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

start_daemons() {
  if ! pid_alive "$STATE/slurmctld.pid"; then
    log "starting slurmctld (configuration $CONF)"
    # -c: a new configuration starts from a clean state (no jobs or node states of the old one).
    /usr/sbin/slurmctld -f "$CONF" ${CLEAN:+-c} 9>&- 2>&1 | one_line >&3 ||
      unavailable "slurmctld did not start; see $STATE/log/slurmctld.log"
  fi
  for _ in $(seq 1 50); do controller_answers && break; sleep 0.1; done
  controller_answers || unavailable "slurmctld does not answer; see $STATE/log/slurmctld.log"
  if ! pid_alive "$STATE/slurmd.pid"; then
    log "starting slurmd"
    /usr/sbin/slurmd -f "$CONF" 9>&- 2>&1 | one_line >&3 ||
      unavailable "slurmd did not start; see $STATE/log/slurmd.log"
  fi
  for _ in $(seq 1 100); do node_usable && return 0; sleep 0.1; done
  # A node left down or drained by an earlier run: give it back to the scheduler once.
  scontrol update NodeName="$(hostname -s)" State=RESUME >/dev/null 2>&1 || true
  for _ in $(seq 1 50); do node_usable && return 0; sleep 0.1; done
  unavailable "the node is $(node_state) (not usable); see $STATE/log/slurmd.log"
}

up() {
  fast_path && return 0
  install_missing
  start_munge
  if ! grep -qs "^# tminus-slurm-stack v$CONF_VERSION\$" "$CONF"; then
    # A new or changed configuration: the running daemons (if any) read the old one.
    stop_pidfile "$STATE/slurmd.pid"
    stop_pidfile "$STATE/slurmctld.pid"
    write_conf
    CLEAN=1
  fi
  # Someone else's slurmctld on the port (another configuration) would answer our clients wrongly.
  if ! pid_alive "$STATE/slurmctld.pid" && pgrep -x slurmctld >/dev/null; then
    unavailable "a slurmctld not started by this script is running (pid $(pgrep -x slurmctld | head -n1)); stop it or point TMINUS_SLURM_STATE at its state"
  fi
  start_daemons
  env_lines >"$STATE/env.tmp"
  mv "$STATE/env.tmp" "$STATE/env"
  cat "$STATE/env"
}

down() {
  if pid_alive "$STATE/slurmctld.pid"; then scancel --full --signal=KILL --user=root >/dev/null 2>&1 || true; fi
  stop_pidfile "$STATE/slurmd.pid"
  stop_pidfile "$STATE/slurmctld.pid"
  rm -f "$STATE/env"
}

mkdir -p "$STATE"
# The daemons started below are given no copy of the lock's descriptor (9>&-): they would hold it.
exec 9>"$STATE/.lock"
flock 9
case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 [up|down]" >&2; exit 2 ;;
esac
