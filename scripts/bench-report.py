"""Turns the measurements of scripts/bench into a Markdown table (stdout).

Usage: python3 scripts/bench-report.py DIR
DIR holds machine.json, native.json, surprise.json, browser.json and wasm.json (each the
BENCH_JSON object of one step, or machine facts). Standard library only.
"""

import csv
import json
import statistics
import sys
from pathlib import Path


def load(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def s(x, digits=2):
    return "–" if x is None else f"{x:.{digits}f}"


def main() -> None:
    d = Path(sys.argv[1])
    machine = load(d / "machine.json")
    native = load(d / "native.json")
    surprise = load(d / "surprise.json")
    browser = load(d / "browser.json") or {"runs": []}
    wasm = load(d / "wasm.json")
    target = native["target"] if native else 0.93
    runs = browser["runs"]
    cpu = [r for r in runs if r["name"].startswith("cpu") and r.get("ok")]
    gpu = next((r for r in runs if r["name"] == "webgpu"), None)
    opens = [r for r in runs if r["name"].startswith("open") and r.get("ok")]
    failed = [r for r in runs if not r.get("ok")]

    def train_s(r):
        return (r["t_done_ms"] - r["t_train_ms"]) / 1000

    def median_run(rs):
        if not rs:
            return None
        ordered = sorted(rs, key=train_s)
        return ordered[(len(ordered) - 1) // 2]

    def page_ms(r):
        rates = r.get("page_ms_per_epoch") or []
        return statistics.median(rates) if rates else None

    out = []
    m = machine or {}
    out.append(f"### Speed benchmark (`scripts/bench`, {m.get('date', '?')})")
    out.append("")
    out.append(
        f"Machine: {m.get('cpu', '?')}, `nproc` {m.get('nproc', '?')}, {m.get('ram', '?')} RAM; "
        f"load average {m.get('load', '?')} at the start; {m.get('chromium', '?')} headless; "
        f"{m.get('rustc', '?')}. All rows measured in this one run."
    )
    out.append("")
    out.append(
        "Model: biased MF with the `MfConfig` defaults (d 32, Adam lr 0.005, reg 0.1, batch 1024, "
        "at most 40 epochs, patience 3) on u1, trained as the page does: early stopping on a 10% "
        "holdout of u1.base, then a refit on all of u1.base for the best epoch's count."
    )
    out.append("")
    out.append(f"| backend | ms/epoch | time to u1 RMSE ≤ {target} | epochs (holdout + refit) | final u1 test RMSE |")
    out.append("|---|---|---|---|---|")
    if native:
        hit = native.get("first_hit")
        hit_text = (
            f"**{s(hit['seconds'])} s** ({hit['phase']} run, epoch {hit['epoch']}, "
            f"RMSE {hit['test_rmse']:.4f})¹; full run {s(native['train_s'])} s"
            if hit else f"not reached¹; full run {s(native['train_s'])} s"
        )
        out.append(
            f"| native Flex (release build, this CPU) | {s(native['ms_per_epoch'], 0)} | {hit_text} | "
            f"{native['holdout_epochs']} (best {native['best_epoch']}) + {native['refit_epochs']} | "
            f"{native['final_test_rmse']:.4f} |"
        )
    else:
        out.append("| native Flex (release build, this CPU) | failed | | | |")
    mid = median_run(cpu)

    def page_hit(r):
        """The page's own time to the target (`?trace=1`): seconds from train-state `training` to
        the first epoch whose model scored at or under it, the scoring time left out; with the
        phase, epoch and RMSE of that epoch. None when no traced epoch reached it."""
        scoring = 0.0
        for e in r.get("trace") or []:
            scoring += e["eval_ms"]
            if e["rmse"] <= target:
                seconds = (e["at_ms"] - r["t_train_ms"] - scoring) / 1000
                return {"seconds": seconds, "phase": "refit" if e["refit"] else "holdout",
                        "epoch": e["epoch"], "rmse": e["rmse"]}
        return None

    def hit_text(r, mark):
        hit = page_hit(r)
        if hit is None:
            return f"not reached{mark}; full run {s(train_s(r))} s"
        return (f"**{s(hit['seconds'])} s** ({hit['phase']} run, epoch {hit['epoch']}, "
                f"RMSE {hit['rmse']:.4f}){mark}; full run {s(train_s(r))} s")

    cpu_hits = sorted(h["seconds"] for h in (page_hit(r) for r in cpu) if h is not None)
    median_hit = cpu_hits[(len(cpu_hits) - 1) // 2] if len(cpu_hits) == len(cpu) and cpu else None
    if mid:
        out.append(
            f"| wasm CPU (Flex) in headless Chromium, `backend=cpu` | {s(page_ms(mid), 0)}² | "
            f"{hit_text(mid, '³')} | "
            f"{mid['holdout_epochs']} + {mid['refit_epochs']} | {mid['rmse']:.4f} |"
        )
    else:
        out.append("| wasm CPU (Flex) in headless Chromium, `backend=cpu` | failed | | | |")
    capped = gpu is not None and "epochs=" in gpu.get("query", "")
    if gpu and gpu.get("ok"):
        on = gpu["backend"]
        label = f"wasm WebGPU in headless Chromium, `backend=webgpu` ({gpu.get('adapter') or '?'} adapter: SwiftShader)"
        if on != "webgpu":
            label += f" — ran on {on}: {gpu.get('alert') or gpu.get('backend_reason')}"
        cap = " (capped run)" if capped else ""
        out.append(
            f"| {label} | {s(page_ms(gpu), 0)}⁴ | {hit_text(gpu, '³')}{cap} | "
            f"{gpu['holdout_epochs']} + {gpu['refit_epochs']}{cap} | {gpu['rmse']:.4f}{cap} |"
        )
    else:
        why = (gpu or {}).get("error") or (gpu or {}).get("alert") or "not run"
        out.append(f"| wasm WebGPU in headless Chromium, `backend=webgpu` | failed: {why} | | | |")
    out.append("")
    out.append("| measure | value |")
    out.append("|---|---|")
    if surprise:
        fits = ", ".join(f"{x:.2f}" for x in surprise["fits_s"])
        out.append(
            f"| Surprise {surprise['version']} `SVD(n_factors=200, n_epochs=100, lr_all=0.005, reg_all=0.1)`, "
            f"fit on u1.base (fit only) | **{s(surprise['fit_s'])} s**"
            f"{'' if len(surprise['fits_s']) == 1 else f' (median of {fits} s)'}; u1 test RMSE "
            f"{surprise['test_rmse']:.4f} |"
        )
    else:
        out.append("| Surprise SVD, tuned | failed |")
    if mid and surprise:
        if median_hit is not None:
            ratio = median_hit / surprise["fit_s"]
            verdict = "goal < 1 met" if ratio < 1 else "goal < 1 NOT met"
            out.append(
                f"| ratio: wasm CPU time to a model with u1 RMSE ≤ {target} / Surprise fit time | "
                f"{s(median_hit)} / {s(surprise['fit_s'])} = **{ratio:.2f}** ({verdict}) |"
            )
        else:
            out.append(f"| ratio: wasm CPU time to u1 RMSE ≤ {target} / Surprise fit time | target not reached in every run |")
        full = train_s(mid) / surprise["fit_s"]
        out.append(
            f"| ratio: wasm CPU full default run (both phases, board filled) / Surprise fit time | "
            f"{s(train_s(mid))} / {s(surprise['fit_s'])} = **{full:.2f}** |"
        )
    else:
        out.append(f"| ratio: wasm CPU time to u1 RMSE ≤ {target} / Surprise fit time | n/a |")
    if wasm:
        files = wasm["files"]
        def sizes(raw, gz, br):
            served = f", **{br / 1e6:.2f} MB** brotli as served" if br else ""
            return f"{raw / 1e6:.1f} MB raw, {gz / 1e6:.2f} MB gzip -9{served} |"

        for f in files:
            out.append(f"| wasm size, `{f['file']}` | " + sizes(f["raw"], f["gzip"], f.get("br")))
        if len(files) > 1:
            total = lambda key: sum(f.get(key) or 0 for f in files)
            out.append(
                f"| wasm size, all {len(files)} files | "
                + sizes(total("raw"), total("gzip"), total("br"))
            )
    if opens:
        ordered = sorted(opens, key=lambda r: r["t_done_ms"])
        opened = ordered[(len(ordered) - 1) // 2]
        all_open = ", ".join(f"{r['t_done_ms'] / 1000:.2f}" for r in opens)
        out.append(
            f"| page open → first trained model (`?autotrain=1`, defaults; auto chose "
            f"{opened['backend']}) | **{s(opened['t_done_ms'] / 1000)} s**⁵ (data ready at "
            f"{s(opened['t_ready_ms'] / 1000)} s, training {s(train_s(opened))} s, RMSE {opened['rmse']:.4f}) |"
        )
    else:
        out.append("| page open → first trained model | failed |")
    def median_row(key, what, unit_format, goal):
        """A table row with the median of `key` over the successful runs, if any ran."""
        values = sorted(r[key] for r in runs if r.get("ok") and r.get(key) is not None)
        if values:
            median = format(values[(len(values) - 1) // 2], unit_format)
            out.append(
                f"| {what} | **{median} ms** (median of {len(values)} runs; "
                f"max {values[-1]:{unit_format}} ms; goal {goal}) |"
            )

    median_row(
        "foldin_ms",
        "fold-in of a visitor with 10 ratings + scoring all 1682 films + blend, in the page "
        "(`foldin-ms`, wasm, main thread)",
        ".2f",
        "< 50 ms",
    )
    median_row(
        "classifier_ms",
        "genre classifier on the trained film vectors, in the page (a worker; from asking to "
        "the answer, `classifier-ms`)",
        ".0f",
        "well under a second",
    )
    draws = sorted(x for r in runs if r.get("ok") for x in (r.get("draw_ms") or []))
    if draws:
        out.append(
            f"| film map redraw (1682 points, hover and wheel zoom, `?autotrain=1` runs) | median "
            f"**{statistics.median(draws):.1f} ms**, 95th percentile {draws[int(0.95 * (len(draws) - 1))]:.1f} ms, "
            f"max {draws[-1]:.1f} ms over {len(draws)} redraws (goal < 16 ms) |"
        )
    native_fold = (d / "foldin.log").read_text() if (d / "foldin.log").exists() else ""
    for line in native_fold.splitlines():
        if line.startswith("fold-in + blend"):
            out.append(f"| the same natively (Flex build, release) | {line.split(': ', 1)[1]} |")
    out.append("")
    table = [l for l in native_fold.splitlines() if l.startswith("|")]
    if table:
        out.append(
            "Recommendations for newcomers (`core/examples/foldin.rs`, native): 30% of the people "
            "held out of training (a third to tune the blend, the rest reported here), each folded "
            "in from 3, 5 or 10 of their ratings; every other film a candidate; relevant = their "
            "other films rated ≥ 4."
        )
        out.append("")
        out.extend(table)
        out.append("")
    zoo_native = {}
    zoo_log = (d / "zoo.log").read_text() if (d / "zoo.log").exists() else ""
    for row in csv.DictReader(l for l in zoo_log.splitlines() if "," in l and not l.startswith("|")):
        zoo_native[row["model"]] = row
    zoo_page = next((r for r in runs if r.get("zoo")), None)
    page_rows = {r["model"]: r for r in (zoo_page or {}).get("rows", [])}
    if zoo_native or page_rows:
        out.append(
            "The model zoo on u1, every model natively (`core/examples/zoo.rs`, Flex, release "
            "build) and in the page (all of them picked, run one after another in the zoo's "
            "worker; `auto` backend"
            + "".join(
                f", which trained on {b}" for b in list(dict.fromkeys(
                    r["backend"] for r in page_rows.values() if r["backend"] != "closed form"))[:1]
            )
            + "). Trainable models: early stopping on a 10% holdout of u1.base, then a refit; "
            "times are fit times (holdout run + refit), scoring excluded. Serving ms: each row "
            "made to serve a visitor with ten ratings, the page's own fold-in + scoring + ranking "
            "time, median of 7 recomputations."
        )
        out.append("")
        out.append("| model | RMSE native / page | MAE | P@10 | R@10 | NDCG@10 native / page | HR@10 | train s native / page | parameters | serving ms (page) |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        for name in dict.fromkeys(list(zoo_native) + list(page_rows)):
            n, p = zoo_native.get(name, {}), page_rows.get(name, {})
            v = lambda x: x if x not in (None, "", "–") else "–"
            page_s = f"{p['train_s']:.2f}" if p else "–"
            serve = f"{p['serve_ms']:.2f}" if p.get("serve_ms") is not None else "–"
            out.append(
                f"| {n.get('label', name)} | {v(n.get('rmse'))} / {v(p.get('rmse'))} | {v(n.get('mae'))} | "
                f"{v(n.get('p10'))} | {v(n.get('r10'))} | {v(n.get('ndcg10'))} / {v(p.get('ndcg10'))} | "
                f"{v(n.get('hr10'))} | {v(n.get('train_seconds'))} / "
                f"{page_s} | "
                f"{v(n.get('parameters'))} | {serve} |"
            )
        if zoo_page and not zoo_page.get("ok"):
            out.append(f"- the zoo run in the page did not finish: {zoo_page.get('error') or zoo_page.get('state')}")
        out.append("")
    out.append(
        "¹ Native only: for this benchmark, u1.test RMSE of the model each phase would hand back at "
        "that point (best-on-holdout model in the holdout run, current model in the refit) is "
        "computed after every epoch to find the first epoch ≤ the target. It is never used to "
        "choose anything (epochs, stopping and the kept model are the recipe's) and its time is "
        "left out of every figure. \"Full run\" is both phases."
        + (
            f" The refit alone (all of u1.base, the model the page keeps) first reaches it at "
            f"epoch {native['refit_hit']['epoch']}, {s(native['refit_hit']['seconds'])} s into the "
            f"recipe; the holdout run's best model scores {native['holdout_best_test_rmse']:.4f}."
            if native and native.get("refit_hit") else ""
        )
    )
    if mid:
        rates = ", ".join(f"{x:.0f}" for x in mid.get("page_ms_per_epoch") or [])
        all_train = ", ".join(f"{train_s(r):.2f}" for r in cpu)
        out.append(
            f"² Median of the page's own \"ms/epoch\" figures over the holdout run ({rates}); "
            f"the first epochs are slower in the page, most likely V8 compiling the hot wasm code "
            f"lazily and tiering it up. Wall time per epoch over "
            f"the whole run: {s(mid['wall_ms_per_epoch'], 0)} ms; refit epochs only: "
            f"{s(mid.get('refit_wall_ms_per_epoch'), 0)} ms."
        )
        out.append(
            f"³ Measured in the page: with `?trace=1` (benchmark only; shown to nobody, never used "
            f"to choose anything) the page also scores, after every epoch, the model that phase "
            f"would hand back (best on the holdout so far in the holdout run, the current one in "
            f"the refit) on u1.test, and the time that scoring took is subtracted. Time to the "
            f"target: train-state `training` → the first such epoch at or under {target}; wasm CPU "
            f"median of {len(cpu_hits)} runs ({', '.join(f'{x:.2f}' for x in cpu_hits)} s). Full "
            f"run: train-state `training` → `done` (metrics board filled), median of {len(cpu)} runs "
            f"({all_train} s), each in a fresh browser profile."
        )
    if gpu and gpu.get("ok"):
        out.append(
            f"⁴ SwiftShader is a software rasteriser on the CPU, so this says nothing about a real "
            f"GPU (`{gpu['query']}`{', capped: its RMSE is not the default run' + chr(39) + 's' if capped else ', the full default run'}). "
            f"Median of the page's own ms/epoch figures; wall time per epoch over the run: "
            f"{s(gpu['wall_ms_per_epoch'], 0)} ms."
        )
    if opens:
        out.append(
            f"⁵ From navigation start (`performance.now()` origin) to train-state `done`, wasm download "
            f"and compile, data fetch and parse included (served from 127.0.0.1, so no network "
            f"time); median of {len(opens)} runs ({all_open} s), each in a fresh browser profile."
        )
    busy = [r for r in runs if r.get("idle_before") is not None and r["idle_before"] < 0.9]
    if busy:
        out.append(
            "- WARNING: other work was running just before browser run(s) "
            + ", ".join(f"`{r['name']}` (CPUs {100 * r['idle_before']:.0f}% idle)" for r in busy)
            + ": their times are slower than on a quiet machine."
        )
    for r in failed:
        out.append(f"- run `{r['name']}` failed: {r.get('error') or r.get('alert') or r.get('state')}")
    # Footnotes as separate paragraphs, so that Markdown does not run them together.
    text = "\n".join(out)
    for mark in "¹²³⁴⁵":
        text = text.replace(f"\n{mark} ", f"\n\n{mark} ")
    for lead in ("\n- WARNING", "\n- run"):
        text = text.replace(lead, "\n" + lead, 1)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    print(text)


if __name__ == "__main__":
    main()
