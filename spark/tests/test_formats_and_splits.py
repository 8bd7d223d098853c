"""Both engines read every layout to the same counts and ratings, and split to the same pairs."""

import shutil

import pytest
from pyspark.sql import functions as F

import als
import formats
import splits
from conftest import ML100K, expected

LAYOUTS = ["ml-100k", "ml-1m", "ml-10m", "ml-csv", "own-csv", "own-implicit"]


def read(spark, path):
    source = formats.locate(spark, str(path))
    ratings, implicit = formats.read_ratings(spark, source)
    return source, ratings.cache(), implicit


def counts(spark, source, ratings):
    items = ratings.select("item").distinct()
    catalogue = formats.catalogue_items(spark, source)
    if catalogue is not None:
        items = items.union(catalogue).distinct()
    return ratings.select("user").distinct().count(), items.count(), ratings.count()


def pairs_of(frame):
    return sorted((r["user"], r["item"]) for r in frame.select("user", "item").collect())


def pairs_in(path):
    return sorted(tuple(map(int, line.split("\t"))) for line in path.read_text().splitlines())


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_layout_reads_and_splits_as_the_page_does(spark, fixtures, layout):
    want = expected(fixtures, layout)
    source, ratings, implicit = read(spark, fixtures / layout / "data")
    assert source.release == want["release"]
    assert counts(spark, source, ratings) == (want["users"], want["items"], want["ratings"])
    assert f"{als.digest(ratings):016x}" == want["fingerprint"]
    assert implicit == (layout == "own-implicit")
    for name, file in want["splits"].items():
        train, test = splits.split(spark, ratings, name, source.folder)
        assert train.count() + test.count() == want["ratings"]
        assert pairs_of(test) == pairs_in(fixtures / layout / file), f"{layout} {name}"


def test_a_zip_reads_like_its_folder(spark, fixtures, tmp_path):
    archive = shutil.make_archive(str(tmp_path / "ml-1m"), "zip", fixtures / "ml-1m" / "data")
    want = expected(fixtures, "ml-1m")
    source, ratings, _ = read(spark, archive)
    assert counts(spark, source, ratings) == (want["users"], want["items"], want["ratings"])


@pytest.mark.skipif(not (ML100K / "u.data").exists(), reason="ML-100K is fetched by scripts/fetch-data")
def test_the_real_ml100k_splits_match_the_page(spark, fixtures):
    want = expected(fixtures, "ml-100k-real")
    source, ratings, _ = read(spark, ML100K)
    assert counts(spark, source, ratings) == (943, 1682, 100_000)
    assert f"{als.digest(ratings):016x}" == want["fingerprint"]
    for name, file in want["splits"].items():
        _, test = splits.split(spark, ratings, name, source.folder)
        assert pairs_of(test) == pairs_in(fixtures / "ml-100k-real" / file), name
    # u1 from GroupLens' files and from file order are the same 20,000 pairs.
    canonical = als.canonical_reader(spark, source)("u1")
    _, by_order = splits.split(spark, ratings, "u1", source.folder)
    assert pairs_of(canonical[1]) == pairs_of(by_order)
    assert canonical[1].count() == 20_000


def test_bad_data_is_said_in_words(spark, tmp_path):
    broken = tmp_path / "ratings.csv"
    broken.write_text("userId,movieId,rating,timestamp\n1,2,4.0,5\n1,x,4.0,6\n")
    with pytest.raises(formats.DataError, match=r"ratings.csv, line 3"):
        read(spark, broken)
    with pytest.raises(formats.DataError, match="no such file"):
        formats.locate(spark, str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(formats.DataError, match="holds no ratings file: expected MovieLens"):
        formats.locate(spark, str(tmp_path / "empty"))
    with pytest.raises(splits.SplitError, match="unknown split"):
        splits.parse("random:eighty")
