"""User model code for the DAG tests: shipped to Spark with ``py_files``, never installed.

The tests copy this file into a temporary folder under a unique module name and pass it with
``py_files``, so a fit or a score that works proves the code reached the Spark driver and executors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from yotml_airflow.models import Model


class SpendChurnModel(Model):
    """Churn probability from a logistic regression on a few numeric features."""

    def __init__(self, features: list[str] | None = None, target: str = "churned", c: float = 1.0):
        self.features = features
        self.target = target
        self.c = c

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        return list(self.features or ["spend", "visits"])

    def _fit(self, df: pd.DataFrame) -> None:
        from sklearn.linear_model import LogisticRegression

        cols = self.input_columns(df)
        y = df[self.target].to_numpy()
        self.classes_ = np.unique(y)
        if len(np.unique(y)) < 2:
            self.constant_ = float(y[0])
            return
        self.clf_ = LogisticRegression(C=self.c).fit(df[cols].to_numpy(dtype=float), y)

    def output_columns(self) -> dict[str, str]:
        return {"prediction": "int64", "proba_0": "float64", "proba_1": "float64"}

    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        cols = list(self.features or ["spend", "visits"])
        if hasattr(self, "clf_"):
            p = self.clf_.predict_proba(df[cols].to_numpy(dtype=float))[:, 1]
        else:
            p = np.full(len(df), getattr(self, "constant_", 0.0))
        return pd.DataFrame({"prediction": (p >= 0.5).astype("int64"), "proba_0": 1 - p, "proba_1": p}, index=df.index)
