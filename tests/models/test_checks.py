"""``check_model`` catches each kind of broken model, and names the model and the failed check."""

from __future__ import annotations

import pandas as pd
import pytest

from yotml_airflow.errors import ModelCheckError, YotmlError
from yotml_airflow.models import CHECKS, Model, check_model

SAMPLE = pd.DataFrame({"x": [1.0, 2.0, None, 4.0], "y": [0.5, 1.0, 1.5, 2.0]})


class Scale(Model):
    """A correct model: predicts ``x * factor`` (learned mean of y used as an offset)."""

    def __init__(self, factor: float = 2.0, columns: list[str] | None = None):
        self.factor = factor
        self.columns = columns

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        return ["x", "y"]

    def _fit(self, df: pd.DataFrame) -> None:
        self.offset_ = float(df["y"].mean())

    def output_columns(self) -> dict[str, str]:
        return {"scaled": "float64"}

    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"scaled": df["x"] * self.factor + self.offset_}, index=df.index)


class InitChangesParams(Scale):
    def __init__(self, factor: float = 2.0, columns: list[str] | None = None):
        self.factor = float(factor) * 1.0 + 0.0
        self.columns = list(columns) if columns is not None else None


class FitReturnsNone(Scale):
    def fit(self, df: pd.DataFrame) -> None:  # type: ignore[override]
        super().fit(df)


class FitChangesParams(Scale):
    def _fit(self, df: pd.DataFrame) -> None:
        super()._fit(df)
        self.factor = 3.0


class PredictIgnoresFit(Scale):
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"scaled": df["x"] * self.factor}, index=df.index)


class EmptyFitAllowed(Scale):
    def fit(self, df: pd.DataFrame) -> EmptyFitAllowed:
        self.offset_ = 0.0
        self.input_schema_ = {"x": "numeric", "y": "numeric"}
        return self


class WrongDeclaredDtype(Scale):
    def output_columns(self) -> dict[str, str]:
        return {"scaled": "float32"}

    def fit(self, df: pd.DataFrame) -> WrongDeclaredDtype:
        self._fit(df)
        self.input_schema_ = {"x": "numeric", "y": "numeric"}
        return self


class LosesIndex(Scale):
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        self._require_fitted()
        return super().predict(df).reset_index(drop=True)


class MutatesInput(Scale):
    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        df["x"] = df["x"].fillna(0.0)
        return super()._predict(df)


class NotPicklable(Scale):
    def _fit(self, df: pd.DataFrame) -> None:
        super()._fit(df)
        self.hook_ = lambda v: v


class WrongTransformSchema(Scale):
    def transform_schema(self, schema: dict[str, str]) -> dict[str, str]:  # type: ignore[override]
        return {**schema, "scaled": "int64"}

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        self._check(df, "transform")
        return self._transform(df)


class IgnoresMissingColumns(Scale):
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        self._require_fitted()
        x = df["x"] if "x" in df else pd.Series(0.0, index=df.index)
        return pd.DataFrame({"scaled": x * self.factor + self.offset_}, index=df.index)


class ForgetsEmptyColumns(Scale):
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        self._require_fitted()
        if len(df) == 0:
            return pd.DataFrame(index=df.index)
        return super().predict(df)


def test_a_correct_model_passes_every_check() -> None:
    assert check_model(Scale(), SAMPLE) == list(CHECKS)


@pytest.mark.parametrize(
    ("model", "check"),
    [
        (InitChangesParams(), "init_only_stores"),
        (FitReturnsNone(), "fit_returns_self"),
        (FitChangesParams(), "fit_returns_self"),
        (PredictIgnoresFit(), "not_fitted"),
        (EmptyFitAllowed(), "fit_empty"),
        (WrongDeclaredDtype(), "output_columns"),
        (LosesIndex(), "index_preserved"),
        (MutatesInput(), "input_not_mutated"),
        (NotPicklable(), "save_load"),
        (WrongTransformSchema(), "transform_schema"),
        (IgnoresMissingColumns(), "missing_column"),
        (ForgetsEmptyColumns(), "empty_frame"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_broken_model_fails_the_matching_check(model: Model, check: str) -> None:
    with pytest.raises(ModelCheckError) as info:
        check_model(model, SAMPLE)
    message = str(info.value)
    assert f"check_model({type(model).__name__})" in message
    assert f"[{check}]" in message
    assert isinstance(info.value, YotmlError)
    assert check_model(model, SAMPLE, checks=[c for c in CHECKS if f"[{c}]" not in message])


def test_check_model_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown check"):
        check_model(Scale(), SAMPLE, checks=["nope"])
    with pytest.raises(ValueError, match="at least 2 rows"):
        check_model(Scale(), SAMPLE.iloc[:1])
    with pytest.raises(ModelCheckError, match="not a yotml Model"):
        check_model(object(), SAMPLE)  # type: ignore[arg-type]


def test_extra_checks_run_on_the_fitted_model_and_are_named() -> None:
    seen: list[tuple[bool, list[int]]] = []

    def records(model: Model, df: pd.DataFrame) -> None:
        seen.append((model.is_fitted(), list(df.index)))

    def parity(model: Model, df: pd.DataFrame) -> None:
        raise AssertionError("engine output differs")

    assert check_model(Scale(), SAMPLE, checks=["clone"], extra_checks={"records": records}) == ["clone", "records"]
    assert seen == [(True, [1021, 1014, 1007, 1000])]
    with pytest.raises(ModelCheckError, match=r"\[engine_parity\] AssertionError: engine output differs"):
        check_model(Scale(), SAMPLE, extra_checks={"engine_parity": parity})
