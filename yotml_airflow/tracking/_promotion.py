"""The champion/challenger gate: promote a candidate version only if it beats the champion on held-out data.

Example (needs a registry, so not run as a doctest)::

    decision = promote_if_better("churn", 4, holdout, "auc", min_delta=0.005)
    decision.promoted  # False
    decision.reason    # 'candidate auc 0.8712 vs champion version 3 auc 0.8709: does not beat it by more ...'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Any

import pandas as pd

from yotml_airflow.errors import ConfigError, EmptyDataError, SchemaError, TrackingError
from yotml_airflow.models import Model
from yotml_airflow.tracking._metrics import MetricFn, direction, metric_name, score
from yotml_airflow.tracking._registry import _as_version, _check_name, _get_version, check_alias, load_model
from yotml_airflow.tracking._store import client as make_client


@dataclass(frozen=True)
class PromotionDecision:
    """What ``promote_if_better`` decided and why; scores are on the same hold-out frame."""

    promoted: bool
    reason: str
    candidate_score: float
    champion_score: float | None
    champion_version: int | None
    candidate_version: int | None = None
    metric: str | None = None


def promote_if_better(
    name: str,
    candidate_version: int | str,
    holdout_df: pd.DataFrame,
    metric: str | MetricFn,
    higher_is_better: bool | None = None,
    min_delta: float = 0.0,
    alias: str = "champion",
    label: str | None = None,
    *,
    tracking_uri: str | None = None,
) -> PromotionDecision:
    """Score the candidate and the current ``alias`` holder on ``holdout_df``; move the alias if the candidate wins.

    The candidate wins when it beats the champion by more than ``min_delta`` in the metric's direction
    (``auc``, ``accuracy``, ``f1``, ``r2``: higher; ``log_loss``, ``rmse``, ``mae``: lower; a callable
    ``metric(y_true, predictions) -> float`` needs ``higher_is_better``). With no champion yet, the
    candidate becomes champion. Both scores are logged to the candidate's run as ``holdout_<metric>`` and
    ``champion_holdout_<metric>``; the decision is tagged on the run and the model version. The label
    column is ``label`` or the model's ``target`` parameter.
    """
    mname = metric_name(metric)
    higher = direction(metric, higher_is_better)
    check_alias(alias)
    if isinstance(min_delta, bool) or not isinstance(min_delta, Real) or min_delta < 0 or math.isnan(min_delta):
        raise ConfigError(f"min_delta must be a number >= 0, got {min_delta!r}")
    if not isinstance(holdout_df, pd.DataFrame):
        raise ConfigError(f"holdout_df must be a pandas DataFrame, got {type(holdout_df).__name__}")
    if len(holdout_df) == 0:
        raise EmptyDataError("promote_if_better: the hold-out frame has no rows")
    version = _as_version(candidate_version)
    client = make_client(tracking_uri)
    _check_name(client, name)
    candidate = _get_version(client, name, version)
    champion = _champion(client, name, alias)

    candidate_model = load_model(f"models:/{name}/{version}", tracking_uri=tracking_uri)
    label_col = label or _target_of(candidate_model)
    cand_score = _score(candidate_model, holdout_df, label_col, metric)
    champ_score: float | None = None
    champ_version = int(champion.version) if champion is not None else None
    if champion is None:
        promoted, reason = True, f"no version had alias {alias!r}: version {version} becomes {alias}"
    elif champ_version == version:
        champ_score = cand_score
        promoted, reason = False, f"version {version} already has alias {alias!r}"
    else:
        champion_model = load_model(f"models:/{name}/{champ_version}", tracking_uri=tracking_uri)
        champ_score = _score(champion_model, holdout_df, label_col, metric)
        promoted, reason = _decide(mname, cand_score, champ_score, champ_version, higher, float(min_delta))

    _record(client, candidate, mname, alias, cand_score, champ_score, promoted, reason)
    if promoted:
        client.set_registered_model_alias(name, alias, str(version))
    return PromotionDecision(promoted, reason, cand_score, champ_score, champ_version, version, mname)


def _decide(
    metric: str, cand: float, champ: float, champ_version: int, higher: bool, min_delta: float
) -> tuple[bool, str]:
    if math.isnan(cand):
        return False, f"candidate {metric} is NaN; champion version {champ_version} stays"
    if math.isnan(champ):
        return True, f"champion version {champ_version} {metric} is NaN; candidate {metric} {cand:.6g} replaces it"
    gain = cand - champ if higher else champ - cand
    verb = f"beats champion version {champ_version}"
    text = f"candidate {metric} {cand:.6g} vs champion version {champ_version} {metric} {champ:.6g}"
    if gain > min_delta:
        return True, f"{text}: {verb} by {gain:.6g} > min_delta {min_delta:g}"
    return False, f"{text}: does not beat it by more than min_delta {min_delta:g} (gain {gain:.6g})"


def _champion(client: Any, name: str, alias: str) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(name, alias)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return None
        raise TrackingError(f"cannot read alias {alias!r} of {name!r}: {exc.message}") from exc


def _target_of(model: Model) -> str:
    from yotml_airflow.tracking._params import flatten_params

    params = flatten_params(model)
    targets = [v for k, v in params.items() if k == "target" or k.endswith("__target")]
    if not targets:
        raise ConfigError(f"{type(model).__name__} has no 'target' parameter: pass label=<label column>")
    return targets[-1]


def _score(model: Model, df: pd.DataFrame, label_col: str, metric: str | MetricFn) -> float:
    if label_col not in df.columns:
        raise SchemaError(f"the hold-out frame has no label column {label_col!r}; it has {list(df.columns)}")
    y = df[label_col]
    if y.isna().any():
        raise SchemaError(
            f"label column {label_col!r} has {int(y.isna().sum())} missing value(s) in the hold-out frame"
        )
    pred = model.predict(df)
    prediction_col = str(model.get_params().get("prediction_col") or "prediction")
    if prediction_col not in pred.columns and len(pred.columns) == 1:
        prediction_col = str(pred.columns[0])
    return score(metric, y, pred, prediction_col)


def _record(
    client: Any,
    candidate: Any,
    metric: str,
    alias: str,
    cand: float,
    champ: float | None,
    promoted: bool,
    reason: str,
) -> None:
    outcome = "promoted" if promoted else "not promoted"
    if candidate.run_id:
        client.log_metric(candidate.run_id, f"holdout_{metric}", cand)
        if champ is not None:
            client.log_metric(candidate.run_id, f"champion_holdout_{metric}", champ)
        client.set_tag(candidate.run_id, f"yotml.promotion.{alias}", f"{outcome}: {reason}"[:8000])
    client.set_model_version_tag(
        candidate.name, candidate.version, f"yotml.promotion.{alias}", f"{outcome}: {reason}"[:5000]
    )
