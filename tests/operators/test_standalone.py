"""The multi-process path: BatchTransformOperator on a Spark standalone cluster (master + worker) on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from tests.operators.data import customers, write_partition
from tests.operators.standalone import master_state, standalone_cluster
from yotml_airflow.models import SklearnModel
from yotml_airflow.operators import BatchTransformOperator


@pytest.mark.slow
def test_batch_transform_on_a_standalone_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    train = customers(300, seed=4)
    model = SklearnModel(LogisticRegression(), features=["spend", "visits"], target="churned").fit(train)
    model_dir = tmp_path / "model"
    model.save(model_dir)
    batch = customers(250, seed=5)
    source = write_partition(tmp_path, "customers", "2024-03-05", batch)
    output = tmp_path / "scores" / "ds=2024-03-05"

    with standalone_cluster(tmp_path / "cluster") as (master, webui):
        host, port = master.removeprefix("spark://").split(":")
        monkeypatch.setenv(
            "AIRFLOW_CONN_SPARK_STANDALONE",
            json.dumps({"conn_type": "spark", "host": f"spark://{host}", "port": int(port),
                        "extra": {"deploy-mode": "client"}}),
        )  # fmt: skip
        op = BatchTransformOperator(
            task_id="score",
            conn_id="spark_standalone",
            input=str(source),
            output_path=str(output),
            model_uri=str(model_dir),
            keep_columns=["customer_id"],
            total_executor_cores=1,
            executor_memory="512m",
            conf={"spark.sql.shuffle.partitions": "2"},
        )
        command = op.spark_submit_command()
        assert command[1:3] == ["--master", master]
        assert command[command.index("--deploy-mode") + 1] == "client"
        result = op.execute({})
        retried = op.execute({})
        apps = master_state(webui).get("completedapps", [])

    assert len(apps) == 2 and all(app["name"].startswith("yotml-transform") for app in apps), "ran on the cluster"
    assert retried == result, "a retry gives the same result"
    assert sorted(p.name for p in output.parent.iterdir()) == [output.name], "one copy, no temporary leftovers"

    assert result["rows"] == 250 and result["output"] == str(output)
    scored = pd.read_parquet(output).sort_values("customer_id").reset_index(drop=True)
    expected = model.predict(batch).assign(customer_id=batch["customer_id"])
    expected = expected.sort_values("customer_id").reset_index(drop=True)
    pd.testing.assert_series_equal(scored["prediction"], expected["prediction"], check_dtype=False)
    assert (scored["proba_1"] - expected["proba_1"]).abs().max() < 1e-9
