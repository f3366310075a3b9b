"""``yotml_airflow.jobs``: entry points that spark-submit runs."""
