"""Provider registration: the metadata validates against Airflow's schema and Airflow lists the provider."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema

from yotml_airflow.get_provider_info import get_provider_info


def _schema() -> dict:
    import airflow

    path = Path(airflow.__file__).with_name("provider_info.schema.json")
    return json.loads(path.read_text())


def test_provider_info_validates_against_airflow_schema() -> None:
    info = get_provider_info()
    jsonschema.validate(info, _schema())
    assert info["package-name"] == "yotml-airflow"
    assert info["operators"][0]["python-modules"] == ["yotml_airflow.operators"]


def test_registered_classes_import() -> None:
    from airflow.sdk.module_loading import import_string

    info = get_provider_info()
    for conn in info["connection-types"]:
        hook = import_string(conn["hook-class-name"])
        assert hook.conn_type == conn["connection-type"]


def test_airflow_providers_list_shows_yotml(tmp_path: Path) -> None:
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    airflow = str(Path(sys.executable).with_name("airflow"))
    done = subprocess.run(
        [airflow, "providers", "list", "--output", "json"], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    start = done.stdout.index("[")
    providers = {p["package_name"]: p for p in json.loads(done.stdout[start:])}
    assert "yotml-airflow" in providers
    assert providers["yotml-airflow"]["version"] == get_provider_info()["versions"][0]
