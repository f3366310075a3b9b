"""Benchmark: ``CompiledTrees`` vs scikit-learn's own ``predict`` for tree ensembles, one process.

Forests of three shapes (shallow, deep, many small trees) and a gradient boosting score the same rows both ways; the
results are checked bit for bit, and the CPU seconds of each are printed with the speed-up. Then
one record at a time (what ``yotml serve`` does): the latency of ``SklearnModel.predict_arrays``
against the estimator's ``predict`` + ``predict_proba``.

    uv run python benchmarks/compiled_trees.py [--rows 500000]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

import numpy as np

warnings.filterwarnings("ignore")


def _cpu_seconds(fn: Callable[[], object], repeats: int = 3) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def _latency_ms(fn: Callable[[], object], calls: int = 500) -> tuple[float, float]:
    fn()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), float(np.percentile(times, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    opts = parser.parse_args()

    import pandas as pd
    from sklearn.ensemble import (
        GradientBoostingClassifier,
        GradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )

    from yotml_airflow.models import SklearnModel
    from yotml_airflow.models._compiled_trees import compiled_trees

    rng = np.random.default_rng(0)
    shapes = {
        "20 trees, max_depth=12, 50k train rows": (RandomForestRegressor(20, max_depth=12, random_state=0), 50_000),
        "10 trees, unlimited depth, 200k train rows": (RandomForestRegressor(10, random_state=0), 200_000),
        "100 trees, unlimited depth, 5k train rows": (RandomForestRegressor(100, random_state=0), 5_000),
        "GradientBoosting(100 stages, depth 3)": (GradientBoostingRegressor(n_estimators=100, random_state=0), 50_000),
    }
    rows = rng.normal(size=(opts.rows, 10)).astype(np.float32)
    print(f"{opts.rows:,} rows x 10 features, one process")
    print(f"{'forest':<46}{'scikit-learn':>14}{'compiled':>10}{'speed-up':>10}  identical")
    for name, (forest, train_rows) in shapes.items():
        x = rng.normal(size=(train_rows, 10))
        forest.fit(x, x @ rng.normal(size=10) + np.sin(3 * x[:, 0]) + rng.normal(size=train_rows))
        compiled = compiled_trees(forest)
        same = bool(np.array_equal(compiled.predict(rows), forest.predict(rows)))
        sk, ours = _cpu_seconds(lambda f=forest: f.predict(rows)), _cpu_seconds(lambda c=compiled: c.predict(rows))
        print(f"{name:<46}{sk:>12.3f} s{ours:>8.3f} s{sk / ours:>9.2f}x  {same}")

    x = rng.normal(size=(5_000, 10))
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(10)]).assign(target=(x[:, 0] > 0).astype(int))
    one = x[:1]
    print("one record, prediction + probabilities:")
    for name, classifier in {
        "RandomForestClassifier(50)": RandomForestClassifier(50, random_state=0),
        "GradientBoostingClassifier(100)": GradientBoostingClassifier(n_estimators=100, random_state=0),
    }.items():
        model = SklearnModel(classifier, target="target").fit(frame)
        estimator = model.estimator_
        sk_p50, sk_p99 = _latency_ms(lambda e=estimator: (e.predict(one), e.predict_proba(one)))
        ours_p50, ours_p99 = _latency_ms(lambda m=model: m.predict_arrays(one))
        print(f"  {name}: scikit-learn predict + predict_proba p50 {sk_p50:.3f} ms, p99 {sk_p99:.3f} ms;")
        print(f"  {' ' * len(name)}  SklearnModel.predict_arrays      p50 {ours_p50:.3f} ms, p99 {ours_p99:.3f} ms")


if __name__ == "__main__":
    main()
