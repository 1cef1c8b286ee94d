#!/usr/bin/env bash
# Fault injection against a 3-node Tributary cluster of broker processes on 127.0.0.11-13
# (broker-core's FaultInjectionTest): SIGKILL of a node, of a partition leader and of two nodes
# at once, SIGSTOP beyond failure detection, iptables partitions (one node isolated, a bridge,
# clients cut off from a node, all three isolated), each held and healed under a load of
# idempotent acks=all producers and a consumer; afterwards every data directory is checked
# offline. Runs the long profile (>= 100 faults, about 25-35 minutes) unless told otherwise, then
# prints the report (broker-core/target/fault-report.md) and keeps a copy in bench/results/.
#
#   bench/faults.sh                              the long profile, a random seed
#   bench/faults.sh --seed -9130214468948179180  replay a run (same profile and count)
#   bench/faults.sh --profile short              the 8 faults (one of each kind) that also run in mvn verify
#   bench/faults.sh --count 40 --fd-ms 2000      40 faults, cluster.failure.detection.timeout.ms=2000
#
# Needs root and iptables (apt-get install -y iptables); fails rather than skips without them.
# Exit status: 0 when every check passed, else Maven's.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")

usage() {
    cat <<'USAGE'
Usage: bench/faults.sh [--profile short|long] [--seed N] [--count N] [--fd-ms MS] [--lag-ms MS]
                       [--iptables iptables|iptables-legacy] [--offline]

  --profile P      short (8 faults) or long (104 faults; default)
  --seed N         replay the schedule of an earlier run (its report names the seed)
  --count N        number of faults instead of the profile's
  --fd-ms MS       cluster.failure.detection.timeout.ms of every node (default 3000)
  --lag-ms MS      replica.lag.time.max.ms of every node (default 3000)
  --iptables BIN   iptables binary (default iptables; iptables-legacy if nft rules do not apply)
  --offline        run Maven offline (-o)
USAGE
}

PROPS=(-Dfault.profile=long)
MVN_OPTS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --profile) PROPS+=("-Dfault.profile=${2:?--profile needs short or long}"); shift ;;
        --seed) PROPS+=("-Dfault.seed=${2:?--seed needs a number}"); shift ;;
        --count) PROPS+=("-Dfault.count=${2:?--count needs a number}"); shift ;;
        --fd-ms) PROPS+=("-Dfault.failureDetectionMs=${2:?--fd-ms needs a number}"); shift ;;
        --lag-ms) PROPS+=("-Dfault.replicaLagMs=${2:?--lag-ms needs a number}"); shift ;;
        --iptables) PROPS+=("-Dfault.iptables=${2:?--iptables needs a binary}"); shift ;;
        --offline) MVN_OPTS+=(-o) ;;
        -h|--help) usage; exit 0 ;;
        *) echo "Unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

if [ "$(id -u)" != 0 ]; then
    echo "bench/faults.sh needs root (iptables rules, 127.0.0.11-13)." >&2
    exit 1
fi
command -v iptables >/dev/null || { echo "iptables missing: apt-get install -y iptables" >&2; exit 1; }

REPORT=$ROOT/broker-core/target/fault-report.md
rm -f "$REPORT"
export TRIBUTARY_REQUIRE_FAULT_TOOLS=true
set +e
(cd "$ROOT" && mvn -q -B "${MVN_OPTS[@]}" -pl broker-core test -Dtest=FaultInjectionTest \
    -Dsurefire.failIfNoSpecifiedTests=false "${PROPS[@]}")
STATUS=$?
set -e

echo
if [ -f "$REPORT" ]; then
    mkdir -p "$BENCH_DIR/results"
    COPY=$BENCH_DIR/results/faults-$(date -u +%Y%m%dT%H%M%SZ).md
    cp "$REPORT" "$COPY"
    cat "$REPORT"
    echo
    echo "Report: $REPORT (copy: $COPY); broker logs: $ROOT/broker-core/target/broker-processes/"
else
    echo "No report was written (the run failed before its checks); see the Maven output above." >&2
fi
exit $STATUS
