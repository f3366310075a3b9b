"""``yotml_airflow.features``: feature store API."""
