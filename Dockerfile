# One image for every yotml service of docker-compose.yml: Airflow (api-server, scheduler,
# dag-processor, triggerer), the Spark master and worker, and the MLflow server.
# Everything Python comes from uv.lock, so the image runs exactly the tested versions.
FROM python:3.11-slim-bookworm

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    YOTML_HOME=/opt/yotml
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless procps curl tini \
 && rm -rf /var/lib/apt/lists/*
ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64

RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /opt/yotml
# Dependencies first (cached layer), then the project itself; --frozen refuses a stale lock.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --extra production --no-install-project
COPY yotml_airflow ./yotml_airflow
COPY dags_examples ./dags_examples
COPY scripts ./scripts
RUN uv sync --frozen --no-dev --extra production

# Spark workers, spark-submit and the Airflow Spark hook resolve to the locked environment.
ENV VIRTUAL_ENV=/opt/yotml/.venv \
    PATH=/opt/yotml/.venv/bin:$PATH \
    PYSPARK_PYTHON=/opt/yotml/.venv/bin/python \
    PYSPARK_DRIVER_PYTHON=/opt/yotml/.venv/bin/python \
    SPARK_HOME=/opt/yotml/.venv/lib/python3.11/site-packages/pyspark \
    AIRFLOW_HOME=/opt/airflow

RUN useradd --create-home --uid 50000 yotml && mkdir -p /opt/airflow /data /mlflow \
 && chown -R yotml /opt/airflow /data /mlflow /opt/yotml
USER yotml
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["yotml", "--help"]
