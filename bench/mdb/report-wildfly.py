#!/usr/bin/env python3
"""report-wildfly.py OUT PHASE...: writes OUT/mdb-wildfly.csv from OUT/<phase>.json (run-wildfly.sh)
and prints the table, with each Tributary phase's rate as a ratio to the Artemis phase of the same
concurrency (artemis-c1 for single-c1 and batch-c1, artemis-c4 for single-c4 and batch-c4)."""
import json
import os
import sys

COLUMNS = ["phase", "broker", "listener", "concurrency", "outcome", "expect", "records", "calls",
           "avg_records_per_call", "first_to_last_s", "records_per_s", "steady_records_per_s",
           "reference", "ratio_to_reference", "db_rows", "db_distinct_keys", "db_rows_ok", "window_s",
           "server_cpu_s", "broker_cpu_s", "server_cpu_ms_per_1k_records", "rss_mb", "peak_rss_mb",
           "ready_ms", "load1_at_start"]


def fmt(v, digits=1):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def main():
    out, phases = sys.argv[1], sys.argv[2:]
    rows = {}
    for ph in phases:
        path = os.path.join(out, ph + ".json")
        if os.path.exists(path):
            rows[ph] = json.load(open(path))
    for ph, r in rows.items():
        if r.get("records"):
            r["avg_records_per_call"] = r["records"] / max(1, r["calls"])
        if r.get("broker") == "tributary":
            ref = rows.get("artemis-c" + str(r.get("concurrency")))
            r["reference"] = "artemis-c" + str(r.get("concurrency"))
            if ref and ref.get("db_rows_ok") and r.get("db_rows_ok") and ref.get("records_per_s"):
                r["ratio_to_reference"] = r["records_per_s"] / ref["records_per_s"]
    with open(os.path.join(out, "mdb-wildfly.csv"), "w") as f:
        f.write(",".join(COLUMNS) + "\n")
        for r in rows.values():
            f.write(",".join(fmt(r.get(c), 3) for c in COLUMNS) + "\n")

    head = ["phase", "broker", "listener", "conc", "messages", "per call", "first→last s", "per s", "steady/s",
            "× Artemis", "rows ok", "server CPU s", "CPU ms/1k", "RSS MB", "load", "outcome"]
    table = []
    for r in rows.values():
        if not r.get("records"):
            table.append([r.get("phase", "?"), r.get("broker", ""), r.get("listener", ""),
                          str(r.get("concurrency", "")), "0"] + [""] * 5
                         + [fmt(r.get("db_rows_ok")), "", "", "", fmt(r.get("load1_at_start")),
                            r.get("outcome") or "failed"])
            continue
        ratio = r.get("ratio_to_reference")
        table.append([r["phase"], r["broker"], r["listener"], str(r["concurrency"]), str(r["records"]),
                      fmt(r["avg_records_per_call"]), fmt(r["first_to_last_s"]), fmt(r["records_per_s"], 0),
                      fmt(r.get("steady_records_per_s"), 0),
                      (fmt(ratio, 2) + " (" + r["reference"] + ")") if ratio else "",
                      fmt(r.get("db_rows_ok")), fmt(r["server_cpu_s"]),
                      fmt(r.get("server_cpu_ms_per_1k_records"), 0), fmt(r["rss_mb"], 0),
                      fmt(r.get("load1_at_start")), r["outcome"]])
    widths = [max(len(h), *(len(t[i]) for t in table)) if table else len(h) for i, h in enumerate(head)]
    print("  ".join(h.rjust(w) for h, w in zip(head, widths)))
    for t in table:
        print("  ".join(c.rjust(w) for c, w in zip(t, widths)))
    print()
    print("per s = messages / (last - first delivery), clocks of the bean, fresh server (JIT warm-up included);")
    print("steady = between 10 % and 90 % of the messages; × Artemis = per s / per s of the Artemis phase of the")
    print("same concurrency; rows ok = the database holds exactly one row per message of the phase (checked")
    print("after the server stopped); CPU = the WildFly process from opening the start gate to the end.")
    print("CSV: " + os.path.join(out, "mdb-wildfly.csv"))


if __name__ == "__main__":
    main()
