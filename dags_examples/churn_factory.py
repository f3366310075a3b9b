"""Per-store churn retraining and daily scoring, built with the Python DAG factories.

This file is the whole pipeline a user writes: 2 factory calls over the model of
``churn_example.py`` (the model itself is another 12 lines).
"""

from churn_example import HOLDOUT, IDS, LABEL, PREDICTIONS, REPORTS, SCORE, TRAIN, churn_model

from yotml_airflow.dag_factories import batch_scoring_dag, retraining_dag

retraining = retraining_dag(
    dag_id="churn_retraining",
    schedule="@weekly",
    train_data=TRAIN,
    holdout_data=HOLDOUT,
    model=churn_model(),
    register_name="churn",
    target=LABEL,
    segment_col="store_id",
    min_rows=30,
    fallback="global",
)

scoring = batch_scoring_dag(
    dag_id="churn_scoring",
    schedule="@daily",
    input_data=SCORE,
    output_path=PREDICTIONS,
    model_name="churn",
    keep_columns=IDS,
    on_alert="notify",
    report_path=REPORTS,
)
