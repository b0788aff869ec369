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
underestimates long carry chains (a 96-cell chain of compares). It reads the top module only:
the instances of a kept hierarchy (the digital PEs) are not looked into. It prints the count of
endpoints over LIMIT_NS (default 9) and the worst GROUPS (default 40) end registers with the
path to each.
"""

import argparse
import collections
import json
import math
import re
import sys

NET_NS = 0.75               # a net, plus FANOUT_NS per doubling of its loads
FANOUT_NS = 0.12
LUT_NS = 0.45
CARRY_NS = 0.06             # carry in -> carry out, dedicated routing
SETUP_NS = 0.15
CLOCK_TO_OUT_NS = {"TRELLIS_FF": 0.45, "DP16KD": 3.9}
ENDPOINTS = ("TRELLIS_FF", "DP16KD", "TRELLIS_DPR16X4", "MULT18X18D")
CLOCKS = ("CLK", "CLKA", "CLKB", "WCK")


def registered_output(cell):
    return cell["parameters"].get("REG_OUTPUT_CLK", "NONE") != "NONE"


def combinational_inputs(cell, port):
    """``[(input port, delay to port)]`` of a combinational cell output, None for a start."""
    kind = cell["type"]
    if kind == "LUT4":
        return [(pin, LUT_NS) for pin in "ABCD"]
    if kind == "PFUMX":
        return [("ALUT", 0.25), ("BLUT", 0.25), ("C0", 0.4)]
    if kind == "L6MUX21":
        return [("D0", 0.25), ("D1", 0.25), ("SD", 0.4)]
    if kind == "CCU2C":
        low = [(pin + "0", 0.5) for pin in "ABCD"]
        high = [(pin + "1", 0.5) for pin in "ABCD"]
        if port == "S0":
            return low + [("CIN", 0.3)]
        if port == "S1":
            return low + high + [("CIN", 0.35)]
        return [(pin, 0.45) for pin, _ in low + high] + [("CIN", CARRY_NS)]
    if kind == "TRELLIS_DPR16X4":
        return [("RAD", 0.5)]
    if kind == "MULT18X18D" and not registered_output(cell):
        return [(pin, 4.2) for pin in cell["connections"] if pin[0] in "AB" and pin[1:].isdigit()]
    return None


class Netlist:
    """The top module of a flattened Yosys JSON netlist, with arrival times on demand."""

    def __init__(self, path):
        design = json.load(open(path))
        top = next(m for m in design["modules"].values() if m.get("attributes", {}).get("top"))
        self.cells = {name: cell for name, cell in top["cells"].items()
                      if not cell["type"].startswith("$scope")}
        self.names = {}                 # bit -> (public, label): the shortest public name
        for name, info in top["netnames"].items():
            public = not name.startswith("$")
            for index, bit in enumerate(info["bits"]):
                if isinstance(bit, str):
                    continue
                label = f"{name}[{index}]" if len(info["bits"]) > 1 else name
                old = self.names.get(bit)
                if old is None or (public and (not old[0] or len(label) < len(old[1]))):
                    self.names[bit] = (public, label)
        self.driver, self.loads = {}, collections.Counter()
        for name, cell in self.cells.items():
            for port, bits in cell["connections"].items():
                for bit in bits:
                    if isinstance(bit, str):
                        continue
                    if cell["port_directions"][port] == "output":
                        self.driver[bit] = (name, port)
                    else:
                        self.loads[bit] += 1
        self.arrival, self.previous = {}, {}

    def name(self, bit):
        return self.names.get(bit, (False, str(bit)))[1]

    def net_delay(self, bit, port=None):
        if port == "CIN":
            return 0.0
        return NET_NS + FANOUT_NS * math.log2(max(1, self.loads[bit]))

    def arrive(self, bit):
        """Latest arrival at ``bit`` (ns after the clock edge), recording the path."""
        if isinstance(bit, str) or bit not in self.driver:
            return 0.0
        if bit in self.arrival:
            return self.arrival[bit]
        self.arrival[bit] = 0.0         # breaks combinational loops
        cell_name, port = self.driver[bit]
        cell = self.cells[cell_name]
        inputs = combinational_inputs(cell, port)
        if inputs is None:
            self.arrival[bit] = CLOCK_TO_OUT_NS.get(cell["type"], NET_NS)
            self.previous[bit] = None
            return self.arrival[bit]
        best, via = 0.0, None
        for pin, delay in inputs:
            for source in cell["connections"].get(pin, []):
                if isinstance(source, str):
                    continue
                arrival = self.arrive(source) + self.net_delay(source, pin) + delay
                if arrival > best:
                    best, via = arrival, source
        self.arrival[bit], self.previous[bit] = best, via
        return best

    def path(self, bit):
        steps = []
        while bit is not None:
            steps.append(re.sub(r"_(TRELLIS_FF|LUT4|CCU2C|PFUMX|L6MUX21)_.*", "~",
                                self.name(bit)))
            bit = self.previous.get(bit)
        return steps[::-1]

    def endpoints(self):
        """``[(required ns, end name, bit)]`` of every register and memory input."""
        ends = []
        for cell_name, cell in self.cells.items():
            kind = cell["type"]
            if kind not in ENDPOINTS or (kind == "MULT18X18D" and not registered_output(cell)):
                continue
            for port, bits in cell["connections"].items():
                if cell["port_directions"][port] != "input" or port in CLOCKS:
                    continue
                if kind == "TRELLIS_DPR16X4" and port == "RAD":
                    continue
                for bit in bits:
                    if isinstance(bit, str):
                        continue
                    total = self.arrive(bit) + self.net_delay(bit) + SETUP_NS
                    if kind == "TRELLIS_FF":
                        end = self.name(cell["connections"]["Q"][0]) + f".{port}"
                    else:
                        end = f"{kind}:{cell_name[-40:]}.{port}"
                    ends.append((total, end, bit))
        return sorted(ends, reverse=True)


def main():
    parser = argparse.ArgumentParser(description="Rough path estimate (see module docstring).")
    parser.add_argument("netlist", help="a synth_ecp5 netlist.json")
    parser.add_argument("limit", nargs="?", type=float, default=9.0, help="ns (default 9)")
    parser.add_argument("groups", nargs="?", type=int, default=40, help="end registers listed")
    args = parser.parse_args()
    sys.setrecursionlimit(100000)
    netlist = Netlist(args.netlist)
    ends = netlist.endpoints()
    groups = {}                         # end register (bits merged) -> (worst, its bit, count)
    for total, end, bit in ends:
        if total < args.limit:
            break
        key = re.sub(r"\[\d+\]", "", end)
        worst, worst_bit, count = groups.get(key, (total, bit, 0))
        groups[key] = (worst, worst_bit, count + 1)
    over = sum(count for _, _, count in groups.values())
    print(f"{over} endpoints >= {args.limit} ns, {len(groups)} groups; worst {ends[0][0]:.2f}")
    for key, (total, bit, count) in list(groups.items())[:args.groups]:
        steps = netlist.path(bit)
        print(f"{total:6.2f} x{count:<4} {key}\n        {len(steps)} steps: " + " -> ".join(steps))


if __name__ == "__main__":
    main()
