"""log_model / load_model against a real SQLite MLflow store: every URI form, pyfunc parity, what the run holds."""

from __future__ import annotations

import mlflow
import pandas as pd
import pandas.testing as pdt
import pytest
from sklearn.linear_model import LogisticRegression

from yotml_airflow.models import SklearnModel
from yotml_airflow.tracking import describe_model, load_model, log_model, promote, resolve_model


@pytest.fixture()
def clf(churn_df: pd.DataFrame) -> SklearnModel:
    return SklearnModel(LogisticRegression(C=0.5), features=["x", "visits"], target="churned").fit(churn_df)


def test_log_register_and_load_by_every_uri(mlflow_store: str, clf: SklearnModel, churn_df: pd.DataFrame) -> None:
    info = log_model(clf, "churn", metrics={"auc": 0.91}, data=churn_df)
    assert (info.name, info.version, info.model_uri) == ("churn", 1, "models:/churn/1")
    promote("churn", 1)
    expected = clf.predict(churn_df)
    for uri in (f"runs:/{info.run_id}/model", "models:/churn/1", "models:/churn@champion", "models:/churn/latest"):
        loaded = load_model(uri)
        assert type(loaded) is SklearnModel
        pdt.assert_frame_equal(loaded.predict(churn_df), expected)
    ref = describe_model("models:/churn@champion")
    assert (ref.name, ref.version, ref.run_id, ref.uri) == ("churn", 1, info.run_id, "models:/churn/1")
    pdt.assert_frame_equal(resolve_model("models:/churn@champion").predict(churn_df), expected)


def test_pyfunc_predict_equals_yotml_predict(mlflow_store: str, clf: SklearnModel, churn_df: pd.DataFrame) -> None:
    log_model(clf, "churn", data=churn_df)
    pyfunc = mlflow.pyfunc.load_model("models:/churn/1")
    pdt.assert_frame_equal(pyfunc.predict(churn_df), clf.predict(churn_df))
    signature = pyfunc.metadata.signature
    assert signature.inputs.input_names() == ["x", "visits"]
    assert [c.type.name for c in signature.inputs.inputs] == ["double", "long"]
    assert signature.outputs.input_names() == ["prediction", "proba_0", "proba_1"]
