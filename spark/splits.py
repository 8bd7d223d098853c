"""The page's splits, picking the same pairs (core/src/split.rs):

- `u1`..`u5`, `ua`, `ub`: GroupLens' canonical files when the folder has them (ML-100K), else made
  from file order exactly as `mku.sh` does.
- `random80`, `random90` (or `random:0.8:SEED`, `random:0.9:SEED`): a pair goes to the test set
  when its position, SplitMix64 of SplitMix64(seed) xor (user << 32 | item) on the data set's own
  ids, top 53 bits over 2^53, is at or above the training share. No shuffle, no driver: any
  engine gets the same pairs from the same ids.
- `temporal` (or `temporal:0.2`): each person's last 20% of ratings by time (ties in file
  order), rounded, at least one for anyone with two or more.
"""

import re

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, StructField, StructType

MASK = np.uint64(0xFFFFFFFFFFFFFFFF)
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)


def splitmix64(x):
    """One SplitMix64 step from state x (numpy uint64 arrays; wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x + GOLDEN
        z = (z ^ (z >> np.uint64(30))) * MIX1
        z = (z ^ (z >> np.uint64(27))) * MIX2
        return z ^ (z >> np.uint64(31))


def pair_key(users, items):
    """Each pair packed as user << 32 | item (the data set's own ids), as the core packs it."""
    return (np.asarray(users).astype(np.uint64) << np.uint64(32)) | np.asarray(items).astype(np.uint64)


def pair_position(seed: int, users, items):
    """Where each (user, item) falls in [0, 1) for `seed` (core::split::pair_position)."""
    mixed = splitmix64(splitmix64(np.uint64(seed)) ^ pair_key(users, items))
    return (mixed >> np.uint64(11)).astype(np.float64) / float(1 << 53)


class SplitError(Exception):
    pass


def parse(name: str):
    """("fold", k) | ("ua"|"ub",) | ("random", train_share, seed) | ("temporal", fraction)."""
    if re.fullmatch(r"u[1-5]", name):
        return ("fold", int(name[1]))
    if name in ("ua", "ub"):
        return (name,)
    named = {"random80": 0.8, "random90": 0.9}
    if name in named:
        return ("random", named[name], 42)
    match = re.fullmatch(r"random:(0?\.\d+):(\d+)", name)
    if match:
        return ("random", float(match.group(1)), int(match.group(2)))
    match = re.fullmatch(r"temporal(?::(0?\.\d+))?", name)
    if match:
        return ("temporal", float(match.group(1) or 0.2))
    raise SplitError(f"unknown split {name!r}: u1..u5, ua, ub, random:0.8:SEED, random:0.9:SEED or temporal:0.2")


def _positions(frame: DataFrame, seed: int) -> DataFrame:
    def add(batches):
        for batch in batches:
            batch["position"] = pair_position(seed, batch["user"].to_numpy(), batch["item"].to_numpy())
            yield batch

    # A new schema: StructType.add would change the frame's own in place.
    schema = StructType(frame.schema.fields + [StructField("position", DoubleType())])
    return frame.mapInPandas(add, schema)


def _by_file_order(ratings: DataFrame, kind, count: int):
    """u1..u5 from line numbers; ua/ub from per-user rank in file order."""
    if kind[0] == "fold":
        fold = count // 5
        first, last = (kind[1] - 1) * fold + 1, kind[1] * fold
        in_test = F.col("_order").between(first, last)
        ordered = ratings.withColumn("_order", F.row_number().over(Window.orderBy("line")))
    else:
        first, last = (1, 10) if kind[0] == "ua" else (11, 20)
        ordered = ratings.withColumn("_order", F.row_number().over(Window.partitionBy("user").orderBy("line")))
        in_test = F.col("_order").between(first, last)
    return ordered.where(~in_test).drop("_order"), ordered.where(in_test).drop("_order")


def split(spark, ratings: DataFrame, name: str, folder: str, read_pairs=None):
    """(train, test) DataFrames of `ratings` for the split `name`."""
    kind = parse(name)
    if kind[0] == "random":
        _, share, seed = kind
        placed = _positions(ratings, seed)
        return placed.where(F.col("position") < share).drop("position"), placed.where(F.col("position") >= share).drop("position")
    if kind[0] == "temporal":
        fraction = kind[1]
        per_user = Window.partitionBy("user")
        latest_first = Window.partitionBy("user").orderBy(F.col("ts").desc(), F.col("line").desc())
        n = F.count("*").over(per_user)
        held = F.when(n >= 2, F.least(F.greatest(F.round(n * fraction), F.lit(1)), n - 1)).otherwise(0)
        ranked = ratings.withColumn("_rank", F.row_number().over(latest_first)).withColumn("_held", held)
        in_test = F.col("_rank") <= F.col("_held")
        return ranked.where(~in_test).drop("_rank", "_held"), ranked.where(in_test).drop("_rank", "_held")
    if read_pairs is not None:
        canonical = read_pairs(name)
        if canonical is not None:
            return canonical
    return _by_file_order(ratings, kind, ratings.count())
