"""A generated e-commerce churn data set whose label depends on the store (pandas and numpy only).

One row per customer of a store. Each store has its own churn behaviour: different base rates
and different coefficients, with opposite signs between stores for returns, discounts, sessions
and the app channel, so one model per store beats a single global model. NaNs, outliers and
(with ``drift``) unseen categories make it a realistic input for cleaning and monitoring.

Example:
    >>> df = make_ecommerce(n_stores=2, customers_per_store=5, seed=1)
    >>> df.shape, df["store_id"].unique().tolist()
    ((10, 16), ['store_000', 'store_001'])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from yotml_airflow.errors import ConfigError

COUNTRIES = ("US", "GB", "DE", "FR", "IL", "CA")
CHANNELS = ("web", "app", "marketplace", "social")
DEVICES = ("desktop", "mobile", "tablet")
NEW_COUNTRY = "BR"
NEW_CHANNEL = "tiktok"

NUMERIC_FEATURES = (
    "orders_count",
    "total_spend",
    "avg_basket",
    "days_since_last_order",
    "returns_rate",
    "discount_share",
    "sessions_30d",
    "support_tickets",
)
CATEGORICAL_FEATURES = ("country", "channel", "device")
_DRIVERS = ("recency", "frequency", "returns", "discount", "sessions", "app", "tickets")


def make_ecommerce(
    n_stores: int = 20,
    customers_per_store: int = 200,
    seed: int = 0,
    *,
    day: int = 0,
    drift: float = 0.0,
    nan_rate: float = 0.03,
    outlier_rate: float = 0.01,
    as_of: str = "2025-01-01",
) -> pd.DataFrame:
    """Customers of ``n_stores`` stores with features, a signup date and a ``churned`` 0/1 label.

    The stores' behaviour depends only on ``seed``; the customers on ``seed`` and ``day``. So
    ``make_ecommerce(seed=0, day=1, drift=0.5)`` is a "new day" batch of the same stores, with
    fresh customers and ``drift`` applied: longer recency, bigger baskets, a channel mix moving
    to social, and the unseen categories ``"BR"`` (country) and ``"tiktok"`` (channel).

    Columns: ``store_id``, ``customer_id`` (strings), ``snapshot_date``, ``signup_date``
    (datetime64[us]), the numeric features ``NUMERIC_FEATURES`` (counts are int64; amounts,
    rates and recency are float64 with NaNs), ``country``, ``channel``, ``device`` (strings with
    nulls) and ``churned`` (int64 0/1).

    Args:
        n_stores: number of stores (``store_000``, ``store_001``, ...).
        customers_per_store: rows per store.
        seed: decides the stores' behaviour and, with ``day``, the rows.
        day: the batch's day after ``as_of`` (0 = the training snapshot).
        drift: 0 for none; around 0.5 is a clear covariate shift; 1 is a strong one.
        nan_rate: share of nulls injected per float and categorical feature.
        outlier_rate: share of rows with an extreme spend, recency or session count.
        as_of: the date of day 0.
    """
    _check(n_stores, customers_per_store, drift, nan_rate, outlier_rate)
    stores = _store_behaviour(n_stores, seed)
    rng = np.random.default_rng([seed, 1, day])
    n = n_stores * customers_per_store
    store = np.repeat(np.arange(n_stores), customers_per_store)
    snapshot = pd.Timestamp(as_of) + pd.Timedelta(days=day)

    orders = 1 + rng.poisson(stores["order_rate"][store])
    basket = rng.lognormal(np.log(stores["basket"][store] * (1 + 0.5 * drift)), 0.45)
    spend = orders * basket * rng.lognormal(0.0, 0.1, n)
    recency = rng.exponential(25.0 * (1 + drift), n)
    returns = rng.beta(1.5, 10.0, n)
    discount = rng.beta(2.0, 5.0, n)
    sessions = rng.poisson(np.maximum(0.5, 10.0 - 3.0 * drift), n)
    tickets = rng.poisson(0.6, n)
    country = _choose(rng, COUNTRIES, stores["country_p"][store], NEW_COUNTRY, 0.1 * min(drift, 1.0))
    channel_p = stores["channel_p"][store] * (1 - 0.5 * min(drift, 1.0))
    channel_p[:, CHANNELS.index("social")] += 0.5 * min(drift, 1.0)
    channel = _choose(rng, CHANNELS, channel_p, NEW_CHANNEL, 0.15 * min(drift, 1.0))
    device = _choose(rng, DEVICES, np.tile([0.45, 0.45, 0.10], (n, 1)), "", 0.0)
    signup = snapshot - pd.to_timedelta(rng.integers(30, 1500, n), unit="D")

    drivers = {
        "recency": (np.log1p(recency) - 2.8) / 1.0,
        "frequency": (orders - 1 - stores["order_rate"][store]) / np.sqrt(stores["order_rate"][store] + 1),
        "returns": (returns - 0.13) / 0.1,
        "discount": (discount - 0.29) / 0.16,
        "sessions": (sessions - 10.0) / 3.2,
        "app": (channel == "app").astype(float) - 0.3,
        "tickets": tickets - 0.6,
    }
    logit = stores["intercept"][store] + sum(stores["w_" + k][store] * v for k, v in drivers.items())
    churned = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype("int64")

    df = pd.DataFrame(
        {
            "store_id": pd.array([f"store_{s:03d}" for s in store], dtype="str"),
            "customer_id": pd.array(
                [f"store_{s:03d}-{'' if day == 0 else f'd{day}-'}c{i:05d}" for s, i in zip(store, range(n))],
                dtype="str",
            ),
            "snapshot_date": pd.Series(snapshot, index=range(n)).astype("datetime64[us]"),
            "signup_date": pd.Series(signup).dt.normalize().astype("datetime64[us]"),
            "orders_count": orders.astype("int64"),
            "total_spend": spend.round(2),
            "avg_basket": (spend / orders).round(2),
            "days_since_last_order": recency.round(1),
            "returns_rate": returns.round(4),
            "discount_share": discount.round(4),
            "sessions_30d": sessions.astype("int64"),
            "support_tickets": tickets.astype("int64"),
            "country": country,
            "channel": channel,
            "device": device,
            "churned": churned,
        }
    )
    _inject_outliers(df, rng, outlier_rate)
    _inject_nulls(df, rng, nan_rate)
    return df


def shift_batch(df: pd.DataFrame, drift: float = 0.5, seed: int = 0) -> pd.DataFrame:
    """A copy of ``df`` with covariate drift: float features shifted by ``drift`` standard deviations,
    and a share of each categorical feature replaced by an unseen value ``"unseen"``. Labels unchanged.

    Example:
        >>> df = make_ecommerce(n_stores=1, customers_per_store=50)
        >>> shifted = shift_batch(df, drift=1.0)
        >>> bool(shifted["total_spend"].mean() > df["total_spend"].mean())
        True
    """
    if not isinstance(drift, (int, float)) or drift < 0:
        raise ConfigError(f"shift_batch: drift must be a number >= 0, got {drift!r}")
    rng = np.random.default_rng([seed, 2])
    out = df.copy()
    for column in NUMERIC_FEATURES:
        if column in out.columns and pd.api.types.is_float_dtype(out[column].dtype):
            out[column] = out[column] + drift * float(out[column].std(ddof=0) or 0.0)
    for column in CATEGORICAL_FEATURES:
        if column in out.columns:
            replace = (rng.random(len(out)) < 0.2 * min(drift, 1.0)) & out[column].notna().to_numpy()
            out[column] = out[column].astype(object).where(~replace, "unseen").astype(df[column].dtype)
    return out


def _store_behaviour(n_stores: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng([seed, 0])
    behaviour: dict[str, Any] = {
        "intercept": rng.normal(-0.6, 0.6, n_stores),
        "order_rate": rng.uniform(2.0, 9.0, n_stores),
        "basket": rng.uniform(25.0, 90.0, n_stores),
        "w_recency": rng.uniform(0.3, 2.2, n_stores),
        "w_frequency": -rng.uniform(0.2, 1.5, n_stores),
        "w_tickets": rng.uniform(-0.2, 1.0, n_stores),
    }
    for driver in ("returns", "discount", "sessions", "app"):
        behaviour["w_" + driver] = rng.choice([-1.0, 1.0], n_stores) * rng.uniform(0.8, 2.0, n_stores)
    home = rng.integers(0, len(COUNTRIES), n_stores)
    country_p = np.full((n_stores, len(COUNTRIES)), 0.3 / (len(COUNTRIES) - 1))
    country_p[np.arange(n_stores), home] = 0.7
    behaviour["country_p"] = country_p
    behaviour["channel_p"] = rng.dirichlet(np.full(len(CHANNELS), 4.0), n_stores)
    return behaviour


def _choose(rng: np.random.Generator, values: tuple[str, ...], p: np.ndarray, new: str, new_share: float) -> Any:
    cumulative = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    index = np.minimum((rng.random((len(p), 1)) > cumulative).sum(axis=1), len(values) - 1)
    chosen = np.asarray(values, dtype=object)[index]
    if new_share > 0:
        chosen = np.where(rng.random(len(p)) < new_share, new, chosen)
    return pd.array(chosen, dtype="str")


def _inject_outliers(df: pd.DataFrame, rng: np.random.Generator, rate: float) -> None:
    n = len(df)
    for column, factor in (("total_spend", 40.0), ("days_since_last_order", 30.0)):
        hit = rng.random(n) < rate
        df.loc[hit, column] = (df.loc[hit, column] * factor).round(2)
    hit = rng.random(n) < rate
    df.loc[hit, "sessions_30d"] = df.loc[hit, "sessions_30d"] * 50


def _inject_nulls(df: pd.DataFrame, rng: np.random.Generator, rate: float) -> None:
    n = len(df)
    for column in ("avg_basket", "days_since_last_order", "returns_rate", "discount_share", *CATEGORICAL_FEATURES):
        hit = rng.random(n) < rate
        df.loc[hit, column] = np.nan


def _check(n_stores: int, customers_per_store: int, drift: float, nan_rate: float, outlier_rate: float) -> None:
    if (
        not isinstance(n_stores, int)
        or n_stores < 1
        or not isinstance(customers_per_store, int)
        or customers_per_store < 1
    ):
        raise ConfigError(
            "make_ecommerce: n_stores and customers_per_store must be positive ints, "
            f"got {n_stores}, {customers_per_store}"
        )
    if drift < 0:
        raise ConfigError(f"make_ecommerce: drift must be >= 0, got {drift}")
    for name, rate in (("nan_rate", nan_rate), ("outlier_rate", outlier_rate)):
        if not 0.0 <= rate < 1.0:
            raise ConfigError(f"make_ecommerce: {name} must be in [0, 1), got {rate}")
