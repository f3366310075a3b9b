"""``yotml_airflow.spark``: run models on Spark (batch scoring, fit, parity, segmented, monitoring, Kafka streams).

>>> from yotml_airflow.spark import to_spark_schema
>>> to_spark_schema({"score": "float64"}).fieldNames()
['score']
"""

from yotml_airflow.spark._batch import batch_transform
from yotml_airflow.spark._drift import monitor_spark, summarize_spark
from yotml_airflow.spark._fit import DEFAULT_MAX_ROWS, collect_bounded, fit
from yotml_airflow.spark._kafka_runtime import kafka_jars, kafka_spark_conf
from yotml_airflow.spark._parity import check_spark_parity, spark_parity_check
from yotml_airflow.spark._segmented import fit_segmented, predict_segmented
from yotml_airflow.spark._session import check_java, get_spark, prepare_python_env
from yotml_airflow.spark._ship import resolve_model
from yotml_airflow.spark._streaming import publish_predictions, stream_predictions
from yotml_airflow.spark._types import check_spark_input, spark_dtypes, to_spark_schema

__all__ = [
    "DEFAULT_MAX_ROWS",
    "batch_transform",
    "check_java",
    "check_spark_input",
    "check_spark_parity",
    "collect_bounded",
    "fit",
    "fit_segmented",
    "get_spark",
    "kafka_jars",
    "kafka_spark_conf",
    "monitor_spark",
    "predict_segmented",
    "prepare_python_env",
    "publish_predictions",
    "resolve_model",
    "spark_dtypes",
    "spark_parity_check",
    "stream_predictions",
    "summarize_spark",
    "to_spark_schema",
]
