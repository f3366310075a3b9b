"""Small customer tables for the DAG tests (parquet partitions by day)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def customers(n: int = 400, seed: int = 0, spend_shift: float = 0.0) -> pd.DataFrame:
    """Customers of four stores; churn falls with spend and visits, differently per store."""
    rng = np.random.default_rng(seed)
    store = rng.integers(0, 4, n)
    spend = rng.normal(50, 15, n) + spend_shift
    visits = rng.poisson(5, n).astype("int64")
    logit = 2.0 - 0.04 * spend * (1 + store / 4) - 0.1 * visits
    churned = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype("int64")
    return pd.DataFrame(
        {
            "customer_id": np.arange(n, dtype="int64") + seed * 100_000,
            "store_id": pd.array([f"s{s}" for s in store], dtype="string"),
            "spend": spend,
            "visits": visits,
            "churned": churned,
        }
    )


def write_partition(root: Path, table: str, day: str, frame: pd.DataFrame) -> Path:
    """Write ``frame`` as ``root/table/ds=day/part-0.parquet``; returns the partition folder."""
    folder = root / table / f"ds={day}"
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(folder / "part-0.parquet", index=False)
    return folder
