"""A yotml model as an MLflow pyfunc model, so MLflow's own tools (serve, spark_udf) can score it.

The MLflow model folder holds the yotml saved-model folder (manifest included) as the artifact
``yotml_model``. ``load_context`` checks the manifest's sha256 against the one recorded when the
model was logged, then loads the folder with ``yotml_airflow.models.load_model``, which verifies
every file's sha256: a tampered artifact is refused with ``ModelIntegrityError``.

Example (needs a registry, so not run as a doctest)::

    import mlflow.pyfunc
    mlflow.pyfunc.load_model("models:/churn@champion").predict(df)   # == yotml predict
    # mlflow models serve -m models:/churn@champion --env-manager local
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from mlflow.pyfunc import PythonModel

from yotml_airflow.errors import ModelIntegrityError
from yotml_airflow.models import Model, load_model
from yotml_airflow.models._persist import MANIFEST, sha256_file

ARTIFACT = "yotml_model"
META_MANIFEST = "yotml_manifest_sha256"
META_CLASS = "yotml_class"


class YotmlPyfuncModel(PythonModel):  # type: ignore[misc]
    """Pyfunc wrapper: ``predict(df)`` is the yotml model's ``predict(df)``."""

    _skip_type_hint_validation = True

    def __init__(self, manifest_sha256: str):
        self.manifest_sha256 = manifest_sha256
        self.model: Model | None = None

    def load_context(self, context: Any) -> None:
        self.model = load_verified(Path(context.artifacts[ARTIFACT]), self.manifest_sha256)

    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        if self.model is None:
            raise ModelIntegrityError("the yotml pyfunc model was not loaded through mlflow.pyfunc.load_model")
        if not isinstance(model_input, pd.DataFrame):
            model_input = pd.DataFrame(model_input)
        return self.model.predict(model_input)


def load_verified(folder: Path, manifest_sha256: str | None) -> Model:
    """Load the yotml folder after checking its manifest against the hash recorded at logging time."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise ModelIntegrityError(f"{folder} holds no yotml {MANIFEST}: not a model logged by yotml_airflow")
    if manifest_sha256 and sha256_file(manifest) != manifest_sha256:
        raise ModelIntegrityError(
            f"{manifest} differs from the manifest recorded when the model was logged: refusing to load it"
        )
    return load_model(folder)


_MLFLOW_TYPES = {
    "float64": "double",
    "int64": "long",
    "bool": "boolean",
    "string": "string",
    "datetime64[us]": "datetime",
}


def build_signature(model: Model, data: pd.DataFrame | None) -> Any:
    """An MLflow signature: the model's input columns (typed from ``data`` when given) and its outputs.

    A numeric input is ``long`` when ``data`` holds it as integers, else ``double`` (MLflow converts int
    inputs to double, not the reverse); columns of kind ``any`` accept any value.
    """
    from mlflow.models import ModelSignature
    from mlflow.types.schema import AnyType, ColSpec, DataType, Schema

    inputs: list[Any] = []
    for col, kind in model.input_schema_.items():
        if kind == "numeric":
            integer = data is not None and col in data.columns and pd.api.types.is_integer_dtype(data[col].dtype)
            inputs.append(ColSpec(DataType.long if integer else DataType.double, col))
        elif kind in ("string", "bool", "datetime"):
            kind_type = {"string": DataType.string, "bool": DataType.boolean, "datetime": DataType.datetime}[kind]
            inputs.append(ColSpec(kind_type, col))
        else:
            inputs.append(ColSpec(AnyType(), col))
    outputs: list[Any] = [ColSpec(DataType[_MLFLOW_TYPES[d]], c) for c, d in model.output_columns().items()]
    return ModelSignature(inputs=Schema(inputs), outputs=Schema(outputs))
