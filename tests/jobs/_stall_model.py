"""A model for the crash test: doubles ``x``; the first row with ``stall > 0`` it ever sees makes it
write ``marker`` and sleep, so the test can kill the job in the middle of a known micro-batch."""

from __future__ import annotations

import os
import time

import pandas as pd

from yotml_airflow.models import Model


class StallOnceModel(Model):
    def __init__(self, marker: str = "") -> None:
        self.marker = marker

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        return ["x", "stall"]

    def _fit(self, df: pd.DataFrame) -> None:
        self.fitted_ = True

    def output_columns(self) -> dict[str, str]:
        return {"prediction": "float64"}

    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        stall = float(df["stall"].max())
        if stall > 0 and not os.path.exists(self.marker):
            with open(self.marker, "w") as handle:
                handle.write(str(os.getpid()))
            time.sleep(stall)
        return pd.DataFrame({"prediction": df["x"] * 2.0}, index=df.index)
