"""The job registry: job name -> module path, so ``python -m yotml_airflow.jobs <job>`` finds a job by name.

Each job module defines ``add_arguments(parser)``, ``run(args, spark) -> dict`` (the result JSON),
optionally ``validate(args)`` (cheap checks run before the Spark session starts) and optionally
``spark_conf(args) -> dict`` (settings the session needs at start, e.g. the Kafka connector jars). Modules are
imported only when their job runs, so one job's imports never slow another down.

>>> {"fit", "transform", "segmented_fit", "monitor", "stream", "publish", "materialize"} <= set(JOBS)
True
"""

from __future__ import annotations

import importlib
from types import ModuleType

from yotml_airflow.errors import ConfigError

JOBS: dict[str, str] = {
    "fit": "yotml_airflow.jobs._fit",
    "materialize": "yotml_airflow.jobs._materialize",
    "monitor": "yotml_airflow.jobs._monitor",
    "segmented_fit": "yotml_airflow.jobs._segmented_fit",
    "transform": "yotml_airflow.jobs._transform",
    "stream": "yotml_airflow.jobs._stream",
    "publish": "yotml_airflow.jobs._publish",
}


def job_module(name: str) -> ModuleType:
    """The module of job ``name``; ``ConfigError`` listing the known jobs for an unknown name."""
    if name not in JOBS:
        raise ConfigError(f"unknown job {name!r}; known jobs: {', '.join(sorted(JOBS))}")
    return importlib.import_module(JOBS[name])
