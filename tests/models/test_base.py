"""The Model contract on a minimal user-defined model."""

from __future__ import annotations

import pandas as pd
import pytest

from yotml_airflow.errors import EmptyDataError, NotFittedError, SchemaError
from yotml_airflow.models import Model


class MeanModel(Model):
    def __init__(self, target: str = "y", offset: float = 0.0):
        self.target = target
        self.offset = offset

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        return [self.target]

    def _fit(self, df: pd.DataFrame) -> None:
        self.mean_ = float(df[self.target].mean())

    def output_columns(self) -> dict[str, str]:
        return {"prediction": "float64"}

    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"prediction": self.mean_ + self.offset}, index=df.index)


def test_params_round_trip_and_clone_is_unfitted() -> None:
    model = MeanModel(target="z", offset=1.5)
    assert model.get_params() == {"offset": 1.5, "target": "z"}
    model.set_params(offset=2.0)
    assert model.offset == 2.0
    fitted = model.fit(pd.DataFrame({"z": [1.0, 3.0]}))
    clone = fitted.clone()
    assert clone.get_params() == fitted.get_params()
    assert not clone.is_fitted()
    with pytest.raises(ValueError, match="no parameter"):
        model.set_params(nope=1)


def test_fit_returns_self_and_predict_keeps_index() -> None:
    model = MeanModel()
    assert model.fit(pd.DataFrame({"y": [2.0, 4.0]})) is model
    df = pd.DataFrame({"y": [0.0, 0.0]}, index=[10, 20])
    out = model.predict(df)
    assert list(out.index) == [10, 20]
    assert out["prediction"].tolist() == [3.0, 3.0]


def test_errors_are_clear() -> None:
    with pytest.raises(NotFittedError, match="not fitted"):
        MeanModel().predict(pd.DataFrame({"y": [1.0]}))
    with pytest.raises(EmptyDataError, match="no rows"):
        MeanModel().fit(pd.DataFrame({"y": pd.Series([], dtype=float)}))
    model = MeanModel().fit(pd.DataFrame({"y": [1.0]}))
    with pytest.raises(SchemaError, match="'y'"):
        model.predict(pd.DataFrame({"x": [1.0]}))
    with pytest.raises(SchemaError, match="column 'y' must be numeric"):
        model.predict(pd.DataFrame({"y": ["a"]}))


def test_empty_predict_has_declared_columns() -> None:
    model = MeanModel().fit(pd.DataFrame({"y": [1.0]}))
    out = model.predict(pd.DataFrame({"y": pd.Series([], dtype=float)}))
    assert list(out.columns) == ["prediction"]
    assert str(out["prediction"].dtype) == "float64"
    assert len(out) == 0
