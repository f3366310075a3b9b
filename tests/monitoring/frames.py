"""Small synthetic frames with known shifts for the monitoring tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_frame(
    n: int,
    seed: int,
    *,
    loc: float = 0.0,
    scale: float = 1.0,
    new_category: float = 0.0,
    extra_missing: float = 0.0,
) -> pd.DataFrame:
    """``x`` normal, ``y`` exponential with 5% missing, ``c`` four categories (and optional new ones)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(loc, scale, n)
    y = rng.exponential(2.0, n)
    y[rng.uniform(size=n) < 0.05 + extra_missing] = np.nan
    c = rng.choice(np.array(["a", "b", "c", "d"], dtype=object), n, p=[0.4, 0.3, 0.2, 0.1])
    if new_category:
        c[rng.uniform(size=n) < new_category] = "new"
    return pd.DataFrame({"x": x, "y": y, "c": pd.array(c, dtype="str")})
