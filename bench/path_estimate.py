"""Rough static timing of a flattened ``synth_ecp5`` netlist, for finding long paths without a
place and route: every register-to-register path estimated with a fixed delay model, grouped by
end register.

    .venv/bin/python bench/path_estimate.py DIR/netlist.json [LIMIT_NS [GROUPS]]

``netlist.json`` is what ``fdagen synth --target ecp5`` leaves in its output directory (Yosys
writes it before nextpnr starts). The model: 0.75 ns a net plus 0.12 ns per doubling of its
fanout, 0.45 ns a LUT4, carry chains at 0.06 ns a cell, a DP16KD read 3.9 ns, an unregistered
MULT18X18D 4.2 ns. It knows no placement, so it ranks paths and counts how many are long. It
is not an Fmax: against nextpnr it was 15 to 25 % pessimistic (accelerator P = 4 worst path
18.4 ns estimated, 15.8 ns placed and routed; FFT N = 64 9.4 against 7.5), and it
underestimates long carry chains (a 96-cell chain of compares). It prints the count of
endpoints over LIMIT_NS (default 9) and the worst GROUPS (default 40) end registers with the
path to each.
"""

import argparse
import collections
import json
import math
import re
import sys

NET = 0.75
LUT = 0.45
parser = argparse.ArgumentParser(description="Rough path estimate (see module docstring).")
parser.add_argument("netlist", help="a synth_ecp5 netlist.json")
parser.add_argument("limit", nargs="?", type=float, default=9.0, help="ns (default 9)")
parser.add_argument("groups", nargs="?", type=int, default=40, help="end registers listed")
args = parser.parse_args()
d = json.load(open(args.netlist))
limit = args.limit
mod = next(m for m in d["modules"].values() if m.get("attributes", {}).get("top"))
cells = {n: c for n, c in mod["cells"].items() if not c["type"].startswith("$scope")}
names = {}
for name, info in mod["netnames"].items():
    public = not name.startswith("$")
    for i, b in enumerate(info["bits"]):
        if isinstance(b, str):
            continue
        label = f"{name}[{i}]" if len(info["bits"]) > 1 else name
        old = names.get(b)
        if old is None or (public and (old[0] == 0 or len(label) < len(old[1]))):
            names[b] = (1 if public else 0, label)
driver = {}
sinks = collections.defaultdict(int)
for cn, c in cells.items():
    for port, bits in c["connections"].items():
        for b in bits:
            if isinstance(b, str):
                continue
            if c["port_directions"][port] == "output":
                driver[b] = (cn, port)
            else:
                sinks[b] += 1


def net_delay(b, port=None):
    if port == "CIN":
        return 0.0
    return NET + 0.12 * math.log2(max(1, sinks[b]))


START = {"TRELLIS_FF": 0.45, "DP16KD": 3.9}
arrival, pred = {}, {}


def comb_inputs(c, port):
    t = c["type"]
    conns = c["connections"]
    if t == "LUT4":
        return [(p, LUT) for p in "ABCD"]
    if t == "PFUMX":
        return [("ALUT", 0.25), ("BLUT", 0.25), ("C0", 0.4)]
    if t == "L6MUX21":
        return [("D0", 0.25), ("D1", 0.25), ("SD", 0.4)]
    if t == "CCU2C":
        data0 = [(p + "0", 0.5) for p in "ABCD"]
        data1 = [(p + "1", 0.5) for p in "ABCD"]
        if port == "S0":
            return data0 + [("CIN", 0.3)]
        if port == "S1":
            return data0 + data1 + [("CIN", 0.35)]
        return [(p, 0.45) for p, _ in data0 + data1] + [("CIN", 0.06)]
    if t == "TRELLIS_DPR16X4":
        return [("RAD", 0.5)]
    if t == "MULT18X18D":
        if c["parameters"].get("REG_OUTPUT_CLK", "NONE") != "NONE":
            return None
        return [(p, 4.2) for p in conns if p[0] in "AB" and p[1:].isdigit()]
    return None


sys.setrecursionlimit(100000)


def arrive(b):
    if isinstance(b, str):
        return 0.0
    if b in arrival:
        return arrival[b]
    arrival[b] = 0.0
    if b not in driver:
        return 0.0
    cn, port = driver[b]
    c = cells[cn]
    t = c["type"]
    if t in START or comb_inputs(c, port) is None:
        arrival[b] = START.get(t, 0.75)
        pred[b] = None
        return arrival[b]
    best, via = 0.0, None
    for p, delay in comb_inputs(c, port):
        for ib in c["connections"].get(p, []):
            if isinstance(ib, str):
                continue
            a = arrive(ib) + net_delay(ib, p) + delay
            if a > best:
                best, via = a, ib
    arrival[b] = best
    pred[b] = via
    return best


def short(x):
    x = re.sub(r"_(TRELLIS_FF|LUT4|CCU2C|PFUMX|L6MUX21)_.*", "~", x)
    return x

def path(b):
    out = []
    while b is not None:
        out.append(names.get(b, (0, str(b)))[1])
        b = pred.get(b)
    return out[::-1]


ends = []
SETUP = {"TRELLIS_FF": 0.1}
for cn, c in cells.items():
    t = c["type"]
    if t not in ("TRELLIS_FF", "DP16KD", "TRELLIS_DPR16X4", "MULT18X18D"):
        continue
    if t == "MULT18X18D" and c["parameters"].get("REG_OUTPUT_CLK", "NONE") == "NONE":
        continue
    for port, bits in c["connections"].items():
        if c["port_directions"][port] != "input" or port in ("CLK", "CLKA", "CLKB", "WCK"):
            continue
        if t == "TRELLIS_DPR16X4" and port == "RAD":
            continue
        for b in bits:
            if isinstance(b, str):
                continue
            total = arrive(b) + net_delay(b) + 0.15
            endname = names.get(b, (0, "?"))[1]
            if t == "TRELLIS_FF":
                q = c["connections"]["Q"][0]
                endname = names.get(q, (0, "?"))[1] + f".{port}"
            else:
                endname = f"{t}:{cn[-40:]}.{port}"
            ends.append((total, endname, b))
ends.sort(reverse=True)
groups = collections.OrderedDict()
for total, endname, b in ends:
    if total < limit:
        break
    key = re.sub(r"\[\d+\]", "", endname)
    if key not in groups:
        groups[key] = (total, b, 0)
    groups[key] = (groups[key][0], groups[key][1], groups[key][2] + 1)
print(f"{len([e for e in ends if e[0] >= limit])} endpoints >= {limit} ns, "
      f"{len(groups)} groups; worst {ends[0][0]:.2f}")
for key, (total, b, count) in list(groups.items())[:args.groups]:
    p = path(b)
    print(f"{total:6.2f} x{count:<4} {key}\n        {len(p)} steps: "
          + " -> ".join(short(x) for x in p))
