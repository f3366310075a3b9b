#!/usr/bin/env bash
# The whole test suite: lint (ruff), types (mypy), layer contracts (import-linter), then pytest.
source "$(dirname "${BASH_SOURCE[0]}")/_bootstrap.sh"
echo "[yotml] ruff";          ruff check .
echo "[yotml] mypy";          mypy
echo "[yotml] import-linter"; lint-imports --no-cache
echo "[yotml] kafka jars";    bash "$ROOT/scripts/kafka.sh" fetch   # cached; the tests start their own broker
echo "[yotml] pytest";        pytest "$@"
