"""``SklearnModel`` wraps classifiers, regressors and sklearn Pipelines, on scikit-learn's bundled data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler as SkStandardScaler

from yotml_airflow.errors import ConfigError, SchemaError
from yotml_airflow.models import SklearnModel


def _split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    test = frame.index % 4 == 0
    return frame[~test], frame[test]


def test_classifier_predicts_class_and_probabilities(breast_cancer: pd.DataFrame) -> None:
    train, test = _split(breast_cancer)
    features = [c for c in breast_cancer.columns if c != "target"]
    estimator = make_pipeline(SkStandardScaler(), LogisticRegression(max_iter=500))
    model = SklearnModel(estimator, target="target").fit(train)
    assert model.features_ == features
    out = model.predict(test)
    assert list(out.columns) == ["prediction", "proba_0", "proba_1"]
    assert out.dtypes.astype(str).tolist() == ["int64", "float64", "float64"]
    np.testing.assert_allclose(out[["proba_0", "proba_1"]].sum(axis=1), 1.0)
    reference = make_pipeline(SkStandardScaler(), LogisticRegression(max_iter=500)).fit(
        train[features], train["target"]
    )
    np.testing.assert_array_equal(out["prediction"], reference.predict(test[features]))
    assert (out["prediction"] == test["target"]).mean() > 0.9
    assert not hasattr(estimator, "classes_"), "the estimator passed in must stay unfitted"


def test_multiclass_string_labels(iris: pd.DataFrame) -> None:
    model = SklearnModel(
        RandomForestClassifier(n_estimators=20, random_state=0),
        features=["petal_length", "petal_width"],
        target="species",
    ).fit(iris)
    out = model.predict(iris)
    assert list(out.columns) == ["prediction", "proba_setosa", "proba_versicolor", "proba_virginica"]
    assert model.output_columns()["prediction"] == "string" and pd.api.types.is_string_dtype(out["prediction"])
    assert (out["prediction"] == iris["species"]).mean() > 0.95
    assert list(
        SklearnModel(LogisticRegression(max_iter=1000), target="species", proba=False).fit(iris).predict(iris).columns
    ) == ["prediction"]


def test_regressor_predicts_a_float(diabetes: pd.DataFrame) -> None:
    train, test = _split(diabetes)
    model = SklearnModel(LinearRegression(), target="target", prediction_col="progression").fit(train)
    out = model.predict(test)
    assert model.output_columns() == {"progression": "float64"}
    assert r2_score(test["target"], out["progression"]) > 0.3
    assert out.index.equals(test.index)


def test_sklearn_model_errors(diabetes: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="target column 'y' is missing"):
        SklearnModel(LinearRegression(), target="y").fit(diabetes)
    with pytest.raises(SchemaError, match="target column 'target' has 1 missing"):
        SklearnModel(LinearRegression()).fit(diabetes.assign(target=[None, *diabetes["target"].tolist()[1:]]))
    with pytest.raises(ConfigError, match="has no fit method"):
        SklearnModel("not an estimator", target="target").fit(diabetes)
    model = SklearnModel(LinearRegression(), features=["age", "bmi"]).fit(diabetes)
    with pytest.raises(SchemaError, match=r"\['bmi'\]"):
        model.predict(diabetes.drop(columns=["bmi"]))
    with pytest.raises(SchemaError, match="column 'age' must be numeric"):
        model.predict(diabetes.assign(age="old"))
    empty = model.predict(diabetes.iloc[:0])
    assert list(empty.columns) == ["prediction"] and len(empty) == 0
