"""yotml-airflow: everything is a model.

Write a model once on pandas (``yotml_airflow.models``); train, version, score, segment and
monitor it with Spark (``yotml_airflow.spark``), MLflow (``yotml_airflow.tracking``) and Airflow
(``yotml_airflow.operators``, ``yotml_airflow.dag_factories``).

This top-level module imports nothing heavy, so ``import yotml_airflow.models`` stays fast.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
