#!/usr/bin/env bash
# Backups of a deployed stack's ensemble (zookeeper-platform:backup), through its backup agents:
#   bash scripts/backup.sh <env>                      take one now from a server with the highest zxid; its id is the last line
#   bash scripts/backup.sh <env> list                 the kept backups, newest first
#   bash scripts/backup.sh <env> export <id> <file>   copy one off the host (a tar of its snapshot and manifest)
#   bash scripts/backup.sh <env> import <file>        put an exported one back into the backups volume
#   bash scripts/backup.sh <env> pause | resume       hold or release the schedule (on-demand backups still run)
# Exit status: 0 done, 1 refused or failed (the reason is printed), 2 bad arguments.
set -euo pipefail

usage() {
  echo "usage: bash scripts/backup.sh <env> [list | export <id> <file> | import <file> | pause | resume]" >&2
  exit 2
}
env="${1:-}"
[[ -n "$env" ]] || usage
if [[ ! "$env" =~ ^[a-z0-9]+(-[a-z0-9]+)*$ ]]; then
  echo "error: environment '$env' is not allowed: use a stack name such as dev, staging or prod" >&2
  exit 2
fi
action="${2:-now}"
ensemble="zk-$env"
id_pattern='^[0-9]{8}T[0-9]{6}Z-0x[0-9a-f]{1,16}$'
agent_script=/conf/backup-agent.sh

# The running agents of the ensemble, by server id.
mapfile -t agents < <(docker ps --filter "label=zookeeper-docker.ensemble=$ensemble" \
  --filter "label=zookeeper-docker.component=backup-agent" \
  --format '{{.Label "zookeeper-docker.server-id"}} {{.Names}}' | sort -n)
if ((${#agents[@]} == 0)); then
  echo "error: no backup agent of ensemble $ensemble runs: set zookeeper-platform:backup.enabled to true for stack $env and run pulumi up" >&2
  exit 1
fi
any_agent="${agents[0]#* }"
agent_of() {
  local entry
  for entry in "${agents[@]}"; do
    [[ "${entry%% *}" == "$1" ]] && { echo "${entry#* }"; return 0; }
  done
  return 1
}
check_id() {
  [[ "$1" =~ $id_pattern ]] || { echo "error: backup id '$1' is not allowed: it looks like 20261203T124800Z-0x100000002a (see: bash scripts/backup.sh $env list)" >&2; exit 2; }
}

case "$action" in
  now)
    [[ $# -le 2 ]] || usage
    chosen="$(docker exec "$any_agent" bash "$agent_script" choose)" || exit 1
    agent="$(agent_of "$chosen")" || { echo "error: server $chosen has the highest zxid but its backup agent does not run" >&2; exit 1; }
    echo "backup of $ensemble from server $chosen (highest zxid)" >&2
    docker exec "$agent" bash "$agent_script" now
    ;;
  list)
    [[ $# -eq 2 ]] || usage
    docker exec "$any_agent" bash "$agent_script" list
    ;;
  export)
    [[ $# -eq 4 ]] || usage
    id="$3" file="$4"
    check_id "$id"
    docker exec "$any_agent" test -f "/data/$id/manifest.json" || { echo "error: backup $id is not in volume $ensemble-backups" >&2; exit 1; }
    tmp="$(mktemp "$file.XXXXXX")"
    trap 'rm -f "$tmp"' EXIT
    docker exec "$any_agent" tar -C /data -cf - "$id" > "$tmp"
    chmod 600 "$tmp"
    mv "$tmp" "$file"
    trap - EXIT
    echo "exported $id to $file ($(stat -c %s "$file") bytes)" >&2
    ;;
  import)
    [[ $# -eq 3 ]] || usage
    file="$3"
    [[ -f "$file" ]] || { echo "error: file '$file' does not exist" >&2; exit 2; }
    id="$(tar -tf "$file" | head -n 1)"; id="${id%%/*}"
    check_id "$id"
    if tar -tf "$file" | grep -qv "^$id\(/\|$\)"; then
      echo "error: '$file' holds more than backup $id: not an export of scripts/backup.sh" >&2
      exit 1
    fi
    docker exec "$any_agent" test ! -e "/data/$id" || { echo "error: backup $id is in volume $ensemble-backups already" >&2; exit 1; }
    # Unpacked beside the backups, then moved into place: an id's directory is always complete.
    docker exec -i "$any_agent" bash -c "umask 077; mkdir -p /data/.staging/import-\$\$ && tar -C /data/.staging/import-\$\$ -xf - && mv /data/.staging/import-\$\$/$id /data/$id && rmdir /data/.staging/import-\$\$" < "$file"
    echo "imported $id into volume $ensemble-backups" >&2
    echo "$id"
    ;;
  pause)
    [[ $# -eq 2 ]] || usage
    # Returns once no backup runs.
    docker exec "$any_agent" bash "$agent_script" pause
    echo "scheduled backups of $ensemble are paused (zookeeper_backup_schedule_paused is 1); resume with: bash scripts/backup.sh $env resume" >&2
    ;;
  resume)
    [[ $# -eq 2 ]] || usage
    docker exec "$any_agent" bash "$agent_script" resume
    echo "scheduled backups of $ensemble resume at the next slot" >&2
    ;;
  *)
    usage
    ;;
esac
