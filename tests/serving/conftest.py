"""Fixtures for the serving tests: small fitted churn models, saved folders, and real servers on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from yotml_airflow.models import SklearnModel
from yotml_airflow.serving import ServerThread

NUMERIC = ["tenure", "spend", "visits"]
MIXED = ["tenure", "spend", "plan", "promo", "signup"]


def make_churn(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A small churn frame: int, float, string, bool and datetime columns and a 0/1 label."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "tenure": rng.integers(0, 60, n),
            "spend": rng.gamma(2.0, 30.0, n),
            "visits": rng.poisson(4, n).astype(float),
            "plan": rng.choice(["basic", "pro", "team"], n),
            "promo": rng.random(n) < 0.3,
            "signup": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        }
    )
    score = -0.05 * df["tenure"] + 0.01 * df["spend"] + (df["plan"] == "basic") * 1.0 + rng.normal(0, 0.5, n)
    df["churned"] = (score > score.median()).astype(int)
    return df


@pytest.fixture(scope="session")
def churn() -> pd.DataFrame:
    return make_churn()


def fit_numeric(df: pd.DataFrame, n_estimators: int = 20, seed: int = 0) -> SklearnModel:
    """A GradientBoosting churn classifier on numeric features (the fast-path kind of model)."""
    estimator = GradientBoostingClassifier(n_estimators=n_estimators, max_depth=2, random_state=seed)
    return SklearnModel(estimator, features=NUMERIC, target="churned").fit(df)


def fit_mixed(df: pd.DataFrame) -> SklearnModel:
    """A pipeline over string, bool and datetime inputs (served through the pandas path)."""
    columns = ColumnTransformer(
        [
            ("plan", OneHotEncoder(handle_unknown="ignore"), ["plan"]),
            ("num", "passthrough", ["tenure", "spend", "promo"]),
            ("date", "drop", ["signup"]),
        ]
    )
    estimator = Pipeline([("columns", columns), ("lr", LogisticRegression(max_iter=500))])
    return SklearnModel(estimator, features=MIXED, target="churned").fit(df)


@pytest.fixture(scope="session")
def numeric_model(churn: pd.DataFrame) -> SklearnModel:
    return fit_numeric(churn)


@pytest.fixture(scope="session")
def mixed_model(churn: pd.DataFrame) -> SklearnModel:
    return fit_mixed(churn)


@pytest.fixture(scope="session")
def numeric_folder(numeric_model: SklearnModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return numeric_model.save(tmp_path_factory.mktemp("models") / "churn_gbm")


@pytest.fixture(scope="session")
def mixed_folder(mixed_model: SklearnModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed_model.save(tmp_path_factory.mktemp("models") / "churn_mixed")


@pytest.fixture(scope="module")
def numeric_server(numeric_folder: Path) -> Iterator[ServerThread]:
    """A real uvicorn server on a free loopback port, serving the numeric model, small limits."""
    with ServerThread(numeric_folder, max_body_bytes=4096, max_rows=20) as server:
        yield server


@pytest.fixture(scope="module")
def mixed_server(mixed_folder: Path) -> Iterator[ServerThread]:
    with ServerThread(mixed_folder) as server:
        yield server


@pytest.fixture(scope="session")
def to_records():
    """``to_records(df, columns)``: rows as JSON-ready records (ISO date-times, plain Python scalars)."""
    return records_of


@pytest.fixture(scope="session")
def fit_gbm():
    """``fit_gbm(df, n_estimators=20, seed=0)``: a fitted numeric GradientBoosting churn model."""
    return fit_numeric


def records_of(df: pd.DataFrame, columns: list[str]) -> list[dict[str, object]]:
    """Rows of ``df`` as JSON-ready records (datetimes as ISO strings, numpy scalars as Python)."""
    return [{k: _plain(v) for k, v in row.items()} for row in df[columns].to_dict("records")]


def _plain(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value
