#!/usr/bin/env bash
# The whole test suite: lint and format check (ruff), types (mypy), layer contracts (import-linter), then pytest.
# Also installs the servers the tests start themselves: redis-server (Debian) for the online
# feature store; Kafka and Spark's Kafka connector come from Maven Central (scripts/kafka.sh).
source "$(dirname "${BASH_SOURCE[0]}")/_bootstrap.sh"
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "[yotml] installing redis-server (Debian package) for the online feature store tests"
    apt-get update -qq >/dev/null && apt-get install -y -qq redis-server >/dev/null
  else
    echo "[yotml] the tests need redis-server: sudo apt-get install redis-server" >&2
    exit 3
  fi
fi
echo "[yotml] ruff";          ruff check . && ruff format --check .
echo "[yotml] mypy";          mypy
echo "[yotml] import-linter"; lint-imports --no-cache
echo "[yotml] kafka jars";    bash "$ROOT/scripts/kafka.sh" fetch   # cached; the tests start their own broker
echo "[yotml] pytest";        pytest "$@"
