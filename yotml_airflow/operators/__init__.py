"""``yotml_airflow.operators``: Airflow operators that submit yotml jobs to Spark."""
