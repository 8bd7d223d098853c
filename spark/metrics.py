"""The page's evaluation protocol (docs/EVALUATION.md), computed in Spark, never collected to the
driver: RMSE and MAE over every test pair, predictions clipped to the scale, the training mean
for a pair whose person or film has no factors (Spark's ALS leaves them NaN); P@10, R@10,
NDCG@10 (binary gain) and HR@10 over every film the person did not rate in training, ordered by
raw score with ties to the smaller film id, for people with at least one relevant test rating.
"""

import math

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

K = 10


def relevant_at(low: float, high: float, step: float, implicit: bool) -> float:
    """A test rating at or above this is relevant: 4 on MovieLens' scales, the top quarter of
    the range on others, every row of implicit data (core::data::RatingScale::relevant_at)."""
    if implicit:
        return low
    threshold = low + 0.75 * (high - low)
    if step > 0:
        return low + math.ceil((threshold - low) / step - 1e-4) * step
    return threshold


def scale_of(ratings: DataFrame):
    """(min, max, step) of the ratings: step 1 or 0.5 where every rating sits on it, else 0."""
    row = ratings.agg(
        F.min("rating").alias("low"),
        F.max("rating").alias("high"),
        F.max(F.abs(F.col("rating") - F.round("rating"))).alias("off_whole"),
        F.max(F.abs(F.col("rating") * 2 - F.round(F.col("rating") * 2))).alias("off_half"),
    ).first()
    step = 1.0 if row["off_whole"] < 1e-6 else 0.5 if row["off_half"] < 1e-6 else 0.0
    return float(row["low"]), float(row["high"]), step


def with_fallback(predictions: DataFrame, model, mean: float) -> DataFrame:
    """Spark leaves a pair NaN when its person or film has no factors; the page's Spark-style
    ALS (core/src/models/als.rs, no biases) predicts such a pair as the training mean for each
    side training never saw, in place of the dot product. The same here."""
    users = model.userFactors.select(F.col("id").alias("user"), F.lit(0.0).alias("_no_user"))
    items = model.itemFactors.select(F.col("id").alias("item"), F.lit(0.0).alias("_no_item"))
    joined = predictions.join(users, "user", "left").join(items, "item", "left")
    fallback = (F.coalesce("_no_user", F.lit(1.0)) + F.coalesce("_no_item", F.lit(1.0))) * F.lit(mean)
    return joined.withColumn("prediction", F.when(F.isnan("prediction") | F.col("prediction").isNull(), fallback).otherwise(F.col("prediction"))).drop(
        "_no_user", "_no_item"
    )


def errors(predictions: DataFrame, low: float, high: float):
    """RMSE, MAE over every test pair of `predictions` (columns rating, prediction, no NaN)."""
    clipped = F.least(F.greatest(F.col("prediction"), F.lit(low)), F.lit(high))
    row = predictions.select((clipped - F.col("rating")).alias("e")).agg(
        F.sqrt(F.avg(F.col("e") * F.col("e"))).alias("rmse"), F.avg(F.abs("e")).alias("mae"), F.count("*").alias("n")
    ).first()
    return float(row["rmse"]), float(row["mae"]), int(row["n"])


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best scores, best first, ties to the smaller index (item ids are sorted)."""
    k = min(k, len(scores))
    if k == 0:
        return np.empty(0, dtype=np.int64)
    cut = np.partition(scores, len(scores) - k)[len(scores) - k]
    above = np.flatnonzero(scores > cut)
    above = above[np.lexsort((above, -scores[above]))]
    level = np.flatnonzero(scores == cut)
    return np.concatenate([above, level[: k - len(above)]])


def _list_metrics(top, relevant):
    hits = np.isin(top, relevant)
    n_hits = int(hits.sum())
    discounts = 1.0 / np.log2(np.arange(2, K + 2))
    ideal = discounts[: min(K, len(relevant))].sum()
    return n_hits / K, n_hits / len(relevant), float((hits * discounts[: len(top)]).sum() / ideal), float(n_hits > 0)


def ranking(spark, train, test, user_factors, item_ids, item_factors, item_fallback, mean, threshold):
    """P@10, R@10, NDCG@10, HR@10 and the number of people averaged.

    The film factors (one row per film of the data set, zero where training had none, whose
    score is then the training mean: `item_fallback`) are broadcast; people are scored in
    parallel, each against every film they did not rate."""
    items = spark.sparkContext.broadcast((item_ids, item_factors, item_fallback))
    seen = train.groupBy("user").agg(F.collect_list("item").alias("seen"))
    liked = test.where(F.col("rating") >= threshold).groupBy("user").agg(F.collect_list("item").alias("liked"))
    people = liked.join(seen, "user", "left").join(user_factors.withColumnRenamed("id", "user"), "user", "left")
    rank = item_factors.shape[1]

    def score(batches):
        ids, factors, fallback = items.value
        for batch in batches:
            rows = []
            for user, liked_items, seen_items, vector in zip(batch["user"], batch["liked"], batch["seen"], batch["features"]):
                if vector is None:  # a person training never saw
                    scores = fallback + np.float32(mean)
                else:
                    scores = factors @ np.asarray(vector, dtype=np.float32) + fallback
                if seen_items is not None and len(seen_items):
                    scores[np.searchsorted(ids, np.asarray(seen_items))] = -np.inf
                top = ids[_top_k(scores, K)]
                rows.append((user, *_list_metrics(top, np.asarray(liked_items))))
            yield pd.DataFrame(rows, columns=["user", "p", "r", "ndcg", "hr"])

    per_user = people.mapInPandas(score, "user int, p double, r double, ndcg double, hr double")
    row = per_user.agg(F.avg("p"), F.avg("r"), F.avg("ndcg"), F.avg("hr"), F.count("*")).first()
    return {"p10": row[0], "r10": row[1], "ndcg10": row[2], "hr10": row[3], "ranked_users": row[4]}
