"""Run one DAG of a DAG file with ``dag.test()`` and print its task states and XComs as JSON.

Usage: ``python dag_runner.py DAG_FILE DAG_ID YYYY-MM-DD`` (the test helper ``run_dag`` calls it).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys


def main(dag_file: str, dag_id: str, day: str) -> None:
    spec = importlib.util.spec_from_file_location(f"dagfile_{dag_id}", dag_file)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dag = next(v for v in vars(module).values() if getattr(v, "dag_id", None) == dag_id and hasattr(v, "test"))
    logical_date = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)
    run = dag.test(logical_date=logical_date)

    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    tasks, xcom = {}, {}
    with create_session() as session:
        for ti in run.get_task_instances(session=session):
            tasks[ti.task_id] = str(ti.state)
            row = (
                session.query(XComModel)
                .filter_by(dag_id=dag_id, run_id=run.run_id, task_id=ti.task_id, key="return_value")
                .one_or_none()
            )
            if row is not None:
                xcom[ti.task_id] = XComModel.deserialize_value(row)
    print("YOTML-DAG-RESULT " + json.dumps({"state": str(run.state), "tasks": tasks, "xcom": xcom}, default=str))


if __name__ == "__main__":
    main(*sys.argv[1:4])
