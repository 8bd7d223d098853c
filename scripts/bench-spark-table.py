"""The Spark benchmark's table rows from its measurements (scripts/bench-spark): one line per
data set, `label<TAB>page MiB + JSON<TAB>Spark MiB + JSON`."""

import json
import sys

for line in open(sys.argv[1]):
    label, page, spark = line.rstrip("\n").split("\t")
    p_mem, p = page.split(" ", 1)
    s_mem, s = spark.split(" ", 1)
    p, s = json.loads(p), json.loads(s)
    print(
        f"| {label} | {p['n_train']:,} | {p['fit_s']:.1f} | {s['fit_s']:.1f} | {s['fit_s'] / p['fit_s']:.2f} | "
        f"{p_mem} | {s_mem} | {int(s_mem) / int(p_mem):.2f} | {p['rmse']:.4f} | {s['rmse']:.4f} | {s['rmse'] - p['rmse']:+.4f} |"
    )
