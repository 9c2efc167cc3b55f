"""Reads "NAME<TAB>req/s p50 p99" lines (several per NAME) on stdin; prints the medians as a
table with ratios against the NAME given as the first argument."""
import statistics
import sys

baseline = sys.argv[1]
rows = {}
for line in sys.stdin:
    name, values = line.rstrip("\n").split("\t")
    rows.setdefault(name, []).append(tuple(map(float, values.split())))
medians = {name: [statistics.median(column) for column in zip(*runs)] for name, runs in rows.items()}
base = medians[baseline]
header = ("configuration", "req/s", "p50 ms", "p99 ms", "req/s x", "p99 x")
print(f"{header[0]:<40}{header[1]:>9}{header[2]:>9}{header[3]:>9}{header[4]:>9}{header[5]:>8}")
for name, (rps, p50, p99) in medians.items():
    print(f"{name:<40}{rps:>9.0f}{p50:>9.3f}{p99:>9.3f}{rps / base[0]:>9.2f}{p99 / base[2]:>8.2f}")
