"""``yotml_airflow.tracking``: MLflow tracking and registry."""
