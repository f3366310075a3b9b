"""A model with its own packed storage (``_save_payload``/``_load_payload``) logs, loads and scores like any other."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pandas as pd
import pandas.testing as pdt

from yotml_airflow.models import Model
from yotml_airflow.tracking import load_model, log_model


class PackedMeans(Model):
    """Mean label per segment, stored as one JSON file instead of a pickle (as a segmented model packs its parts)."""

    def __init__(self, segment_col: str = "store", target: str = "churned"):
        self.segment_col = segment_col
        self.target = target

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        return [self.segment_col]

    def _fit(self, df: pd.DataFrame) -> None:
        self.means_ = {str(k): float(v) for k, v in df.groupby(self.segment_col)[self.target].mean().items()}

    def output_columns(self) -> dict[str, str]:
        return {"prediction": "float64"}

    def _predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"prediction": df[self.segment_col].astype(str).map(self.means_)}, index=df.index)

    def _save_payload(self, folder: Path) -> None:
        state = {"params": self.get_params(), "means": self.means_, "schema": self.input_schema_}
        (folder / "packed.json").write_text(json.dumps(state))

    @classmethod
    def _load_payload(cls, folder: Path) -> PackedMeans:
        state = json.loads((folder / "packed.json").read_text())
        model = cls(**state["params"])
        model.means_ = state["means"]
        model.input_schema_ = state["schema"]
        return model


def test_custom_payload_model_round_trips_through_mlflow(mlflow_store: str, churn_df: pd.DataFrame) -> None:
    model = PackedMeans().fit(churn_df)
    info = log_model(model, "packed", data=churn_df)
    loaded = load_model(info.model_uri)
    assert type(loaded).__name__ == "PackedMeans" and loaded.means_ == model.means_
    expected = model.predict(churn_df)
    pdt.assert_frame_equal(loaded.predict(churn_df), expected)
    pdt.assert_frame_equal(mlflow.pyfunc.load_model(info.model_uri).predict(churn_df), expected)
    stored = Path(mlflow.artifacts.download_artifacts(f"{info.model_uri}/artifacts/yotml_model"))
    files = {p.name for p in stored.iterdir()}
    assert files == {"manifest.json", "packed.json"}
