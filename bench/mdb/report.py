#!/usr/bin/env python3
"""report.py OUT PHASE...: writes OUT/mdb.csv from OUT/<phase>.json and prints the table."""
import json
import os
import sys

COLUMNS = ["phase", "listener", "concurrency", "max_poll_records", "outcome", "expect", "records", "calls",
           "avg_records_per_call", "first_to_last_s", "records_per_s", "steady_records_per_s",
           "target_records_per_s", "ratio_to_target", "window_s", "window_records", "server_cpu_s",
           "broker_cpu_s", "server_cpu_ms_per_1k_records", "rss_mb", "peak_rss_mb", "ready_ms", "load1_at_start"]


def fmt(v, digits=1):
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def main():
    out, phases = sys.argv[1], sys.argv[2:]
    rows = []
    for ph in phases:
        path = os.path.join(out, ph + ".json")
        if not os.path.exists(path):
            continue
        r = json.load(open(path))
        if r.get("records"):
            r["avg_records_per_call"] = r["records"] / max(1, r["calls"])
            r["ratio_to_target"] = r["records_per_s"] / r["target_records_per_s"]
        rows.append(r)
    with open(os.path.join(out, "mdb.csv"), "w") as f:
        f.write(",".join(COLUMNS) + "\n")
        for r in rows:
            f.write(",".join(fmt(r.get(c), 3) for c in COLUMNS) + "\n")

    head = ["phase", "listener", "conc", "records", "rec/call", "first→last s", "records/s", "steady/s",
            "target", "×target", "server CPU s", "broker CPU s", "CPU ms/1k rec", "RSS MB", "peak MB", "outcome"]
    table = []
    for r in rows:
        if not r.get("records"):
            table.append([r.get("phase", "?"), r.get("listener", ""), str(r.get("concurrency", "")), "0"]
                         + [""] * 11 + [r.get("outcome") or "failed"])
            continue
        table.append([r["phase"], r["listener"], str(r["concurrency"]), str(r["records"]),
                      fmt(r["avg_records_per_call"]), fmt(r["first_to_last_s"]), fmt(r["records_per_s"], 0),
                      fmt(r.get("steady_records_per_s"), 0), str(r["target_records_per_s"]),
                      fmt(r["ratio_to_target"], 2), fmt(r["server_cpu_s"]), fmt(r["broker_cpu_s"]),
                      fmt(r.get("server_cpu_ms_per_1k_records"), 0), fmt(r["rss_mb"], 0), fmt(r["peak_rss_mb"], 0),
                      r["outcome"]])
    widths = [max(len(h), *(len(t[i]) for t in table)) if table else len(h) for i, h in enumerate(head)]
    print("  ".join(h.rjust(w) for h, w in zip(head, widths)))
    for t in table:
        print("  ".join(c.rjust(w) for c, w in zip(t, widths)))
    print()
    print("records/s = records / (last - first delivery), clocks of the bean, fresh server (JIT warm-up")
    print("included); steady = between 10 % and 90 % of the records; CPU = the Payara process (broker =")
    print("its tributary-* threads) from opening the start gate to the end. CSV: " + os.path.join(out, "mdb.csv"))


if __name__ == "__main__":
    main()
