#!/usr/bin/env bash
# Tributary against Apache Kafka (single-node KRaft) on this machine, driven by Kafka's own tools.
#
#   bench/run.sh                all scenarios (the transactional ones included), 3 rounds (A B A B A B per
#                               scenario) in each mode, about 2 hours here
#   bench/run.sh --mode cold    as before the warm mode existed: every round on freshly started brokers, est. 45-60 min
#   bench/run.sh --quick        1 round of 2 scenarios in both modes (smoke test), a few minutes after the build
#   bench/run.sh --tls ...      the same over TLS: both brokers on an SSL listener, every tool a TLS client
#
# Two modes. cold: every broker run of every round starts a fresh broker, so it measures each
# broker from its first seconds (JIT warm-up included). warm (steady state): per scenario, each
# broker is started once, warmed up with WARMUP_RECORDS records produced and consumed (not
# reported), then measured for every round while it stays up; the brokers still alternate,
# Tributary then Kafka, per round.
#
# Results: bench/results/<UTC timestamp>/*.csv (a mode column tells the modes apart) plus the
# tools' raw output in logs/; the Tributary/Kafka ratio table, with the modes side by side, is
# printed at the end and saved as summary.txt; the charts go to docs/benchmarks-throughput.png
# and docs/benchmarks-latency.png. See docs/benchmarks.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")

usage() {
    cat <<'EOF'
Usage: bench/run.sh [--quick] [--tls] [--mode cold|warm|both] [--rounds N] [--only REGEX] [--no-build] [--no-charts]

  --quick        1 round of 2 scenarios with fewer records (smoke test)
  --mode MODE    cold: every round on freshly started brokers (the figures of earlier runs);
                 warm: steady state, each broker started once per scenario, warmed up with
                 WARMUP_RECORDS records (not reported), then measured round after round;
                 both (default): per scenario, the cold rounds, then the warm ones
  --rounds N     rounds per scenario and mode (default 3); each round runs Tributary, then Kafka
  --only REGEX   run only the scenarios whose name matches REGEX (grep -E)
  --tls          both brokers listen on SSL only (a key store made with keytool for the run, PKCS12,
                 server TLS, the JDK's provider on both sides) and every tool connects over TLS;
                 scenario names get the suffix -tls
  --no-build     reuse the broker jar and bench classes already built
  --no-charts    do not write docs/benchmarks-*.png (the table is still printed)

Environment: JAVA (default: java on PATH) runs both brokers and all tools;
BROKER_JVM_OPTS (default: -Xmx1g -Xms1g and the G1 flags of Kafka's start script, same for both);
RECORDS_100B (default 1500000), RECORDS_1KIB (default 500000), E2E_MESSAGES (default 10000);
WARMUP_RECORDS: 100-byte records produced and consumed to warm each broker up in warm mode
(default 3000000, with --quick 1000000).

Examples:
  bench/run.sh                          # full run, both modes
  bench/run.sh --mode cold              # full run, cold only (comparable with earlier runs)
  bench/run.sh --mode warm --rounds 5   # steady state only, 5 rounds
  bench/run.sh --quick --mode warm      # smoke test of the warm mode
  bench/run.sh --tls --mode cold --only 'produce-100B-acks1-1p-default|produce-1KiB-acksall-6p-default|e2e'
EOF
}

QUICK=0
MODE=both
ROUNDS=3
ONLY=""
BUILD=1
CHARTS=1
TLS=0
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --mode) MODE=${2:?--mode needs cold, warm or both}; shift ;;
        --rounds) ROUNDS=${2:?--rounds needs a number}; shift ;;
        --only) ONLY=${2:?--only needs a regex}; shift ;;
        --no-build) BUILD=0 ;;
        --no-charts) CHARTS=0 ;;
        --tls) TLS=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "Unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
case "$MODE" in
    cold) MODES=(cold) ;;
    warm) MODES=(warm) ;;
    both) MODES=(cold warm) ;;
    *) echo "Unknown mode: $MODE (cold, warm or both)" >&2; usage >&2; exit 2 ;;
esac

JAVA=${JAVA:-java}
BROKER_JVM_OPTS=${BROKER_JVM_OPTS:-"-Xmx1g -Xms1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true"}
# As Kafka's kafka-*-perf-test.sh scripts: 512 MB heap for the tools.
TOOL_JVM_OPTS="-Xmx512m -Duser.language=en -Duser.country=US -Dlog4j2.configurationFile=$BENCH_DIR/config/log4j2-tools.xml"
RECORDS_100B=${RECORDS_100B:-1500000}
RECORDS_1KIB=${RECORDS_1KIB:-500000}
E2E_MESSAGES=${E2E_MESSAGES:-10000}
E2E_WARMUP=1000
WARMUP_DEFAULT=3000000
if [ "$QUICK" = 1 ]; then
    ROUNDS=1
    RECORDS_100B=500000
    RECORDS_1KIB=150000
    E2E_MESSAGES=2000
    E2E_WARMUP=500
    WARMUP_DEFAULT=1000000
fi
WARMUP_RECORDS=${WARMUP_RECORDS:-$WARMUP_DEFAULT}

for cmd in "$JAVA" mvn python3 getconf awk; do
    command -v "$cmd" >/dev/null || { echo "bench/run.sh needs $cmd on PATH" >&2; exit 1; }
done

# ---------------------------------------------------------------------------------------------
# Build: broker-core (installed, so the bench project can resolve it) and the bench class path.
# ---------------------------------------------------------------------------------------------
TRIB_JAR=$ROOT/broker-core/target/tributary-broker.jar
CP_FILE=$BENCH_DIR/target/classpath.txt
if [ "$BUILD" = 1 ]; then
    echo "Building broker-core and bench ..."
    (cd "$ROOT" && mvn -q -B -f pom.xml install -DskipTests -pl broker-core -am)
    (cd "$BENCH_DIR" && mvn -q -B -f pom.xml package dependency:build-classpath \
        -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime)
fi
[ -f "$TRIB_JAR" ] || { echo "Missing $TRIB_JAR (run without --no-build)" >&2; exit 1; }
[ -f "$CP_FILE" ] || { echo "Missing $CP_FILE (run without --no-build)" >&2; exit 1; }
CP="$BENCH_DIR/target/classes:$(cat "$CP_FILE")"
KAFKA_VERSION=$(tr ':' '\n' < "$CP_FILE" | sed -n 's#.*/kafka_2\.13-\(.*\)\.jar$#\1#p' | head -1)
TRIB_VERSION=$(sed -n 's#.*<version>\(.*\)</version>.*#\1#p' "$ROOT/pom.xml" | head -1)

# ---------------------------------------------------------------------------------------------
# Scenarios: name|kind|record size|acks|partitions|batch (for kind txn: the transaction duration, ms)
# ---------------------------------------------------------------------------------------------
SCENARIOS=()
for size in 100 1024; do
    for acks in 1 all; do
        for parts in 1 6; do
            for batch in default b64k; do
                label=$([ "$size" = 100 ] && echo 100B || echo 1KiB)
                SCENARIOS+=("produce-$label-acks$acks-${parts}p-$batch|produce|$size|$acks|$parts|$batch")
            done
        done
    done
done
SCENARIOS+=("e2e-100B-acks1|e2e|100|1|1|default" "e2e-1KiB-acksall|e2e|1024|all|1|default")
# Transactions: ProducerPerformance with a transactional id, committing every 10, 100 or 1000 ms
# (the batch field is the transaction duration), then ConsumerPerformance with read_committed.
for duration in 10 100 1000; do
    SCENARIOS+=("txn-100B-6p-${duration}ms|txn|100|all|6|$duration")
done
if [ "$QUICK" = 1 ]; then
    SCENARIOS=("produce-100B-acks1-1p-default|produce|100|1|1|default" "e2e-100B-acks1|e2e|100|1|1|default")
fi
if [ -n "$ONLY" ]; then
    filtered=()
    for s in "${SCENARIOS[@]}"; do
        if grep -Eq -- "$ONLY" <<<"${s%%|*}"; then filtered+=("$s"); fi
    done
    SCENARIOS=("${filtered[@]}")
fi
[ "${#SCENARIOS[@]}" -gt 0 ] || { echo "No scenario matches --only $ONLY" >&2; exit 2; }
if [ "$TLS" = 1 ]; then
    tls_named=()
    for s in "${SCENARIOS[@]}"; do tls_named+=("${s%%|*}-tls|${s#*|}"); done
    SCENARIOS=("${tls_named[@]}")
fi

# ---------------------------------------------------------------------------------------------
# Output and temporary directories; a broker still running on exit is stopped by its PID.
# ---------------------------------------------------------------------------------------------
TS=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$BENCH_DIR/results/$TS
mkdir -p "$OUT/logs"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tributary-bench.XXXXXX")
BROKER_PID=""
RUNNING=()  # PIDs of the brokers started and not stopped yet (two at a time in warm mode)
cleanup() {
    local pid
    for pid in "${RUNNING[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CLK_TCK=$(getconf CLK_TCK)

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
now_ns() { date +%s%N; }
cpu_seconds() { awk -v hz="$CLK_TCK" '{printf "%.3f", ($14 + $15) / hz}' "/proc/$1/stat"; }
status_mb() { awk -v k="$2:" '$1 == k {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
load1() { cut -d' ' -f1 /proc/loadavg; }
calc() { awk "BEGIN {printf \"%.3f\", $1}"; }
# Sets the process's peak RSS (VmHWM) back to its current RSS (Linux >= 4.0); a no-op elsewhere.
reset_peak_rss() { { echo 5 > "/proc/$1/clear_refs"; } 2>/dev/null || true; }

tool() {
    # shellcheck disable=SC2086
    "$JAVA" $TOOL_JVM_OPTS -cp "$CP" "$@"
}

# TLS (--tls): an authority, the brokers' key store and the clients' trust store, made with the
# JDK's keytool for this run; CLIENT_PROPS is the tools' client configuration (empty: plaintext).
CLIENT_PROPS=$WORK/client.properties
: > "$CLIENT_PROPS"
TLS_PASSWORD=bench-store-secret
if [ "$TLS" = 1 ]; then
    KEYTOOL=$(dirname "$(readlink -f "$(command -v "$JAVA")")")/keytool
    (
        cd "$WORK"
        kt() { "$KEYTOOL" "$@" -storepass "$TLS_PASSWORD" > /dev/null 2>&1 || { echo "keytool $1 failed" >&2; exit 1; }; }
        kt -genkeypair -keystore ca.p12 -storetype PKCS12 -alias ca -dname CN=bench-ca -keyalg EC -groupname secp256r1 -validity 7 -ext bc:c
        kt -exportcert -keystore ca.p12 -alias ca -rfc -file ca.crt
        kt -importcert -keystore truststore.p12 -storetype PKCS12 -alias ca -file ca.crt -noprompt
        kt -genkeypair -keystore broker.p12 -storetype PKCS12 -alias broker -dname CN=localhost -keyalg EC -groupname secp256r1 -validity 7
        kt -certreq -keystore broker.p12 -alias broker -file broker.csr
        kt -gencert -keystore ca.p12 -alias ca -infile broker.csr -outfile broker.crt -rfc -validity 7 -ext san=ip:127.0.0.1,dns:localhost
        kt -importcert -keystore broker.p12 -alias ca -file ca.crt -noprompt
        kt -importcert -keystore broker.p12 -alias broker -file broker.crt
    )
    cat > "$CLIENT_PROPS" <<EOF
security.protocol=SSL
ssl.truststore.type=PKCS12
ssl.truststore.location=$WORK/truststore.p12
ssl.truststore.password=$TLS_PASSWORD
EOF
fi
# The broker side of TLS, as properties both brokers read (Kafka's names); the trust store is for
# Kafka's own check that a client with its settings can connect to it (inter-broker listener).
broker_tls_properties() {
    cat <<EOF
ssl.keystore.type=PKCS12
ssl.keystore.location=$WORK/broker.p12
ssl.keystore.password=$TLS_PASSWORD
ssl.truststore.type=PKCS12
ssl.truststore.location=$WORK/truststore.p12
ssl.truststore.password=$TLS_PASSWORD
ssl.client.auth=none
EOF
}
LISTENER_PROTOCOL=PLAINTEXT
if [ "$TLS" = 1 ]; then LISTENER_PROTOCOL=SSL; fi

{
    echo "timestamp_utc=$TS"
    echo "mode=$([ "$QUICK" = 1 ] && echo quick || echo full)"
    echo "measure_modes=${MODES[*]}"
    echo "rounds=$ROUNDS"
    echo "tributary_version=$TRIB_VERSION"
    echo "kafka_version=$KAFKA_VERSION"
    echo "records_100B=$RECORDS_100B"
    echo "records_1KiB=$RECORDS_1KIB"
    echo "e2e_messages=$E2E_MESSAGES"
    echo "warmup_records=$WARMUP_RECORDS"
    echo "tls=$TLS"
    echo "broker_jvm_opts=$BROKER_JVM_OPTS"
    echo "tool_jvm_opts=$TOOL_JVM_OPTS"
    echo "nproc=$(nproc)"
    echo "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    echo "mem_total_gb=$(awk '/MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)"
    echo "java_version=$("$JAVA" -version 2>&1 | head -1)"
    echo "kernel=$(uname -r)"
    echo "load_at_start=$(cat /proc/loadavg)"
} > "$OUT/meta.txt"

# The columns of earlier runs, then mode (cold or warm). brokers.csv has one row per broker start:
# per round in cold mode; in warm mode per scenario, with round "all" and the peak RSS of the
# measured rounds (reset after the warm-up).
echo "scenario,round,broker,version,ready_ms,idle_rss_mb,peak_rss_mb,stop_ms,broker_cpu_total_s,load1_at_start,mode" > "$OUT/brokers.csv"
echo "scenario,round,broker,record_size,acks,partitions,batch,records,records_per_s,mb_per_s,avg_ms,max_ms,p50_ms,p95_ms,p99_ms,p999_ms,broker_cpu_s,broker_cpu_s_per_mrec,mode" > "$OUT/produce.csv"
echo "scenario,round,broker,records,records_per_s,mb_per_s,rebalance_ms,fetch_ms,broker_cpu_s,broker_cpu_s_per_mrec,mode" > "$OUT/consume.csv"
echo "scenario,round,broker,record_size,acks,messages,avg_ms,p50_ms,p99_ms,p999_ms,broker_cpu_s,mode" > "$OUT/e2e.csv"

# ---------------------------------------------------------------------------------------------
# Brokers. Each start sets BROKER_PID, PORT (bootstrap 127.0.0.1:PORT) and READY_MS (from the
# launch of the JVM to the broker's own "ready" line: Tributary's "listening on", Kafka's
# "Kafka Server started", which KRaft prints once the broker is registered and unfenced).
# ---------------------------------------------------------------------------------------------
wait_ready() { # log pattern t0
    local log=$1 pattern=$2 t0=$3 deadline=$((SECONDS + 180))
    while ! grep -q "$pattern" "$log" 2>/dev/null; do
        if ! kill -0 "$BROKER_PID" 2>/dev/null; then
            echo "Broker exited before it was ready; its log is kept as $OUT/logs/failed-start-$(basename "$(dirname "$log")").log; last lines:" >&2
            cp "$log" "$OUT/logs/failed-start-$(basename "$(dirname "$log")").log" 2>/dev/null || true
            grep -E 'ERROR|Exception' "$log" | head -5 >&2 || true
            tail -30 "$log" >&2
            return 1
        fi
        if [ $SECONDS -ge $deadline ]; then
            echo "Broker not ready after 180 s; last lines of $log:" >&2
            tail -30 "$log" >&2
            return 1
        fi
        sleep 0.02
    done
    READY_MS=$(( ($(now_ns) - t0) / 1000000 ))
}

start_tributary() { # dir
    local dir=$1 t0
    PORT=$(free_port)
    t0=$(now_ns)
    # shellcheck disable=SC2086
    local tls_args=()
    if [ "$TLS" = 1 ]; then
        broker_tls_properties > "$dir/tls.properties"
        tls_args=(--config "$dir/tls.properties")
    fi
    "$JAVA" $BROKER_JVM_OPTS -jar "$TRIB_JAR" --listen "$LISTENER_PROTOCOL://127.0.0.1:$PORT" --data "$dir/data" \
        "${tls_args[@]}" --group.initial.rebalance.delay.ms=0 > "$dir/broker.log" 2>&1 &
    BROKER_PID=$!
    RUNNING+=("$BROKER_PID")
    wait_ready "$dir/broker.log" "Tributary broker listening on" "$t0"
}

start_kafka() { # dir
    local dir=$1 cport cluster_id t0
    PORT=$(free_port)
    cport=$(free_port)
    while [ "$cport" = "$PORT" ]; do cport=$(free_port); done
    # Kafka's defaults otherwise (flush left to the OS, as Tributary's); replication factors of
    # the internal topics lowered to 1 for a single node, no initial rebalance delay (as Tributary).
    cat > "$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=$LISTENER_PROTOCOL://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$cport
advertised.listeners=$LISTENER_PROTOCOL://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=$LISTENER_PROTOCOL
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL
log.dirs=$dir/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
    if [ "$TLS" = 1 ]; then broker_tls_properties >> "$dir/server.properties"; fi
    cluster_id=$(tool kafka.tools.StorageTool random-uuid)
    tool kafka.tools.StorageTool format --cluster-id "$cluster_id" --config "$dir/server.properties" \
        > "$dir/format.log" 2>&1 || { cat "$dir/format.log" >&2; return 1; }
    t0=$(now_ns)
    # shellcheck disable=SC2086
    "$JAVA" $BROKER_JVM_OPTS -Dlog4j2.configurationFile="$BENCH_DIR/config/log4j2-broker.xml" \
        -cp "$CP" kafka.Kafka "$dir/server.properties" > "$dir/broker.log" 2>&1 &
    BROKER_PID=$!
    RUNNING+=("$BROKER_PID")
    wait_ready "$dir/broker.log" "Kafka Server started" "$t0"
}

start_broker() { # broker dir
    if [ "$1" = tributary ]; then start_tributary "$2"; else start_kafka "$2"; fi
}

stop_broker() { # stops BROKER_PID; sets STOP_MS
    local t0 deadline pid keep=()
    t0=$(now_ns)
    kill -TERM "$BROKER_PID"
    deadline=$((SECONDS + 60))
    while kill -0 "$BROKER_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
    if kill -0 "$BROKER_PID" 2>/dev/null; then
        echo "  broker $BROKER_PID did not stop within 60 s of SIGTERM; killing it" >&2
        kill -KILL "$BROKER_PID" 2>/dev/null || true
    fi
    wait "$BROKER_PID" 2>/dev/null || true
    STOP_MS=$(( ($(now_ns) - t0) / 1000000 ))
    for pid in "${RUNNING[@]}"; do [ "$pid" = "$BROKER_PID" ] || keep+=("$pid"); done
    RUNNING=("${keep[@]}")
    BROKER_PID=""
}

create_topic() { # topic partitions log
    tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$PORT" --command-config "$CLIENT_PROPS" --create \
        --topic "$1" --partitions "$2" --replication-factor 1 > "$3" 2>&1 \
        || { echo "Topic creation failed:" >&2; cat "$3" >&2; return 1; }
}

# ---------------------------------------------------------------------------------------------
# One measured phase of one scenario on the running broker (BROKER_PID, 127.0.0.1:PORT): a
# produce then a consume of the topic, or the end-to-end warm-up then the end-to-end run, the
# same in both modes. Appends its rows with the mode, sets SUMMARY.
# ---------------------------------------------------------------------------------------------
measure() { # scenario-spec round broker mode topic log-prefix
    local spec=$1 round=$2 broker=$3 mode=$4 topic=$5 logp=$6
    local name kind size acks parts batch cpu0 cpu1 cpu2
    IFS='|' read -r name kind size acks parts batch <<<"$spec"

    if [ "$kind" = produce ] || [ "$kind" = txn ]; then
        local records=$RECORDS_100B
        [ "$size" = 1024 ] && records=$RECORDS_1KIB
        local props=(bootstrap.servers="127.0.0.1:$PORT" acks="$acks")
        [ "$batch" = b64k ] && props+=(batch.size=65536 linger.ms=5)
        local txn_args=() consumer_args=(--consumer.config "$CLIENT_PROPS")
        if [ "$kind" = txn ]; then
            txn_args=(--transactional-id "bench-$topic-$round-$broker" --transaction-duration-ms "$batch")
            { cat "$CLIENT_PROPS"; printf 'isolation.level=read_committed\n'; } > "$WORK/read-committed.properties"
            consumer_args=(--consumer.config "$WORK/read-committed.properties")
        fi
        create_topic "$topic" "$parts" "$logp-topic.txt"

        cpu0=$(cpu_seconds "$BROKER_PID")
        tool org.apache.kafka.tools.ProducerPerformance --topic "$topic" --num-records "$records" \
            --record-size "$size" --throughput -1 "${txn_args[@]}" --producer.config "$CLIENT_PROPS" \
            --producer-props "${props[@]}" > "$logp-producer.txt" 2>&1 \
            || { echo "ProducerPerformance failed:" >&2; tail -20 "$logp-producer.txt" >&2; return 1; }
        cpu1=$(cpu_seconds "$BROKER_PID")
        tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "127.0.0.1:$PORT" --topic "$topic" \
            --messages "$records" --timeout 30000 --group "bench-consumer-$round" "${consumer_args[@]}" > "$logp-consumer.txt" 2>&1 \
            || { echo "ConsumerPerformance failed:" >&2; tail -20 "$logp-consumer.txt" >&2; return 1; }
        cpu2=$(cpu_seconds "$BROKER_PID")

        local p
        p=$(grep -E '^[0-9]+ records sent, .* 99\.9th\.' "$logp-producer.txt" | tail -1 | sed -E \
            's/^([0-9]+) records sent, ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\), ([0-9.]+) ms avg latency, ([0-9.]+) ms max latency, ([0-9]+) ms 50th, ([0-9]+) ms 95th, ([0-9]+) ms 99th, ([0-9]+) ms 99\.9th\./\1,\2,\3,\4,\5,\6,\7,\8,\9/')
        [ -n "$p" ] || { echo "No summary line in $logp-producer.txt" >&2; return 1; }
        local pcpu ccpu
        pcpu=$(calc "$cpu1 - $cpu0")
        ccpu=$(calc "$cpu2 - $cpu1")
        local sent=${p%%,*} rest=${p#*,}
        echo "$name,$round,$broker,$size,$acks,$parts,$batch,$sent,$rest,$pcpu,$(calc "$pcpu * 1000000 / $sent"),$mode" >> "$OUT/produce.csv"

        # start.time, end.time, MB, MB.sec, nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
        local c
        c=$(grep -E '^[0-9]{4}-' "$logp-consumer.txt" | tail -1)
        [ -n "$c" ] || { echo "No result line in $logp-consumer.txt" >&2; return 1; }
        local consumed crate cmb reb fetchms
        consumed=$(awk -F', ' '{print $5}' <<<"$c")
        cmb=$(awk -F', ' '{print $9}' <<<"$c")
        crate=$(awk -F', ' '{print $10}' <<<"$c")
        reb=$(awk -F', ' '{print $7}' <<<"$c")
        fetchms=$(awk -F', ' '{print $8}' <<<"$c")
        if [ "$consumed" != "$sent" ]; then
            echo "  WARNING: consumed $consumed of $sent records" >&2
        fi
        echo "$name,$round,$broker,$consumed,$crate,$cmb,$reb,$fetchms,$ccpu,$(calc "$ccpu * 1000000 / ($consumed > 0 ? $consumed : 1)"),$mode" >> "$OUT/consume.csv"
        SUMMARY=$(awk -F, '{printf "produce %.0f rec/s %.1f MB/s p99 %s ms", $1, $2, $7}' <<<"$rest")
        SUMMARY+=$(printf ' | consume %.0f rec/s %.1f MB/s | cpu %.1f+%.1f s' "$crate" "$cmb" "$pcpu" "$ccpu")
    else
        create_topic "$topic" "$parts" "$logp-topic.txt"
        tool org.apache.kafka.tools.EndToEndLatency "127.0.0.1:$PORT" "$topic" "$E2E_WARMUP" "$acks" "$size" "$CLIENT_PROPS" \
            > "$logp-e2e-warmup.txt" 2>&1 \
            || { echo "EndToEndLatency (warm-up) failed:" >&2; tail -20 "$logp-e2e-warmup.txt" >&2; return 1; }
        cpu0=$(cpu_seconds "$BROKER_PID")
        tool org.apache.kafka.tools.EndToEndLatency "127.0.0.1:$PORT" "$topic" "$E2E_MESSAGES" "$acks" "$size" "$CLIENT_PROPS" \
            > "$logp-e2e.txt" 2>&1 \
            || { echo "EndToEndLatency failed:" >&2; tail -20 "$logp-e2e.txt" >&2; return 1; }
        cpu1=$(cpu_seconds "$BROKER_PID")
        local avg pct
        avg=$(sed -n 's/^Avg latency: \([0-9.]*\) ms$/\1/p' "$logp-e2e.txt" | tail -1)
        pct=$(sed -n 's/^Percentiles: 50th = \([0-9]*\), 99th = \([0-9]*\), 99\.9th = \([0-9]*\)$/\1,\2,\3/p' "$logp-e2e.txt" | tail -1)
        if [ -z "$avg" ] || [ -z "$pct" ]; then echo "No result in $logp-e2e.txt" >&2; return 1; fi
        echo "$name,$round,$broker,$size,$acks,$E2E_MESSAGES,$avg,$pct,$(calc "$cpu1 - $cpu0"),$mode" >> "$OUT/e2e.csv"
        SUMMARY="e2e avg $avg ms, p50/p99/p99.9 ${pct//,//} ms | cpu $(calc "$cpu1 - $cpu0") s"
    fi
}

broker_version() { if [ "$1" = tributary ]; then echo "$TRIB_VERSION"; else echo "$KAFKA_VERSION"; fi; }

# ---------------------------------------------------------------------------------------------
# Cold: one broker run of one round of one scenario: fresh broker, fresh data directory, the
# measured phase 3 s after ready, then stopped and deleted.
# ---------------------------------------------------------------------------------------------
run_cold() { # scenario-spec round broker
    local spec=$1 round=$2 broker=$3
    local name=${1%%|*}
    local dir=$WORK/$name-r$round-$broker
    local logp=$OUT/logs/$name-r$round-$broker
    local load idle peak total
    mkdir -p "$dir"
    load=$(load1)
    start_broker "$broker" "$dir"
    sleep 3
    idle=$(status_mb "$BROKER_PID" VmRSS)
    measure "$spec" "$round" "$broker" cold bench "$logp"
    peak=$(status_mb "$BROKER_PID" VmHWM)
    total=$(cpu_seconds "$BROKER_PID")
    cp "$dir/broker.log" "$logp-broker.log"
    stop_broker
    echo "$name,$round,$broker,$(broker_version "$broker"),$READY_MS,$idle,$peak,$STOP_MS,$total,$load,cold" >> "$OUT/brokers.csv"
    printf '  %-9s ready %5d ms, idle RSS %6.1f MB, peak RSS %6.1f MB | %s\n' \
        "$broker" "$READY_MS" "$idle" "$peak" "$SUMMARY"
    rm -rf "$dir"
}

# ---------------------------------------------------------------------------------------------
# Warm (steady state): all rounds of one scenario on one start of each broker. Both brokers are
# started and warmed up (WARMUP_RECORDS records of 100 bytes produced with the scenario's acks,
# partitions and batching, then consumed; not reported), then each round measures Tributary, then
# Kafka, each on a topic of its own (bench-rN), while the other broker idles. Before every
# measured phase: sync (so that no writeback of earlier phases' data lands in it) and the same 3 s
# pause as after a cold start. The peak RSS is reset after the warm-up and read after the last
# round; the brokers are stopped and their data deleted at the end of the scenario.
# ---------------------------------------------------------------------------------------------
declare -A W_PID W_PORT W_READY W_IDLE W_LOAD
warm_up() { # scenario-spec broker log-prefix; on the running broker
    local spec=$1 broker=$2 logp=$3
    local name kind size acks parts batch t0 rate
    IFS='|' read -r name kind size acks parts batch <<<"$spec"
    local props=(bootstrap.servers="127.0.0.1:$PORT" acks="$acks")
    [ "$batch" = b64k ] && props+=(batch.size=65536 linger.ms=5)
    create_topic warmup "$parts" "$logp-warmup-topic.txt"
    t0=$(now_ns)
    tool org.apache.kafka.tools.ProducerPerformance --topic warmup --num-records "$WARMUP_RECORDS" \
        --record-size 100 --throughput -1 --producer.config "$CLIENT_PROPS" --producer-props "${props[@]}" \
        > "$logp-warmup-producer.txt" 2>&1 \
        || { echo "ProducerPerformance (warm-up) failed:" >&2; tail -20 "$logp-warmup-producer.txt" >&2; return 1; }
    tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "127.0.0.1:$PORT" --topic warmup \
        --messages "$WARMUP_RECORDS" --timeout 30000 --group bench-warmup --consumer.config "$CLIENT_PROPS" \
        > "$logp-warmup-consumer.txt" 2>&1 \
        || { echo "ConsumerPerformance (warm-up) failed:" >&2; tail -20 "$logp-warmup-consumer.txt" >&2; return 1; }
    rate=$(sed -n 's/^[0-9]* records sent, \([0-9.]*\) records\/sec.*/\1/p' "$logp-warmup-producer.txt" | tail -1)
    WARMUP_SUMMARY=$(printf 'warm-up %d x 100 B produced (%.0f rec/s) and consumed in %.1f s' \
        "$WARMUP_RECORDS" "${rate:-0}" "$(calc "($(now_ns) - $t0) / 1000000000")")
}

run_warm() { # scenario-spec progress-prefix
    local spec=$1 progress=$2
    local name=${1%%|*} broker round dir logp peak total
    echo "$progress $name warm: start and warm-up (load $(load1))"
    for broker in tributary kafka; do
        dir=$WORK/$name-warm-$broker
        logp=$OUT/logs/$name-warm-$broker
        mkdir -p "$dir"
        W_LOAD[$broker]=$(load1)
        start_broker "$broker" "$dir"
        W_PID[$broker]=$BROKER_PID W_PORT[$broker]=$PORT W_READY[$broker]=$READY_MS
        sleep 3
        W_IDLE[$broker]=$(status_mb "$BROKER_PID" VmRSS)
        warm_up "$spec" "$broker" "$logp"
        reset_peak_rss "$BROKER_PID"
        printf '  %-9s ready %5d ms, idle RSS %6.1f MB | %s\n' \
            "$broker" "$READY_MS" "${W_IDLE[$broker]}" "$WARMUP_SUMMARY"
    done
    for round in $(seq 1 "$ROUNDS"); do
        echo "$progress $name warm round $round (load $(load1))"
        for broker in tributary kafka; do
            BROKER_PID=${W_PID[$broker]} PORT=${W_PORT[$broker]}
            sync
            sleep 3
            measure "$spec" "$round" "$broker" warm "bench-r$round" "$OUT/logs/$name-warm-r$round-$broker"
            printf '  %-9s %s\n' "$broker" "$SUMMARY"
        done
    done
    for broker in tributary kafka; do
        BROKER_PID=${W_PID[$broker]} PORT=${W_PORT[$broker]}
        dir=$WORK/$name-warm-$broker
        peak=$(status_mb "$BROKER_PID" VmHWM)
        total=$(cpu_seconds "$BROKER_PID")
        cp "$dir/broker.log" "$OUT/logs/$name-warm-$broker-broker.log"
        stop_broker
        echo "$name,all,$broker,$(broker_version "$broker"),${W_READY[$broker]},${W_IDLE[$broker]},$peak,$STOP_MS,$total,${W_LOAD[$broker]},warm" >> "$OUT/brokers.csv"
        printf '  %-9s peak RSS %6.1f MB over the rounds, CPU %.1f s since start (warm-up included), stopped in %d ms\n' \
            "$broker" "$peak" "$total" "$STOP_MS"
        rm -rf "$dir"
    done
}

echo "Tributary $TRIB_VERSION vs Apache Kafka $KAFKA_VERSION: ${#SCENARIOS[@]} scenario(s) x $ROUNDS round(s), mode(s): ${MODES[*]}; results in $OUT"
i=0
for spec in "${SCENARIOS[@]}"; do
    i=$((i + 1))
    for mode in "${MODES[@]}"; do
        if [ "$mode" = cold ]; then
            for round in $(seq 1 "$ROUNDS"); do
                echo "[$i/${#SCENARIOS[@]}] ${spec%%|*} cold round $round (load $(load1))"
                run_cold "$spec" "$round" tributary
                run_cold "$spec" "$round" kafka
            done
        else
            run_warm "$spec" "[$i/${#SCENARIOS[@]}]"
        fi
    done
done
echo "load_at_end=$(cat /proc/loadavg)" >> "$OUT/meta.txt"

if [ "$QUICK" = 1 ]; then
    LABEL="smoke run (--quick): 1 round, ${#SCENARIOS[@]} scenarios"
elif [ -n "$ONLY" ] || [ "$ROUNDS" -lt 3 ]; then
    LABEL="partial run: $ROUNDS round(s), ${#SCENARIOS[@]} scenario(s)"
else
    LABEL="full run: $ROUNDS rounds, ${#SCENARIOS[@]} scenarios"
fi
MODES_TEXT=${MODES[*]}
LABEL+=", ${MODES_TEXT// / and }"
REPORT_ARGS=("$OUT" "$LABEL")
[ "$CHARTS" = 1 ] && REPORT_ARGS+=("$ROOT/docs")
echo
"$JAVA" -Djava.awt.headless=true -cp "$CP" io.tributary.bench.Report "${REPORT_ARGS[@]}" | tee "$OUT/summary.txt"
