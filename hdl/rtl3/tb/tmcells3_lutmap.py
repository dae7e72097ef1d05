#!/usr/bin/env python3
"""tmcells3_lutmap: where the LUTs of a synthesized module go, by signal.

Usage: python3 tmcells3_lutmap.py NETLIST.json MODULE [N]

NETLIST.json is Yosys's write_json after synth_ice40 (flattened). Each
SB_LUT4 is followed forward through the combinational cells (LUTs, carries)
to the flip-flops, RAMs, DSPs and output ports it feeds; it is charged to
their signals (a flip-flop's Q net name without its bit index), split evenly
when it feeds several. Prints the N (default 40) signals charged the most
LUTs, with their flip-flop counts. A picture for finding what to cut, not a
partition: shared logic is split, and Yosys's generated names stand for
state-decode logic. hdl/rtl3/TM.md ("Area and speed") used it on
htm3_tm_cells for C 256, K 4, S 1024, M 16, G 8, B 8.
"""
import collections
import json
import re
import sys


def main():
    netlist, top = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    mod = json.load(open(netlist))["modules"][top]
    names = {}
    for name, v in mod["netnames"].items():
        for b in v["bits"]:
            if isinstance(b, int) and (b not in names or (names[b].startswith("$") and not name.startswith("$"))):
                names[b] = name
    cells = mod["cells"]
    sinks = collections.defaultdict(list)
    for cn, c in cells.items():
        for p, bits in c["connections"].items():
            if c["port_directions"].get(p, "input") != "output":
                for b in bits:
                    if isinstance(b, int):
                        sinks[b].append(cn)
    for pn, p in mod["ports"].items():
        if p["direction"] == "output":
            for b in p["bits"]:
                if isinstance(b, int):
                    sinks[b].append("PORT:" + pn)

    def seq(t):
        return t.startswith("SB_DFF") or t in ("SB_MAC16", "SB_RAM40_4K", "SB_SPRAM256KA")

    def signal(cn):
        c = cells[cn]
        if not c["type"].startswith("SB_DFF"):
            return c["type"]
        return re.sub(r"\[.*", "", names.get(c["connections"]["Q"][0], cn))

    memo = {}

    def dests(cn):  # the signals that cell cn's outputs reach combinationally
        if cn in memo:
            return memo[cn]
        memo[cn] = frozenset()
        out = set()
        c = cells[cn]
        for p, bits in c["connections"].items():
            if c["port_directions"].get(p) != "output":
                continue
            for b in bits:
                if not isinstance(b, int):
                    continue
                for s in sinks[b]:
                    if s.startswith("PORT:"):
                        out.add(s[5:])
                    elif seq(cells[s]["type"]):
                        out.add(signal(s))
                    else:
                        out |= dests(s)
        memo[cn] = frozenset(out)
        return memo[cn]

    sys.setrecursionlimit(100000)
    luts = collections.Counter()
    for cn, c in cells.items():
        if c["type"] == "SB_LUT4":
            d = dests(cn)
            for s in d:
                luts[s] += 1.0 / len(d)
    ffs = collections.Counter(signal(cn) for cn, c in cells.items() if c["type"].startswith("SB_DFF"))
    print("LUT4 %d" % round(sum(luts.values())))
    print("%7s %4s  %s" % ("LUT4", "FF", "signal"))
    for s, v in luts.most_common(n):
        print("%7.1f %4d  %s" % (v, ffs.get(s, 0), s))


if __name__ == "__main__":
    main()
