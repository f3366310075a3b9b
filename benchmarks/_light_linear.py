"""A light yotml linear model (least squares on numpy) for the segmented benchmark.

It lives in its own module so Spark workers can import it (the benchmark ships it with
``SparkContext.addPyFile``); pickled models refer to it by name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from yotml_airflow.models import Model


class LeastSquares(Model):
    """Ordinary least squares with an intercept: ``prediction = b0 + x @ b``."""

    def __init__(self, features: list[str], target: str = "y"):
        self.features = features
        self.target = target

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        return list(self.features)

    def _fit(self, df: pd.DataFrame) -> None:
        x = df[self.features].to_numpy(dtype=float)
        design = np.column_stack([np.ones(len(x)), x])
        self.coef_ = np.linalg.lstsq(design, df[self.target].to_numpy(dtype=float), rcond=None)[0]

    def output_columns(self) -> dict[str, str]:
        return {"prediction": "float64"}

    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        x = df[self.features].to_numpy(dtype=float)
        return pd.DataFrame({"prediction": self.coef_[0] + x @ self.coef_[1:]}, index=df.index)
