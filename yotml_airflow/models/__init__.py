"""``yotml_airflow.models``: the model layer, pandas only (no Spark, Airflow or MLflow imports).

Everything is a model: cleaning, features, estimators and monitors share ``fit`` / ``transform`` /
``predict``, declared inputs and outputs, ``save`` / ``load`` and ``check_model``.
"""

from yotml_airflow.models._base import Model, dtypes_of
from yotml_airflow.models._checks import CHECKS, check_model
from yotml_airflow.models._cleaner import DataCleaner
from yotml_airflow.models._cleaning import CategoryVocabulary, Clipper, Imputer
from yotml_airflow.models._coercion import DtypeCoercer
from yotml_airflow.models._dates import DateParts
from yotml_airflow.models._encoding import OneHotEncoder, OrdinalEncoder
from yotml_airflow.models._persist import load_model, save_model
from yotml_airflow.models._pipeline import ModelPipeline
from yotml_airflow.models._scaling import Log1p, RatioFeature, StandardScaler
from yotml_airflow.models._schema import KINDS, OUTPUT_DTYPES, kind_of
from yotml_airflow.models._sklearn import SklearnModel

__all__ = [
    "CHECKS",
    "KINDS",
    "OUTPUT_DTYPES",
    "CategoryVocabulary",
    "Clipper",
    "DataCleaner",
    "DateParts",
    "DtypeCoercer",
    "Imputer",
    "Log1p",
    "Model",
    "ModelPipeline",
    "OneHotEncoder",
    "OrdinalEncoder",
    "RatioFeature",
    "SklearnModel",
    "StandardScaler",
    "check_model",
    "dtypes_of",
    "kind_of",
    "load_model",
    "save_model",
]
