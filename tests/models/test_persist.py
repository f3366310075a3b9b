"""Saved models can be trusted: manifest content, identical predictions, tampered or truncated files refused."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from yotml_airflow.errors import ModelIntegrityError
from yotml_airflow.models import DataCleaner, Imputer, Model, ModelPipeline, SklearnModel, load_model, save_model
from yotml_airflow.models._persist import sha256_file

ID_COLUMNS = ["store_id", "customer_id", "snapshot_date", "churned"]


@pytest.fixture()
def saved(tmp_path: Path, shop: pd.DataFrame) -> tuple[Model, Path]:
    model = ModelPipeline(
        [
            DataCleaner(exclude=ID_COLUMNS),
            SklearnModel(LogisticRegression(max_iter=300), features=["total_spend", "returns_rate"], target="churned"),
        ]
    ).fit(shop)
    return model, save_model(model, tmp_path / "churn")


def test_save_load_gives_identical_predictions(saved: tuple[Model, Path], shop_next_day: pd.DataFrame) -> None:
    model, path = saved
    loaded = Model.load(path)
    assert type(loaded) is ModelPipeline and loaded is not model
    pd.testing.assert_frame_equal(loaded.predict(shop_next_day), model.predict(shop_next_day))
    pd.testing.assert_frame_equal(loaded.transform(shop_next_day), model.transform(shop_next_day))
    with pytest.raises(TypeError, match="not a Imputer"):
        Imputer.load(path)


def test_manifest_lists_format_class_params_libraries_and_hashes(saved: tuple[Model, Path]) -> None:
    _, path = saved
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["format_version"] == 1
    assert manifest["class"] == "yotml_airflow.models._pipeline:ModelPipeline"
    assert "DataCleaner(" in manifest["params"]["steps"][0]
    assert {"python", "yotml_airflow", "pandas", "numpy", "sklearn"} <= set(manifest["libraries"])
    assert manifest["libraries"]["pandas"] == pd.__version__
    assert manifest["files"] == {"model.pkl": sha256_file(path / "model.pkl")}
    assert sorted(p.name for p in path.iterdir()) == ["manifest.json", "model.pkl"]
    assert [p.name for p in path.parent.iterdir()] == ["churn"], "no staging folder may be left behind"


def test_tampered_file_is_refused(saved: tuple[Model, Path]) -> None:
    _, path = saved
    payload = path / "model.pkl"
    data = bytearray(payload.read_bytes())
    data[len(data) // 2] ^= 0xFF
    payload.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match=r"sha256 of model\.pkl .* modified or truncated"):
        load_model(path)


def test_truncated_or_missing_file_is_refused(saved: tuple[Model, Path]) -> None:
    _, path = saved
    payload = path / "model.pkl"
    payload.write_bytes(payload.read_bytes()[:100])
    with pytest.raises(ModelIntegrityError, match="modified or truncated"):
        load_model(path)
    payload.unlink()
    with pytest.raises(ModelIntegrityError, match="missing"):
        load_model(path)


def test_broken_manifests_are_refused(saved: tuple[Model, Path], tmp_path: Path) -> None:
    _, path = saved
    manifest_path = path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for change, message in [
        ({"format_version": 99}, "unsupported model format version 99"),
        ({"files": {}}, "does not list model.pkl"),
        ({"class": "yotml_airflow.models:NoSuchModel"}, "cannot be imported"),
    ]:
        manifest_path.write_text(json.dumps({**manifest, **change}))
        with pytest.raises(ModelIntegrityError, match=message):
            load_model(path)
    manifest_path.write_text("{not json")
    with pytest.raises(ModelIntegrityError, match="not valid JSON"):
        load_model(path)
    manifest_path.unlink()
    with pytest.raises(ModelIntegrityError, match=r"no manifest\.json"):
        load_model(path)
    with pytest.raises(ModelIntegrityError, match=r"no manifest\.json"):
        load_model(tmp_path / "nowhere")


def test_saving_over_an_existing_model_replaces_it(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": [1.0, None, 3.0]})
    path = save_model(Imputer().fit(df), tmp_path / "m")
    save_model(Imputer(strategy="constant", fill_value=9.0).fit(df), path)
    assert load_model(path).transform(df)["a"].tolist() == [1.0, 9.0, 3.0]
    assert [p.name for p in tmp_path.iterdir()] == ["m"]
