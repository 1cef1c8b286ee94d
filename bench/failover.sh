#!/usr/bin/env bash
# Failover time of a 3-node Tributary cluster (issue 6, must-show 5): three broker processes on
# 127.0.0.1, a topic of 3 partitions (each node the preferred leader of one) with replication
# factor 3 and min.insync.replicas=2, an idempotent acks=all producer writing ~2 000 records/s over
# them. Odd rounds stop the node that is the controller (the Raft leader of the metadata quorum)
# and leads a partition, even rounds a partition leader that is not the controller (SIGKILL, then
# in a second series SIGTERM); each round measures the time from the signal to the first
# acknowledgement of a record of that partition sent after it, then starts the node again. Prints
# each round and min/median/max per mode, also split by controller / not controller.
#
#   bench/failover.sh                          6 rounds of SIGKILL and 6 of SIGTERM, defaults
#   bench/failover.sh --rounds 3 --modes kill
#   bench/failover.sh --broker-prop cluster.failure.detection.timeout.ms=1000
#   bench/failover.sh --producer-prop retry.backoff.ms=20
#
# See docs/benchmarks.md, "Failover".
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")

usage() {
    cat <<'EOF'
Usage: bench/failover.sh [--rounds N] [--partitions N] [--modes kill,term] [--no-build] [--jar FILE]
                         [--broker-prop NAME=VALUE]... [--producer-prop NAME=VALUE]...

  --rounds N        rounds per mode (default 6)
  --partitions N    partitions of the topic (default 3; with 1, the same node is stopped every round)
  --modes LIST      kill (SIGKILL), term (SIGTERM) or both, comma-separated (default kill,term)
  --no-build        reuse the broker jar and bench classes already built
  --jar FILE        broker jar to run (default broker-core/target/tributary-broker.jar)
  --broker-prop     a broker property for all three nodes (repeatable), e.g.
                    cluster.failure.detection.timeout.ms=1000
  --producer-prop   a producer property (repeatable), e.g. retry.backoff.ms=20

Environment: JAVA (default: java on PATH); BROKER_JVM_OPTS (default -Xmx512m -Xms512m -XX:+UseG1GC).
EOF
}

ROUNDS=6
PARTITIONS=3
MODES=kill,term
BUILD=1
TRIB_JAR=$ROOT/broker-core/target/tributary-broker.jar
EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS=${2:?--rounds needs a number}; shift ;;
        --partitions) PARTITIONS=${2:?--partitions needs a number}; shift ;;
        --modes) MODES=${2:?--modes needs a list}; shift ;;
        --no-build) BUILD=0 ;;
        --jar) TRIB_JAR=$(realpath "${2:?--jar needs a file}"); shift ;;
        --broker-prop|--producer-prop) EXTRA+=("$1" "${2:?$1 needs NAME=VALUE}"); shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "Unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

JAVA=${JAVA:-java}
BROKER_JVM_OPTS=${BROKER_JVM_OPTS:-"-Xmx512m -Xms512m -XX:+UseG1GC"}
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

TS=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$BENCH_DIR/results/failover-$TS
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tributary-failover.XXXXXX")
mkdir -p "$OUT"
# The Java driver kills its own broker processes on exit; the data directories go here.
cleanup() {
    cp "$WORK"/node-*.log "$OUT"/ 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

{
    echo "timestamp_utc=$TS"
    echo "command=bench/failover.sh --rounds $ROUNDS --partitions $PARTITIONS --modes $MODES ${EXTRA[*]:-}"
    echo "broker_jar=$TRIB_JAR ($(date -u -r "$TRIB_JAR" +%Y-%m-%dT%H:%M:%SZ))"
    echo "git_head=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "broker_jvm_opts=$BROKER_JVM_OPTS"
    echo "nproc=$(nproc)"
    echo "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    echo "java_version=$("$JAVA" -version 2>&1 | head -1)"
    echo "kernel=$(uname -r)"
    echo "load_at_start=$(cat /proc/loadavg)"
} | tee "$OUT/meta.txt"

"$JAVA" -Xmx512m \
    -Dlog4j2.configurationFile="$BENCH_DIR/config/log4j2-tools.xml" -cp "$CP" io.tributary.bench.Failover \
    --jar "$TRIB_JAR" --work "$WORK" --rounds "$ROUNDS" --partitions "$PARTITIONS" --modes "$MODES" --java-opts "$BROKER_JVM_OPTS" \
    "${EXTRA[@]}" 2> "$OUT/driver-stderr.log" | tee "$OUT/result.txt"
echo "load_at_end=$(cat /proc/loadavg)" | tee -a "$OUT/meta.txt"
echo "Results and broker logs in $OUT"
