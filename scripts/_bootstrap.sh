# Sourced by the project's commands: installs what they need from the lock file, then checks Java.
# Works on a fresh machine: bootstraps uv with pip when it is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if ! command -v uv >/dev/null 2>&1; then
  echo "[yotml] uv not found: installing it with pip" >&2
  python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
  export PATH="$HOME/.local/bin:$PATH"
fi

if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
  cat >&2 <<'MSG'
[yotml] Java 17 or newer is required by Spark and was not found.
  Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless
  macOS:         brew install openjdk@17
  or set JAVA_HOME to an installed JDK 17+.
MSG
  exit 3
fi
JAVA_BIN="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JAVA_MAJOR="$("$JAVA_BIN" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
if [ -n "$JAVA_MAJOR" ] && [ "$JAVA_MAJOR" -lt 17 ]; then
  echo "[yotml] Spark needs Java 17 or newer; found Java $JAVA_MAJOR ($JAVA_BIN). Install Java 17+ or set JAVA_HOME." >&2
  exit 3
fi

# Precompiled bytecode keeps imports fast even where PYTHONDONTWRITEBYTECODE is set.
export UV_COMPILE_BYTECODE=1
uv sync --frozen --quiet
# Spark workers, spark-submit and the Airflow Spark hook all resolve to this environment.
export PATH="$ROOT/.venv/bin:$PATH"
export PYSPARK_PYTHON="$ROOT/.venv/bin/python"
export PYSPARK_DRIVER_PYTHON="$ROOT/.venv/bin/python"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
