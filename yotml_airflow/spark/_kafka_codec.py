"""Kafka records <-> model rows: decode JSON values into a model's input columns, encode predictions.

Decoding never fails a query: every record comes out either with its model columns filled and
``_reason`` null, or with ``_reason`` saying why it cannot be scored, so the caller can route it to
a dead-letter topic. The checks, in order:

- ``null value``: the record has no value (a tombstone);
- ``not valid JSON``: the value does not parse (including bytes that are not UTF-8);
- ``not a JSON object``: valid JSON, but an array, a number or a string;
- ``missing field(s): a, b``: a field of the model's input is absent (an explicit ``null`` is a
  missing *value*, which the model handles like NaN);
- ``wrong type for field(s): x (numeric)``: a field's value cannot be read as its kind
  (``"abc"`` or ``true`` for a numeric field, a non-ISO string for a datetime).

Kinds map to Spark types as numeric -> double, string -> string, bool -> boolean,
datetime -> timestamp, any -> string. Values are parsed strictly (a numeric field given
``"1.5"`` as a JSON string is a wrong type); a string field accepts any scalar as its text.

Example:
    >>> decode_schema({"x": "numeric", "s": "string"}).simpleString()
    'struct<x:double,s:string,_corrupt_record:string>'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from yotml_airflow.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame
    from pyspark.sql.types import StructType

CORRUPT = "_corrupt_record"
REASON = "_reason"
SOURCE = {
    "_src_key": "key",
    "_src_value": "value",
    "_src_topic": "topic",
    "_src_partition": "partition",
    "_src_offset": "offset",
    "_src_timestamp": "timestamp",
}
META_FIELDS = (
    "model_name",
    "model_version",
    "source_topic",
    "source_partition",
    "source_offset",
    "source_timestamp",
    "predicted_at",
)
_JSON_OPTIONS = {"ignoreNullFields": "false"}
_KIND_TYPES = {"numeric": "double", "string": "string", "bool": "boolean", "datetime": "timestamp", "any": "string"}


def decode_schema(fields: Mapping[str, str]) -> StructType:
    """The ``from_json`` schema for ``{field: kind}``, with the corrupt-record column last."""
    from pyspark.sql import types as T

    types = {
        "double": T.DoubleType(),
        "string": T.StringType(),
        "boolean": T.BooleanType(),
        "timestamp": T.TimestampType(),
    }
    out = []
    for name, kind in fields.items():
        if kind not in _KIND_TYPES:
            raise ConfigError(f"field {name!r} has kind {kind!r}; expected one of {sorted(_KIND_TYPES)}")
        out.append(T.StructField(name, types[_KIND_TYPES[kind]], nullable=True))
    out.append(T.StructField(CORRUPT, T.StringType(), nullable=True))
    return T.StructType(out)


def check_names(model_fields: Sequence[str], keep_fields: Sequence[str], outputs: Sequence[str]) -> None:
    """``ConfigError`` when a field name would collide with a column the runner adds."""
    reserved = set(SOURCE) | {CORRUPT, REASON}
    clash = sorted((set(model_fields) | set(keep_fields)) & reserved)
    if clash:
        raise ConfigError(f"input field(s) {clash} collide with names the streaming runner reserves")
    taken = sorted(set(outputs) & set(META_FIELDS))
    if taken:
        raise ConfigError(f"the model's output column(s) {taken} collide with the metadata fields {list(META_FIELDS)}")
    shadowed = sorted(set(keep_fields) & (set(outputs) | set(META_FIELDS)))
    if shadowed:
        raise ConfigError(f"keep_fields {shadowed} would be overwritten by output or metadata fields of the same name")


def decode(raw: DataFrame, fields: Mapping[str, str], required: Sequence[str] = ()) -> DataFrame:
    """Kafka rows -> the ``_src_*`` columns, one column per field in ``fields`` and ``_reason``.

    ``fields`` maps JSON field names to kinds (the model's ``input_schema_`` plus any fields kept
    for the output as ``"any"``); a record missing a field of ``required`` is a bad record.
    """
    from pyspark.sql import functions as F

    text = F.col("value").cast("string")
    parsed = F.from_json(text, decode_schema(fields), {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT})
    keys = F.json_object_keys(text)
    src = [F.col(col).alias(alias) for alias, col in SOURCE.items()]
    staged = raw.select(*src, text.alias("_text"), parsed.alias("_parsed"), keys.alias("_keys"))
    reason = _reason(fields, list(required))
    values = [F.col("_parsed").getField(name).alias(name) for name in fields]
    return staged.select(*SOURCE, *values, reason.alias(REASON))


def _reason(fields: Mapping[str, str], required: list[str]) -> Column:
    from pyspark.sql import functions as F

    keys = F.col("_keys")
    missing = F.array_except(F.array(*[F.lit(n) for n in required]), F.coalesce(keys, F.array().cast("array<string>")))
    wrong_items = [
        F.when(
            F.array_contains(keys, name)
            & F.col("_parsed").getField(name).isNull()
            & F.get_json_object(F.col("_text"), "$['" + name.replace("'", "\\'") + "']").isNotNull(),
            F.lit(f"{name} ({kind})"),
        )
        for name, kind in fields.items()
    ]
    wrong = F.filter(F.array(*wrong_items), lambda c: c.isNotNull()) if wrong_items else F.array()
    chain = (
        F.when(F.col("_src_value").isNull(), F.lit("null value"))
        .when(keys.isNull() & F.get_json_object(F.col("_text"), "$").isNull(), F.lit("not valid JSON"))
        .when(keys.isNull(), F.lit("not a JSON object"))
    )
    if required:
        chain = chain.when(F.size(missing) > 0, F.concat(F.lit("missing field(s): "), F.array_join(missing, ", ")))
    return chain.when(
        F.col("_parsed").getField(CORRUPT).isNotNull(),
        F.when(F.size(wrong) > 0, F.concat(F.lit("wrong type for field(s): "), F.array_join(wrong, ", "))).otherwise(
            F.lit("the value does not match the model's input schema")
        ),
    )


def identity_columns(model_name: str | None, model_version: int | str | None) -> list[Column]:
    """``model_name`` and ``model_version`` as literal columns (JSON null when unknown)."""
    from pyspark.sql import functions as F

    version = F.lit(model_version) if model_version is not None else F.lit(None).cast("string")
    name = F.lit(model_name) if model_name is not None else F.lit(None).cast("string")
    return [name.alias("model_name"), version.alias("model_version")]


def encode_predictions(
    scored: DataFrame, columns: Sequence[str], identity: list[Column], topic: str, *, with_source: bool = True
) -> DataFrame:
    """Scored rows -> Kafka rows ``(key, value, topic)``: the value is a JSON object of ``columns``,
    the model's identity, the source position (when ``with_source``) and ``predicted_at``."""
    from pyspark.sql import functions as F

    return scored.select(_key(scored), _prediction_value(columns, identity, with_source), F.lit(topic).alias("topic"))


def encode_routed(
    routed: DataFrame, columns: Sequence[str], identity: list[Column], topic: str, dead_letter_topic: str
) -> DataFrame:
    """Rows with a null ``_reason`` -> predictions on ``topic``, the others -> dead letters on
    ``dead_letter_topic``; one Kafka row ``(key, value, topic)`` per input row, for one sink."""
    from pyspark.sql import functions as F

    ok = F.col(REASON).isNull()
    value = F.when(ok, _prediction_value(columns, identity, True)).otherwise(_dead_letter_value(identity))
    destination = F.when(ok, F.lit(topic)).otherwise(F.lit(dead_letter_topic))
    return routed.select(_key(routed), value.alias("value"), destination.alias("topic"))


def _key(rows: DataFrame) -> Column:
    from pyspark.sql import functions as F

    key = F.col("_src_key") if "_src_key" in rows.columns else F.lit(None).cast("binary")
    return key.alias("key")


def _prediction_value(columns: Sequence[str], identity: list[Column], with_source: bool) -> Column:
    from pyspark.sql import functions as F

    source = (
        [
            F.col("_src_topic").alias("source_topic"),
            F.col("_src_partition").alias("source_partition"),
            F.col("_src_offset").alias("source_offset"),
            F.col("_src_timestamp").alias("source_timestamp"),
        ]
        if with_source
        else []
    )
    body = [F.col(c) for c in columns] + identity + source + [F.current_timestamp().alias("predicted_at")]
    return F.to_json(F.struct(*body), _JSON_OPTIONS).alias("value")


def _dead_letter_value(identity: list[Column]) -> Column:
    from pyspark.sql import functions as F

    body = [
        F.col(REASON).alias("reason"),
        F.col("_src_value").cast("string").alias("value"),
        F.base64(F.col("_src_value")).alias("value_base64"),
        F.col("_src_topic").alias("source_topic"),
        F.col("_src_partition").alias("source_partition"),
        F.col("_src_offset").alias("source_offset"),
        F.col("_src_timestamp").alias("source_timestamp"),
        *identity,
        F.current_timestamp().alias("rejected_at"),
    ]
    return F.to_json(F.struct(*body), _JSON_OPTIONS).alias("value")
