"""``ModelPipeline``: a chain of models that is itself a model.

``fit`` fits each step on the output of the previous step's ``transform``; ``transform`` runs every
step's ``transform``; ``predict`` transforms through all but the last step and returns the last
step's ``predict``.

Example:
    >>> import pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> from yotml_airflow.models import Imputer, SklearnModel
    >>> df = pd.DataFrame({"x": [1.0, None, 3.0], "y": [2.0, 4.0, 6.0]})
    >>> pipe = ModelPipeline([Imputer(columns=["x"]), SklearnModel(LinearRegression(), features=["x"], target="y")])
    >>> pipe.fit(df).predict(df).shape
    (3, 1)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from yotml_airflow.errors import ConfigError
from yotml_airflow.models._base import Model, dtypes_of


class ModelPipeline(Model):
    """Steps applied in order; each step is fitted on the previous steps' transformed output.

    Args:
        steps: a list of ``Model`` instances (or ``(name, model)`` pairs).
    """

    def __init__(self, steps: list[Model] | list[tuple[str, Model]]):
        self.steps = steps

    def _models(self) -> list[Model]:
        models = [s[1] if isinstance(s, tuple) else s for s in self.steps]
        if not models:
            raise ConfigError("ModelPipeline needs at least one step")
        bad = [repr(m) for m in models if not isinstance(m, Model)]
        if bad:
            raise ConfigError(f"ModelPipeline steps must be yotml Models; got {bad}")
        return models

    def _fit(self, df: pd.DataFrame) -> None:
        fitted = []
        current = df
        models = self._models()
        for i, step in enumerate(models):
            step = step.clone()
            if i < len(models) - 1:
                current = step.fit_transform(current)
            else:
                step.fit(current)
            fitted.append(step)
        self.steps_ = fitted

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        return list(df.columns)

    def output_columns(self) -> dict[str, str]:
        return self.steps_[-1].output_columns()

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        return chain_schema(self.steps_, schema)

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        return chain_transform(self.steps_, df)

    @property
    def predicts_report(self) -> bool:
        """True when the last step is a monitor: ``predict`` then returns its report, not row outputs."""
        return bool(getattr(self._models()[-1], "predicts_report", False))

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        """The last step's ``predict`` on the transformed frame (a report if the last step is a monitor)."""
        if self.predicts_report:
            self._check(df, "predict")
            return self._predict(df)
        return super().predict(df)

    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        for step in self.steps_[:-1]:
            df = step.transform(df)
        return self.steps_[-1].predict(df)

    def fit(self, df: pd.DataFrame) -> ModelPipeline:
        super().fit(df)
        self.input_schema_ = {c: k for c, k in self.input_schema_.items() if c in self._required(df)}
        return self

    def _required(self, df: pd.DataFrame) -> set[str]:
        """Columns the first step needs plus those later steps read that no step creates."""
        needed: set[str] = set()
        produced: set[str] = set()
        schema = dtypes_of(df.iloc[:0])
        for step in self.steps_:
            needed |= {c for c in step.input_schema_ if c not in produced}
            new_schema = step.transform_schema(schema)
            produced |= {c for c, d in new_schema.items() if schema.get(c) != d or c not in schema}
            schema = new_schema
        return needed & set(df.columns)


def chain_schema(steps: Sequence[Model], schema: Mapping[str, str]) -> dict[str, str]:
    """The dtypes after running ``steps``' ``transform`` in order on columns of ``schema``."""
    out = dict(schema)
    for step in steps:
        out = step.transform_schema(out)
    return out


def chain_transform(steps: Sequence[Model], df: pd.DataFrame) -> pd.DataFrame:
    """``df`` through every step's ``transform``, in order."""
    for step in steps:
        df = step.transform(df)
    return df
