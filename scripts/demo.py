"""The yotml demo: generate stores, retrain per-store churn models, score a new day, monitor it.

Runs the example DAGs of ``dags_examples/churn_factory.py`` with ``airflow dags test`` on the
embedded defaults, then prints what a user looks at next. Everything lands under ``.yotml/``.

Usage: ``./scripts/demo.sh [--stores 20] [--customers 300] [--date 2026-11-26]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / ".yotml"
DATA = HOME / "demo"
AIRFLOW_HOME = HOME / "airflow"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "YOTML_HOME": str(ROOT),
            "YOTML_DATA_DIR": str(DATA),
            "AIRFLOW_HOME": str(AIRFLOW_HOME),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags_examples"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "AIRFLOW_CONN_SPARK_DEFAULT": json.dumps({"conn_type": "spark", "host": "local[2]"}),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "dags_examples"), env.get("PYTHONPATH")])),
        }
    )
    return env


def _step(text: str) -> None:
    print(f"\n[yotml demo] {text}", flush=True)


def generate_data(ds: str, stores: int, customers: int) -> None:
    """Training, held-out and a drifted scoring batch for ``ds``, from the package's generator."""
    from yotml_airflow.datasets import make_ecommerce

    train = make_ecommerce(n_stores=stores, customers_per_store=customers, seed=7)
    holdout = make_ecommerce(n_stores=stores, customers_per_store=max(customers // 3, 60), seed=7, day=1)
    today = make_ecommerce(n_stores=stores, customers_per_store=customers, seed=7, day=2, drift=0.5)
    for name, frame in (("train", train), ("holdout", holdout), ("score", today.drop(columns=["churned"]))):
        folder = DATA / name / f"ds={ds}"
        folder.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(folder / "part-0.parquet", index=False)
        print(f"  {name:8s} {len(frame):6d} rows -> {folder}")


def run_dag(dag_id: str, ds: str, env: dict[str, str]) -> float:
    """``airflow dags test`` one DAG for ``ds``; exits with the DAG's log tail if it fails."""
    start = time.perf_counter()
    airflow = str(Path(sys.executable).with_name("airflow"))
    done = subprocess.run([airflow, "dags", "test", dag_id, ds], env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    log = AIRFLOW_HOME / f"demo-{dag_id}.log"
    log.write_text(done.stdout + done.stderr)
    failed = done.returncode != 0 or "state=failed" in done.stdout or "DagRunState.FAILED" in done.stdout
    if failed:
        print("\n".join((done.stdout + done.stderr).splitlines()[-40:]), file=sys.stderr)
        sys.exit(f"[yotml demo] DAG {dag_id} failed; full log: {log}")
    print(f"  {dag_id}: success in {took:.0f} s (log: {log})")
    return took


def xcoms(dag_id: str) -> dict[str, object]:
    """The return values of the latest run of ``dag_id``, from Airflow's metadata DB."""
    from airflow.models.dagrun import DagRun
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        run = session.query(DagRun).filter_by(dag_id=dag_id).order_by(DagRun.id.desc()).first()
        rows = session.query(XComModel).filter_by(dag_id=dag_id, run_id=run.run_id, key="return_value").all()
        return {row.task_id: XComModel.deserialize_value(row) for row in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=20)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--date", default=datetime.now(UTC).strftime("%Y-%m-%d"))
    args = parser.parse_args()
    env = _env()
    os.environ.update(env)
    AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)

    _step(f"1/4 generating {args.stores} stores x {args.customers} customers for ds={args.date}")
    generate_data(args.date, args.stores, args.customers)

    _step("2/4 preparing Airflow (SQLite metadata DB)")
    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)

    _step("3/4 retraining: wait for data -> per-store fit on Spark -> drift monitor -> champion/challenger")
    run_dag("churn_retraining", args.date, env)
    _step("4/4 scoring: today's customers with models:/churn@champion -> monitor -> notify")
    run_dag("churn_scoring", args.date, env)

    from yotml_airflow.tracking import describe_model, tracking_uri

    retraining, scoring = xcoms("churn_retraining"), xcoms("churn_scoring")
    champion = describe_model("models:/churn@champion")
    fit, promote = retraining.get("fit") or {}, retraining.get("promote") or {}
    score, monitor = scoring.get("score") or {}, scoring.get("monitor") or {}
    alerts = list(monitor.get("alerts") or [])
    print("\n================ yotml demo: done ================")
    print(
        f"model        churn v{fit.get('version')} ({fit.get('segments_fitted', '?')} store models, "
        f"{fit.get('segments_failed', 0)} failed)"
    )
    if promote.get("candidate_score") is not None:
        print(f"holdout      {promote.get('metric')} {promote['candidate_score']:.3f} (unseen customers)")
    print(f"promotion    {promote.get('reason')}")
    print(f"champion     models:/churn@champion -> version {champion.version}")
    print(f"predictions  {score.get('rows')} rows in {score.get('output')}")
    print(f"alerts       {len(alerts)} drift alert(s)" + ("" if not alerts else ":"))
    for alert in alerts[:8]:
        where = alert.get("segment") or "all stores"
        print(
            f"             - {alert.get('feature')} {alert.get('metric')}={alert.get('value'):.3g} "
            f"> {alert.get('threshold'):.3g} ({where})"
        )
    if len(alerts) > 8:
        print(f"             ... and {len(alerts) - 8} more")
    print(f"report       {monitor.get('report_path')}")
    print("\nOpen the UIs on this data:")
    print(f"  MLflow:  uv run mlflow ui --backend-store-uri {tracking_uri()} --port 5000   (http://127.0.0.1:5000)")
    print(
        f"  Airflow: AIRFLOW_HOME={AIRFLOW_HOME} AIRFLOW__CORE__DAGS_FOLDER={ROOT / 'dags_examples'} "
        "uv run airflow standalone   (http://127.0.0.1:8080)"
    )


if __name__ == "__main__":
    main()
