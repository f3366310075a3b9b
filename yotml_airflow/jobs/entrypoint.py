"""The file ``spark-submit`` runs: ``spark-submit .../yotml_airflow/jobs/entrypoint.py <job> [args]``.

spark-submit needs a Python file, not a module name; this file only calls ``main`` of
``python -m yotml_airflow.jobs``.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from yotml_airflow.jobs._main import main

    sys.exit(main())
