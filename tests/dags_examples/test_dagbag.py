"""Every example DAG imports without errors, the way Airflow's DAG processor loads it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="yotml-airflow-home-"))

EXAMPLES = Path(__file__).resolve().parents[2] / "dags_examples"
EXPECTED = {"churn_by_hand", "churn_retraining", "churn_scoring", "churn_retraining_yaml", "churn_scoring_yaml"}


def test_example_dags_load_without_import_errors(tmp_path: Path, monkeypatch) -> None:
    from airflow.models.dagbag import DagBag

    monkeypatch.setenv("YOTML_HOME", str(tmp_path))
    monkeypatch.syspath_prepend(str(EXAMPLES))
    bag = DagBag(dag_folder=str(EXAMPLES))
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == EXPECTED
    for dag_id in EXPECTED:
        assert bag.dags[dag_id].tasks, dag_id
    assert bag.dags["churn_retraining"].get_task("fit").segment_col == "store_id"
