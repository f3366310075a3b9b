#!/usr/bin/env bash
# The main job: the example per-store churn pipeline end to end on the embedded defaults
# (Spark local[2], MLflow on SQLite, Airflow on SQLite through `airflow dags test`).
source "$(dirname "${BASH_SOURCE[0]}")/_bootstrap.sh"
python scripts/demo.py "$@"
