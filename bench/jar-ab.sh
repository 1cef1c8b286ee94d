#!/usr/bin/env bash
# Single-node produce and consume throughput of several Tributary broker jars, rounds alternating
# (jar 1, jar 2, ... in every round): per run a fresh broker and data directory, a one-partition
# topic, ProducerPerformance (100-byte records, acks=1, as fast as it can), then ConsumerPerformance
# reading them all back. For checking that a change does not slow the single-node paths: compare the
# jar of the change with the jar before it (the Tributary/Kafka ratios of bench/run.sh also move with
# Kafka's figures; this compares Tributary with itself).
#
#   bench/jar-ab.sh [--rounds 4] [--records 1500000] LABEL=JAR LABEL=JAR ...
#
# Prints one CSV line per run: round,label,produce_rps,consume_rps. Needs the bench class path
# (built by bench/run.sh).
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROUNDS=4
RECORDS=1500000
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS=${2:?}; shift 2 ;;
        --records) RECORDS=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) break ;;
    esac
done
[ $# -ge 1 ] || { echo "Give LABEL=JAR at least once" >&2; exit 2; }
CP_FILE=$BENCH_DIR/target/classpath.txt
[ -f "$CP_FILE" ] || { echo "Missing $CP_FILE (run bench/run.sh once to build it)" >&2; exit 1; }
CP="$BENCH_DIR/target/classes:$(cat "$CP_FILE")"
JAVA=${JAVA:-java}
PID=""
DIR=""
cleanup() {
    [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null || true
    [ -n "$DIR" ] && rm -rf "$DIR"
}
trap cleanup EXIT
tool() { "$JAVA" -Xmx512m -Dlog4j2.configurationFile="$BENCH_DIR/config/log4j2-tools.xml" -cp "$CP" "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

echo "round,label,produce_rps,consume_rps"
for r in $(seq 1 "$ROUNDS"); do
    for spec in "$@"; do
        label=${spec%%=*}
        jar=$(realpath "${spec#*=}")
        DIR=$(mktemp -d "${TMPDIR:-/tmp}/tributary-jar-ab.XXXXXX")
        port=$(free_port)
        "$JAVA" -Xmx1g -Xms1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -jar "$jar" --listen "127.0.0.1:$port" \
            --data "$DIR/data" --group.initial.rebalance.delay.ms=0 > "$DIR/broker.log" 2>&1 &
        PID=$!
        for _ in $(seq 1 400); do grep -q "listening on" "$DIR/broker.log" && break; sleep 0.05; done
        sleep 2
        tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" --create --topic t \
            --partitions 1 --replication-factor 1 > /dev/null 2>&1
        p=$(tool org.apache.kafka.tools.ProducerPerformance --topic t --num-records "$RECORDS" --record-size 100 \
            --throughput -1 --producer-props "bootstrap.servers=127.0.0.1:$port" acks=1 2>&1 \
            | grep -E '^[0-9]+ records sent' | tail -1 | sed -E 's/^[0-9]+ records sent, ([0-9.]+) records.*/\1/')
        c=$(tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "127.0.0.1:$port" --topic t \
            --messages "$RECORDS" --timeout 30000 --group "g$r" 2>&1 | grep -E '^[0-9]{4}-' | tail -1 | awk -F', ' '{print $10}')
        kill "$PID"
        wait "$PID" 2>/dev/null || true
        PID=""
        rm -rf "$DIR"
        DIR=""
        echo "$r,$label,$p,$c"
    done
done
