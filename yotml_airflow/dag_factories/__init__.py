"""``yotml_airflow.dag_factories``: whole pipelines from a few arguments or a YAML file.

``retraining_dag`` wires wait-for-data, fit (or segmented fit) with hold-out metrics, a drift
monitor fitted on the training data, and champion/challenger promotion. ``batch_scoring_dag``
wires wait-for-data, scoring with the champion alias, monitoring against the training reference,
a notification, and optionally publishing to Kafka. ``dags_from_yaml`` builds both from YAML.
"""

from yotml_airflow.dag_factories._model_ref import saved_model_spec
from yotml_airflow.dag_factories._retraining import retraining_dag
from yotml_airflow.dag_factories._scoring import batch_scoring_dag, notify_summary
from yotml_airflow.dag_factories._yaml import (
    ModelSpec,
    RetrainingConfig,
    ScoringConfig,
    YamlDagWarning,
    dags_from_yaml,
    load_dag_configs,
)

__all__ = [
    "ModelSpec",
    "RetrainingConfig",
    "ScoringConfig",
    "YamlDagWarning",
    "batch_scoring_dag",
    "dags_from_yaml",
    "load_dag_configs",
    "notify_summary",
    "retraining_dag",
    "saved_model_spec",
]
