"""``yotml_airflow.jobs``: the entry points that spark-submit runs (``python -m yotml_airflow.jobs <job>``).

``JOBS`` maps job names to modules; ``ENTRYPOINT`` is the file to hand to spark-submit::

    spark-submit --master local[2] <ENTRYPOINT> transform --model models:/churn@champion \\
        --input customers.parquet --output scores.parquet --result-path result.json

>>> {"fit", "transform"} <= set(JOBS), ENTRYPOINT.name
(True, 'entrypoint.py')
"""

from pathlib import Path

from yotml_airflow.jobs._main import main
from yotml_airflow.jobs._registry import JOBS

ENTRYPOINT = Path(__file__).with_name("entrypoint.py")

__all__ = ["ENTRYPOINT", "JOBS", "main"]
