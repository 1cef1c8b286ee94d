#!/usr/bin/env bash
# MDB delivery rate on Payara Micro: tributary.rar plus a war whose message-driven beans only count
# what they receive, per-record and batch, with the offsets committed in the bean's JTA transaction.
#
#   bench/mdb/run.sh                    all four phases (single-c1 single-c4 batch-c1 batch-c4), ~6 min
#   bench/mdb/run.sh --phases single-c4 --jfr     one phase, with a JFR profile of the delivery window
#
# How: Payara Micro with only the rar starts first and the producer fills the topics (so that the
# beans never compete with the producer for the CPU); it is stopped. Then, per phase, Payara Micro
# starts again on the same working directory (same broker data) with the rar and that phase's war
# (one bean, its own consumer group). The bean's first calls wait at a start gate; once the server
# is ready, monitor.py takes the CPU baseline, opens the gate (POST /bench/api/start) and polls
# GET /bench/api/stats until the bean has received every record; the server is then stopped.
# Rate = records / (last - first delivery), both taken in the bean; the server is fresh, so the
# rate includes the JIT's warm-up (the "steady" rate, between 10 % and 90 % of the records, less so).
#
# Results: bench/results/mdb-<UTC timestamp>/mdb.csv, summary.txt, meta.txt, per phase the stats
# samples, per-thread CPU and (with --jfr) the recording and its hot-method report; logs/.
set -euo pipefail

MDB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$MDB_DIR/../.." && pwd)

usage() {
    cat <<'EOF'
Usage: bench/mdb/run.sh [--phases LIST] [--jfr] [--build]

  --phases LIST  comma-separated, from: single-c1 single-c4 batch-c1 batch-c4 (default: all four)
  --jfr          record JFR (settings=profile) in each phase's server and report the hot methods
                 of the delivery window (the recording costs a few percent; do not mix its rates
                 with runs without it)
  --build        install the adapter from this working tree first (mvn install -DskipTests
                 -pl resource-adapter/rar -am at the root); without it the installed
                 io.tributary:tributary-rar is used, and built only when it is not installed

Environment: JAVA (default java on PATH); PAYARA_JVM_OPTS (default -Xmx1g);
SINGLE_RECORDS (default 1000000) and BATCH_RECORDS (default 8000000) of RECORD_SIZE bytes
(default 100); BROKER_PORT (default 19094); PHASE_TIMEOUT (default 120, seconds from the start of
the deliveries before a phase is cut short and reported as partial).
EOF
}

PHASES="single-c1,single-c4,batch-c1,batch-c4"
JFR=0
BUILD=0
while [ $# -gt 0 ]; do
    case "$1" in
        --phases) PHASES=${2:?--phases needs a list}; shift ;;
        --jfr) JFR=1 ;;
        --build) BUILD=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "Unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

JAVA=${JAVA:-java}
PAYARA_JVM_OPTS=${PAYARA_JVM_OPTS:-"-Xmx1g"}
SINGLE_RECORDS=${SINGLE_RECORDS:-1000000}
BATCH_RECORDS=${BATCH_RECORDS:-8000000}
RECORD_SIZE=${RECORD_SIZE:-100}
BROKER_PORT=${BROKER_PORT:-19094}
PHASE_TIMEOUT=${PHASE_TIMEOUT:-120}
TOOL_JVM_OPTS="-Xmx512m"
TARGET_SINGLE=20000
TARGET_BATCH=200000

for cmd in "$JAVA" mvn python3 curl; do
    command -v "$cmd" >/dev/null || { echo "bench/mdb/run.sh needs $cmd on PATH" >&2; exit 1; }
done
[ "$JFR" = 0 ] || command -v jcmd >/dev/null || { echo "--jfr needs jcmd on PATH" >&2; exit 1; }
[ "$JFR" = 0 ] || command -v jfr >/dev/null || { echo "--jfr needs jfr on PATH" >&2; exit 1; }

# Phase: war classifier | bean (stats name) | topic | listener | concurrency | max.poll.records | target/s
phase_spec() {
    case "$1" in
        single-c1) echo "single-c1|single-c1|bench-single|per-record|1|500|$TARGET_SINGLE" ;;
        single-c4) echo "single-c4|single-c4|bench-single|per-record|4|500|$TARGET_SINGLE" ;;
        batch-c1) echo "batch-c1|batch-c1|bench-batch|batch|1|2000|$TARGET_BATCH" ;;
        batch-c4) echo "batch-c4|batch-c4|bench-batch|batch|4|2000|$TARGET_BATCH" ;;
        *) return 1 ;;
    esac
}
IFS=',' read -r -a PHASE_LIST <<<"$PHASES"
NEED_SINGLE=0
NEED_BATCH=0
for ph in "${PHASE_LIST[@]}"; do
    phase_spec "$ph" >/dev/null || { echo "Unknown phase: $ph" >&2; usage >&2; exit 2; }
    case "$ph" in single-*) NEED_SINGLE=1 ;; batch-*) NEED_BATCH=1 ;; esac
done

# ---------------------------------------------------------------------------------------------
# Build: the adapter (when asked, or when it is not installed), then this war, Payara Micro and the
# tools' class path (bench/mdb/target).
# ---------------------------------------------------------------------------------------------
VERSION=$(sed -n 's#.*<version>\(.*\)</version>.*#\1#p' "$ROOT/pom.xml" | head -1)
LOCAL_REPO=${MAVEN_LOCAL_REPO:-$HOME/.m2/repository}
INSTALLED_RAR=$LOCAL_REPO/io/tributary/tributary-rar/$VERSION/tributary-rar-$VERSION.rar
if [ "$BUILD" = 1 ] || [ ! -f "$INSTALLED_RAR" ]; then
    echo "Installing the adapter from $ROOT (mvn install -DskipTests -pl resource-adapter/rar -am) ..."
    (cd "$ROOT" && mvn -q -B -f pom.xml install -DskipTests -pl resource-adapter/rar -am)
fi
echo "Building bench/mdb ..."
(cd "$MDB_DIR" && mvn -q -B -f pom.xml package)
PAYARA_JAR=$MDB_DIR/target/payara/payara-micro.jar
RAR=$MDB_DIR/target/payara/tributary.rar
TOOLS_CP=$(cat "$MDB_DIR/target/tools-classpath.txt")

# ---------------------------------------------------------------------------------------------
# Output, working directory, helpers. A server still running on exit is stopped by its PID.
# ---------------------------------------------------------------------------------------------
TS=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/mdb-$TS
mkdir -p "$OUT/logs"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tributary-bench-mdb.XXXXXX")
PAYARA_PID=""
stop_payara() {
    [ -n "$PAYARA_PID" ] || return 0
    if kill -0 "$PAYARA_PID" 2>/dev/null; then
        kill -TERM "$PAYARA_PID" 2>/dev/null || true
        local deadline=$((SECONDS + 60))
        while kill -0 "$PAYARA_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
        if kill -0 "$PAYARA_PID" 2>/dev/null; then
            echo "  Payara Micro $PAYARA_PID did not stop within 60 s of SIGTERM; killing it" >&2
            kill -KILL "$PAYARA_PID" 2>/dev/null || true
        fi
    fi
    wait "$PAYARA_PID" 2>/dev/null || true
    PAYARA_PID=""
}
cleanup() {
    stop_payara
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
port_free() {
    python3 -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$1"
}
now_ns() { date +%s%N; }
load1() { cut -d' ' -f1 /proc/loadavg; }
tool() {
    # shellcheck disable=SC2086
    "$JAVA" $TOOL_JVM_OPTS -cp "$TOOLS_CP" "$@"
}

# start_payara NAME [WAR]: Payara Micro on loopback in $WORK (the broker's data and the offset
# database are in $WORK/tributary-data, shared by every start), own root directory per start.
# Sets PAYARA_PID, HTTP_PORT, READY_MS.
start_payara() {
    local name=$1 war=${2:-} hz t0 log
    port_free "$BROKER_PORT" || { echo "Port 127.0.0.1:$BROKER_PORT is in use (set BROKER_PORT)" >&2; return 1; }
    HTTP_PORT=$(free_port)
    hz=$(free_port)
    log=$OUT/logs/$name-payara.log
    local jvm=()
    read -r -a jvm <<<"$PAYARA_JVM_OPTS"
    jvm+=(-Dhazelcast.socket.bind.any=false -Dhazelcast.phone.home.enabled=false
          "-Dtributary.broker.listeners=127.0.0.1:$BROKER_PORT" -Dtributary.broker.num.partitions=4
          -Dtributary.broker.group.initial.rebalance.delay.ms=0)
    if [ "$JFR" = 1 ] && [ -n "$war" ]; then
        jvm+=(-XX:FlightRecorderOptions=stackdepth=256
              "-XX:StartFlightRecording=name=bench,settings=profile,filename=$OUT/$name.jfr")
    fi
    local args=(-jar "$PAYARA_JAR" --deploy "$WORK/tributary.rar")
    [ -z "$war" ] || args+=(--deploy "$war")
    args+=(--port "$HTTP_PORT" --clustermode "tcpip:127.0.0.1:$hz" --startport "$hz" --interfaces 127.0.0.1
           --clustername "tributary-bench-mdb-$$" --disablephonehome --rootdir "$WORK/root-$name"
           --prebootcommandfile "$MDB_DIR/preboot-commands.txt")
    t0=$(now_ns)
    (cd "$WORK" && exec "$JAVA" "${jvm[@]}" "${args[@]}") > "$log" 2>&1 &
    PAYARA_PID=$!
    local deadline=$((SECONDS + 300))
    while ! grep -q "ready in" "$log" 2>/dev/null; do
        if ! kill -0 "$PAYARA_PID" 2>/dev/null; then
            echo "Payara Micro exited before it was ready; last lines of $log:" >&2
            tail -40 "$log" >&2
            return 1
        fi
        if [ $SECONDS -ge $deadline ]; then
            echo "Payara Micro not ready after 300 s; last lines of $log:" >&2
            tail -40 "$log" >&2
            return 1
        fi
        sleep 0.1
    done
    READY_MS=$(( ($(now_ns) - t0) / 1000000 ))
}

{
    echo "timestamp_utc=$TS"
    echo "phases=$PHASES"
    echo "jfr=$JFR"
    echo "git_head=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "git_modified_tracked_files=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | wc -l)"
    echo "rar_sha256=$(sha256sum "$RAR" | cut -d' ' -f1)"
    echo "rar_installed=$(date -u -r "$INSTALLED_RAR" +%Y-%m-%dT%H:%M:%SZ)"
    echo "single_records=$SINGLE_RECORDS"
    echo "batch_records=$BATCH_RECORDS"
    echo "record_size=$RECORD_SIZE"
    echo "payara_jvm_opts=$PAYARA_JVM_OPTS"
    echo "nproc=$(nproc)"
    echo "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    echo "mem_total_gb=$(awk '/MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)"
    echo "java_version=$("$JAVA" -version 2>&1 | head -1)"
    echo "kernel=$(uname -r)"
    echo "load_at_start=$(cat /proc/loadavg)"
} > "$OUT/meta.txt"
cp "$RAR" "$WORK/tributary.rar"

# ---------------------------------------------------------------------------------------------
# Fill the topics: Payara Micro with only the adapter (no bean consumes), Kafka's
# ProducerPerformance over loopback, then a clean stop.
# ---------------------------------------------------------------------------------------------
echo "Results in $OUT"
echo "[fill] starting Payara Micro with tributary.rar only (load $(load1)) ..."
start_payara fill
sed -n 's/.*\(Payara Micro [0-9.]* (build [0-9]*)\).*/payara_micro=\1/p' "$OUT/logs/fill-payara.log" | head -1 >> "$OUT/meta.txt"
echo "[fill] ready in $READY_MS ms; producing (RSS $(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$PAYARA_PID/status) MB)"
produce() { # topic records
    local topic=$1 n=$2
    tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$BROKER_PORT" --create --topic "$topic" \
        --partitions 4 --replication-factor 1 > "$OUT/logs/fill-$topic-topic.txt" 2>&1 \
        || { echo "Topic creation failed:" >&2; cat "$OUT/logs/fill-$topic-topic.txt" >&2; return 1; }
    tool org.apache.kafka.tools.ProducerPerformance --topic "$topic" --num-records "$n" --record-size "$RECORD_SIZE" \
        --throughput -1 --producer-props "bootstrap.servers=127.0.0.1:$BROKER_PORT" acks=1 linger.ms=5 batch.size=65536 \
        > "$OUT/logs/fill-$topic-producer.txt" 2>&1 \
        || { echo "ProducerPerformance failed:" >&2; tail -20 "$OUT/logs/fill-$topic-producer.txt" >&2; return 1; }
    local line
    line=$(grep -E '^[0-9]+ records sent' "$OUT/logs/fill-$topic-producer.txt" | tail -1)
    [ "${line%% *}" = "$n" ] || { echo "Producer did not send $n records: $line" >&2; return 1; }
    echo "[fill] $topic: $line"
}
[ "$NEED_SINGLE" = 0 ] || produce bench-single "$SINGLE_RECORDS"
[ "$NEED_BATCH" = 0 ] || produce bench-batch "$BATCH_RECORDS"
stop_payara
du -sh "$WORK/tributary-data/broker" | awk '{print "[fill] broker data: " $1}'

# ---------------------------------------------------------------------------------------------
# One phase per war: start, watch the bean drain its topic, stop.
# ---------------------------------------------------------------------------------------------
for ph in "${PHASE_LIST[@]}"; do
    IFS='|' read -r classifier sink topic listener conc maxpoll target <<<"$(phase_spec "$ph")"
    expect=$SINGLE_RECORDS
    [ "$listener" = batch ] && expect=$BATCH_RECORDS
    cp "$MDB_DIR/target/bench-$classifier.war" "$WORK/bench.war"
    load=$(load1)
    echo "[$ph] $listener listener, concurrency $conc, max.poll.records $maxpoll, $expect records of $topic (load $load)"
    start_payara "$ph" "$WORK/bench.war"
    echo "[$ph] ready in $READY_MS ms"
    set +e
    python3 "$MDB_DIR/monitor.py" --url "http://127.0.0.1:$HTTP_PORT/bench/api/stats" \
        --start-url "http://127.0.0.1:$HTTP_PORT/bench/api/start" --pid "$PAYARA_PID" \
        --sink "$sink" --expect "$expect" --timeout "$PHASE_TIMEOUT" \
        --out "$OUT/$ph.json" --samples "$OUT/$ph-samples.csv" --threads "$OUT/$ph-threads.txt" > /dev/null
    rc=$?
    set -e
    if [ "$JFR" = 1 ]; then
        jcmd "$PAYARA_PID" JFR.dump name=bench filename="$OUT/$ph.jfr" > "$OUT/logs/$ph-jfr-dump.txt" 2>&1 || true
    fi
    grep -E "Exception|SEVERE|ERROR" "$OUT/logs/$ph-payara.log" | head -5 | sed "s/^/[$ph] server log: /" || true
    stop_payara
    python3 - "$OUT/$ph.json" "$ph" "$listener" "$conc" "$maxpoll" "$target" "$READY_MS" "$load" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
r.update({"phase": sys.argv[2], "listener": sys.argv[3], "concurrency": int(sys.argv[4]),
          "max_poll_records": int(sys.argv[5]), "target_records_per_s": int(sys.argv[6]),
          "ready_ms": int(sys.argv[7]), "load1_at_start": float(sys.argv[8])})
json.dump(r, open(sys.argv[1], "w"), indent=2)
EOF
    if [ "$rc" != 0 ]; then
        echo "[$ph] FAILED: $(cat "$OUT/$ph.json")" >&2
        continue
    fi
    python3 - "$OUT/$ph.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
steady = r.get("steady_records_per_s")
steady = f"{steady:.0f}/s" if steady else "n/a"
print(f"[{r['phase']}] {r['outcome']}: {r['records']} records in {r['calls']} calls, "
      f"{r['records_per_s']:.0f} records/s first-to-last ({r['first_to_last_s']:.1f} s), steady {steady}"
      f" | server CPU {r['server_cpu_s']:.1f} s (broker {r['broker_cpu_s']:.1f} s), "
      f"RSS {r['rss_mb']:.0f} MB, peak {r['peak_rss_mb']:.0f} MB")
EOF
    if [ "$JFR" = 1 ] && [ -f "$OUT/$ph.jfr" ]; then
        first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["first_ms"])' "$OUT/$ph.json")
        last=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["last_ms"])' "$OUT/$ph.json")
        python3 "$MDB_DIR/jfr_hot.py" "$OUT/$ph.jfr" --from-ms "$first" --to-ms "$last" > "$OUT/$ph-profile.txt" \
            && echo "[$ph] profile: $OUT/$ph-profile.txt"
    fi
done
echo "load_at_end=$(cat /proc/loadavg)" >> "$OUT/meta.txt"

# ---------------------------------------------------------------------------------------------
# Table and CSV.
# ---------------------------------------------------------------------------------------------
echo
python3 "$MDB_DIR/report.py" "$OUT" "${PHASE_LIST[@]}" | tee "$OUT/summary.txt"
