#!/usr/bin/env bash
# MDB delivery on WildFly, Tributary against the embedded ActiveMQ Artemis, with the same bean work:
# one database row per message, inserted through an XA datasource (H2) in a container-managed
# REQUIRED transaction. Tributary: per-record and batch listeners (concurrency 1 and 4), the offset
# rows committed in the same transaction through the adapter. Artemis: a JMS MessageListener on a
# queue through WildFly's activemq-ra (maxSession 1 and 4), the acknowledgement in the transaction.
#
#   bench/mdb/run-wildfly.sh                      all six phases, alternating the brokers, ~8 min
#   bench/mdb/run-wildfly.sh --phases single-c1,artemis-c1
#
# How: WildFly (standalone-full.xml, the version arquillian-tests uses) is prepared once per run on a
# copy of standalone/ (an XA datasource on an H2 file database, two JMS queues, an MDB pool of 16),
# then started with tributary.rar and a war without beans; Kafka's ProducerPerformance fills the
# topic and the war's fill endpoint fills the queues (RECORDS each); the server is stopped. Then per
# phase WildFly starts again on the same directories (Artemis's journal and Tributary's log are kept)
# with the rar and that phase's war (one bean). The bean's first calls wait at a start gate; once the
# server is ready, monitor.py opens the gate and polls the bean's counters until it has stored every
# message; the server is stopped and the database must then hold exactly RECORDS rows of the phase
# with RECORDS distinct keys (otherwise the phase is reported FAILED and the script exits with 1).
# Rate = messages / (last - first delivery), both taken in the bean; the server is fresh, so the
# rate includes the JIT's warm-up.
#
# Results: bench/results/mdb-wildfly-<UTC timestamp>/summary.txt, mdb-wildfly.csv, meta.txt (the
# command, the machine, its load), per phase the stats samples and per-thread CPU; logs/.
set -euo pipefail

MDB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WF_DIR=$MDB_DIR/wildfly
ROOT=$(cd "$MDB_DIR/../.." && pwd)
COMMAND="$0 $*"

usage() {
    cat <<'EOF2'
Usage: bench/mdb/run-wildfly.sh [--phases LIST] [--build]

  --phases LIST  comma-separated, in the order given, from: single-c1 single-c4 batch-c1 batch-c4
                 (Tributary) artemis-c1 artemis-c4 (Artemis); default
                 single-c1,artemis-c1,single-c4,artemis-c4,batch-c1,batch-c4
  --build        install the adapter from this working tree first (mvn install -DskipTests
                 -pl resource-adapter/rar -am at the root); without it the installed
                 io.tributary:tributary-rar is used, and built only when it is not installed

Environment: JAVA (default java on PATH; also WildFly's JAVA_HOME); WILDFLY_JVM_OPTS (default
-Xms64m -Xmx1g); RECORDS (default 20000) per phase, of RECORD_SIZE bytes (default 100);
PORT_OFFSET (default 23000: HTTP on 127.0.0.1:31080, management 32990); BROKER_PORT (default
19095); PHASE_TIMEOUT (default 300, seconds from the start of the deliveries before a phase is cut
short and reported as partial).
EOF2
}

PHASES="single-c1,artemis-c1,single-c4,artemis-c4,batch-c1,batch-c4"
BUILD=0
while [ $# -gt 0 ]; do
    case "$1" in
        --phases) PHASES=${2:?--phases needs a list}; shift ;;
        --build) BUILD=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "Unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

JAVA=${JAVA:-java}
WILDFLY_JVM_OPTS=${WILDFLY_JVM_OPTS:-"-Xms64m -Xmx1g"}
RECORDS=${RECORDS:-20000}
RECORD_SIZE=${RECORD_SIZE:-100}
PORT_OFFSET=${PORT_OFFSET:-23000}
BROKER_PORT=${BROKER_PORT:-19095}
PHASE_TIMEOUT=${PHASE_TIMEOUT:-300}
FILL_TX=2000
TOOL_JVM_OPTS="-Xmx512m"
HTTP_PORT=$((8080 + PORT_OFFSET))
MGMT_PORT=$((9990 + PORT_OFFSET))

for cmd in "$JAVA" mvn python3 curl; do
    command -v "$cmd" >/dev/null || { echo "bench/mdb/run-wildfly.sh needs $cmd on PATH" >&2; exit 1; }
done
JAVA_BIN=$(command -v "$JAVA")
JAVA_HOME_FOR_WILDFLY=$(cd "$(dirname "$(readlink -f "$JAVA_BIN")")/.." && pwd)

# Phase: broker | listener | concurrency | queue (Artemis)
phase_spec() {
    case "$1" in
        single-c1) echo "tributary|per-record|1|" ;;
        single-c4) echo "tributary|per-record|4|" ;;
        batch-c1) echo "tributary|batch|1|" ;;
        batch-c4) echo "tributary|batch|4|" ;;
        artemis-c1) echo "artemis|per-message|1|bench-c1" ;;
        artemis-c4) echo "artemis|per-message|4|bench-c4" ;;
        *) return 1 ;;
    esac
}
IFS=',' read -r -a PHASE_LIST <<<"$PHASES"
NEED_TOPIC=0
QUEUES=()
for ph in "${PHASE_LIST[@]}"; do
    spec=$(phase_spec "$ph") || { echo "Unknown phase: $ph" >&2; usage >&2; exit 2; }
    IFS='|' read -r broker _ _ queue <<<"$spec"
    if [ "$broker" = tributary ]; then NEED_TOPIC=1; else QUEUES+=("$queue"); fi
done

# ---------------------------------------------------------------------------------------------
# Build: the adapter (when asked, or when it is not installed), then the wars, WildFly and the tools'
# class path (bench/mdb/wildfly/target).
# ---------------------------------------------------------------------------------------------
VERSION=$(sed -n 's#.*<version>\(.*\)</version>.*#\1#p' "$ROOT/pom.xml" | head -1)
WILDFLY_VERSION=$(sed -n 's#.*<wildfly.version>\(.*\)</wildfly.version>.*#\1#p' "$ROOT/pom.xml" | head -1)
LOCAL_REPO=${MAVEN_LOCAL_REPO:-$HOME/.m2/repository}
INSTALLED_RAR=$LOCAL_REPO/io/tributary/tributary-rar/$VERSION/tributary-rar-$VERSION.rar
if [ "$BUILD" = 1 ] || [ ! -f "$INSTALLED_RAR" ]; then
    echo "Installing the adapter from $ROOT (mvn install -DskipTests -pl resource-adapter/rar -am) ..."
    (cd "$ROOT" && mvn -q -B -f pom.xml install -DskipTests -pl resource-adapter/rar -am)
fi
echo "Building bench/mdb/wildfly ..."
(cd "$WF_DIR" && mvn -q -B -f pom.xml package)
WILDFLY_HOME=$WF_DIR/target/server/wildfly-$WILDFLY_VERSION
RAR=$WF_DIR/target/server/tributary.rar
TOOLS_CP=$(cat "$WF_DIR/target/tools-classpath.txt")
H2_JAR=$(ls "$WILDFLY_HOME"/modules/system/layers/base/com/h2database/h2/main/h2-*.jar | head -1)
[ -x "$WILDFLY_HOME/bin/standalone.sh" ] || { echo "No WildFly in $WILDFLY_HOME" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Output, working directory, helpers. A server still running on exit is stopped by its PID.
# ---------------------------------------------------------------------------------------------
TS=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/mdb-wildfly-$TS
mkdir -p "$OUT/logs"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tributary-bench-mdb-wildfly.XXXXXX")
BASE=$WORK/standalone
DB_URL="jdbc:h2:file:$WORK/db/bench"
SERVER_PID=""   # WildFly's java process (from JBOSS_PIDFILE)
LAUNCHER_PID="" # the standalone.sh that started it
FAILED=0

stop_wildfly() {
    [ -n "$LAUNCHER_PID" ] || return 0
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        local deadline=$((SECONDS + 60))
        while kill -0 "$SERVER_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "  WildFly $SERVER_PID did not stop within 60 s of SIGTERM; killing it" >&2
            kill -KILL "$SERVER_PID" 2>/dev/null || true
        fi
    elif kill -0 "$LAUNCHER_PID" 2>/dev/null; then
        kill -TERM "$LAUNCHER_PID" 2>/dev/null || true
    fi
    wait "$LAUNCHER_PID" 2>/dev/null || true
    SERVER_PID=""
    LAUNCHER_PID=""
}
cleanup() {
    stop_wildfly
    rm -rf "$WORK"
}
trap cleanup EXIT

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

# start_wildfly NAME WAR: WildFly on loopback with tributary.rar and WAR (as bench.war) in
# $BASE/deployments, working directory $WORK (the adapter's tributary-data). Sets SERVER_PID,
# LAUNCHER_PID, READY_MS.
start_wildfly() {
    local name=$1 war=$2 t0 log
    for port in "$BROKER_PORT" "$HTTP_PORT" "$MGMT_PORT"; do
        port_free "$port" || { echo "Port 127.0.0.1:$port is in use (set BROKER_PORT / PORT_OFFSET)" >&2; return 1; }
    done
    log=$OUT/logs/$name-wildfly.log
    rm -f "$BASE"/deployments/bench.war*
    cp "$war" "$BASE/deployments/bench.war"
    rm -f "$WORK/wildfly.pid"
    t0=$(now_ns)
    (cd "$WORK" && exec env JAVA_HOME="$JAVA_HOME_FOR_WILDFLY" LAUNCH_JBOSS_IN_BACKGROUND=1 JBOSS_PIDFILE="$WORK/wildfly.pid" \
        JAVA_OPTS="$WILDFLY_JVM_OPTS -Djava.net.preferIPv4Stack=true -Djava.awt.headless=true -Dtributary.broker.listeners=127.0.0.1:$BROKER_PORT -Dtributary.broker.num.partitions=4 -Dtributary.broker.group.initial.rebalance.delay.ms=0" \
        "$WILDFLY_HOME/bin/standalone.sh" -c standalone-full.xml "-Djboss.server.base.dir=$BASE" \
        "-Djboss.socket.binding.port-offset=$PORT_OFFSET" -b=127.0.0.1 -bmanagement=127.0.0.1 \
        -Djboss.bind.address.unsecure=127.0.0.1) > "$log" 2>&1 &
    LAUNCHER_PID=$!
    local deadline=$((SECONDS + 300))
    while ! grep -q "WFLYSRV0025\|WFLYSRV0026" "$log" 2>/dev/null; do
        [ -n "$SERVER_PID" ] || SERVER_PID=$(cat "$WORK/wildfly.pid" 2>/dev/null || true)
        if ! kill -0 "$LAUNCHER_PID" 2>/dev/null; then
            echo "WildFly exited before it was ready; last lines of $log:" >&2
            tail -40 "$log" >&2
            return 1
        fi
        if [ $SECONDS -ge $deadline ]; then
            echo "WildFly not ready after 300 s; last lines of $log:" >&2
            tail -40 "$log" >&2
            return 1
        fi
        sleep 0.1
    done
    READY_MS=$(( ($(now_ns) - t0) / 1000000 ))
    SERVER_PID=$(cat "$WORK/wildfly.pid")
    if grep -q "WFLYSRV0026" "$log"; then
        echo "WildFly started with errors (WFLYSRV0026); see $log:" >&2
        grep -E "ERROR|WFLYCTL0186|WFLYSRV0026" "$log" | head -20 >&2
        return 1
    fi
}

# rows_of PHASE: "rows distinct_keys" of PHASE in the bench database, read with H2's shell while no
# server holds it.
rows_of() {
    "$JAVA" -cp "$H2_JAR" org.h2.tools.Shell -url "$DB_URL" -user sa -password sa \
        -sql "SELECT COUNT(*) || ' ' || COUNT(DISTINCT MSG_KEY) AS R FROM BENCH_ROWS WHERE PHASE = '$1'" \
        | sed -n 's/^\([0-9][0-9]* [0-9][0-9]*\).*/\1/p' | head -1
}

# xa_stats PHASE: the XA datasource's pool statistics of the running server (XAStartCount,
# XAPrepareCount, XACommitCount ...) into $OUT/PHASE-xa-stats.txt, and the counts on one line.
xa_stats() {
    JAVA_HOME="$JAVA_HOME_FOR_WILDFLY" "$WILDFLY_HOME/bin/jboss-cli.sh" --connect --controller="127.0.0.1:$MGMT_PORT" \
        --command="/subsystem=datasources/xa-data-source=BenchXA/statistics=pool:read-resource(include-runtime=true)" \
        > "$OUT/$1-xa-stats.txt" 2>&1 || { echo "[$1] reading the datasource's XA statistics failed" >&2; return 0; }
    echo "[$1] BenchXA since the server started: $(grep -oE '"XA(Start|Prepare|Commit|Rollback)Count" => [0-9]+L' "$OUT/$1-xa-stats.txt" \
        | sed 's/"//g; s/ => / /; s/L$//' | paste -sd' ')"
}

{
    echo "command=$COMMAND"
    echo "environment=RECORDS=$RECORDS RECORD_SIZE=$RECORD_SIZE WILDFLY_JVM_OPTS=\"$WILDFLY_JVM_OPTS\" PORT_OFFSET=$PORT_OFFSET BROKER_PORT=$BROKER_PORT PHASE_TIMEOUT=$PHASE_TIMEOUT"
    echo "timestamp_utc=$TS"
    echo "phases=$PHASES"
    echo "git_head=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "git_modified_tracked_files=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | wc -l)"
    echo "rar_sha256=$(sha256sum "$RAR" | cut -d' ' -f1)"
    echo "rar_installed=$(date -u -r "$INSTALLED_RAR" +%Y-%m-%dT%H:%M:%SZ)"
    echo "wildfly=$WILDFLY_VERSION (standalone-full.xml)"
    echo "h2=$(basename "$H2_JAR")"
    echo "records=$RECORDS"
    echo "record_size=$RECORD_SIZE"
    echo "wildfly_jvm_opts=$WILDFLY_JVM_OPTS"
    echo "nproc=$(nproc)"
    echo "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    echo "mem_total_gb=$(awk '/MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)"
    echo "java_version=$("$JAVA" -version 2>&1 | head -1)"
    echo "kernel=$(uname -r)"
    echo "load_at_start=$(cat /proc/loadavg)"
} > "$OUT/meta.txt"

# ---------------------------------------------------------------------------------------------
# The server: a copy of standalone/ with tributary.rar deployed, configured once with WildFly's CLI
# (embedded, offline).
# ---------------------------------------------------------------------------------------------
echo "Results in $OUT"
cp -r "$WILDFLY_HOME/standalone" "$BASE"
cp "$RAR" "$BASE/deployments/tributary.rar"
mkdir -p "$WORK/db"
cat > "$WORK/configure.cli" <<EOF2
embed-server --server-config=standalone-full.xml --std-out=discard
# The bean's database: an XA datasource (H2's XADataSource) on a file database; its statistics (XA calls)
# show after each phase that it took part in two-phase commits.
/subsystem=datasources/xa-data-source=BenchXA:add(jndi-name=java:jboss/datasources/BenchXA, driver-name=h2, xa-datasource-class=org.h2.jdbcx.JdbcDataSource, user-name=sa, password=sa, statistics-enabled=true)
/subsystem=datasources/xa-data-source=BenchXA/xa-datasource-properties=URL:add(value="$DB_URL")
# The Artemis queues, one per Artemis phase (the defaults of address-setting "#" apply: paging beyond 10 MB).
/subsystem=messaging-activemq/server=default/jms-queue=bench-c1:add(entries=[java:/jms/queue/bench-c1])
/subsystem=messaging-activemq/server=default/jms-queue=bench-c4:add(entries=[java:/jms/queue/bench-c4])
# MDB instances: 16 whatever the number of CPUs (the default derives the pool size from it).
/subsystem=ejb3/strict-max-bean-instance-pool=mdb-strict-max-pool:undefine-attribute(name=derive-size)
/subsystem=ejb3/strict-max-bean-instance-pool=mdb-strict-max-pool:write-attribute(name=max-pool-size, value=16)
stop-embedded-server
EOF2
JAVA_HOME="$JAVA_HOME_FOR_WILDFLY" JAVA_OPTS="-Djboss.server.base.dir=$BASE" \
    "$WILDFLY_HOME/bin/jboss-cli.sh" --file="$WORK/configure.cli" > "$OUT/logs/configure-cli.txt" 2>&1 \
    || { echo "Configuring WildFly failed:" >&2; cat "$OUT/logs/configure-cli.txt" >&2; exit 1; }
cp "$WORK/configure.cli" "$OUT/configure.cli"

# ---------------------------------------------------------------------------------------------
# Fill: WildFly with the rar and a war without beans; Kafka's ProducerPerformance fills the topic,
# the war's fill endpoint the queues; then a clean stop.
# ---------------------------------------------------------------------------------------------
echo "[fill] starting WildFly with tributary.rar and bench-fill.war (load $(load1)) ..."
start_wildfly fill "$WF_DIR/target/bench-fill.war"
echo "[fill] ready in $READY_MS ms"
curl -sf -X POST "http://127.0.0.1:$HTTP_PORT/bench/api/fill/schema" > /dev/null \
    || { echo "Creating BENCH_ROWS failed; see $OUT/logs/fill-wildfly.log" >&2; exit 1; }
if [ "$NEED_TOPIC" = 1 ]; then
    tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$BROKER_PORT" --create --topic bench \
        --partitions 4 --replication-factor 1 > "$OUT/logs/fill-topic.txt" 2>&1 \
        || { echo "Topic creation failed:" >&2; cat "$OUT/logs/fill-topic.txt" >&2; exit 1; }
    tool org.apache.kafka.tools.ProducerPerformance --topic bench --num-records "$RECORDS" --record-size "$RECORD_SIZE" \
        --throughput -1 --producer-props "bootstrap.servers=127.0.0.1:$BROKER_PORT" acks=1 linger.ms=5 batch.size=65536 \
        > "$OUT/logs/fill-producer.txt" 2>&1 \
        || { echo "ProducerPerformance failed:" >&2; tail -20 "$OUT/logs/fill-producer.txt" >&2; exit 1; }
    line=$(grep -E '^[0-9]+ records sent' "$OUT/logs/fill-producer.txt" | tail -1)
    [ "${line%% *}" = "$RECORDS" ] || { echo "Producer did not send $RECORDS records: $line" >&2; exit 1; }
    echo "[fill] topic bench (4 partitions): $line"
fi
for q in "${QUEUES[@]}"; do
    res=$(curl -sf -X POST --max-time 1800 \
        "http://127.0.0.1:$HTTP_PORT/bench/api/fill/queue/$q?count=$RECORDS&size=$RECORD_SIZE&tx=$FILL_TX") \
        || { echo "Filling queue $q failed; see $OUT/logs/fill-wildfly.log" >&2; exit 1; }
    echo "[fill] queue $q: $res"
done
stop_wildfly
du -sh "$BASE/data/activemq" "$WORK/tributary-data" 2>/dev/null | awk '{print "[fill] " $2 ": " $1}'

# ---------------------------------------------------------------------------------------------
# One phase per war: start, open the gate, watch the bean store its messages, stop, count the rows.
# ---------------------------------------------------------------------------------------------
for ph in "${PHASE_LIST[@]}"; do
    IFS='|' read -r broker listener conc queue <<<"$(phase_spec "$ph")"
    load=$(load1)
    echo "[$ph] $broker, $listener listener, concurrency $conc, $RECORDS messages (load $load)"
    start_wildfly "$ph" "$WF_DIR/target/bench-$ph.war"
    echo "[$ph] ready in $READY_MS ms"
    set +e
    python3 "$MDB_DIR/monitor.py" --url "http://127.0.0.1:$HTTP_PORT/bench/api/stats" \
        --start-url "http://127.0.0.1:$HTTP_PORT/bench/api/start" --pid "$SERVER_PID" \
        --sink "$ph" --expect "$RECORDS" --timeout "$PHASE_TIMEOUT" \
        --out "$OUT/$ph.json" --samples "$OUT/$ph-samples.csv" --threads "$OUT/$ph-threads.txt" > /dev/null
    rc=$?
    set -e
    # The last transactions commit after the bean's counter moved: wait (up to 30 s) until the
    # committed rows stop changing before stopping the server.
    prev=-1
    for _ in $(seq 1 60); do
        n=$(curl -sf "http://127.0.0.1:$HTTP_PORT/bench/api/rows/$ph" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"])' || echo -1)
        [ "$n" -ge "$RECORDS" ] && break
        [ "$n" = "$prev" ] && [ "$rc" != 0 ] && break
        prev=$n
        sleep 0.5
    done
    xa_stats "$ph"
    grep -E " ERROR " "$OUT/logs/$ph-wildfly.log" | head -5 | sed "s/^/[$ph] server log: /" || true
    stop_wildfly
    read -r rows distinct <<<"$(rows_of "$ph")"
    rows_ok=false
    [ "$rows" = "$RECORDS" ] && [ "$distinct" = "$RECORDS" ] && rows_ok=true
    python3 - "$OUT/$ph.json" "$ph" "$broker" "$listener" "$conc" "$READY_MS" "$load" "${rows:-0}" "${distinct:-0}" "$rows_ok" <<'EOF2'
import json, sys
r = json.load(open(sys.argv[1]))
r.update({"phase": sys.argv[2], "broker": sys.argv[3], "listener": sys.argv[4], "concurrency": int(sys.argv[5]),
          "ready_ms": int(sys.argv[6]), "load1_at_start": float(sys.argv[7]), "db_rows": int(sys.argv[8]),
          "db_distinct_keys": int(sys.argv[9]), "db_rows_ok": sys.argv[10] == "true"})
json.dump(r, open(sys.argv[1], "w"), indent=2)
EOF2
    if [ "$rc" != 0 ] || [ "$rows_ok" != true ]; then
        echo "[$ph] FAILED: the database holds ${rows:-?} rows (${distinct:-?} distinct keys) of $RECORDS; monitor: $(cat "$OUT/$ph.json")" >&2
        FAILED=1
        continue
    fi
    python3 - "$OUT/$ph.json" <<'EOF2'
import json, sys
r = json.load(open(sys.argv[1]))
steady = r.get("steady_records_per_s")
steady = f"{steady:.0f}/s" if steady else "n/a"
print(f"[{r['phase']}] {r['outcome']}: {r['records']} messages in {r['calls']} calls, "
      f"{r['records_per_s']:.0f}/s first-to-last ({r['first_to_last_s']:.1f} s), steady {steady}"
      f" | {r['db_rows']} rows in the database | server CPU {r['server_cpu_s']:.1f} s, RSS {r['rss_mb']:.0f} MB")
EOF2
done
echo "load_at_end=$(cat /proc/loadavg)" >> "$OUT/meta.txt"

echo
python3 "$MDB_DIR/report-wildfly.py" "$OUT" "${PHASE_LIST[@]}" | tee "$OUT/summary.txt"
if [ "$FAILED" != 0 ]; then
    echo "FAILED: at least one phase did not store exactly $RECORDS rows (see above)" >&2
    exit 1
fi
