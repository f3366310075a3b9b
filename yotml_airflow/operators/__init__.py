"""``yotml_airflow.operators``: Airflow operators that submit yotml jobs to Spark.

Each operator builds ``spark-submit <yotml_airflow/jobs/entrypoint.py> <job> <args> --result-path P``,
runs it through the apache-spark provider's ``SparkSubmitHook`` and returns the job's result JSON
as its XCom value. The airflow layer reaches the jobs only through spark-submit, never by import.

Example:
    >>> from yotml_airflow.operators import BatchTransformOperator
    >>> op = BatchTransformOperator(
    ...     task_id="score", input="/d/in", output_path="/d/out", model_uri="models:/churn@champion"
    ... )
    >>> op.application_args()[:5]
    ['transform', '--input', '/d/in', '--output', '/d/out']
"""

from __future__ import annotations

from yotml_airflow.operators._base import YotmlSparkJobOperator
from yotml_airflow.operators._fit import FitModelOperator
from yotml_airflow.operators._materialize import MaterializeFeaturesOperator
from yotml_airflow.operators._mlflow_hook import MlflowTrackingHook
from yotml_airflow.operators._monitor import MonitorAlertError, MonitorOperator
from yotml_airflow.operators._promote import PromoteModelOperator
from yotml_airflow.operators._segmented import SegmentedFitOperator
from yotml_airflow.operators._stream import PublishPredictionsOperator, StreamingPredictOperator
from yotml_airflow.operators._transform import BatchTransformOperator

__all__ = [
    "BatchTransformOperator",
    "FitModelOperator",
    "MaterializeFeaturesOperator",
    "MlflowTrackingHook",
    "MonitorAlertError",
    "MonitorOperator",
    "PromoteModelOperator",
    "PublishPredictionsOperator",
    "SegmentedFitOperator",
    "StreamingPredictOperator",
    "YotmlSparkJobOperator",
]
