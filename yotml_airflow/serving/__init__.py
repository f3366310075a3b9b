"""``yotml_airflow.serving``: REST service and Python SDK for real-time predictions."""
