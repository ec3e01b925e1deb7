#!/bin/bash
# The scheduled jobs of README's "Scheduled jobs (cron)", for compose.yaml's "scheduler" service:
# one small loop instead of cron in a container.
# - every 5 minutes: send_outbox (two runs at once never send twice, so an overlap is harmless);
# - once a day, at the first pass from DAILY_AT_HOUR (UTC, default 2) on: the daily jobs. After a
#   restart they run again that day; they are idempotent (each reminder is sent once, the directory
#   check writes only what differs, the purge deletes only what expired).
# A job that fails is logged and retried at its next turn; the loop goes on. Each pass touches
# /tmp/scheduler-alive, which compose's health check watches.
set -u
cd "$(dirname "$0")/.." || exit 1

OUTBOX_EVERY_SECONDS=300
DAILY_AT_HOUR="${DAILY_AT_HOUR:-2}"
DAILY_JOBS=(rebuild_directory remind_profiles remind_expiring_offers purge_expired_jobs matchmaking_tasks export_open_data)

# docker stop: leave at once, between two jobs or in the pause.
trap 'echo "scheduler: stopping"; exit 0' TERM INT

run() {
    echo "scheduler: $(date -u +%FT%TZ) manage.py $1"
    python manage.py "$@" || echo "scheduler: manage.py $1 failed (exit $?), retried at its next turn" >&2
}

last_daily=""
while true; do
    touch /tmp/scheduler-alive
    run send_outbox
    today="$(date -u +%F)"
    if [ "$today" != "$last_daily" ] && [ "$((10#$(date -u +%H)))" -ge "$DAILY_AT_HOUR" ]; then
        for job in "${DAILY_JOBS[@]}"; do
            run "$job"
        done
        last_daily="$today"
    fi
    sleep "$OUTBOX_EVERY_SECONDS" &
    wait $!
done
