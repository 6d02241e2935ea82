#!/usr/bin/env python3
"""report.py OUTDIR BUSY_MAX CONCURRENCY: the printed result of make bench,
from the generator lines bench.sh left in OUTDIR (one file per run, named
SERVER-PHASE, each one line of name=value pairs; see loadgen.c)."""
import math
import os
import sys

out, busy_max, conc = sys.argv[1], float(sys.argv[2]), sys.argv[3]
SERVERS = [("broker", "cocobroker"), ("anchor", "anchor"), ("tang", "tang")]


def load(name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return None
    d = {}
    for tok in open(path).read().split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            try:
                d[k] = float(v)
            except ValueError:
                d[k] = v
    return d or None


def f(x, fmt="%.2f"):
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt % x


def ratio(a, b):
    return a / b if b else float("nan")


def counted(r):
    return r is not None and r.get("gen_busy", 1) <= busy_max


# ---- per-attestation CPU, unloaded
print()
print("== server CPU per request, unloaded (sequential: one request at a time; user+system of all the server's processes)")
kinds = [("handshake-only", "TLS 1.3 handshake only (client closes)"),
         ("unknown-volume", "+ request: unknown volume, refusal audited"),
         ("bad-signature", "+ evidence verified: bad signature, refused"),
         ("good", "full attestation: key released")]
print("%-46s %12s %12s %12s" % ("ms of server CPU per request", "cocobroker", "anchor", "tang"))
for k, label in kinds:
    row = []
    for s, _ in SERVERS:
        r = load("%s-cal-%s" % (s, k))
        row.append(f(r["server_cpu_ms_per_req"]) if r else "-")
    print("%-46s %12s %12s %12s" % ((label,) + tuple(row)))
row = []
for s, _ in SERVERS:
    r = load("%s-cal-good" % s)
    row.append(f(1e3 * r["wall_s"] / r["requests"]) if r else "-")
print("%-46s %12s %12s %12s" % (("wall ms per full attestation (unloaded)",) + tuple(row)))
row = []
for s, _ in SERVERS:
    r = load("%s-cal-good" % s)
    row.append(f(r["gen_cpu_ms_per_req"], "%.3f") if r else "-")
print("%-46s %12s %12s %12s" % (("generator CPU ms per request",) + tuple(row)))

for s, name in SERVERS[:2]:
    c = {k: load("%s-cal-%s" % (s, k)) for k, _ in kinds}
    if any(v is None for v in c.values()):
        continue
    ms = {k: v["server_cpu_ms_per_req"] for k, v in c.items()}
    parts = [("TLS handshake", ms["handshake-only"]),
             ("request decode + volume lookup + audit append", ms["unknown-volume"] - ms["handshake-only"]),
             ("evidence verification (cached chain, P-384)", ms["bad-signature"] - ms["unknown-volume"]),
             ("policy + key unwrap + release", ms["good"] - ms["bad-signature"])]
    total = ms["good"]
    print("%s per attestation %.2f ms CPU (%d requests per line), by difference of the lines above:" %
          (name, total, c["good"]["requests"]))
    for label, v in parts:
        print("  %-48s %6.2f ms  %4.0f %%" % (label, v, 100 * v / total if total else 0))

# ---- capacity
print()
print("== capacity: closed loop, %s clients at a time, a fresh connection and identity per request;" % conc)
print("   rounds with the three servers in turns, the median round counts")
cap = {}
for s, name in SERVERS:
    r = load("%s-capacity" % s)
    if not r:
        print("%-11s not measured" % name)
        continue
    ok = counted(r)
    if ok:
        cap[s] = r["rate"]
    core = r.get("server_core_busy")
    print("%-11s %8.1f attestations/s  server %.2f ms CPU/att., its core busy %3.0f %% (server %3.0f %%, other work %s)  "
          "generator busy %3.0f %% (%.3f ms CPU/request)%s" %
          (name, r["rate"], r["server_cpu_ms_per_req"], 100 * core if core is not None else float("nan"),
           100 * r["server_busy"], "%.0f %%" % max(0, 100 * (core - r["server_busy"])) if core is not None else "-",
           100 * r["gen_busy"], r["gen_cpu_ms_per_req"],
           "" if ok else "  NOT COUNTED: generator above %.0f %% busy" % (100 * busy_max)))
rounds = {}
for s, name in SERVERS:
    i = 1
    while load("%s-capacity-%d" % (s, i)):
        rounds.setdefault(s, []).append(load("%s-capacity-%d" % (s, i)))
        i += 1
    if s in rounds:
        print("%-11s rounds: %s attestations/s" % (name, " / ".join(
            "%.1f%s" % (x["rate"], "" if counted(x) else " (not counted)") for x in rounds[s])))
n = min(len(rounds.get(s, [])) for s, _ in SERVERS)
if n:
    print("per round, broker / anchor: %s;  broker / tang: %s" % (
        " / ".join(f(ratio(rounds["broker"][i]["rate"], rounds["anchor"][i]["rate"])) for i in range(n)),
        " / ".join(f(ratio(rounds["broker"][i]["rate"], rounds["tang"][i]["rate"])) for i in range(n))))
print("attestations/s: cocobroker %s, anchor %s, tang %s" %
      tuple(f(cap.get(s), "%.1f") if s in cap else "not counted" for s, _ in SERVERS))
if "broker" in cap and "anchor" in cap:
    print("efficiency: %s" % f(ratio(cap["broker"], cap["anchor"])))
else:
    print("efficiency: n/a (a capacity run was not counted)")
if "broker" in cap and "tang" in cap:
    print("vs tang: %sx" % f(ratio(cap["broker"], cap["tang"])))
else:
    print("vs tang: n/a (a capacity run was not counted)")
cpu = {s: load("%s-capacity" % s) for s, _ in SERVERS}
if all(cpu.get(s) and cpu[s]["server_cpu_ms_per_req"] > 0 for s in ("broker", "anchor", "tang")):
    print("by CPU under load (the rates' ratios if each server had its core to itself and were CPU-bound): "
          "efficiency %.2f, vs tang %.2fx" %
          (cpu["anchor"]["server_cpu_ms_per_req"] / cpu["broker"]["server_cpu_ms_per_req"],
           cpu["tang"]["server_cpu_ms_per_req"] / cpu["broker"]["server_cpu_ms_per_req"]))

# ---- Poisson
print()
print("== latency under Poisson arrivals (open loop; latency from the arrival to the whole answer)")
print("%-11s %6s %10s %10s %9s %9s %9s %8s" % ("server", "load", "offered/s", "served/s", "p50 ms", "p99 ms", "max ms", "gen busy"))
for s, name in SERVERS:
    for pc in (50, 70, 90):
        r = load("%s-poisson-%d" % (s, pc))
        if not r:
            continue
        offered = r["requests"] / r["wall_s"]
        print("%-11s %5d%% %10.1f %10.1f %9s %9s %9s %7.0f%%%s" %
              (name, pc, offered, r["rate"], f(r["p50_ms"], "%.1f"), f(r["p99_ms"], "%.1f"), f(r["max_ms"], "%.1f"),
               100 * r["gen_busy"], "" if counted(r) else "  not counted"))

# ---- storm
print()
print("== storm: all at once (closed loop with as many clients as requests)")
for s, name in SERVERS:
    r = load("%s-storm" % s)
    if not r:
        continue
    c = load("%s-capacity" % s)
    ideal = ratio(r["requests"], c["rate"]) if c else float("nan")
    print("%-11s %d clients: all served in %.2f s, ideal %d / capacity = %.2f s (%.2fx); p50 %s ms, p99 %s ms; "
          "503s retried %d; generator busy %.0f %%%s" %
          (name, r["requests"], r["wall_s"], r["requests"], ideal, r["wall_s"] / ideal, f(r["p50_ms"], "%.0f"),
           f(r["p99_ms"], "%.0f"), r["retried_503"], 100 * r["gen_busy"], "" if counted(r) else "  not counted"))
late = sum(load(n).get("late_nonces", 0) for n in os.listdir(out) if not n.endswith(".err") and load(n))
print()
print("generator: report-signature nonces made during timed runs: %d (each costs the generator a full P-384 signature)" % late)
