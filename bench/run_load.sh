#!/usr/bin/env bash
# Load test (issue 10): gunicorn + a Celery worker (with beat) on the machine's PostgreSQL and Redis,
# 100 locust users for 2 minutes on loopback, then everything this script started is stopped and
# the summary printed. It never starts or stops PostgreSQL or Redis (they must be running).
#
#   bash bench/run_load.sh                 # 100 users, 10/s ramp, 2 minutes
#   USERS=20 DURATION=30s bash bench/run_load.sh
#
# Uses its own database (LOAD_DB, default wsa_load; created when missing, seeded by seed_demo and
# seed_load, both idempotent), Redis database 14 (LOAD_REDIS_URL), and var/load/ for files, logs
# and the CSVs.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PORT:-8765}"
USERS="${USERS:-100}"
RATE="${RATE:-10}"
DURATION="${DURATION:-2m}"
LOAD_DB="${LOAD_DB:-wsa_load}"
OUT="var/load"
mkdir -p "$OUT"

export DJANGO_ENV=development DJANGO_DEBUG=false LOG_LEVEL=WARNING
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$LOAD_DB"
export REDIS_URL="${LOAD_REDIS_URL:-redis://127.0.0.1:6379/14}"
export WSA_VAR_DIR="$PWD/$OUT" CONN_MAX_AGE=60 WSA_TRUSTED_PROXY_COUNT=1
export LOAD_APPLICANTS="$USERS" LOAD_CASEWORKERS=10

pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not running on 127.0.0.1:5432" >&2; exit 2; }
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis is not running on 127.0.0.1:6379" >&2; exit 2; }
uv sync --frozen -q
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$LOAD_DB'" | grep -q 1 \
  || createdb -h 127.0.0.1 -U postgres "$LOAD_DB"

echo "== seeding ($LOAD_DB)"
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed_demo >/dev/null
.venv/bin/python manage.py seed_load --applicants "$USERS" --caseworkers 10

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

echo "== starting gunicorn on 127.0.0.1:$PORT and a Celery worker with beat"
.venv/bin/gunicorn wsa.wsgi:application --bind "127.0.0.1:$PORT" --workers 3 --threads 4 --worker-class gthread \
  --timeout 120 --keep-alive 30 --error-logfile "$OUT/gunicorn.log" >"$OUT/gunicorn.out" 2>&1 &
pids+=($!)
.venv/bin/celery -A wsa worker --beat --schedule "$OUT/celerybeat-schedule" --concurrency 2 -l warning \
  >"$OUT/worker.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" && break
  sleep 0.5
done

echo "== locust: $USERS users, $RATE/s, $DURATION"
status=0
.venv/bin/locust -f bench/locustfile.py --headless -u "$USERS" -r "$RATE" -t "$DURATION" \
  --host "http://127.0.0.1:$PORT" --csv "$OUT/locust" --csv-full-history --only-summary --stop-timeout 10 \
  >"$OUT/locust.out" 2>&1 || status=$?

echo "== summary (from $OUT/locust_stats.csv)"
.venv/bin/python - "$OUT/locust_stats.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"{'endpoint':48} {'requests':>8} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'rps':>6}")
for row in rows:
    name = row["Name"] if row["Name"] != "Aggregated" else "ALL (aggregated)"
    print(f"{(row['Type'] + ' ' + name)[:48]:48} {row['Request Count']:>8} {row['Failure Count']:>5} "
          f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7} {float(row['Requests/s']):6.1f}")

# Steady state: the 10-second windows after the first minute (the login storm of the ramp is over).
hist = list(csv.DictReader(open(sys.argv[1].replace("_stats.csv", "_stats_history.csv"))))
if hist:
    start = int(hist[0]["Timestamp"])
    late = [h for h in hist if int(h["Timestamp"]) - start >= 60 and h["50%"] not in ("N/A", "0")]
    print("\nsteady state (t >= 60 s; per endpoint: median of the 10-s window p50s, max of the window p95s)")
    print(f"{'endpoint':48} {'p50 ms':>7} {'p95 ms':>7}")
    for name in dict.fromkeys(h["Name"] for h in late):
        rows = [h for h in late if h["Name"] == name]
        p50 = sorted(float(h["50%"]) for h in rows)[len(rows) // 2]
        p95 = max(float(h["95%"]) for h in rows)
        label = name if name != "Aggregated" else "ALL (aggregated)"
        print(f"{(rows[0]['Type'] + ' ' + label)[:48]:48} {p50:7.0f} {p95:7.0f}")
PY
if [ -s "$OUT/locust_failures.csv" ] && [ "$(wc -l <"$OUT/locust_failures.csv")" -gt 1 ]; then
  echo "== failures"; cat "$OUT/locust_failures.csv"
fi
errors=$(grep -c "Traceback\|ERROR" "$OUT/gunicorn.log" "$OUT/worker.log" 2>/dev/null | awk -F: '{s+=$2} END {print s+0}')
echo "== server-side errors logged: $errors (see $OUT/gunicorn.log, $OUT/worker.log)"
exit "$status"
