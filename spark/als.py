"""filmspace's Spark job: Apache Spark MLlib's ALS on any data set the page reads, split and
scored exactly as the page does, written as a model bundle the page opens.

    scripts/spark-als --data PATH [--split u1|random:0.8:SEED|temporal:0.2] [--rank R] [--reg L]
        [--iters N] [--implicit --alpha A] [--grid] [--master URL] --out MODEL.safetensors

Progress goes to stderr, one line per stage; the last line of stdout is one JSON object with the
metrics, the counts and the settings.
"""

import argparse
import json
import os
import socket
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bundle  # noqa: E402
import formats  # noqa: E402
import metrics  # noqa: E402
import splits  # noqa: E402

GRID_RANKS = [10, 25, 50]
GRID_REGS = [0.05, 0.1, 0.2]
started = time.time()


def stage(text):
    print(f"[spark-als {time.time() - started:6.1f} s] {text}", file=sys.stderr, flush=True)


def arguments(argv):
    p = argparse.ArgumentParser(prog="spark-als", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="a folder, zip or ratings file in any format the page reads (any path Spark reads)")
    p.add_argument("--split", default=None, help="u1..u5, ua, ub, random:0.8:SEED, random:0.9:SEED, temporal:0.2 (default: u1 for ML-100K, else random:0.8:42)")
    p.add_argument("--rank", type=int, default=50)
    p.add_argument("--reg", type=float, default=0.12, help="Spark's regParam (λ, scaled by each row's rating count)")
    p.add_argument("--iters", type=int, default=15)
    p.add_argument("--implicit", action="store_true", help="implicit feedback (Hu, Koren and Volinsky): ratings as confidence")
    p.add_argument("--alpha", type=float, default=1.0)
    p.add_argument("--grid", action="store_true", help="search rank x λ on a seeded 10%% holdout of the training part first")
    p.add_argument("--grid-ranks", default=",".join(map(str, GRID_RANKS)))
    p.add_argument("--grid-regs", default=",".join(map(str, GRID_REGS)))
    p.add_argument("--master", default="local[*]", help="local[*] (default), spark://host:7077, yarn, k8s://...")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--driver-memory", default="2g")
    p.add_argument("--checkpoint-dir", default=None,
                   help="where ALS checkpoints its lineage every 10 iterations (default: a local temporary folder in local mode; "
                        "on a cluster give a shared path such as hdfs://...)")
    p.add_argument("--out", required=True, help="where to write the model bundle (.safetensors)")
    return p.parse_args(argv)


def check_master(master: str):
    """A standalone master that does not answer is said at once, not after Spark's retries."""
    if not master.startswith("spark://"):
        return
    for address in master[len("spark://"):].split(","):
        host, _, port = address.partition(":")
        try:
            socket.create_connection((host, int(port or 7077)), timeout=5).close()
            return
        except (OSError, ValueError):
            continue
    raise SystemExit(f"spark-als: the Spark master at {master} does not answer (nothing listens there)")


def session(args):
    from pyspark.sql import SparkSession

    check_master(args.master)
    # Python workers run this interpreter (its venv has pandas, pyarrow and numpy).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    stage(f"starting Spark ({args.master})")
    builder = (
        SparkSession.builder.appName("filmspace-als")
        .master(args.master)
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.sql.shuffle.partitions", "8" if args.master.startswith("local") else "200")
        .config("spark.ui.showConsoleProgress", "true")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
    )
    try:
        spark = builder.getOrCreate()
    except Exception as e:  # pyspark says JAVA_GATEWAY_EXITED, or the JVM's own words
        raise SystemExit(
            f"spark-als: Spark could not start its Java runtime ({str(e).splitlines()[0][:200]}). "
            "It needs Java 17 or newer: scripts/spark-als installs one with apt, or set JAVA_HOME."
        )
    spark.sparkContext.setLogLevel("ERROR")
    ship_modules(spark)
    # Without checkpoints, ALS's lineage grows with every iteration until a later job (the
    # ranking, on millions of ratings) overflows the JVM's stack.
    checkpoints = args.checkpoint_dir or (tempfile.mkdtemp(prefix="filmspace-als-") if args.master.startswith("local") else None)
    if checkpoints:
        spark.sparkContext.setCheckpointDir(checkpoints)
    return spark


def ship_modules(spark):
    """Python workers import these modules inside the parallel steps (on a cluster too)."""
    for module in ("formats.py", "splits.py", "metrics.py"):
        spark.sparkContext.addPyFile(os.path.join(HERE, module))


def digest(ratings):
    """The page's ratings digest (core/src/bundle/digest.rs): the wrapping sum of each rating's
    SplitMix64 hash, summed per batch in parallel, the few partial sums added here."""
    import pandas as pd

    def partial(batches):
        for batch in batches:
            bits = batch["rating"].to_numpy(dtype=np.float32).view(np.uint32).astype(np.uint64)
            key = splits.pair_key(batch["user"].to_numpy(), batch["item"].to_numpy())
            hashes = splits.splitmix64(splits.splitmix64(bits) ^ key)
            with np.errstate(over="ignore"):
                total = np.add.reduce(hashes, dtype=np.uint64)
            yield pd.DataFrame({"part": [int(total) - (1 << 64) if int(total) >= 1 << 63 else int(total)]})

    parts = ratings.select("user", "item", "rating").mapInPandas(partial, "part long").collect()
    return sum(p["part"] % (1 << 64) for p in parts) % (1 << 64)


def canonical_reader(spark, source):
    """u1..u5, ua, ub from GroupLens' files beside u.data, when they are there."""

    def read(name):
        base, test = formats._join(source.folder, f"{name}.base"), formats._join(source.folder, f"{name}.test")
        if source.release != "MovieLens 100K" or not (formats._exists(spark, base) and formats._exists(spark, test)):
            return None
        part = lambda path: formats.typed(formats._fixed_layout(spark, formats.Source(source.release, path, source.folder), "\t", header=False))
        return part(base), part(test)

    return read


def fit(args, train, rank, reg):
    from pyspark.ml.recommendation import ALS

    als = ALS(
        rank=rank, maxIter=args.iters, regParam=reg, userCol="user", itemCol="item", ratingCol="rating",
        implicitPrefs=args.implicit, alpha=args.alpha, coldStartStrategy="nan", seed=args.seed, nonnegative=False,
    )
    return als.fit(train)


def holdout_rmse(args, train, low, high):
    """Each grid candidate's RMSE on a seeded 10% holdout of the training part."""
    from pyspark.sql import functions as F

    placed = splits._positions(train, args.seed + 1)
    fit_part, held = placed.where(F.col("position") < 0.9).drop("position"), placed.where(F.col("position") >= 0.9).drop("position")
    fit_part, held = fit_part.cache(), held.cache()
    mean = fit_part.agg(F.avg("rating")).first()[0]
    results = []
    for rank in [int(r) for r in args.grid_ranks.split(",")]:
        for reg in [float(r) for r in args.grid_regs.split(",")]:
            model = fit(args, fit_part, rank, reg)
            rmse, _, _ = metrics.errors(metrics.with_fallback(model.transform(held), model, mean), low, high)
            stage(f"grid: rank {rank}, λ {reg}: holdout RMSE {rmse:.4f}")
            print(json.dumps({"grid": {"rank": rank, "reg": reg, "holdout_rmse": round(rmse, 4)}}), flush=True)
            results.append((rmse, rank, reg))
    return min(results)


def run(args):
    from pyspark.sql import functions as F

    spark = session(args)
    source = formats.locate(spark, args.data)
    stage(f"reading {source.ratings} ({source.release})")
    ratings, implicit_data = formats.read_ratings(spark, source)
    ratings = ratings.cache()
    n_ratings = ratings.count()
    if n_ratings == 0:
        raise formats.DataError(f"{source.ratings}: the file holds no ratings")
    low, high, step = metrics.scale_of(ratings)
    implicit = args.implicit or implicit_data
    split_name = args.split or ("u1" if source.release == "MovieLens 100K" else f"random:0.8:{args.seed}")
    stage(f"splitting ({split_name})")
    train, test = splits.split(spark, ratings, split_name, source.folder, canonical_reader(spark, source))
    train, test = train.cache(), test.cache()
    n_train, n_test = train.count(), test.count()
    rank, reg = args.rank, args.reg
    if args.grid:
        stage("grid search on a holdout of the training part")
        _, rank, reg = holdout_rmse(args, train, low, high)
        stage(f"grid: best rank {rank}, λ {reg}")
    stage(f"fitting ALS: rank {rank}, λ {reg}, {args.iters} iterations on {n_train} ratings")
    clock = time.time()
    model = fit(args, train, rank, reg)
    fit_s = time.time() - clock
    mean = float(train.agg(F.avg("rating")).first()[0])
    stage(f"fitted in {fit_s:.1f} s; scoring {n_test} test ratings")
    result = {}
    if not implicit:
        rmse, mae, _ = metrics.errors(metrics.with_fallback(model.transform(test), model, mean), low, high)
        result.update(rmse=rmse, mae=mae)
    else:
        result.update(rmse=None, mae=None)
    items = ratings.select("item").distinct()
    catalogue = formats.catalogue_items(spark, source)
    if catalogue is not None:
        items = items.union(catalogue).distinct()
    item_ids = np.sort(np.array([r["item"] for r in items.collect()], dtype=np.int64))
    factors = {r["id"]: r["features"] for r in model.itemFactors.collect()}
    item_factors = np.zeros((len(item_ids), rank), dtype=np.float32)
    item_fallback = np.full(len(item_ids), mean, dtype=np.float32)
    for k, item in enumerate(item_ids):
        if item in factors:
            item_factors[k] = factors[item]
            item_fallback[k] = 0.0
    stage("ranking: top 10 for every person over the films they did not rate")
    threshold = metrics.relevant_at(low, high, step, implicit)
    result.update(metrics.ranking(spark, train, test, model.userFactors, item_ids, item_factors, item_fallback, mean, threshold))
    users = sorted((r["id"], r["features"]) for r in model.userFactors.collect())
    n_users = ratings.select("user").distinct().count()
    settings = {
        "rank": rank, "reg": reg, "iters": args.iters, "implicit": implicit, "alpha": args.alpha, "seed": args.seed,
        "fit_s": round(fit_s, 3), "master": args.master,
    }
    dataset = {"name": source.release, "users": n_users, "items": len(item_ids), "ratings": n_ratings, "fingerprint": f"{digest(ratings):016x}"}
    counts = {r["item"]: r["count"] for r in ratings.groupBy("item").count().collect()}
    item_counts = np.array([counts.get(int(item), 0) for item in item_ids], dtype=np.int64)
    bundle.write(
        args.out, item_ids, item_factors, item_counts, np.array([u for u, _ in users]), np.array([f for _, f in users], dtype=np.float32).reshape(len(users), rank),
        model="spark-als", label="Spark MLlib ALS", settings=settings, metrics=result, split=split_name, dataset=dataset,
    )
    stage(f"wrote {args.out}")
    summary = {
        **{k: result.get(k) for k in ["rmse", "mae", "p10", "r10", "ndcg10", "hr10"]},
        "ranked_users": result.get("ranked_users"), "fit_s": round(fit_s, 3), "n_train": n_train, "n_test": n_test,
        "rank": rank, "reg": reg, "iters": args.iters, "implicit": implicit, "alpha": args.alpha, "split": split_name,
        "master": args.master, "dataset": dataset, "out": args.out,
    }
    spark.stop()
    return summary


def main(argv=None):
    args = arguments(argv if argv is not None else sys.argv[1:])
    try:
        summary = run(args)
    except (formats.DataError, splits.SplitError) as e:
        print(f"spark-als: {e}", file=sys.stderr)
        return 2
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
