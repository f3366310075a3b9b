"""``yotml_airflow.features``: feature store API.

Feature views declared in code; point-in-time correct training sets on Spark; the latest values
materialized to an online store (SQLite by default, Redis in production) for real-time lookups.
"""

from yotml_airflow.features._offline import point_in_time_join, point_in_time_join_pandas
from yotml_airflow.features._online import OnlineStore, RedisOnlineStore, SqliteOnlineStore, open_online_store
from yotml_airflow.features._store import FeatureStore, default_online_uri
from yotml_airflow.features._views import FeatureView, resolve_features

__all__ = [
    "FeatureStore",
    "FeatureView",
    "OnlineStore",
    "RedisOnlineStore",
    "SqliteOnlineStore",
    "default_online_uri",
    "open_online_store",
    "point_in_time_join",
    "point_in_time_join_pandas",
    "resolve_features",
]
