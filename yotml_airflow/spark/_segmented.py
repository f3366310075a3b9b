"""Distributed fit and predict of a ``SegmentedModel``: one Spark job each, no driver loop over segments.

Fit: rows are grouped by a hash bucket of the segment (``buckets`` groups, default 256) and each
``applyInPandas`` call fits every segment of its bucket with the same one-pass loop as pandas
(``fit_segments``), returning one row per segment: segment, pickled model, row count, status,
fit seconds, error. Grouping by bucket instead of by segment amortizes Spark's per-group cost
(an Arrow round trip and a pandas frame per group) over hundreds of segments; ``buckets=None``
groups by the segment itself. The driver collects the rows as Arrow (about 1 KB per linear
model: ~100 MB for 100,000 segments) and keeps the model bytes packed, never unpickling them.
The global fallback is fit on the driver on a sample of at most ``global_max_rows`` rows.

Predict: the fitted model is saved packed (or reused where it was loaded from) and reaches the
executors by a shared path (local master) or ``SparkContext.addFile``. Rows are grouped by the
same buckets; each task opens the packed store lazily (index only) and unpickles just the models
of the segments it meets. The output schema comes from the model's declared columns.

Example (needs a SparkSession, so not run as a doctest)::

    model = fit_segmented(SegmentedModel(base, "store_id", min_rows=20), sdf)
    scored = predict_segmented(model, sdf, keep_columns=["customer_id", "store_id"])
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from yotml_airflow.errors import ConfigError, ModelIntegrityError, SchemaError
from yotml_airflow.models import SegmentedModel
from yotml_airflow.models._segment_fit import RESULT_COLUMNS, fit_segments

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import DataType, StructType

BUCKET = "__yotml_bucket"
DEFAULT_BUCKETS = 256
_EXECUTOR_MODELS: dict[tuple[str, str], SegmentedModel] = {}


def fit_segmented(
    model: SegmentedModel,
    sdf: DataFrame,
    *,
    buckets: int | None = DEFAULT_BUCKETS,
    global_max_rows: int = 1_000_000,
    seed: int = 0,
) -> SegmentedModel:
    """Fit ``model`` (a ``SegmentedModel``) on a Spark DataFrame: one model per segment on the executors.

    Returns a new fitted ``SegmentedModel`` equal in behaviour to ``model.fit(sdf.toPandas())``
    (except that the global fallback sees at most ``global_max_rows`` sampled rows).

    >>> fit_segmented("not a model", None)
    Traceback (most recent call last):
    ...
    yotml_airflow.errors.ConfigError: fit_segmented needs a SegmentedModel, got str
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import BinaryType, DoubleType, LongType, StringType, StructField, StructType

    if not isinstance(model, SegmentedModel):
        raise ConfigError(f"fit_segmented needs a SegmentedModel, got {type(model).__name__}")
    _check_buckets(buckets)
    if isinstance(global_max_rows, bool) or not isinstance(global_max_rows, int) or global_max_rows < 1:
        raise ConfigError(f"fit_segmented: global_max_rows must be an int >= 1, got {global_max_rows!r}")
    model = model.clone()
    model.validate_params(list(sdf.columns))
    seg, min_rows = model.segment_col, model.min_rows
    base_blob = pickle.dumps(model.base.clone(), protocol=pickle.HIGHEST_PROTOCOL)
    schema = StructType(
        [
            StructField("segment", sdf.schema[seg].dataType),
            StructField("rows", LongType()),
            StructField("status", StringType()),
            StructField("fit_seconds", DoubleType()),
            StructField("error", StringType()),
            StructField("model", BinaryType()),
            StructField("outputs", StringType()),
            StructField("inputs", StringType()),
        ]
    )

    def fit_group(pdf: pd.DataFrame) -> pd.DataFrame:
        return fit_segments(pdf.drop(columns=[BUCKET], errors="ignore"), seg, base_blob, min_rows)

    grouped = _grouped(sdf, seg, buckets, F)
    results = grouped.applyInPandas(fit_group, schema).toArrow().to_pandas()[RESULT_COLUMNS]
    global_model = None
    if model.fallback == "global":
        global_model = model.base.clone().fit(_sample(sdf.drop(seg), int(results["rows"].sum()), global_max_rows, seed))
    model.assemble(results, global_model, _kind(sdf.schema[seg].dataType))
    return model


def predict_segmented(
    model: SegmentedModel | str | Path,
    sdf: DataFrame,
    *,
    method: str = "predict",
    keep_columns: list[str] | None = None,
    buckets: int | None = DEFAULT_BUCKETS,
    distribute: str = "auto",
) -> DataFrame:
    """Score ``sdf`` with a fitted ``SegmentedModel`` (its saved folder, or an MLflow URI), one Spark job.

    ``method="predict"`` returns ``keep_columns`` (default: the segment column) plus the model's
    output columns; ``"transform"`` returns the transformed frame. ``distribute`` is ``"shared"``
    (executors read the folder's path), ``"addfile"`` (shipped with ``SparkContext.addFile``) or
    ``"auto"`` (shared for a local master).
    """
    from pyspark.sql import functions as F

    if method not in ("predict", "transform"):
        raise ConfigError(f"predict_segmented: method must be 'predict' or 'transform', got {method!r}")
    if distribute not in ("auto", "shared", "addfile"):
        raise ConfigError(f"predict_segmented: distribute must be 'auto', 'shared' or 'addfile', got {distribute!r}")
    _check_buckets(buckets)
    folder, fitted = _packed(model)
    seg = fitted.segment_col
    missing = [c for c in fitted.input_schema if c not in sdf.columns]
    if missing:
        raise SchemaError(f"predict_segmented: missing required column(s) {missing}; the frame has {sdf.columns}")
    in_dtypes = {f.name: _dtype(f.dataType) for f in sdf.schema.fields}
    if method == "predict":
        keep = [seg] if keep_columns is None else list(keep_columns)
        absent = [c for c in keep if c not in sdf.columns]
        if absent:
            raise SchemaError(f"predict_segmented: keep_columns {absent} are not in the frame {sdf.columns}")
        out_dtypes = {**{c: in_dtypes[c] for c in keep}, **fitted.output_columns()}
    else:
        keep = []
        out_dtypes = fitted.transform_schema(in_dtypes)
    schema = _spark_schema(out_dtypes)
    spark = sdf.sparkSession
    location = _distribute(spark, folder, fitted, distribute)
    digest = fitted._source[1] if fitted._source else ""

    def score(pdf: pd.DataFrame) -> pd.DataFrame:
        pdf = pdf.drop(columns=[BUCKET], errors="ignore").reset_index(drop=True)
        executor_model = _executor_model(location, digest)
        if method == "transform":
            return executor_model.transform(pdf)[list(out_dtypes)]
        return pd.concat([pdf[keep], executor_model.predict(pdf)], axis=1)[list(out_dtypes)]

    return _grouped(sdf, seg, buckets, F).applyInPandas(score, schema)


def _grouped(sdf: DataFrame, seg: str, buckets: int | None, F: Any) -> Any:
    if buckets is None:
        return sdf.groupBy(seg)
    return sdf.withColumn(BUCKET, F.pmod(F.hash(F.col(seg)), F.lit(buckets))).groupBy(BUCKET)


def _check_buckets(buckets: int | None) -> None:
    if buckets is not None and (isinstance(buckets, bool) or not isinstance(buckets, int) or buckets < 1):
        raise ConfigError(f"buckets must be None (group by segment) or an int >= 1, got {buckets!r}")


def _sample(sdf: DataFrame, total_rows: int, max_rows: int, seed: int) -> pd.DataFrame:
    if total_rows > max_rows:
        sdf = sdf.sample(fraction=min(1.0, 1.05 * max_rows / total_rows), seed=seed).limit(max_rows)
    return sdf.toPandas()


def _packed(model: SegmentedModel | str | Path) -> tuple[Path, SegmentedModel]:
    """The folder holding ``model`` packed, and the model.

    An in-memory model is saved once to a temporary folder that lives as long as the model does
    (keep the model referenced until the returned DataFrame's jobs have run).
    """
    if isinstance(model, (str, Path)):
        from yotml_airflow.tracking import resolve_model

        loaded = resolve_model(model)
        if not isinstance(loaded, SegmentedModel):
            raise ConfigError(f"predict_segmented: {model} holds a {type(loaded).__name__}, not a SegmentedModel")
        model = loaded
    if not isinstance(model, SegmentedModel):
        raise ConfigError(f"predict_segmented needs a SegmentedModel or its folder, got {type(model).__name__}")
    model._require_fitted()
    if model._source is not None:
        folder = Path(model._source[0])
        manifest = folder / "manifest.json"
        if manifest.is_file() and hashlib.sha256(manifest.read_bytes()).hexdigest() == model._source[1]:
            return folder, model
    staging = tempfile.mkdtemp(prefix="yotml-segmented-")
    folder = Path(staging) / "model"
    model.save(folder)
    model._source = (str(folder), hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest())
    weakref.finalize(model, shutil.rmtree, staging, True)
    return folder, model


def _distribute(spark: Any, folder: Path, model: SegmentedModel, mode: str) -> str:
    sc = spark.sparkContext
    if mode == "shared" or (mode == "auto" and sc.master.startswith("local")):
        return str(folder)
    digest = model._source[1] if model._source else "x"
    name = f"yotml-segmented-{digest[:20]}"
    staged = Path(tempfile.gettempdir()) / name
    if not staged.exists():
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=staged.parent))
        shutil.copytree(folder, tmp / name)
        os.replace(tmp / name, staged)
        shutil.rmtree(tmp, ignore_errors=True)
    try:
        sc.addFile(str(staged), recursive=True)
    except Exception as exc:
        if "already" not in str(exc):
            raise
    return f"sparkfiles:{name}"


def _executor_model(location: str, digest: str) -> SegmentedModel:
    """The packed model opened once per Python worker (index only; segment models load on demand)."""
    key = (location, digest)
    model = _EXECUTOR_MODELS.get(key)
    if model is None:
        if location.startswith("sparkfiles:"):
            from pyspark import SparkFiles

            folder = Path(SparkFiles.get(location.split(":", 1)[1]))
        else:
            folder = Path(location)
        actual = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
        if digest and actual != digest:
            raise ModelIntegrityError(f"{folder}: the model changed after the job started (manifest differs)")
        model = SegmentedModel._load_payload(folder)
        _EXECUTOR_MODELS[key] = model
    return model


def _kind(data_type: DataType) -> str:
    name = type(data_type).__name__
    if name == "StringType":
        return "string"
    if name == "BooleanType":
        return "bool"
    if name in ("TimestampType", "TimestampNTZType", "DateType"):
        return "datetime"
    if name in ("ByteType", "ShortType", "IntegerType", "LongType", "FloatType", "DoubleType", "DecimalType"):
        return "numeric"
    return "any"


def _dtype(data_type: DataType) -> str:
    name = type(data_type).__name__
    mapping = {
        "StringType": "string",
        "BooleanType": "bool",
        "TimestampType": "datetime64[us]",
        "TimestampNTZType": "datetime64[us]",
        "ByteType": "int64",
        "ShortType": "int64",
        "IntegerType": "int64",
        "LongType": "int64",
        "FloatType": "float64",
        "DoubleType": "float64",
    }
    return mapping.get(name, "any")


def _spark_schema(dtypes: dict[str, str]) -> StructType:
    from pyspark.sql.types import (
        BooleanType,
        DoubleType,
        LongType,
        StringType,
        StructField,
        StructType,
        TimestampType,
    )

    types = {
        "float64": DoubleType(),
        "int64": LongType(),
        "bool": BooleanType(),
        "string": StringType(),
        "datetime64[us]": TimestampType(),
    }
    bad = {c: d for c, d in dtypes.items() if d not in types}
    if bad:
        raise SchemaError(f"predict_segmented: column(s) {bad} have no Spark type; declare one of {list(types)}")
    return StructType([StructField(c, types[d], True) for c, d in dtypes.items()])
