"""``yotml_airflow.dag_factories``: DAG factories that wire yotml operators into pipelines."""
