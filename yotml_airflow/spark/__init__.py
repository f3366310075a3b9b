"""``yotml_airflow.spark``: run models on Spark (batch, segmented, streaming)."""

from yotml_airflow.spark._session import check_java, get_spark, prepare_python_env

__all__ = ["check_java", "get_spark", "prepare_python_env"]
from yotml_airflow.spark._drift import monitor_spark, summarize_spark  # noqa: E402

__all__ += ["monitor_spark", "summarize_spark"]
