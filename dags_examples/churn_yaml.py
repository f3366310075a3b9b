"""The same per-store churn pipelines, declared in churn.yaml (loaded by yotml's YAML DAG factory)."""

import os
from pathlib import Path

from churn_example import DATA

from yotml_airflow.dag_factories import dags_from_yaml

os.environ.setdefault("YOTML_DATA_DIR", str(DATA))

dags_from_yaml(Path(__file__).with_name("churn.yaml"), globals())
