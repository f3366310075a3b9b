"""Per-store churn retraining (weekly) and scoring (daily), built with the Python DAG factories.

This file is the whole pipeline a user writes on top of the pandas model of churn_example.py:
20 lines for a scheduled, monitored retraining and scoring pipeline (defaults: weekly retraining,
daily scoring, a global model for stores with too few rows, alerts that notify).
"""

from churn_example import HOLDOUT, IDS, LABEL, PREDICTIONS, REPORTS, SCORE, TRAIN, churn_model

from yotml_airflow.dag_factories import batch_scoring_dag, retraining_dag

retraining = retraining_dag(
    dag_id="churn_retraining",
    train_data=TRAIN,
    holdout_data=HOLDOUT,
    model=churn_model(),
    register_name="churn",
    target=LABEL,
    segment_col="store_id",
    min_rows=30,
)

scoring = batch_scoring_dag(
    dag_id="churn_scoring",
    input_data=SCORE,
    output_path=PREDICTIONS,
    model_name="churn",
    keep_columns=IDS,
    report_path=REPORTS,
)
