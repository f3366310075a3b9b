"""Small real data for the model layer: scikit-learn's bundled data sets and the generated shop data."""

from __future__ import annotations

import pandas as pd
import pytest

from yotml_airflow.datasets import make_ecommerce


@pytest.fixture(scope="session")
def shop() -> pd.DataFrame:
    """Training day of 3 stores: NaNs, outliers, string and date columns."""
    return make_ecommerce(n_stores=3, customers_per_store=60, seed=7)


@pytest.fixture(scope="session")
def shop_next_day() -> pd.DataFrame:
    """A later, drifted day of the same stores: new customers and unseen categories."""
    return make_ecommerce(n_stores=3, customers_per_store=60, seed=7, day=1, drift=1.0)


@pytest.fixture(scope="session")
def diabetes() -> pd.DataFrame:
    from sklearn.datasets import load_diabetes

    return load_diabetes(as_frame=True).frame


@pytest.fixture(scope="session")
def breast_cancer() -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame.columns = [c.replace(" ", "_") for c in frame.columns]
    return frame


@pytest.fixture(scope="session")
def iris() -> pd.DataFrame:
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True)
    frame = data.frame.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    frame["species"] = pd.array([str(data.target_names[t]) for t in frame.pop("target")], dtype="str")
    return frame
