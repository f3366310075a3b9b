"""The factories wire the operators in the documented order, with templated data locations."""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.linear_model import LogisticRegression

from yotml_airflow.dag_factories import batch_scoring_dag, retraining_dag
from yotml_airflow.errors import ConfigError
from yotml_airflow.models import DataCleaner, ModelPipeline, SklearnModel


def _edges(dag) -> set[tuple[str, str]]:
    return {(t.task_id, d) for t in dag.tasks for d in t.downstream_task_ids}


def test_retraining_dag_wires_fit_monitor_and_promotion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YOTML_HOME", str(tmp_path))
    model = ModelPipeline([DataCleaner(), SklearnModel(LogisticRegression(), target="churned")])
    dag = retraining_dag(
        dag_id="retrain",
        schedule="@weekly",
        train_data="/data/train/ds={{ ds }}",
        holdout_data="/data/holdout/ds={{ ds }}",
        model=model,
        register_name="churn",
        target="churned",
        segment_col="store_id",
        min_rows=20,
        fallback="global",
    )
    assert {t.task_id for t in dag.tasks} == {"wait_for_data", "fit", "fit_monitor", "promote"}
    assert _edges(dag) == {
        ("wait_for_data", "fit"),
        ("wait_for_data", "fit_monitor"),
        ("fit", "promote"),
        ("fit_monitor", "promote"),
    }
    fit = dag.get_task("fit")
    assert type(fit).__name__ == "SegmentedFitOperator"
    assert fit.input == "/data/train/ds={{ ds }}" and "input" in fit.template_fields
    saved = Path(fit.model_spec)
    assert (saved / "manifest.json").is_file() and saved.is_relative_to(tmp_path)
    promote = dag.get_task("promote")
    assert promote.followers == {"churn-monitor": "{{ ti.xcom_pull(task_ids='fit_monitor')['version'] }}"}
    again = retraining_dag(
        dag_id="retrain", train_data="x", holdout_data="y", model=model, register_name="churn", target="churned"
    )
    assert again.get_task("fit").model_spec == fit.model_spec, "re-parsing must reuse the saved model"


def test_retraining_dag_plain_fit_evaluates_holdout() -> None:
    dag = retraining_dag(
        dag_id="retrain_plain",
        train_data="/t",
        holdout_data="/h",
        model="yotml_airflow.models:SklearnModel",
        model_params={"estimator": {"spec": "sklearn.linear_model:LogisticRegression"}, "target": "y"},
        register_name="m",
        target="y",
        metric="accuracy",
        monitor=None,
    )
    fit = dag.get_task("fit")
    assert type(fit).__name__ == "FitModelOperator"
    assert fit.holdout == "/h" and fit.metrics == ["accuracy"] and fit.target == "y"
    assert {t.task_id for t in dag.tasks} == {"wait_for_data", "fit", "promote"}


def test_scoring_dag_scores_monitors_notifies_and_publishes() -> None:
    dag = batch_scoring_dag(
        dag_id="score",
        input_data="/in/ds={{ ds }}",
        output_path="/out/ds={{ ds }}",
        model_name="churn",
        kafka_topic="scores",
        kafka_bootstrap_servers="127.0.0.1:9092",
        kafka_key_column="customer_id",
    )
    assert _edges(dag) == {
        ("wait_for_data", "score"),
        ("score", "monitor"),
        ("monitor", "notify"),
        ("score", "publish"),
    }
    assert dag.get_task("score").model_uri == "models:/churn@champion"
    assert dag.get_task("monitor").reference == "models:/churn-monitor@champion"
    assert dag.get_task("notify").trigger_rule == "all_done"


def test_factory_arguments_are_checked() -> None:
    with pytest.raises(ConfigError, match="on_alert"):
        batch_scoring_dag(dag_id="s", input_data="i", output_path="o", model_name="m", on_alert="panic")
    with pytest.raises(ConfigError, match="kafka_bootstrap_servers"):
        batch_scoring_dag(dag_id="s", input_data="i", output_path="o", model_name="m", kafka_topic="t")
    with pytest.raises(ConfigError, match="segment_col"):
        retraining_dag(
            dag_id="r", train_data="t", holdout_data="h", model="a.b:C", register_name="m", target="y", min_rows=3
        )
    with pytest.raises(ConfigError, match="yotml Model"):
        retraining_dag(dag_id="r", train_data="t", holdout_data="h", model=42, register_name="m", target="y")
