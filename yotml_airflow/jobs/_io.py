"""Job input and output: read parquet, csv or a table; write atomically so retries leave one copy.

``write_output_atomic`` writes into a temporary sibling of the target (``.<name>.yotml-tmp-<id>``)
and only then swaps it in with renames on the target's Hadoop FileSystem (local, HDFS, ...):
move the old output aside, move the new one in, delete the old one. A job that fails while
writing leaves the previous output untouched and removes its temporary copy; a rerun in
``overwrite`` mode replaces the output, so there is only ever one copy. Rename is atomic on local
disks and HDFS; on object stores (s3a) it is a copy, so the swap is only as atomic as the store.
A table is written to a temporary table and renamed over the target.

>>> is_local("/data/in.parquet"), is_local("file:///data/in"), is_local("hdfs://nn/data/in")
(True, True, False)
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING, Any

from yotml_airflow.errors import ConfigError, JobError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

FORMATS = ("parquet", "csv", "table")
MODES = ("overwrite", "error")


def is_local(location: str) -> bool:
    """True for a plain path or a ``file://`` URI (checked with ``os`` before Spark starts)."""
    return "://" not in location or location.startswith("file://")


def _local(location: str) -> str:
    return location.removeprefix("file://")


def check_input_exists(location: str, fmt: str, what: str = "input") -> None:
    """Cheap pre-Spark check: a local input path must exist (remote paths and tables are checked by ``read_input``)."""
    if fmt not in FORMATS:
        raise ConfigError(f"--{what}-format must be one of {list(FORMATS)}, got {fmt!r}")
    if fmt != "table" and is_local(location) and not os.path.exists(_local(location)):
        raise JobError(f"{what} {location} does not exist")


def check_output_allowed(location: str, fmt: str, mode: str) -> None:
    """Cheap pre-Spark check: in ``error`` mode an existing local output is refused before any work."""
    if mode not in MODES:
        raise ConfigError(f"--mode must be one of {list(MODES)}, got {mode!r}")
    if fmt not in FORMATS:
        raise ConfigError(f"--output-format must be one of {list(FORMATS)}, got {fmt!r}")
    if mode == "error" and fmt != "table" and is_local(location) and os.path.exists(_local(location)):
        raise JobError(f"output {location} already exists and --mode is error; use --mode overwrite to replace it")


def read_input(spark: SparkSession, location: str, fmt: str = "parquet", what: str = "input") -> DataFrame:
    """The input as a Spark DataFrame (csv with a header row and inferred types); ``JobError`` if missing."""
    check_input_exists(location, fmt, what)
    if fmt == "table":
        if not spark.catalog.tableExists(location):
            raise JobError(f"{what} table {location} does not exist")
        return spark.table(location)
    fs, path = _hadoop_path(spark, location)
    if not fs.exists(path):
        raise JobError(f"{what} {location} does not exist")
    if fmt == "csv":
        return spark.read.option("header", "true").option("inferSchema", "true").csv(location)
    return spark.read.parquet(location)


def output_exists(spark: SparkSession, location: str, fmt: str) -> bool:
    """Whether the output location (path or table) already exists."""
    if fmt == "table":
        return bool(spark.catalog.tableExists(location))
    fs, path = _hadoop_path(spark, location)
    return bool(fs.exists(path))


def write_output_atomic(sdf: DataFrame, location: str, fmt: str = "parquet", mode: str = "overwrite") -> dict[str, Any]:
    """Write ``sdf`` to ``location`` atomically; returns ``{"output", "format", "rows"}``."""
    check_output_allowed(location, fmt, mode)
    spark = sdf.sparkSession
    if mode == "error" and output_exists(spark, location, fmt):
        raise JobError(f"output {location} already exists and --mode is error; use --mode overwrite to replace it")
    if fmt == "table":
        rows = _write_table(sdf, location, mode)
    else:
        rows = _write_path(sdf, location, fmt, mode)
    return {"output": location, "format": fmt, "rows": rows}


def _hadoop_path(spark: SparkSession, location: str) -> tuple[Any, Any]:
    jvm = spark._jvm
    assert jvm is not None
    path = jvm.org.apache.hadoop.fs.Path(location)
    return path.getFileSystem(spark._jsc.hadoopConfiguration()), path


def _write_path(sdf: DataFrame, location: str, fmt: str, mode: str) -> int:
    spark = sdf.sparkSession
    fs, target = _hadoop_path(spark, location.rstrip("/"))
    parent = target.getParent()
    if parent is not None and not fs.exists(parent):
        fs.mkdirs(parent)
    token = uuid.uuid4().hex[:12]
    jpath = spark._jvm.org.apache.hadoop.fs.Path  # type: ignore[union-attr]
    staging = jpath(parent, f".{target.getName()}.yotml-tmp-{token}")
    old = jpath(parent, f".{target.getName()}.yotml-old-{token}")
    try:
        writer = sdf.write.mode("error").format(fmt)
        if fmt == "csv":
            writer = writer.option("header", "true")
        writer.save(staging.toString())
        reader = spark.read.option("header", "true") if fmt == "csv" else spark.read
        rows = reader.format(fmt).load(staging.toString()).count()
        moved_old = False
        if fs.exists(target):
            if mode == "error":
                raise JobError(f"output {location} appeared while the job ran and --mode is error")
            if not fs.rename(target, old):
                raise JobError(f"could not move the previous output {location} aside")
            moved_old = True
        if not fs.rename(staging, target):
            if moved_old:
                fs.rename(old, target)
            raise JobError(f"could not move the new output into {location}")
        if moved_old:
            fs.delete(old, True)
    finally:
        if fs.exists(staging):
            fs.delete(staging, True)
    return int(rows)


def _quote(name: str) -> str:
    return ".".join(f"`{part}`" for part in name.split("."))


def _write_table(sdf: DataFrame, table: str, mode: str) -> int:
    spark = sdf.sparkSession
    staging = f"{table}__yotml_tmp_{uuid.uuid4().hex[:12]}"
    try:
        sdf.write.mode("error").saveAsTable(staging)
        rows = spark.table(staging).count()
        if spark.catalog.tableExists(table):
            if mode == "error":
                raise JobError(f"output table {table} appeared while the job ran and --mode is error")
            spark.sql(f"DROP TABLE {_quote(table)}")
        spark.sql(f"ALTER TABLE {_quote(staging)} RENAME TO {_quote(table)}")
    finally:
        spark.sql(f"DROP TABLE IF EXISTS {_quote(staging)}")
    return int(rows)
