"""The Spark job against the page: the same ALS on ML-100K u1 scores within 0.003 RMSE of the
core's, on local mode and on a real standalone cluster (a master and two workers on 127.0.0.1,
started and stopped here), and its bundle loads with Python's safetensors."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open

from conftest import ML100K, expected, run_job

needs_ml100k = pytest.mark.skipif(not (ML100K / "u.data").exists(), reason="ML-100K is fetched by scripts/fetch-data")
SETTINGS = ["--split", "u1", "--rank", 50, "--reg", 0.12, "--iters", 15]


def check_bundle(path, items=1682):
    with safe_open(str(path), framework="numpy") as bundle:
        meta = bundle.metadata()
        assert meta["format"] == "filmspace-model" and meta["version"] == "1"
        item_factors, item_ids = bundle.get_tensor("item_factors"), bundle.get_tensor("item_ids")
        user_factors, user_ids = bundle.get_tensor("user_factors"), bundle.get_tensor("user_ids")
        counts = bundle.get_tensor("item_counts")
    # Each film's ratings in the whole data set (the page's popularity on a film list alone):
    # ML-100K's 100,000 ratings, 583 of them of Star Wars (id 50).
    assert counts.dtype == np.int64 and counts.shape == (items,)
    if items == 1682:
        assert counts.sum() == 100_000 and counts[item_ids == 50][0] == 583
    assert item_factors.dtype == np.float32 and item_ids.dtype == np.int64
    assert item_factors.shape == (items, 50) and item_ids.shape == (items,)
    assert user_factors.shape == (len(user_ids), 50)
    assert (np.diff(item_ids) > 0).all(), "film ids sorted"
    return meta


@needs_ml100k
def test_local_mode_matches_the_core_als(fixtures, tmp_path):
    want = expected(fixtures, "ml-100k-real")["als_u1"]
    # Left beside the fixtures: the browser tests open it in the page (tests/e2e/bundle.test.mjs).
    out = fixtures / "ml-100k-real" / "spark-als.safetensors"
    code, got, err, _ = run_job("--data", ML100K, *SETTINGS, "--out", out)
    assert code == 0, err
    page = want["metrics"]
    print(f"\nSpark local: {json.dumps(got)}\npage: {json.dumps(page)}")
    assert abs(got["rmse"] - page["rmse"]) < 0.003, (got["rmse"], page["rmse"])
    assert abs(got["mae"] - page["mae"]) < 0.003
    for metric in ["p10", "r10", "ndcg10", "hr10"]:
        assert abs(got[metric] - page[metric]) < 0.02, (metric, got[metric], page[metric])
    assert got["ranked_users"] == want["ranked_users"] == 456
    assert (got["n_train"], got["n_test"]) == (80_000, 20_000)
    assert (got["rank"], got["reg"], got["iters"], got["master"]) == (50, 0.12, 15, "local[*]")
    assert got["fit_s"] > 0
    meta = check_bundle(out)
    assert meta["model"] == "spark-als" and meta["split"] == "u1"
    assert json.loads(meta["dataset"])["fingerprint"] == expected(fixtures, "ml-100k-real")["fingerprint"]
    assert abs(json.loads(meta["metrics"])["rmse"] - got["rmse"]) < 1e-12


@needs_ml100k
def test_the_page_bundle_loads_in_python(fixtures):
    meta = check_bundle(fixtures / "ml-100k-real" / "page-als.safetensors")
    assert meta["model"] == "als"
    with safe_open(str(fixtures / "ml-100k-real" / "page-als.safetensors"), framework="numpy") as bundle:
        assert bundle.get_tensor("item_bias").shape == (1682,)
        assert bundle.get_tensor("global_mean").shape == (1,)


def test_clear_errors(tmp_path):
    code, _, err, _ = run_job("--data", tmp_path / "nowhere", "--out", tmp_path / "m.safetensors")
    assert code != 0 and "no such file or folder" in err
    code, _, err, _ = run_job("--data", tmp_path, "--master", "spark://127.0.0.1:9", "--out", tmp_path / "m.safetensors")
    assert code != 0 and "does not answer" in err, err
    code, _, err, _ = run_job("--data", ML100K, "--out", tmp_path / "m.safetensors", env={"JAVA_HOME": str(tmp_path)})
    assert code != 0 and "Java" in err, err


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(path: Path, text: str, count: int, timeout: float):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and path.read_text(errors="replace").count(text) >= count:
            return
        time.sleep(0.5)
    raise AssertionError(f"{text!r} did not appear {count} times in {path}: {path.read_text(errors='replace')[-2000:]}")


@pytest.fixture
def cluster(tmp_path):
    """A standalone master and two one-core workers on 127.0.0.1 (the pyspark wheel's own)."""
    import pyspark

    spark_class = Path(pyspark.__file__).parent / "bin" / "spark-class"
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable, "SPARK_WORKER_DIR": str(tmp_path / "work")}
    port = free_port()
    master_log = tmp_path / "master.log"
    processes = [
        subprocess.Popen([str(spark_class), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(free_port())],
                         stdout=master_log.open("w"), stderr=subprocess.STDOUT, env=env)
    ]
    try:
        wait_for(master_log, "I have been elected leader", 1, 60)
        for k in range(2):
            processes.append(subprocess.Popen(
                [str(spark_class), "org.apache.spark.deploy.worker.Worker", f"spark://127.0.0.1:{port}", "--cores", "1", "--memory", "1g",
                 "--webui-port", str(free_port())],
                stdout=(tmp_path / f"worker{k}.log").open("w"), stderr=subprocess.STDOUT, env=env))
        wait_for(master_log, "Registering worker", 2, 60)
        yield f"spark://127.0.0.1:{port}"
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


@needs_ml100k
def test_a_standalone_cluster_gets_the_same_model(fixtures, cluster, tmp_path):
    want = expected(fixtures, "ml-100k-real")["als_u1"]["metrics"]
    code, got, err, _ = run_job("--data", ML100K, *SETTINGS, "--master", cluster, "--driver-memory", "1g", "--out", tmp_path / "c.safetensors")
    assert code == 0, err
    print(f"\nSpark cluster: {json.dumps(got)}")
    assert got["master"] == cluster
    assert abs(got["rmse"] - want["rmse"]) < 0.003
    check_bundle(tmp_path / "c.safetensors")


def test_grid_search_picks_the_best_holdout_candidate(fixtures, tmp_path):
    code, got, err, lines = run_job(
        "--data", fixtures / "ml-1m" / "data", "--split", "random:0.8:42", "--grid", "--grid-ranks", "2,4", "--grid-regs", "0.05,0.5",
        "--iters", 4, "--out", tmp_path / "g.safetensors",
    )
    assert code == 0, err
    grid = [json.loads(l)["grid"] for l in lines if '"grid"' in l]
    assert len(grid) == 4 and all(g["holdout_rmse"] > 0 for g in grid)
    best = min(grid, key=lambda g: g["holdout_rmse"])
    assert (got["rank"], got["reg"]) == (best["rank"], best["reg"])
    assert got["n_train"] + got["n_test"] == expected(fixtures, "ml-1m")["ratings"]


def test_implicit_data_ranks_without_ratings(fixtures, tmp_path):
    code, got, err, _ = run_job(
        "--data", fixtures / "own-implicit" / "data", "--split", "temporal:0.2", "--rank", 8, "--iters", 5, "--alpha", 10,
        "--out", tmp_path / "i.safetensors",
    )
    assert code == 0, err
    assert got["implicit"] and got["rmse"] is None and got["mae"] is None
    assert 0 <= got["ndcg10"] <= 1 and got["ranked_users"] > 0
    with safe_open(str(tmp_path / "i.safetensors"), framework="numpy") as bundle:
        assert bundle.get_tensor("item_factors").shape == (expected(fixtures, "own-implicit")["items"], 8)
        assert json.loads(bundle.metadata()["settings"])["implicit"] is True
