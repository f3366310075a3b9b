"""``MaterializeFeaturesOperator``: keep the online feature store fresh on a schedule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from yotml_airflow.errors import ConfigError
from yotml_airflow.operators._base import SPARK_TEMPLATE_FIELDS, YotmlSparkJobOperator
from yotml_airflow.operators._fit import check_name, check_path


class MaterializeFeaturesOperator(YotmlSparkJobOperator):
    """Write each entity's latest values of a feature view, as of ``end_time``, to the online store.

    ``store`` is ``"package.module:NAME"`` of the project's ``FeatureStore`` (the views are declared
    in code; ship the module with ``py_files`` if it is not installed). ``end_time`` defaults to the
    end of the run's data interval. XCom: ``{"view", "entities", "end_time", "online"}``.

    Example::

        MaterializeFeaturesOperator(
            task_id="materialize_customer_stats",
            store="churn_features:STORE",
            view="customer_stats",
            online_store="redis://redis:6379/0",
        )
    """

    job = "materialize"
    template_fields: Sequence[str] = ("store", "view", "end_time", "start_time", "online_store", *SPARK_TEMPLATE_FIELDS)

    def __init__(
        self,
        *,
        store: str,
        view: str,
        end_time: str = "{{ data_interval_end.isoformat() }}",
        start_time: str | None = None,
        online_store: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.view = view
        self.end_time = end_time
        self.start_time = start_time
        self.online_store = online_store

    def _job_args(self) -> list[str]:
        if not isinstance(self.store, str) or ":" not in self.store:
            raise ConfigError(f"store must be 'package.module:NAME' of a FeatureStore, got {self.store!r}.")
        args = [
            "--store",
            self.store,
            "--view",
            check_name(self.view, "view"),
            "--end-time",
            check_path(self.end_time, "end_time"),
        ]
        if self.start_time:
            args += ["--start-time", check_path(self.start_time, "start_time")]
        if self.online_store:
            args += ["--online", check_path(self.online_store, "online_store")]
        return args
