"""Shared set-up for the Spark job's tests: the page's own figures (written by the core's
`spark_fixtures` example) and one local Spark session."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "spark"))
FIXTURES = ROOT / "target" / "spark-fixtures"
ML100K = ROOT / "public" / "data" / "ml-100k"


@pytest.fixture(scope="session")
def fixtures():
    """The page's counts, digests, split pairs and ALS figures, fresh from the core."""
    subprocess.run(
        ["cargo", "run", "-q", "-p", "filmspace-core", "--example", "spark_fixtures", "--", str(FIXTURES)],
        cwd=ROOT, check=True,
    )
    return FIXTURES


def expected(fixtures, name):
    return json.loads((fixtures / name / "expected.json").read_text())


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable  # workers need this venv's pandas and pyarrow
    session = (
        SparkSession.builder.master("local[2]").appName("filmspace-tests")
        .config("spark.sql.shuffle.partitions", "4").config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC").getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    import als

    als.ship_modules(session)
    yield session
    session.stop()


def run_job(*args, env=None):
    """Runs spark/als.py as scripts/spark-als does; returns (exit code, last JSON line or None, stderr)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "spark" / "als.py"), *map(str, args)],
        capture_output=True, text=True, env={**os.environ, "PYSPARK_PYTHON": sys.executable, **(env or {})},
    )
    lines = [l for l in done.stdout.splitlines() if l.startswith("{")]
    last = json.loads(lines[-1]) if lines and done.returncode == 0 else None
    return done.returncode, last, done.stderr, lines
