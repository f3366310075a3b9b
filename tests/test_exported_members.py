"""Each layer's ``__all__`` lists exactly its public names, sorted (httpx's facade test)."""

from __future__ import annotations

import types

import pytest

import yotml_airflow.datasets
import yotml_airflow.errors
import yotml_airflow.models
import yotml_airflow.models.monitoring


def _sort_key(name: str) -> tuple[int, str]:
    """isort order (ruff's RUF022): CONSTANTS, then Classes, then functions."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


@pytest.mark.parametrize(
    "module", [yotml_airflow.models, yotml_airflow.datasets, yotml_airflow.errors, yotml_airflow.models.monitoring]
)
def test_all_lists_the_public_names_sorted(module: types.ModuleType) -> None:
    public = [
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType) and name != "annotations"
    ]
    assert sorted(module.__all__) == sorted(public)
    assert module.__all__ == sorted(module.__all__, key=_sort_key)


def test_models_exports_pinned() -> None:
    assert yotml_airflow.models.__all__ == [
        "CHECKS",
        "KINDS",
        "OUTPUT_DTYPES",
        "CategoryVocabulary",
        "Clipper",
        "DataCleaner",
        "DateParts",
        "DtypeCoercer",
        "FrequencyEncoder",
        "Imputer",
        "Log1p",
        "Model",
        "ModelPipeline",
        "OneHotEncoder",
        "OrdinalEncoder",
        "RatioFeature",
        "SegmentedModel",
        "SklearnModel",
        "StandardScaler",
        "TargetEncoder",
        "check_model",
        "dtypes_of",
        "kind_of",
        "load_model",
        "save_model",
    ]
