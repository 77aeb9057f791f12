#!/usr/bin/env bash
# The `schedules` section of scripts/bench (issue 19), sourced by it: `tts-archive serve` with 100 scheduled
# sources, each a service instance of one emulator (100 API keys, URLs .../instances/N so that each source has its
# own URL) holding 5 models x 1,000 words.
#   - 100 sources snapshotted by one server with at most 4 runs at once: the catch-up at start-up runs them all
#     (none has a snapshot); total time from start-up until 100 snapshots succeeded, the server's peak memory
#     (max RSS, /usr/bin/time), the archive's size;
#   - GET /metrics with 100 sources configured (and their series filled): median of 50 scrapes (curl's
#     time_total, keep-alive not used: each scrape is a new connection, as Prometheus's first is);
#   - the server's idle CPU with 100 schedules (the next firing hours away): CPU time over 10 s of wall time.
# Uses scripts/bench's `row`, `say`, `median`, `$TTS`, `$WORK`; standalone: bash scripts/lib/bench-schedules.sh BIN.
bench_schedules() {
    local n=100 per_source_models=5 per_source_words=5000 port keys=() i cfg env_file
    say "== schedules: $n sources x $per_source_models models x $((per_source_words / per_source_models)) words, serve with max_concurrent 4"
    for ((i = 1; i <= n; i++)); do keys+=(--apikey "bench-key-$i"); done
    "$TTS" emulator --port 0 "${keys[@]}" > "$WORK/sched-emu.out" 2> "$WORK/sched-emu.err" &
    local emu_pid=$!
    for _ in $(seq 200); do [ -s "$WORK/sched-emu.out" ] && break; sleep 0.05; done
    local emu; emu=$(head -1 "$WORK/sched-emu.out")
    for ((i = 1; i <= n; i++)); do
        curl -sf -u "apikey:bench-key-$i" -H 'Content-Type: application/json' \
            -d "{\"spec\": \"models=$per_source_models,words=$per_source_words,seed=$i\"}" "$emu/_emulator/generate" > /dev/null
    done
    cfg=$WORK/sched-server.yaml
    env_file=$WORK/sched-credentials.env
    : > "$env_file"
    {
        echo "sources:"
        for ((i = 1; i <= n; i++)); do
            printf '  - name: src%d\n    service_name: src%d\n    schedule: "0 3 * * *"\n' "$i" "$i"
            printf 'SRC%d_URL=%s/instances/%d\nSRC%d_AUTH_TYPE=basic\nSRC%d_USERNAME=apikey\nSRC%d_PASSWORD=bench-key-%d\n' \
                "$i" "$emu" "$i" "$i" "$i" "$i" "$i" >> "$env_file"
        done
        printf 'scheduler:\n  max_concurrent: 4\n  catch_up: true\n'
    } > "$cfg"
    local archive=$WORK/sched.sqlite t0 t1 done_count=0
    rm -f "$archive"*
    t0=$EPOCHREALTIME
    IBM_CREDENTIALS_FILE=$env_file /usr/bin/time -f '%M' -o "$WORK/sched-rss" \
        "$TTS" serve --archive "$archive" --listen 127.0.0.1:0 --config "$cfg" > "$WORK/sched-serve.out" 2> "$WORK/sched-serve.err" &
    local time_pid=$!
    for _ in $(seq 200); do [ -s "$WORK/sched-serve.out" ] && break; sleep 0.05; done
    local url; url=$(head -1 "$WORK/sched-serve.out")
    local server_pid; server_pid=$(pgrep -P "$time_pid" | head -1)
    for _ in $(seq 36000); do
        done_count=$(curl -sf "$url/metrics" | awk '/^tts_archive_snapshot_successes_total/ { s += $2 } END { print s + 0 }')
        [ "$done_count" -ge "$n" ] && break
        sleep 0.1
    done
    t1=$EPOCHREALTIME
    local total_s; total_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    local failed; failed=$(curl -sf "$url/metrics" | awk '/^tts_archive_snapshot_failures_total/ { s += $2 } END { print s + 0 }')

    # Scraping /metrics with 100 sources configured.
    local times=() ms
    for ((i = 0; i < 50; i++)); do
        ms=$(curl -sf -o /dev/null -w '%{time_total}' "$url/metrics" | awk '{ printf "%d", $1 * 1000000 }')
        times+=("$ms")
    done
    local scrape_us; scrape_us=$(median "${times[@]}")
    local scrape_ms; scrape_ms=$(awk -v u="$scrape_us" 'BEGIN { printf "%.1f", u / 1000 }')

    # Idle CPU: nothing runs (the next firing is at 03:00); CPU time over 10 s.
    local hz; hz=$(getconf CLK_TCK)
    cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
    local c0 c1; c0=$(cpu_ticks); sleep 10; c1=$(cpu_ticks)
    local idle_pct; idle_pct=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz / 10 * 100 }')

    kill -TERM "$server_pid"
    wait "$time_pid" 2>/dev/null || true
    local peak_mb; peak_mb=$(awk 'END { printf "%d", $1 / 1024 }' "$WORK/sched-rss")
    local size; size=$(( $(stat -c %s "$archive") + $( [ -f "$archive-wal" ] && stat -c %s "$archive-wal" || echo 0) ))
    kill "$emu_pid" 2>/dev/null || true
    wait "$emu_pid" 2>/dev/null || true

    row schedules "GET /metrics, $n sources configured (median of 50)" "$scrape_ms ms" "<= 10 ms" \
        "$(awk -v a="$scrape_ms" 'BEGIN { print (a <= 10) ? "yes" : "no" }')" "$scrape_ms" ms
    row schedules "idle CPU of serve with $n schedules (10 s)" "$idle_pct %" "~0" \
        "$(awk -v a="$idle_pct" 'BEGIN { print (a <= 1) ? "yes" : "no" }')" "$idle_pct" "%"
    row schedules "$n sources x $per_source_models models x $((per_source_words / per_source_models)) words, max 4 at once: all snapshotted" \
        "$total_s s, $done_count succeeded, $failed failed, $peak_mb MB peak, archive $(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1048576 }') MB" \
        "" "" "$total_s" s
}

# Standalone: scripts/lib/bench-schedules.sh BIN (the debug or release tts-archive); prints the rows.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    TTS=${1:?usage: scripts/lib/bench-schedules.sh PATH-TO-tts-archive}
    WORK=$(mktemp -d /tmp/tts-bench-schedules.XXXXXX)
    trap 'rm -rf "$WORK"' EXIT
    say() { echo "$*" >&2; }
    row() { printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$5"; }
    median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { printf "%d", (a[int((NR + 1) / 2)] + a[int(NR / 2) + 1]) / 2 }'; }
    bench_schedules
fi
