"""``yotml_airflow.datasets``: generated example data (pandas only), deterministic by seed.

Example:
    >>> from yotml_airflow.datasets import make_ecommerce
    >>> make_ecommerce(n_stores=3, customers_per_store=10)["store_id"].nunique()
    3
"""

from yotml_airflow.datasets._ecommerce import (
    CATEGORICAL_FEATURES,
    NUMERIC_FEATURES,
    make_ecommerce,
    shift_batch,
)

__all__ = ["CATEGORICAL_FEATURES", "NUMERIC_FEATURES", "make_ecommerce", "shift_batch"]
