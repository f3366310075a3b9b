"""YAML DAGs: validated configs, errors that name file and field, bad files never block good ones."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from yotml_airflow.dag_factories import YamlDagWarning, dags_from_yaml, load_dag_configs
from yotml_airflow.errors import ConfigError

GOOD = """
kind: retraining
dag_id: churn_yaml
schedule: "@weekly"
train_data: /data/train/ds={{ ds }}
holdout_data: /data/holdout/ds={{ ds }}
model:
  spec: yotml_airflow.models:SklearnModel
  params: {estimator: {spec: "sklearn.linear_model:LogisticRegression"}, target: churned}
register_name: churn
target: churned
segment_col: store_id
---
"""

SCORING = """
dags:
  - kind: batch_scoring
    dag_id: churn_scoring_yaml
    input_data: /data/score/ds={{ ds }}
    output_path: /data/predictions/ds={{ ds }}
    model_name: churn
    on_alert: fail
"""


def test_valid_files_build_the_same_dags_as_the_factory(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD.replace("---\n", ""))
    (tmp_path / "b.yaml").write_text(SCORING)
    namespace: dict = {}
    dags = dags_from_yaml(str(tmp_path / "*.yaml"), namespace)
    assert set(dags) == {"churn_yaml", "churn_scoring_yaml"}
    assert namespace["churn_yaml"] is dags["churn_yaml"]
    fit = dags["churn_yaml"].get_task("fit")
    assert type(fit).__name__ == "SegmentedFitOperator" and fit.segment_col == "store_id"
    assert dags["churn_scoring_yaml"].get_task("monitor").on_alert == "fail"


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        (("register_name: churn", "register_name: 'bad name!'"), "register_name", "pattern"),
        (("register_name: churn\n", "register_name: churn\nmetric: f1\n"), "metric", "'auc'"),
        (("schedule:", "shedule:"), "shedule", "Extra inputs are not permitted"),
        (("model:\n  spec:", "model:\n  spek:"), "model.spek", "Extra inputs"),
    ],
)
def test_bad_file_names_file_field_and_expectation(tmp_path: Path, change, field, expected) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("---\n", "").replace(*change))
    with pytest.raises(ConfigError) as info:
        load_dag_configs(bad)
    message = str(info.value)
    assert str(bad) in message and f"field '{field}'" in message and expected in message


def test_missing_kind_and_broken_yaml(tmp_path: Path) -> None:
    (tmp_path / "nokind.yaml").write_text("dag_id: x\n")
    with pytest.raises(ConfigError, match="field 'kind' is required"):
        load_dag_configs(tmp_path / "nokind.yaml")
    (tmp_path / "broken.yaml").write_text("kind: [retraining\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_dag_configs(tmp_path / "broken.yaml")


def test_bad_file_does_not_stop_good_ones(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(SCORING)
    (tmp_path / "zbad.yaml").write_text(GOOD.replace("---\n", "").replace("\ntarget: churned\n", "\n"))
    namespace: dict = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dags = dags_from_yaml(tmp_path / "*.yaml", namespace)
    assert set(dags) == {"churn_scoring_yaml"} and "churn_scoring_yaml" in namespace
    messages = [str(w.message) for w in caught if issubclass(w.category, YamlDagWarning)]
    assert len(messages) == 1 and "zbad.yaml" in messages[0] and "field 'target'" in messages[0]
    with pytest.raises(ConfigError, match=r"zbad\.yaml"):
        dags_from_yaml(tmp_path / "*.yaml", {}, on_error="raise")
    with pytest.raises(ConfigError, match="no YAML files"):
        dags_from_yaml(tmp_path / "none*.yaml", {})


def test_airflow_shows_a_bad_yaml_file_and_loads_the_good_one(tmp_path: Path) -> None:
    from airflow.models.dagbag import DagBag

    (tmp_path / "good.yaml").write_text(SCORING)
    (tmp_path / "bad.yaml").write_text(
        SCORING.replace("churn_scoring_yaml", "other").replace("on_alert: fail", "on_alert: x")
    )
    (tmp_path / "yaml_dags.py").write_text(
        "from pathlib import Path\nfrom yotml_airflow.dag_factories import dags_from_yaml\n"
        "dags_from_yaml(str(Path(__file__).parent / '*.yaml'), globals())  # airflow DAG loader\n"
    )
    bag = DagBag(dag_folder=str(tmp_path))
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {"churn_scoring_yaml"}
    warned = " ".join(" ".join(w) for w in bag.captured_warnings.values())
    assert "bad.yaml" in warned and "field 'on_alert'" in warned
