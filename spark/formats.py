"""The data sets the page reads, read by Spark with the same rules (core/src/data/formats/):
ML-100K (`u.data`, tab-separated), ML-1M / ML-10M (`ratings.dat`, `::`), the CSV releases
(`ratings.csv` with a header) and a person's own ratings file (CSV, TSV, `;`, `|` or `::`, with
or without a header, columns found by name or position, ids any strings: numbers stay numbers,
other ids are numbered from 1 in sorted order; no rating column means implicit data, one
positive per pair).

A zip (the releases as GroupLens ships them) is unpacked on the driver first; a folder or file
may be on any path Spark reads (hdfs://, s3a://...).
"""

import os
import re
import tempfile
import zipfile
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

USER_NAMES = ["user", "userid", "user_id", "uid", "username"]
ITEM_NAMES = ["item", "itemid", "item_id", "movieid", "movie_id", "movie", "film", "product", "iid"]
RATING_NAMES = ["rating", "score", "stars", "value", "rate"]
TIME_NAMES = ["timestamp", "ts", "time", "date", "datetime", "when"]
TITLE_NAMES = ["title", "name", "label"]
OWN_EXTENSIONS = ("csv", "tsv", "dat", "txt")
RATINGS_HEADER = "userId,movieId,rating,timestamp"


class DataError(Exception):
    """A data set that cannot be read, said in words."""


@dataclass
class Source:
    """Where the ratings are and how they are laid out."""

    release: str  # "MovieLens 100K", "MovieLens 1M", "MovieLens 10M", "MovieLens (CSV release)", "your own ratings"
    ratings: str  # the ratings file's path
    folder: str  # its folder (the canonical split files of ML-100K sit there)


def _join(folder, name):
    return folder.rstrip("/") + "/" + name


def _exists(spark: SparkSession, path: str) -> bool:
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    return hpath.getFileSystem(conf).exists(hpath)


def _is_dir(spark: SparkSession, path: str) -> bool:
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(conf)
    return fs.exists(hpath) and fs.getFileStatus(hpath).isDirectory()


def _unzip(path: str) -> str:
    """Unpacks a local zip into a temporary folder; returns the folder holding the ratings."""
    if not zipfile.is_zipfile(path):
        raise DataError(f"{os.path.basename(path)} is not a zip file")
    target = tempfile.mkdtemp(prefix="filmspace-")
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            # Never write outside the target (a hostile zip may name ../ paths).
            if member.startswith("/") or ".." in member.split("/"):
                raise DataError(f"{os.path.basename(path)} holds an unsafe path: {member}")
        archive.extractall(target)
    for root, _, files in os.walk(target):
        if {"u.data", "ratings.dat", "ratings.csv"} & set(files):
            return root
    raise DataError(f"{os.path.basename(path)} holds no MovieLens ratings file (u.data, ratings.dat or ratings.csv)")


def locate(spark: SparkSession, path: str) -> Source:
    """Finds the ratings in a folder, zip or file, as the page does."""
    local = "://" not in path or path.startswith("file://")
    if local and not os.path.exists(path.replace("file://", "")):
        raise DataError(f"cannot read {path}: no such file or folder")
    if local and path.lower().endswith(".zip"):
        path = _unzip(path)
    if _is_dir(spark, path):
        if _exists(spark, _join(path, "u.data")):
            return Source("MovieLens 100K", _join(path, "u.data"), path)
        if _exists(spark, _join(path, "ratings.dat")):
            return Source(_dat_release(spark, path), _join(path, "ratings.dat"), path)
        csv = _join(path, "ratings.csv")
        if _exists(spark, csv) and _first_line(spark, csv).startswith(RATINGS_HEADER):
            return Source("MovieLens (CSV release)", csv, path)
        return Source("your own ratings", _own_in_folder(spark, path), path)
    if not _exists(spark, path):
        raise DataError(f"cannot read {path}: no such file")
    folder = path.rsplit("/", 1)[0] if "/" in path else "."
    name = path.rsplit("/", 1)[-1]
    if name == "u.data":
        return Source("MovieLens 100K", path, folder)
    if name == "ratings.dat":
        return Source(_dat_release(spark, folder), path, folder)
    if name == "ratings.csv" and _first_line(spark, path).startswith(RATINGS_HEADER):
        return Source("MovieLens (CSV release)", path, folder)
    return Source("your own ratings", path, folder)


def _listing(spark, folder):
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    hpath = jvm.org.apache.hadoop.fs.Path(folder)
    statuses = hpath.getFileSystem(conf).listStatus(hpath)
    return sorted(s.getPath().getName() for s in statuses if s.isFile())


def _first_line(spark, path):
    first = spark.sparkContext.textFile(path, use_unicode=False).first() if _exists(spark, path) else b""
    return first.decode("latin-1")


def _is_items_table(spark, path):
    """An own items file: its header names a title and no user (core: own::is_items_table)."""
    first = _first_line(spark, path)
    cells = first.split(_separator_of(first))
    return any(_is_named(c, TITLE_NAMES) for c in cells) and not any(_is_named(c, USER_NAMES) for c in cells)


def _own_in_folder(spark, folder):
    """The ratings file among a folder's own files: the only one, or the one of two that is not
    an items table."""
    names = [n for n in _listing(spark, folder) if "." in n.strip(".") and n.rsplit(".", 1)[1].lower() in OWN_EXTENSIONS]
    if len(names) == 1:
        return _join(folder, names[0])
    if len(names) == 2:
        a, b = (_join(folder, n) for n in names)
        if _is_items_table(spark, b):
            return a
        if _is_items_table(spark, a):
            return b
    if not names:
        raise DataError(f"{folder} holds no ratings file: expected MovieLens (u.data, ratings.dat or ratings.csv) or a .csv, .tsv, .dat or .txt file of ratings")
    raise DataError(f"{folder} holds {len(names)} files ({', '.join(names)}); expected one ratings file, and at most one items file whose header names a title")


def _dat_release(spark, folder):
    """ML-1M ships users.dat; ML-10M does not."""
    return "MovieLens 1M" if _exists(spark, _join(folder, "users.dat")) else "MovieLens 10M"


def _numbered(spark: SparkSession, path: str) -> DataFrame:
    """The file's lines with their 1-based line numbers, in file order."""
    lines = spark.sparkContext.textFile(path, use_unicode=False).zipWithIndex()
    return lines.map(lambda p: (p[0].decode("latin-1"), p[1] + 1)).toDF(["value", "line"])


def _fixed_layout(spark, source: Source, separator: str, header: bool) -> DataFrame:
    lines = _numbered(spark, source.ratings)
    if header:
        lines = lines.where(F.col("line") > 1)
    lines = lines.where(F.trim("value") != "")
    cells = F.split(F.col("value"), re.escape(separator))
    frame = lines.select(
        F.trim(cells.getItem(0)).try_cast("long").alias("user"),
        F.trim(cells.getItem(1)).try_cast("long").alias("item"),
        F.trim(cells.getItem(2)).try_cast("float").alias("rating"),
        F.coalesce(seconds(cells.getItem(3)), F.lit(0)).alias("ts"),
        "line",
        F.col("value"),
    )
    bad = frame.where(F.col("user").isNull() | F.col("item").isNull() | F.col("rating").isNull()).select("line", "value").first()
    if bad is not None:
        raise DataError(f"{source.ratings.rsplit('/', 1)[-1]}, line {bad['line']}: cannot read \"{bad['value'][:80]}\" as user, item, rating")
    return frame.drop("value")


def seconds(cell):
    """Seconds since 1970 from a number or an ISO date (and time), in UTC, as the page reads a
    timestamp column; null when it is neither."""
    text = F.trim(cell)
    return F.coalesce(
        text.try_cast("long"),
        text.try_cast("double").try_cast("long"),
        F.unix_timestamp(F.try_to_timestamp(F.regexp_replace(text, "Z$", ""))),
    )


def _separator_of(first: str) -> str:
    for separator in ["::", "\t", ";", "|", ","]:
        if separator in first:
            return separator
    return ","


def _is_named(cell: str, names) -> bool:
    return cell.strip().strip('"').lower().replace(" ", "_") in names


def _own_columns(first_cells):
    """(user, item, rating or None, time or None, header) as the page finds them."""
    find = lambda names: next((k for k, c in enumerate(first_cells) if _is_named(c, names)), None)
    user, item = find(USER_NAMES), find(ITEM_NAMES)
    if user is not None and item is not None:
        return user, item, find(RATING_NAMES), find(TIME_NAMES), True
    width = len(first_cells)
    if width < 2:
        raise DataError("found one column: a ratings file needs at least a user and an item")
    return 0, 1, (2 if width > 2 else None), (3 if width > 3 else None), False


def _numbered_ids(frame: DataFrame, column: str) -> DataFrame:
    """Ids kept when every id is a number, else numbered from 1 in sorted (byte) order."""
    as_number = F.col(column).try_cast("long")
    numeric = frame.where(as_number.isNull() | (as_number < 0) | (as_number > 4294967295)).limit(1).count() == 0
    if numeric:
        return frame.withColumn(column, as_number)
    ranks = frame.select(column).distinct().withColumn("_rank", F.dense_rank().over(Window.orderBy(F.col(column).cast("binary"))))
    return frame.join(ranks, column).drop(column).withColumnRenamed("_rank", column)


def _own_layout(spark, source: Source) -> DataFrame:
    lines = _numbered(spark, source.ratings).where(F.trim("value") != "")
    first = lines.orderBy("line").first()
    if first is None:
        raise DataError(f"{source.ratings.rsplit('/', 1)[-1]}: the file holds no ratings")
    separator = _separator_of(first["value"])
    user, item, rating, time, header = _own_columns(first["value"].split(separator))
    if header:
        lines = lines.where(F.col("line") > first["line"])
    cells = F.split(F.col("value"), re.escape(separator))
    cell = lambda k: F.trim(F.regexp_replace(cells.getItem(k), '"', ""))
    frame = lines.select(
        cell(user).alias("user"),
        cell(item).alias("item"),
        (cell(rating).try_cast("float") if rating is not None else F.lit(1.0).cast("float")).alias("rating"),
        (F.coalesce(seconds(cell(time)), F.lit(0)) if time is not None else F.lit(0).cast("long")).alias("ts"),
        "line",
    )
    if rating is not None:
        bad = frame.where(F.col("rating").isNull() | F.isnan("rating")).select("line").first()
        if bad is not None:
            raise DataError(f"{source.ratings.rsplit('/', 1)[-1]}, line {bad['line']}: the rating is not a number")
    frame = _numbered_ids(_numbered_ids(frame, "user"), "item")
    if rating is None:
        # A log may name a pair many times; once is a positive (the first line).
        first_line = Window.partitionBy("user", "item").orderBy("line")
        frame = frame.withColumn("_k", F.row_number().over(first_line)).where("_k = 1").drop("_k")
    return frame, rating is None


def read_ratings(spark: SparkSession, source: Source):
    """(user, item (the data set's own ids), rating, ts, line (file order)), and whether the
    data is implicit (an own file without a rating column)."""
    implicit = False
    if source.release == "MovieLens 100K":
        frame = _fixed_layout(spark, source, "\t", header=False)
    elif source.release in ("MovieLens 1M", "MovieLens 10M"):
        frame = _fixed_layout(spark, source, "::", header=False)
    elif source.release == "MovieLens (CSV release)":
        frame = _fixed_layout(spark, source, ",", header=True)
    else:
        frame, implicit = _own_layout(spark, source)
    return typed(frame), implicit


def typed(frame: DataFrame) -> DataFrame:
    """The ratings' columns with the types every later step expects."""
    return frame.select(
        F.col("user").cast("int"), F.col("item").cast("int"), F.col("rating").cast("float"), F.col("ts").cast("long"), F.col("line").cast("long")
    )


def catalogue_items(spark: SparkSession, source: Source) -> DataFrame:
    """Item ids the release's film list names beside the rated ones (ML-100K's `u.item` lists
    every film; the page counts them all as candidates)."""
    if source.release != "MovieLens 100K":
        return None
    path = _join(source.folder, "u.item")
    if not _exists(spark, path):
        return None
    lines = spark.sparkContext.textFile(path, use_unicode=False).map(lambda b: b.decode("latin-1"))
    ids = lines.filter(lambda l: l.strip()).map(lambda l: (int(l.split("|", 1)[0]),))
    return ids.toDF(["item"]).select(F.col("item").cast("int"))
