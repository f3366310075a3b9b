"""Feature views: which features an entity has, where they come from, and how long they stay valid.

Example:
    >>> from datetime import timedelta
    >>> view = FeatureView(
    ...     name="customer_stats", entity="customer_id", timestamp="event_ts",
    ...     features=["orders_30d", "spend_30d"], source="/data/customer_stats", ttl=timedelta(days=7),
    ... )
    >>> view.qualified("orders_30d")
    'customer_stats:orders_30d'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from yotml_airflow.errors import ConfigError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SOURCE_FORMATS = ("parquet", "csv", "table")


@dataclass(frozen=True)
class FeatureView:
    """A group of features of one entity, read from one source table with an event timestamp.

    Args:
        name: the view's name; features are referred to as ``"<name>:<feature>"``.
        entity: the entity key column (e.g. ``customer_id``).
        timestamp: the event-timestamp column: when each feature row became true.
        features: the feature columns.
        source: a parquet/csv path or a table name (``source_format``); may be ``None`` when the
            source frame is registered at run time with ``FeatureStore.register_source``.
        ttl: how old a value may be and still be used; ``None`` means forever.
    """

    name: str
    entity: str
    timestamp: str
    features: Sequence[str]
    source: str | None = None
    source_format: str = "parquet"
    ttl: timedelta | None = None
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "features", tuple(self.features))
        problems = []
        for label, value in (("name", self.name), ("entity", self.entity), ("timestamp", self.timestamp)):
            if not isinstance(value, str) or not _NAME.match(value):
                problems.append(f"{label}={value!r} must be an identifier")
        if not self.features:
            problems.append("features must not be empty")
        bad = [f for f in self.features if not isinstance(f, str) or not _NAME.match(f)]
        if bad:
            problems.append(f"feature names {bad} must be identifiers")
        clash = {self.entity, self.timestamp} & set(self.features)
        if clash:
            problems.append(f"features {sorted(clash)} repeat the entity or timestamp column")
        if len(set(self.features)) != len(self.features):
            problems.append("features contain duplicates")
        if self.source_format not in SOURCE_FORMATS:
            problems.append(f"source_format={self.source_format!r} must be one of {list(SOURCE_FORMATS)}")
        if self.ttl is not None and (not isinstance(self.ttl, timedelta) or self.ttl <= timedelta(0)):
            problems.append(f"ttl={self.ttl!r} must be a positive timedelta or None")
        if problems:
            raise ConfigError(f"FeatureView {self.name!r}: " + "; ".join(problems))

    def qualified(self, feature: str) -> str:
        """``"<view>:<feature>"``, the name a feature has outside its view."""
        return f"{self.name}:{feature}"


def resolve_features(views: Iterable[FeatureView], refs: Sequence[str]) -> dict[str, list[str]]:
    """Map ``"view:feature"`` (or ``"view:*"``) references to ``{view name: [features]}``.

    Raises ``ConfigError`` naming unknown views or features and listing what exists.

    >>> v = FeatureView(name="v", entity="k", timestamp="ts", features=["a", "b"])
    >>> resolve_features([v], ["v:b", "v:a"])
    {'v': ['b', 'a']}
    """
    by_name = {v.name: v for v in views}
    if isinstance(refs, str):
        refs = [refs]
    if not refs:
        raise ConfigError("no features requested: pass references like 'view:feature'")
    out: dict[str, list[str]] = {}
    for ref in refs:
        view_name, sep, feature = ref.partition(":")
        if not sep or view_name not in by_name:
            raise ConfigError(f"unknown feature reference {ref!r}: use 'view:feature'; views are {sorted(by_name)}")
        view = by_name[view_name]
        wanted = list(view.features) if feature == "*" else [feature]
        unknown = [f for f in wanted if f not in view.features]
        if unknown:
            raise ConfigError(f"view {view_name!r} has no feature(s) {unknown}; it has {list(view.features)}")
        chosen = out.setdefault(view_name, [])
        chosen.extend(f for f in wanted if f not in chosen)
    return out
