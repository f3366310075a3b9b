"""The factory DAGs end to end with ``dag.test()``: per-store retraining, then scoring with the champion."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest

from yotml_airflow.datasets import make_ecommerce

pytestmark = pytest.mark.slow

DAY = "2026-11-26"

FACTORY_DAGS = textwrap.dedent(
    """
    from datetime import timedelta
    from sklearn.linear_model import LogisticRegression
    from yotml_airflow.dag_factories import batch_scoring_dag, retraining_dag
    from yotml_airflow.models import DataCleaner, ModelPipeline, OrdinalEncoder, SklearnModel

    ROOT = {root!r}
    FEATURES = ["orders_count", "total_spend", "days_since_last_order", "returns_rate", "sessions_30d", "channel"]
    model = ModelPipeline([
        DataCleaner(exclude=["store_id", "customer_id", "churned", "snapshot_date", "signup_date"]),
        OrdinalEncoder(columns=["channel"]),
        SklearnModel(LogisticRegression(max_iter=500), features=FEATURES, target="churned"),
    ])
    retraining = retraining_dag(
        dag_id="factory_retraining", train_data=ROOT + "/train/ds={{{{ ds }}}}",
        holdout_data=ROOT + "/holdout/ds={{{{ ds }}}}", model=model, register_name="churn_f", target="churned",
        segment_col="store_id", min_rows=20, poke_interval=timedelta(seconds=1),
    )
    scoring = batch_scoring_dag(
        dag_id="factory_scoring", input_data=ROOT + "/score/ds={{{{ ds }}}}",
        output_path=ROOT + "/predictions/ds={{{{ ds }}}}", model_name="churn_f", keep_columns=["customer_id"],
        report_path=ROOT + "/report.html", poke_interval=timedelta(seconds=1),
    )
    """
)


def _write(root: Path, name: str, frame: pd.DataFrame) -> None:
    folder = root / name / f"ds={DAY}"
    folder.mkdir(parents=True)
    frame.to_parquet(folder / "part-0.parquet", index=False)


def test_retraining_then_scoring(dag_runner, tmp_path: Path) -> None:
    _write(tmp_path, "train", make_ecommerce(n_stores=3, customers_per_store=150, seed=5))
    _write(tmp_path, "holdout", make_ecommerce(n_stores=3, customers_per_store=60, seed=5, day=1))
    today = make_ecommerce(n_stores=3, customers_per_store=100, seed=5, day=2, drift=1.0)
    _write(tmp_path, "score", today.drop(columns=["churned"]))
    env = {
        "YOTML_HOME": str(tmp_path),
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "MLFLOW_REGISTRY_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "YOTML_ARTIFACT_ROOT": str(tmp_path / "artifacts"),
    }
    source = FACTORY_DAGS.format(root=str(tmp_path))

    retraining = dag_runner(source, "factory_retraining", DAY, **env)
    assert retraining["tasks"] == {
        "wait_for_data": "success",
        "fit": "success",
        "fit_monitor": "success",
        "promote": "success",
    }, retraining["log"][-4000:]
    fit, promote = retraining["xcom"]["fit"], retraining["xcom"]["promote"]
    assert fit["name"] == "churn_f" and fit["segments_fitted"] == 3
    assert promote["promoted"] and promote["followers"] == {"churn_f-monitor": 1}

    scoring = dag_runner(source, "factory_scoring", DAY, **env)
    assert scoring["tasks"] == {
        "wait_for_data": "success",
        "score": "success",
        "monitor": "success",
        "notify": "success",
    }, scoring["log"][-4000:]
    predictions = pd.read_parquet(tmp_path / "predictions" / f"ds={DAY}")
    assert len(predictions) == len(today) and {"customer_id", "proba_1"} <= set(predictions.columns)
    summary = scoring["xcom"]["notify"]
    assert summary["rows_scored"] == len(today)
    assert summary["n_alerts"] > 0 and {a["feature"] for a in summary["alerts"]} - {"customer_id", "churned"}
    assert (tmp_path / "report.html").is_file()
