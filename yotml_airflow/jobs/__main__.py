"""``python -m yotml_airflow.jobs <job> [args]``: run one job (see ``_registry.JOBS``)."""

from __future__ import annotations

import sys

from yotml_airflow.jobs._main import main

if __name__ == "__main__":
    sys.exit(main())
