"""Online features for real-time calls: a request names the entity, the server fetches its features.

With ``OnlineFeatures`` the service accepts records that carry only the entity key (plus any fields
the caller knows); the model's other inputs come from the online feature store in one lookup per
request. Fields sent by the caller win over stored values.

Example:
    >>> from yotml_airflow.features import FeatureStore, FeatureView
    >>> view = FeatureView(name="stats", entity="customer_id", timestamp="ts", features=["orders"])
    >>> store = FeatureStore([view], online="sqlite:///:memory:")
    >>> store.online.write("stats", [("c1", 0, {"orders": 3})])
    >>> OnlineFeatures(store, ["stats:orders"]).enrich([{"customer_id": "c1"}, {"customer_id": "c9"}])
    [{'orders': 3, 'customer_id': 'c1'}, {'orders': None, 'customer_id': 'c9'}]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from yotml_airflow.errors import ConfigError
from yotml_airflow.features import FeatureStore, resolve_features
from yotml_airflow.serving._validate import RequestError


class OnlineFeatures:
    """Fill request records with ``features`` (``"view:feature"``) looked up by the views' entity key."""

    def __init__(self, store: FeatureStore, features: Sequence[str]):
        wanted = resolve_features(store.views.values(), list(features))
        entities = {store.views[v].entity for v in wanted}
        if len(entities) != 1:
            raise ConfigError(f"online features must share one entity key; these views use {sorted(entities)}")
        self.store = store
        self.features = list(features)
        self.entity = entities.pop()

    def enrich(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records with their stored features added (a 422 names records without the entity key)."""
        missing = [i for i, r in enumerate(records) if r.get(self.entity) is None]
        if missing:
            raise RequestError(
                422, f"invalid input: record(s) {missing[:10]} have no {self.entity!r}, the key of the online features"
            )
        stored = self.store.get_online_features([r[self.entity] for r in records], self.features)
        return [{**values, **record} for values, record in zip(stored, records, strict=True)]
