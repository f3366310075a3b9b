"""``yotml_airflow.spark``: run models on Spark (batch, segmented, streaming)."""

from yotml_airflow.spark._segmented import fit_segmented, predict_segmented
from yotml_airflow.spark._session import check_java, get_spark, prepare_python_env

__all__ = [
    "check_java",
    "fit_segmented",
    "get_spark",
    "predict_segmented",
    "prepare_python_env",
]
