"""``import yotml_airflow.models`` is light: no Spark, Airflow or MLflow, and within the 0.5 s budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys, time
wall, cpu = time.perf_counter(), time.process_time()
import yotml_airflow.models
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("pyspark", "airflow", "mlflow", "sklearn", "scipy"))
print(json.dumps({"wall": wall, "cpu": cpu, "heavy": heavy}))
"""


def _import_once() -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_import_models_is_light_and_fast() -> None:
    runs = [_import_once() for _ in range(3)]
    assert runs[0]["heavy"] == [], f"importing yotml_airflow.models pulled in {runs[0]['heavy']}"
    best_cpu = min(float(r["cpu"]) for r in runs)  # type: ignore[arg-type]
    best_wall = min(float(r["wall"]) for r in runs)  # type: ignore[arg-type]
    # The budget is checked on CPU time, best of 3: on a shared 2-core machine the wall time also
    # counts the neighbours' work (it measured 0.3 s idle and 1.8 s at load 15 for the same import).
    assert best_cpu < 0.5, f"import took {best_cpu:.2f} s CPU ({best_wall:.2f} s wall); budget 0.5 s"
