#!/usr/bin/env bash
# The whole test suite: lint (ruff), types (mypy), layer contracts (import-linter), then pytest.
source "$(dirname "${BASH_SOURCE[0]}")/_bootstrap.sh"
echo "[yotml] ruff";          ruff check yotml_airflow tests benchmarks dags_examples 2>/dev/null || ruff check yotml_airflow tests
echo "[yotml] mypy";          mypy
echo "[yotml] import-linter"; lint-imports --no-cache
echo "[yotml] kafka jars";    bash "$ROOT/scripts/kafka.sh" fetch   # cached; the tests start their own broker
echo "[yotml] pytest";        pytest "$@"
