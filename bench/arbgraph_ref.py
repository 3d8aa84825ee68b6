#!/usr/bin/env python3
"""bench/arbgraph_ref.py EDGEFILE: the baseline for bench/arbgraph.sh: load the edge list that
bench/arbgraph wrote and time networkx.negative_edge_cycle on it (one full scan).
Prints "full_us X found 0|1"."""
import sys
import time

import networkx as nx

G = nx.DiGraph()
with open(sys.argv[1]) as f:
    for line in f:
        a, b, w = line.split()
        G.add_edge(int(a), int(b), weight=float(w))
t0 = time.perf_counter()
found = nx.negative_edge_cycle(G, weight="weight")
t1 = time.perf_counter()
print(f"full_us {(t1 - t0) * 1e6:.0f} found {int(found)}")
