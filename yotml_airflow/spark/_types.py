"""Spark <-> pandas types: the declared dtype vocabulary as Spark types, and Spark schemas as kinds.

A model declares its outputs with dtypes from ``OUTPUT_DTYPES`` (float64, int64, bool, string,
datetime64[us]); ``to_spark_schema`` turns them into a ``StructType`` so Spark can plan a job
without running the model. ``spark_dtypes`` / ``spark_kinds`` go the other way, so the model's
``input_schema_`` can be checked against a Spark DataFrame on the driver, before any job runs.

Inside the Python workers Arrow gives integer columns that hold nulls as pandas' nullable ``Int64``;
``normalize_batch`` turns them into ``float64`` with NaN, which is what ``DataFrame.toPandas()`` and
``pandas.read_parquet`` give, so a model sees on Spark the frame it sees on pandas.

Example:
    >>> to_spark_schema({"prediction": "float64", "label": "string"}).simpleString()
    'struct<prediction:double,label:string>'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from yotml_airflow.errors import SchemaError

if TYPE_CHECKING:
    from pyspark.sql.types import DataType, StructType


def spark_type(dtype: str) -> DataType:
    """The Spark type of one declared dtype; ``SchemaError`` for a dtype outside the vocabulary."""
    from pyspark.sql import types as T

    mapping: dict[str, DataType] = {
        "float64": T.DoubleType(),
        "int64": T.LongType(),
        "bool": T.BooleanType(),
        "string": T.StringType(),
        "datetime64[us]": T.TimestampType(),
    }
    if dtype not in mapping:
        raise SchemaError(f"dtype {dtype!r} has no Spark type; declared dtypes must be one of {sorted(mapping)}")
    return mapping[dtype]


def to_spark_schema(dtypes: Mapping[str, str]) -> StructType:
    """A nullable ``StructType`` for ``{column: dtype}`` in the declared dtype vocabulary."""
    from pyspark.sql import types as T

    fields = []
    for name, dtype in dtypes.items():
        try:
            fields.append(T.StructField(name, spark_type(dtype), nullable=True))
        except SchemaError as exc:
            raise SchemaError(f"column {name!r}: {exc}") from None
    return T.StructType(fields)


def dtype_of_spark(data_type: DataType) -> str:
    """The dtype vocabulary name of a Spark type (``"any"`` when none fits, e.g. arrays or dates)."""
    from pyspark.sql import types as T

    if isinstance(data_type, T.BooleanType):
        return "bool"
    if isinstance(data_type, T.IntegralType):
        return "int64"
    if isinstance(data_type, (T.FloatType, T.DoubleType)):
        return "float64"
    if isinstance(data_type, (T.StringType, T.CharType, T.VarcharType)):
        return "string"
    if isinstance(data_type, (T.TimestampType, T.TimestampNTZType)):
        return "datetime64[us]"
    return "any"


def kind_of_spark(data_type: DataType) -> str:
    """The column kind (numeric, string, datetime, bool, any) a Spark type arrives as in pandas."""
    from pyspark.sql import types as T

    if isinstance(data_type, T.DecimalType):
        return "any"
    dtype = dtype_of_spark(data_type)
    return {"float64": "numeric", "int64": "numeric", "string": "string", "datetime64[us]": "datetime"}.get(
        dtype, dtype
    )


def spark_dtypes(schema: StructType) -> dict[str, str]:
    """``{column: dtype}`` of a Spark schema in the declared dtype vocabulary."""
    return {f.name: dtype_of_spark(f.dataType) for f in schema.fields}


def check_spark_input(schema: StructType, required: Mapping[str, str], owner: str) -> None:
    """Raise ``SchemaError`` naming every column of ``required`` ({column: kind}) missing or mistyped.

    The Spark counterpart of the model layer's pandas ``check_input``: it runs on the driver from
    the schema alone, so a wrong input fails before any Spark job starts.
    """
    fields = {f.name: f.dataType for f in schema.fields}
    missing = [c for c in required if c not in fields]
    if missing:
        raise SchemaError(f"{owner}: missing required column(s) {missing}; the Spark DataFrame has {list(fields)}")
    wrong = []
    for col, expected in required.items():
        actual = kind_of_spark(fields[col])
        if expected == "any" or actual == expected or (expected == "numeric" and actual == "bool"):
            continue
        hint = " (cast dates to timestamp)" if expected == "datetime" and fields[col].typeName() == "date" else ""
        wrong.append(f"column {col!r} must be {expected}, got Spark type {fields[col].simpleString()}{hint}")
    if wrong:
        raise SchemaError(f"{owner}: " + "; ".join(wrong))


def normalize_batch(df: pd.DataFrame) -> pd.DataFrame:
    """Nullable integer columns (``Int64`` with ``<NA>``) as ``float64`` with NaN, like ``toPandas()``."""
    types = pd.api.types
    ext = [c for c in df.columns if types.is_integer_dtype(df[c].dtype) and types.is_extension_array_dtype(df[c].dtype)]
    if not ext:
        return df
    df = df.copy(deep=False)
    for col in ext:
        series = df[col]
        numpy_dtype: Any = getattr(series.dtype, "numpy_dtype", "int64")
        df[col] = series.astype("float64") if series.isna().any() else series.astype(numpy_dtype)
    return df
