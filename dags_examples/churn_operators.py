"""Per-store churn, written by hand with yotml's operators: fit one model per store, promote it if it
beats the champion on held-out data, score today's customers with the champion, monitor the batch.
"""

from datetime import datetime, timedelta

from airflow.sdk import DAG
from churn_example import HOLDOUT, IDS, LABEL, PREDICTIONS, REPORTS, SCORE, TRAIN, churn_model

from yotml_airflow.dag_factories import saved_model_spec
from yotml_airflow.operators import (
    BatchTransformOperator,
    MonitorOperator,
    PromoteModelOperator,
    SegmentedFitOperator,
)

with DAG(
    dag_id="churn_by_hand",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=5)},
    tags=["yotml", "example"],
):
    fit = SegmentedFitOperator(
        task_id="fit",
        input=TRAIN,
        model_spec=saved_model_spec(churn_model(), "churn_by_hand"),
        segment_col="store_id",
        min_rows=30,
        fallback="global",
        register_name="churn_by_hand",
    )
    promote = PromoteModelOperator(
        task_id="promote",
        name="churn_by_hand",
        version="{{ ti.xcom_pull(task_ids='fit')['version'] }}",
        holdout=HOLDOUT,
        metric="auc",
        target=LABEL,
    )
    score = BatchTransformOperator(
        task_id="score",
        input=SCORE,
        output_path=PREDICTIONS.replace("predictions", "predictions_by_hand"),
        model_uri="models:/churn_by_hand@champion",
        keep_columns=IDS,
    )
    monitor = MonitorOperator(
        task_id="monitor",
        input=SCORE,
        reference=TRAIN,
        model_uri="models:/churn_by_hand@champion",
        on_alert="notify",
        report_path=REPORTS.replace("monitoring", "monitoring_by_hand"),
    )
    fit >> promote >> score >> monitor
