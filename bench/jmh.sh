#!/usr/bin/env bash
# JMH benchmarks of Tributary's hot paths (log append, offset index lookup, fetch via
# PartitionLog.read, batch validation). Arguments go to JMH, e.g.
#   bench/jmh.sh                         all benchmarks, default iterations (~10 min)
#   bench/jmh.sh FetchBenchmark -f 1 -wi 1 -i 2     one benchmark, shorter
#   bench/jmh.sh -l                      list them
# Set NO_BUILD=1 to skip the build (as bench/run.sh --no-build).
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
JAVA=${JAVA:-java}
if [ "${NO_BUILD:-0}" != 1 ]; then
    (cd "$ROOT" && mvn -q -B -f pom.xml install -DskipTests -pl broker-core -am)
    (cd "$BENCH_DIR" && mvn -q -B -f pom.xml package dependency:build-classpath \
        -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime)
fi
exec "$JAVA" -cp "$BENCH_DIR/target/classes:$(cat "$BENCH_DIR/target/classpath.txt")" org.openjdk.jmh.Main "$@"
