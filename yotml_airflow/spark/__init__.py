"""``yotml_airflow.spark``: run models on Spark (batch, segmented, streaming)."""

from yotml_airflow.spark._kafka_runtime import kafka_jars, kafka_spark_conf
from yotml_airflow.spark._session import check_java, get_spark, prepare_python_env
from yotml_airflow.spark._streaming import publish_predictions, stream_predictions

__all__ = [
    "check_java",
    "get_spark",
    "kafka_jars",
    "kafka_spark_conf",
    "prepare_python_env",
    "publish_predictions",
    "stream_predictions",
]
