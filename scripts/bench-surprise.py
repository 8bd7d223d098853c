"""Surprise's tuned SVD on u1, timed: the reference that scripts/bench compares the page with.

Usage: python scripts/bench-surprise.py DATA_DIR [REPEAT]
Fits SVD(n_factors=200, n_epochs=100, lr_all=0.005, reg_all=0.1) on DATA_DIR/u1.base (fit time
only: loading and building the trainset are not counted), scores DATA_DIR/u1.test with Surprise's
own clipped predictions, and prints one line `BENCH_JSON {...}`.
"""

import json
import os
import sys
import time

from surprise import SVD, Dataset, Reader, accuracy


def main() -> None:
    data_dir = sys.argv[1]
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    reader = Reader(line_format="user item rating timestamp", sep="\t", rating_scale=(1, 5))
    data = Dataset.load_from_folds(
        [(os.path.join(data_dir, "u1.base"), os.path.join(data_dir, "u1.test"))], reader
    )
    from surprise.model_selection import PredefinedKFold

    trainset, testset = next(PredefinedKFold().split(data))
    fits = []
    rmse = mae = None
    for run in range(repeat):
        algo = SVD(n_factors=200, n_epochs=100, lr_all=0.005, reg_all=0.1, random_state=run)
        start = time.perf_counter()
        algo.fit(trainset)
        fits.append(time.perf_counter() - start)
        predictions = algo.test(testset)
        run_rmse = accuracy.rmse(predictions, verbose=False)
        run_mae = accuracy.mae(predictions, verbose=False)
        if run == 0:  # random_state 0: the reference run (u1 RMSE 0.9227)
            rmse, mae = run_rmse, run_mae
        print(f"Surprise SVD fit {run + 1}/{repeat} (random_state {run}): {fits[-1]:.2f} s, "
              f"u1.test RMSE {run_rmse:.4f} MAE {run_mae:.4f}", flush=True)
    import surprise

    print("BENCH_JSON " + json.dumps({
        "version": surprise.__version__,
        "fit_s": sorted(fits)[len(fits) // 2],
        "fits_s": fits,
        "ratings": trainset.n_ratings,
        "test_rmse": rmse,
        "test_mae": mae,
    }))


if __name__ == "__main__":
    main()
