#!/usr/bin/env python3
"""jfr_hot.py RECORDING.jfr [--from-ms EPOCH_MS --to-ms EPOCH_MS] [--top N]

Hot methods of the jdk.ExecutionSample events of a JFR recording (JDK 17's `jfr` has no
`view hot-methods`): samples per thread, top methods by self and by inclusive samples, self
samples per package, and — for the threads running the adapter's delivery loop
(io.tributary.ra.inbound.EndpointConsumer) — where the loop spends its samples: the deepest adapter
frame and the method it called. Only samples between --from-ms and --to-ms (wall clock, UTC)
count. Reads `jfr print` text output (the JSON output is too large), so stacks must be recorded
deep enough (-XX:FlightRecorderOptions:stackdepth=256) for the loop's frame to be in them.
"""
import argparse
import collections
import datetime
import os
import re
import subprocess
import sys

FRAME = re.compile(r"^\s{4}(\S.*?)\((.*)\)\s+line:")
LOOP = "io.tributary.ra.inbound.EndpointConsumer.run"
ADAPTER = "io.tributary.ra."


def samples(path, depth):
    env = dict(os.environ, TZ="UTC")
    p = subprocess.Popen(["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", str(depth), path],
                         stdout=subprocess.PIPE, text=True, env=env, bufsize=1 << 20)
    t = thread = None
    frames = []
    truncated = False
    for line in p.stdout:
        if line.startswith("jdk.ExecutionSample"):
            t, thread, frames, truncated = None, None, [], False
        elif line.startswith("  startTime = "):
            t = line.split("=", 1)[1].strip()
        elif line.startswith("  sampledThread = "):
            m = re.match(r'\s*sampledThread = "(.*)" \(', line)
            thread = m.group(1) if m else line.split("=", 1)[1].strip()
        elif line.startswith("    ..."):
            truncated = True
        elif line.startswith("}"):
            yield t, thread, frames, truncated
        else:
            m = FRAME.match(line)
            if m:
                frames.append(m.group(1))
    p.wait()


def tod_ms(text):
    # "HH:MM:SS.mmm", UTC, time of day
    h, m, s = text.split(":")
    return int((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)


def pkg(method):
    parts = method.split(".")
    cls_idx = next((i for i, p in enumerate(parts) if p[:1].isupper()), len(parts) - 1)
    return ".".join(parts[:min(cls_idx, 4)])


def main():
    a = argparse.ArgumentParser()
    a.add_argument("recording")
    a.add_argument("--from-ms", type=int)
    a.add_argument("--to-ms", type=int)
    a.add_argument("--top", type=int, default=30)
    a.add_argument("--depth", type=int, default=256)
    args = a.parse_args()
    lo = hi = None
    if args.from_ms and args.to_ms:
        day = 86_400_000
        lo, hi = args.from_ms % day, args.to_ms % day

    total = 0
    truncated_n = 0
    by_thread = collections.Counter()
    self_m = collections.Counter()
    incl_m = collections.Counter()
    self_pkg = collections.Counter()
    loop_total = 0
    loop_split = collections.Counter()
    loop_self_pkg = collections.Counter()
    for t, thread, frames, truncated in samples(args.recording, args.depth):
        if not frames or t is None:
            continue
        if lo is not None:
            ms = tod_ms(t)
            if not (lo <= ms <= hi):
                continue
        total += 1
        truncated_n += truncated
        by_thread[re.sub(r"\d+", "#", thread)] += 1
        self_m[frames[0]] += 1
        self_pkg[pkg(frames[0])] += 1
        for m in set(frames):
            incl_m[m] += 1
        if LOOP in frames:
            loop_total += 1
            loop_self_pkg[pkg(frames[0])] += 1
            # frames[0] is the leaf; find the deepest adapter frame nearest the leaf
            i = next(i for i, f in enumerate(frames) if f.startswith(ADAPTER))
            caller = frames[i]
            callee = frames[i - 1] if i > 0 else "(self)"
            loop_split[caller.replace(ADAPTER, "") + "  ->  " + callee] += 1

    def pct(n, d):
        return f"{100.0 * n / d:5.1f}%" if d else "  n/a"

    window = ""
    if lo is not None:
        window = (f" between {datetime.datetime.utcfromtimestamp(args.from_ms / 1000):%H:%M:%S.%f}"[:-3]
                  + f" and {datetime.datetime.utcfromtimestamp(args.to_ms / 1000):%H:%M:%S.%f}"[:-3] + " UTC")
    print(f"{os.path.basename(args.recording)}: {total} execution samples{window}"
          f" ({truncated_n} with stacks truncated at {args.depth} frames)")
    print("\nSamples per thread (digits folded to #):")
    for k, v in by_thread.most_common(15):
        print(f"  {pct(v, total)}  {v:7d}  {k}")
    print(f"\nTop {args.top} methods by self samples:")
    for k, v in self_m.most_common(args.top):
        print(f"  {pct(v, total)}  {v:7d}  {k}")
    print("\nSelf samples per package:")
    for k, v in self_pkg.most_common(25):
        print(f"  {pct(v, total)}  {v:7d}  {k}")
    print(f"\nTop {args.top + 20} methods by inclusive samples:")
    for k, v in incl_m.most_common(args.top + 20):
        print(f"  {pct(v, total)}  {v:7d}  {k}")
    print(f"\nDelivery loop ({LOOP} on the stack): {loop_total} samples, {pct(loop_total, total).strip()} of all")
    print("  split by the deepest adapter frame -> the method it called (share of the loop's samples):")
    for k, v in loop_split.most_common(args.top):
        print(f"  {pct(v, loop_total)}  {v:7d}  {k}")
    print("  self samples of the loop's threads per package:")
    for k, v in loop_self_pkg.most_common(15):
        print(f"  {pct(v, loop_total)}  {v:7d}  {k}")


if __name__ == "__main__":
    sys.exit(main())
