"""``yotml_airflow.datasets``: generated example data (pandas only)."""
