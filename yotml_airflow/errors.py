"""Exceptions raised by yotml-airflow.

Every error the package raises on purpose is a ``YotmlError``, so callers can catch one type::

    YotmlError
     ├── SchemaError          an input frame misses a column or has a wrongly typed one
     ├── NotFittedError       transform/predict called before fit
     ├── EmptyDataError       fit called on a frame with no rows
     ├── ModelIntegrityError  a saved model is tampered, truncated or of an unknown format
     ├── ModelCheckError      a model fails a conformance check of ``check_model``
     ├── ConfigError          bad arguments or configuration (a job, an operator, a YAML file)
     ├── DataTooLargeError    data exceeds a declared row limit before it is collected
     ├── SegmentError         segment routing or per-segment fit policy failed
     ├── TrackingError        MLflow model name, version or alias not found, or a bad URI
     └── JobError             a Spark job or its inputs failed

Example:
    >>> from yotml_airflow.errors import SchemaError, YotmlError
    >>> issubclass(SchemaError, YotmlError)
    True
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataTooLargeError",
    "EmptyDataError",
    "JobError",
    "ModelCheckError",
    "ModelIntegrityError",
    "NotFittedError",
    "SchemaError",
    "SegmentError",
    "TrackingError",
    "YotmlError",
]


class YotmlError(Exception):
    """Base class of every error raised by yotml-airflow."""


class SchemaError(YotmlError, ValueError):
    """An input frame misses required columns or has columns of the wrong type."""


class NotFittedError(YotmlError, RuntimeError):
    """A model was used (transform, predict, save of learned state) before ``fit``."""


class EmptyDataError(YotmlError, ValueError):
    """``fit`` was given a frame with no rows."""


class ModelIntegrityError(YotmlError):
    """A saved model folder is tampered, truncated, or of an unknown format."""


class ModelCheckError(YotmlError, AssertionError):
    """A model failed ``check_model``: the message names the model and every failed check."""


class ConfigError(YotmlError, ValueError):
    """Bad arguments or configuration, detected before any work starts."""


class DataTooLargeError(YotmlError):
    """The data exceeds a declared ``max_rows`` limit, checked before collecting it."""


class SegmentError(YotmlError):
    """Segment routing failed (unseen segments under the ``"error"`` policy) or too many segment fits failed."""


class TrackingError(YotmlError):
    """An MLflow model name, version, alias or URI does not exist or cannot be used."""


class JobError(YotmlError):
    """A job's inputs are missing or unreadable, or the job failed."""
