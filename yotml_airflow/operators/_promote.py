"""``PromoteModelOperator``: the champion/challenger gate as an Airflow task.

It runs in the Airflow worker (no Spark): it reads the held-out data with pandas, calls
``yotml_airflow.tracking.promote_if_better`` and returns the decision as XCom. Other registered
models (the monitors fitted on the same training data) follow the champion when it moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from yotml_airflow.errors import ConfigError
from yotml_airflow.operators._env import resolve_tracking_uri
from yotml_airflow.operators._fit import check_name, check_path

if TYPE_CHECKING:
    from airflow.sdk import Context


class PromoteModelOperator(BaseOperator):
    """Move ``alias`` to ``version`` of ``name`` if it beats the current holder on ``holdout``.

    ``version`` is templated, so it usually comes from the fit task:
    ``"{{ ti.xcom_pull(task_ids='fit')['version'] }}"``. ``followers`` maps other registered model
    names to their version (templated too); their ``alias`` moves with the champion, so a monitor
    fitted on the champion's training data stays paired with it.

    XCom: ``{"promoted", "reason", "candidate_score", "champion_score", "champion_version", ...}``.

    Example::

        PromoteModelOperator(
            task_id="promote",
            name="churn",
            version="{{ ti.xcom_pull(task_ids='fit')['version'] }}",
            holdout="/data/holdout.parquet",
            metric="auc",
        )
    """

    template_fields: Sequence[str] = (
        "name",
        "version",
        "holdout",
        "metric",
        "target",
        "alias",
        "followers",
        "tracking_uri",
    )
    ui_color = "#fdf1d6"

    def __init__(
        self,
        *,
        name: str,
        version: str | int,
        holdout: str,
        metric: str,
        higher_is_better: bool | None = None,
        min_delta: float = 0.0,
        alias: str = "champion",
        target: str | None = None,
        followers: dict[str, str | int] | None = None,
        max_holdout_rows: int = 1_000_000,
        tracking_uri: str | None = None,
        mlflow_conn_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.name = name
        self.version = version
        self.holdout = holdout
        self.metric = metric
        self.higher_is_better = higher_is_better
        self.min_delta = min_delta
        self.alias = alias
        self.target = target
        self.followers = followers
        self.max_holdout_rows = max_holdout_rows
        self.tracking_uri = tracking_uri
        self.mlflow_conn_id = mlflow_conn_id

    def _validated_version(self, value: Any, what: str) -> int:
        try:
            version = int(str(value).strip())
        except ValueError:
            raise ConfigError(f"{what} must be a model version number, got {value!r}.") from None
        if version < 1:
            raise ConfigError(f"{what} must be >= 1, got {version}.")
        return version

    def execute(self, context: Context) -> dict[str, Any]:
        """Validate, read the holdout, decide, move the aliases; return the decision."""
        name = check_name(self.name, "name")
        version = self._validated_version(self.version, "version")
        holdout_path = check_path(self.holdout, "holdout")
        followers = {
            check_name(n, "followers name"): self._validated_version(v, f"followers[{n!r}]")
            for n, v in (self.followers or {}).items()
        }
        tracking_uri = resolve_tracking_uri(self.tracking_uri, self.mlflow_conn_id)

        from yotml_airflow.tracking import promote, promote_if_better

        holdout = _read_holdout(holdout_path, self.max_holdout_rows)
        decision = promote_if_better(
            name,
            version,
            holdout,
            self.metric,
            higher_is_better=self.higher_is_better,
            min_delta=self.min_delta,
            alias=self.alias,
            label=self.target,
            tracking_uri=tracking_uri,
        )
        result = _as_dict(decision)
        self.log.info("Promotion of %s v%s: %s", name, version, result.get("reason"))
        if result.get("promoted"):
            for follower, follower_version in followers.items():
                promote(follower, follower_version, alias=self.alias, tracking_uri=tracking_uri)
                self.log.info("%s v%s follows as %s", follower, follower_version, self.alias)
        result.update({"name": name, "version": version, "alias": self.alias, "followers": followers})
        return result


def _read_holdout(path: str, max_rows: int) -> Any:
    """Held-out rows as pandas (a parquet/csv file or folder); refuses more than ``max_rows``."""
    import pandas as pd
    import pyarrow.dataset as ds

    from yotml_airflow.errors import DataTooLargeError, JobError

    fmt = "csv" if path.endswith(".csv") else "parquet"
    try:
        dataset = ds.dataset(path.removeprefix("file://"), format=fmt, partitioning="hive")
        rows = dataset.count_rows()
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise JobError(f"cannot read the holdout data at {path}: {exc}") from exc
    if rows > max_rows:
        raise DataTooLargeError(f"holdout {path} has {rows} rows, more than max_holdout_rows={max_rows}")
    frame: pd.DataFrame = dataset.to_table().to_pandas()
    return frame


def _as_dict(decision: Any) -> dict[str, Any]:
    if isinstance(decision, dict):
        return dict(decision)
    from dataclasses import asdict, is_dataclass

    if is_dataclass(decision):
        return asdict(decision)
    return {
        k: getattr(decision, k) for k in dir(decision) if not k.startswith("_") and not callable(getattr(decision, k))
    }
