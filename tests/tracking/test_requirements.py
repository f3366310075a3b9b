"""Pip requirements come from what loading needs: pickle references (also inside packed shards), not imports."""

from __future__ import annotations

import pickle
from importlib import metadata
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
from sklearn.tree import DecisionTreeClassifier

from yotml_airflow.tracking._requirements import pickled_modules, pip_requirements_for


def _names(requirements: list[str]) -> set[str]:
    return {r.split("==")[0] for r in requirements}


def test_plain_pickle_and_arrow_packed_pickles_are_both_read(tmp_path: Path) -> None:
    tree = DecisionTreeClassifier().fit(np.array([[0.0], [1.0]]), np.array([0, 1]))
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "model.pkl").write_bytes(pickle.dumps({"a": 1.5}))
    assert pickled_modules(plain) == set()
    reqs, unpackaged = pip_requirements_for(plain)
    assert _names(reqs) == {"cloudpickle", "numpy", "pandas", "pyarrow", "yotml-airflow"} and unpackaged == []

    packed = tmp_path / "packed"
    (packed / "shards").mkdir(parents=True)
    table = pa.table({"segment": ["s1", "s2"], "model": pa.array([pickle.dumps(tree, protocol=5)] * 2, pa.binary())})
    with ipc.new_file(str(packed / "shards" / "shard-0.arrow"), table.schema) as writer:
        writer.write_table(table)
    assert {"sklearn", "numpy"} <= pickled_modules(packed)
    reqs, _ = pip_requirements_for(packed)
    assert f"scikit-learn=={metadata.version('scikit-learn')}" in reqs
    assert f"scipy=={metadata.version('scipy')}" in reqs
    assert not any(r.startswith(("pytest", "mlflow", "pyspark")) for r in reqs)


def test_modules_outside_any_distribution_are_reported(tmp_path: Path) -> None:
    (tmp_path / "model.pkl").write_bytes(
        b"\x80\x04\x95\x1a\x00\x00\x00\x00\x00\x00\x00\x8c\x0bmy_notebook\x94\x8c\x01M\x94\x93\x94."
    )
    reqs, unpackaged = pip_requirements_for(tmp_path)
    assert unpackaged == ["my_notebook"]
    assert reqs[-1].startswith("yotml-airflow==")
