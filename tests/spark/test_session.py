"""``get_spark``: yotml's defaults, and spark-submit's own settings winning over them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from yotml_airflow.spark._session import DEFAULT_CONF

pytestmark = pytest.mark.spark

SCRIPT = """
from yotml_airflow.spark import get_spark
spark = get_spark()
keys = ["spark.sql.shuffle.partitions", "spark.sql.execution.arrow.maxBytesPerBatch"]
print("CONF", *[spark.conf.get(k) for k in keys])
"""


def _submit(tmp_path: Path, *conf: str) -> tuple[str, str]:
    script = tmp_path / "print_conf.py"
    script.write_text(SCRIPT)
    spark_submit = Path(sys.executable).with_name("spark-submit")
    args = [str(spark_submit), "--master", "local[1]"]
    for item in conf:
        args += ["--conf", item]
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    out = subprocess.run([*args, str(script)], capture_output=True, text=True, timeout=180, env=env)
    line = next((line for line in out.stdout.splitlines() if line.startswith("CONF ")), None)
    assert line is not None, out.stderr[-2000:]
    shuffle, max_bytes = line.split()[1:]
    return shuffle, max_bytes


def test_spark_submit_conf_wins_over_yotml_defaults_and_the_rest_still_apply(tmp_path):
    assert _submit(tmp_path, "spark.sql.shuffle.partitions=3") == (
        "3",
        DEFAULT_CONF["spark.sql.execution.arrow.maxBytesPerBatch"],
    )
    assert _submit(tmp_path) == (DEFAULT_CONF["spark.sql.shuffle.partitions"], str(2**31 - 1))


def test_the_shared_session_sends_50k_row_arrow_batches_with_no_per_row_byte_check(spark):
    assert spark.conf.get("spark.sql.execution.arrow.maxBytesPerBatch") == str(2**31 - 1)
    assert spark.conf.get("spark.sql.execution.arrow.maxRecordsPerBatch") == "50000"
