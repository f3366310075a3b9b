"""Save and load models as folders with a manifest that lets ``load`` detect tampering.

A saved model is a folder::

    model/
      manifest.json   format version, class path, params, library versions, sha256 of each file
      model.pkl       the pickled model

``load_model`` verifies the format version and every file's sha256 before unpickling anything,
so a truncated or altered file is refused with ``ModelIntegrityError``. The hashes detect damage
and tampering after saving; they do not make an untrusted folder safe to load.

Example:
    >>> import tempfile, pandas as pd
    >>> from yotml_airflow.models import Imputer
    >>> m = Imputer(columns=["a"]).fit(pd.DataFrame({"a": [1.0, None]}))
    >>> path = save_model(m, tempfile.mkdtemp() + "/imputer")
    >>> load_model(path).transform(pd.DataFrame({"a": [None]}))["a"].tolist()
    [1.0]
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import pickle
import platform
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yotml_airflow.errors import ModelIntegrityError

if TYPE_CHECKING:
    from yotml_airflow.models._base import Model

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PAYLOAD = "model.pkl"
_TRACKED_LIBRARIES = ("pandas", "numpy", "sklearn", "scipy", "pyarrow")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of Python, yotml-airflow and the data libraries already imported."""
    from yotml_airflow import __version__

    versions = {"python": platform.python_version(), "yotml_airflow": __version__}
    for name in _TRACKED_LIBRARIES:
        module = sys.modules.get(name)
        if module is not None:
            versions[name] = getattr(module, "__version__", "unknown")
    return versions


def write_manifest(folder: Path, class_path: str, params: dict[str, Any], extra: dict[str, Any] | None = None) -> None:
    """Write ``manifest.json`` listing the sha256 of every other file under ``folder``."""
    files = {
        str(p.relative_to(folder)): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }
    manifest = {
        "format_version": FORMAT_VERSION,
        "class": class_path,
        "params": _json_safe(params),
        "libraries": library_versions(),
        "files": files,
        **(extra or {}),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))


def read_verified_manifest(folder: Path) -> dict[str, Any]:
    """Read ``manifest.json`` and verify every listed file; raise ``ModelIntegrityError`` if not intact."""
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise ModelIntegrityError(f"{folder} is not a saved yotml model: no {MANIFEST}")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelIntegrityError(f"{manifest_path} is not valid JSON: {exc}") from exc
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelIntegrityError(
            f"{folder}: unsupported model format version {version!r} (this yotml reads {FORMAT_VERSION})"
        )
    for name, expected in manifest.get("files", {}).items():
        file = folder / name
        if not file.is_file():
            raise ModelIntegrityError(f"{folder}: file {name} listed in the manifest is missing")
        actual = sha256_file(file)
        if actual != expected:
            raise ModelIntegrityError(
                f"{folder}: sha256 of {name} is {actual[:12]}..., the manifest says {expected[:12]}...: "
                "the file was modified or truncated after saving; refusing to load it"
            )
    return manifest


def save_model(model: Model, path: str | Path) -> Path:
    """Save ``model`` to the folder ``path`` atomically (a crash never leaves half a model)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        writer = getattr(model, "_save_payload", None)
        if writer is not None:
            writer(staging)
        else:
            with open(staging / PAYLOAD, "wb") as fh:
                pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
        cls = type(model)
        write_manifest(staging, f"{cls.__module__}:{cls.__qualname__}", model.get_params())
        replace_dir(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def load_model(path: str | Path) -> Model:
    """Load a model saved by ``save_model`` after checking its manifest and hashes."""
    folder = Path(path)
    manifest = read_verified_manifest(folder)
    cls = _import_class(manifest["class"], folder)
    reader = getattr(cls, "_load_payload", None)
    if reader is not None:
        return reader(folder)  # type: ignore[no-any-return]
    payload = folder / PAYLOAD
    if PAYLOAD not in manifest.get("files", {}):
        raise ModelIntegrityError(f"{folder}: the manifest does not list {PAYLOAD}; refusing to load unverified data")
    try:
        with open(payload, "rb") as fh:
            model = pickle.load(fh)
    except Exception as exc:
        raise ModelIntegrityError(f"{payload} could not be unpickled: {exc}") from exc
    return model  # type: ignore[no-any-return]


def replace_dir(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``, replacing an existing folder with two renames."""
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, target)


def _import_class(class_path: str, folder: Path) -> type:
    module_name, _, qualname = class_path.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ModelIntegrityError(f"{folder}: model class {class_path} cannot be imported: {exc}") from exc
    return obj  # type: ignore[no-any-return]


def _json_safe(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return repr(value)
