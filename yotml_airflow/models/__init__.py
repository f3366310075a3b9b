"""``yotml_airflow.models``: the model layer, pandas only (no Spark, Airflow or MLflow imports).

Everything is a model: cleaning, features, estimators and monitors share ``fit`` / ``transform`` /
``predict``, declared inputs and outputs, ``save`` / ``load`` and ``check_model``.
"""

from yotml_airflow.models._base import Model, dtypes_of
from yotml_airflow.models._persist import load_model, save_model
from yotml_airflow.models._pipeline import ModelPipeline
from yotml_airflow.models._schema import KINDS, OUTPUT_DTYPES, kind_of
from yotml_airflow.models._segmented import SegmentedModel
from yotml_airflow.models._sklearn import SklearnModel

__all__ = [
    "KINDS",
    "OUTPUT_DTYPES",
    "Model",
    "ModelPipeline",
    "SegmentedModel",
    "SklearnModel",
    "dtypes_of",
    "kind_of",
    "load_model",
    "save_model",
]
