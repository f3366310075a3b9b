"""Monitors inside ``SegmentedModel``: one monitor, and so one set of thresholds, per segment.

``SegmentedModel(DriftMonitor(), "store_id").fit(reference)`` learns each store's own normal (one
store's normal is another store's alert). Its ``predict`` hands a batch to ``segmented_report``
(the model's base ``predicts_report``), which runs each segment's monitor on that segment's rows
and stacks the reports with the ``segment`` column filled in. Segments without a monitor of their
own (too few rows at fit, or new) are checked by the fallback monitor under their own name.

Example:
    >>> import numpy as np, pandas as pd
    >>> from yotml_airflow.models import SegmentedModel
    >>> from yotml_airflow.models.monitoring import DriftMonitor
    >>> rng = np.random.default_rng(0)
    >>> x = np.r_[rng.normal(0, 1, 500), rng.normal(5, 1, 500)]
    >>> ref = pd.DataFrame({"store": np.repeat(["a", "b"], 500), "x": x})
    >>> model = SegmentedModel(DriftMonitor(metrics=["ks"]), "store").fit(ref)
    >>> cur = pd.DataFrame({"store": ["a"] * 200 + ["b"] * 200, "x": rng.normal(5, 1, 400)})
    >>> model.predict(cur)[["segment", "alert"]].values.tolist()
    [['a', True], ['b', False]]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from yotml_airflow.errors import EmptyDataError, SegmentError
from yotml_airflow.models._schema import check_input, coerce_output

if TYPE_CHECKING:
    from yotml_airflow.models._segmented import SegmentedModel


def segmented_report(model: SegmentedModel, df: pd.DataFrame) -> pd.DataFrame:
    """Stacked per-segment reports of a ``SegmentedModel`` whose base is a monitor.

    Rows with a missing segment value are checked by the fallback monitor as segment ``None``.
    Raises ``SegmentError`` for segments without a monitor under ``fallback="error"``.
    """
    model._require_fitted()
    check_input(df, {model.segment_col: "any"}, "SegmentedModel.predict")
    if len(df) == 0:
        raise EmptyDataError("SegmentedModel.predict: the current frame has no rows; nothing to compare")
    seg = model.segment_col
    keys = df[seg]
    lacking = [k for k in keys.dropna().unique().tolist() if k not in model.store_]
    if (lacking or keys.isna().any()) and model.fallback_model_ is None:
        shown = lacking[:10] + (["<missing>"] if keys.isna().any() else [])
        raise SegmentError(f"SegmentedModel (fallback='error'): no monitor for segment(s) {shown}")
    reports = []
    for key, rows in df.groupby(seg, sort=True, dropna=False):
        key = key[0] if isinstance(key, tuple) else key
        missing = pd.isna(key)
        monitor = model.fallback_model_ if missing else model.segment_model(key)
        assert monitor is not None
        own = not missing and key in model.store_
        frame = rows.drop(columns=[seg]) if own or monitor is model._global_model() else rows
        report = monitor.predict(frame).copy()
        report["segment"] = None if missing else str(key)
        reports.append(report)
    columns = model.output_columns()
    out = pd.concat(reports, ignore_index=True)
    return coerce_output(out, columns, "SegmentedModel.predict")[list(columns)]
