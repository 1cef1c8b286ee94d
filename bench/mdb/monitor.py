#!/usr/bin/env python3
"""Watches one benchmark phase of bench/mdb/run.sh.

Waits for GET /bench/api/stats, samples the server's CPU time (/proc/<pid>/stat) and its threads'
CPU time (/proc/<pid>/task/*/stat), opens the beans' start gate (POST /bench/api/start), then
polls the stats every --interval seconds until the bean named --sink has received --expect records
(or makes no progress for --stall seconds, or --timeout seconds have passed), samples the CPU times
again and writes a JSON summary (--out), the samples (--samples, CSV) and the per-thread CPU table
(--threads). Standard library only.
"""
import argparse
import json
import os
import sys
import time
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is state (field 3); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def threads_cpu_s(pid):
    out = {}
    base = f"/proc/{pid}/task"
    for tid in os.listdir(base):
        try:
            with open(f"{base}/{tid}/stat") as f:
                text = f.read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        out[tid] = (name, (int(fields[11]) + int(fields[12])) / CLK_TCK)
    return out


def status_mb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def category(name):
    if name.startswith("tributary-"):
        return "broker"
    if name.startswith("kafka-") or name.startswith("tributary-dlt"):
        return "kafka-client"
    if name.startswith(("GC Thread", "G1 ", "VM Periodic", "VM Thread")):
        return "gc+vm"
    if "CompilerThre" in name:
        return "jit"
    return "other"


def thread_delta(before, after):
    rows = []
    for tid, (name, cpu) in after.items():
        prev = before.get(tid, (name, 0.0))[1]
        d = cpu - prev
        if d > 0:
            rows.append((d, name, tid))
    rows.sort(reverse=True)
    by_cat = {}
    by_name = {}
    for d, name, _ in rows:
        by_cat[category(name)] = by_cat.get(category(name), 0.0) + d
        by_name[name] = by_name.get(name, 0.0) + d
    return rows, by_cat, by_name


def fetch(url, post=False):
    req = urllib.request.Request(url, data=b"" if post else None, method="POST" if post else "GET")
    with urllib.request.urlopen(req, timeout=3) as r:
        return json.loads(r.read().decode("utf-8"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True, help="GET: the stats")
    p.add_argument("--start-url", required=True, help="POST: opens the beans' start gate")
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--sink", required=True)
    p.add_argument("--expect", type=int, required=True)
    p.add_argument("--timeout", type=float, default=120.0, help="max seconds from opening the start gate")
    p.add_argument("--stall", type=float, default=30.0, help="give up after this long without progress")
    p.add_argument("--start-timeout", type=float, default=300.0, help="max seconds until the stats resource answers")
    p.add_argument("--interval", type=float, default=0.25)
    p.add_argument("--out", required=True)
    p.add_argument("--samples", required=True)
    p.add_argument("--threads", required=True, help="text file for the per-thread CPU table")
    a = p.parse_args()

    t0 = time.monotonic()
    samples = []  # (mono_s, server_now_ms, records, calls, proc_cpu_s)
    start = None  # (sample index, threads snapshot)
    outcome = None
    stats = None
    # Wait for the stats resource, take the baseline, open the start gate.
    while stats is None:
        if not os.path.exists(f"/proc/{a.pid}"):
            outcome = "server-exited"
            break
        if time.monotonic() - t0 > a.start_timeout:
            outcome = "no-stats-resource"
            break
        try:
            stats = fetch(a.url)
        except Exception:
            time.sleep(a.interval)
    if stats is not None:
        threads0 = threads_cpu_s(a.pid)
        cpu0 = proc_cpu_s(a.pid)
        mono0 = time.monotonic()
        stats = fetch(a.start_url, post=True)
        sink = next(s for s in stats["sinks"] if s["name"] == a.sink)
        samples.append((mono0, stats["startedMs"], sink["records"], sink["calls"], cpu0))
        start = (0, threads0)
        last_progress = mono0
        while True:
            time.sleep(a.interval)
            if not os.path.exists(f"/proc/{a.pid}"):
                outcome = "server-exited"
                break
            try:
                stats = fetch(a.url)
            except Exception:
                continue
            mono = time.monotonic()
            sink = next(s for s in stats["sinks"] if s["name"] == a.sink)
            samples.append((mono, stats["nowMs"], sink["records"], sink["calls"], proc_cpu_s(a.pid)))
            if sink["records"] != samples[-2][2]:
                last_progress = mono
            if sink["records"] >= a.expect:
                outcome = "complete"
                break
            if mono - last_progress > a.stall:
                outcome = "stalled" if sink["records"] else "no-delivery"
                break
            if mono - mono0 > a.timeout:
                outcome = "timeout"
                break

    result = {"sink": a.sink, "expect": a.expect, "outcome": outcome}
    if start is not None and outcome != "server-exited":
        end_threads = threads_cpu_s(a.pid)
        end = samples[-1]
        first = samples[start[0]]
        sink = next(s for s in stats["sinks"] if s["name"] == a.sink)
        rows, by_cat, by_name = thread_delta(start[1], end_threads)
        records = sink["records"]
        span_ms = max(1, sink["lastMs"] - sink["firstMs"])
        # Steady state: between the samples where 10 % and 90 % of the expected records had arrived.
        lo = next((s for s in samples if s[2] >= 0.1 * a.expect), None)
        hi = next((s for s in samples if s[2] >= 0.9 * a.expect), None)
        steady = None
        if lo is not None and hi is not None and hi[1] > lo[1]:
            steady = (hi[2] - lo[2]) * 1000.0 / (hi[1] - lo[1])
        window_records = end[2] - first[2]
        extra = None
        if outcome == "complete":
            time.sleep(1.0)
            try:
                extra = next(s for s in fetch(a.url)["sinks"] if s["name"] == a.sink)["records"] - records
            except Exception:
                pass
        window_cpu = end[4] - first[4]
        result.update({
            "records": records,
            "calls": sink["calls"],
            "first_ms": sink["firstMs"],
            "last_ms": sink["lastMs"],
            "gate_opened_ms": first[1],
            "gate_to_first_ms": sink["firstMs"] - first[1],
            "records_1s_after_complete": extra,
            "first_to_last_s": span_ms / 1000.0,
            "records_per_s": records * 1000.0 / span_ms,
            "steady_records_per_s": steady,
            "window_s": (end[1] - first[1]) / 1000.0,
            "window_records": window_records,
            "server_cpu_s": window_cpu,
            "broker_cpu_s": by_cat.get("broker", 0.0),
            "cpu_by_category_s": by_cat,
            "server_cpu_ms_per_1k_records": (window_cpu * 1e6 / window_records) if window_records else None,
            "rss_mb": status_mb(a.pid, "VmRSS"),
            "peak_rss_mb": status_mb(a.pid, "VmHWM"),
        })
        with open(a.threads, "w") as f:
            f.write(f"CPU seconds per thread between opening the start gate and the end "
                    f"({result['window_s']:.1f} s of server time, {window_records} records)\n\n")
            f.write("by category:\n")
            for k, v in sorted(by_cat.items(), key=lambda kv: -kv[1]):
                f.write(f"  {k:<14} {v:8.2f}\n")
            f.write("\nby thread name (the kernel keeps 15 characters):\n")
            for name, v in sorted(by_name.items(), key=lambda kv: -kv[1])[:40]:
                f.write(f"  {name:<16} {v:8.2f}\n")
    with open(a.samples, "w") as f:
        f.write("elapsed_s,server_now_ms,records,calls,server_cpu_s\n")
        for s in samples:
            f.write(f"{s[0] - t0:.3f},{s[1]},{s[2]},{s[3]},{s[4]:.2f}\n")
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result))
    return 0 if outcome in ("complete", "timeout", "stalled") else 1


if __name__ == "__main__":
    sys.exit(main())
