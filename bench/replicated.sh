#!/usr/bin/env bash
# Replicated produce throughput of two Tributary broker jars, rounds alternating: a 3-node cluster
# of broker processes on 127.0.0.1 (fresh data directories every round), a topic with 3 partitions,
# replication factor 3 and min.insync.replicas=2, one ProducerPerformance run with acks=all as fast
# as it can. For checking that a change to the cluster path (JGroups stack, replication) does not
# slow it: compare the jar of the change with the jar before it.
#
#   bench/replicated.sh --jar-a OLD.jar --jar-b NEW.jar [--rounds 3] [--records 300000] [--size 1024]
#
# Needs the bench class path (built by bench/run.sh or bench/failover.sh; --build builds it).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
ROUNDS=3
RECORDS=300000
SIZE=1024
JAR_A=""
JAR_B=""
BUILD=0
while [ $# -gt 0 ]; do
    case "$1" in
        --jar-a) JAR_A=$(realpath "${2:?}"); shift ;;
        --jar-b) JAR_B=$(realpath "${2:?}"); shift ;;
        --rounds) ROUNDS=${2:?}; shift ;;
        --records) RECORDS=${2:?}; shift ;;
        --size) SIZE=${2:?}; shift ;;
        --build) BUILD=1 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "Unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
[ -f "$JAR_A" ] && [ -f "$JAR_B" ] || { echo "--jar-a and --jar-b must name broker jars" >&2; exit 2; }

JAVA=${JAVA:-java}
BROKER_JVM_OPTS=${BROKER_JVM_OPTS:-"-Xmx512m -Xms512m -XX:+UseG1GC"}
CP_FILE=$BENCH_DIR/target/classpath.txt
if [ "$BUILD" = 1 ]; then
    (cd "$ROOT" && mvn -q -B -f pom.xml install -DskipTests -pl broker-core -am)
    (cd "$BENCH_DIR" && mvn -q -B -f pom.xml package dependency:build-classpath \
        -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime)
fi
[ -f "$CP_FILE" ] || { echo "Missing $CP_FILE (run with --build)" >&2; exit 1; }
CP="$BENCH_DIR/target/classes:$(cat "$CP_FILE")"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tributary-replicated.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
tool() { "$JAVA" -Xmx512m -Dlog4j2.configurationFile="$BENCH_DIR/config/log4j2-tools.xml" -cp "$CP" "$@"; }

run_cluster() { # jar label round
    local jar=$1 label=$2 round=$3 dir=$WORK/$2-$3 kports=() jports=() voters="" boot=""
    for i in 1 2 3; do kports+=("$(free_port)"); jports+=("$(free_port)"); done
    for i in 1 2 3; do voters+="${voters:+,}$i@127.0.0.1:${jports[$((i-1))]}"; boot+="${boot:+,}127.0.0.1:${kports[$((i-1))]}"; done
    PIDS=()
    for i in 1 2 3; do
        mkdir -p "$dir/node-$i"
        # shellcheck disable=SC2086
        "$JAVA" $BROKER_JVM_OPTS -jar "$jar" --listen "127.0.0.1:${kports[$((i-1))]}" --data "$dir/node-$i" \
            --node.id=$i --controller.quorum.voters="$voters" --cluster.name="replicated-$label-$round" \
            > "$dir/node-$i.log" 2>&1 &
        PIDS+=("$!")
    done
    for i in 1 2 3; do
        until grep -q 'Tributary broker listening on' "$dir/node-$i.log"; do sleep 0.2; done
    done
    until tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$boot" --create --topic bench --partitions 3 \
            --replication-factor 3 --config min.insync.replicas=2 > "$dir/topic.txt" 2>&1; do sleep 1; done
    sleep 2
    tool org.apache.kafka.tools.ProducerPerformance --topic bench --num-records "$RECORDS" --record-size "$SIZE" \
        --throughput -1 --producer-props bootstrap.servers="$boot" acks=all > "$dir/producer.txt" 2>&1
    local line
    line=$(tail -1 "$dir/producer.txt")
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    PIDS=()
    echo "$label round $round: $line"
}

echo "replicated produce: $RECORDS records of $SIZE bytes, acks=all, 3 partitions, RF 3, min.insync.replicas=2"
echo "A = $JAR_A"
echo "B = $JAR_B"
echo "load at start: $(cat /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
    run_cluster "$JAR_A" A "$r"
    run_cluster "$JAR_B" B "$r"
done
echo "load at end: $(cat /proc/loadavg)"
