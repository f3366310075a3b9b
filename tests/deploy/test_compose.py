"""The production stack file, checked without a Docker engine.

docker-compose.yml is loaded by compose-go (the loader Docker Compose itself uses, through the
small Go program in deploy/composecheck): schema, anchors, and references between services and
volumes. On the loaded project the tests check healthchecks, ports, images and the environment
variable names against what the package and Airflow really read.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PINNED_PUBLIC_IMAGES = {"postgres:16-bookworm", "apache/kafka:4.1.0"}
OWN_IMAGE = "yotml-airflow:latest"


@pytest.fixture(scope="module")
def project() -> dict:
    go = shutil.which("go") or "/usr/local/go/bin/go"
    if not Path(go).exists():
        pytest.fail("Go is needed to run deploy/composecheck (compose-go); install Go 1.22+")
    done = subprocess.run(
        [go, "run", ".", str(ROOT / "docker-compose.yml")],
        cwd=ROOT / "deploy" / "composecheck",
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "GOFLAGS": "-mod=mod"},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_compose_go_rejects_a_broken_file(tmp_path: Path) -> None:
    go = shutil.which("go") or "/usr/local/go/bin/go"
    bad = tmp_path / "docker-compose.yml"
    bad.write_text("services:\n  a:\n    image: x\n    depends_on: [missing]\n")
    done = subprocess.run(
        [go, "run", ".", str(bad)], cwd=ROOT / "deploy" / "composecheck", capture_output=True, text=True
    )
    assert done.returncode != 0 and "undefined service" in done.stderr


def test_services_are_the_whole_stack(project: dict) -> None:
    assert set(project["services"]) == {
        "postgres",
        "mlflow",
        "spark-master",
        "spark-worker",
        "kafka",
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
    }


def test_every_service_has_a_healthcheck(project: dict) -> None:
    missing = [name for name, svc in project["services"].items() if not (svc.get("healthcheck") or {}).get("test")]
    assert missing == []


def test_no_host_port_collides(project: dict) -> None:
    published = [int(port["published"]) for svc in project["services"].values() for port in svc.get("ports") or []]
    assert published and len(published) == len(set(published))


def test_images_are_built_here_or_pinned_public(project: dict) -> None:
    for name, svc in project["services"].items():
        image = svc.get("image")
        if svc.get("build"):
            assert image == OWN_IMAGE and Path(ROOT / svc["build"]["context"] / "Dockerfile").is_file(), name
        else:
            assert image in PINNED_PUBLIC_IMAGES, f"{name} uses {image}, not a pinned public image"


def _package_source() -> str:
    return "\n".join(p.read_text() for p in (ROOT / "yotml_airflow").rglob("*.py"))


def test_environment_names_are_the_ones_the_code_reads(project: dict) -> None:
    from airflow.configuration import conf

    source = _package_source()
    seen = set()
    for name, svc in project["services"].items():
        for key in svc.get("environment") or {}:
            seen.add(key)
            if key.startswith(("YOTML_", "MLFLOW_")):
                assert f'"{key}"' in source, f"{name}: {key} is set but yotml_airflow never reads it"
            elif key.startswith("AIRFLOW_CONN_"):
                conn_id = key[len("AIRFLOW_CONN_") :].lower()
                assert f'"{conn_id}"' in source, f"{name}: connection {conn_id} is not one the operators use"
            elif key.startswith("AIRFLOW__"):
                section, option = key[len("AIRFLOW__") :].lower().split("__", 1)
                known = conf.configuration_description.get(section, {}).get("options", {})
                assert option in known, f"{name}: {key} is not an Airflow option"
    assert {"MLFLOW_TRACKING_URI", "YOTML_HOME", "AIRFLOW_CONN_SPARK_DEFAULT"} <= seen


def test_dockerfile_installs_from_the_lock() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "COPY pyproject.toml uv.lock" in text
    syncs = re.findall(r"uv sync [^\n]*", text)
    assert syncs and all("--frozen" in s for s in syncs)
    pip_installs = re.findall(r"pip install [^\n]*", text)
    assert pip_installs == ["pip install --no-cache-dir uv==0.13.9"], pip_installs
