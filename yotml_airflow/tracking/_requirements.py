"""Explicit pip requirements for a logged model: exactly the pinned libraries needed to load it.

MLflow's inferred requirements list whatever the logging process had imported (pytest, rich, ...).
Instead the list is built from what loading needs:

- ``numpy``, ``pandas``, ``pyarrow`` (pandas' string storage, Spark's Arrow transfer) and ``cloudpickle``
  (MLflow pickles the pyfunc wrapper with it), pinned to the installed versions;
- every distribution whose modules the saved model's pickles reference (found by reading the pickle
  opcodes, never by unpickling), e.g. ``scikit-learn`` for a ``SklearnModel``, plus ``scipy`` with it;
- ``yotml-airflow`` itself. It is not on PyPI: ``mlflow models serve --env-manager local`` (and
  ``mlflow.pyfunc.spark_udf``, whose default env manager is ``local``) use the current environment, which
  must have yotml-airflow installed. For ``--env-manager virtualenv``/``uv``, publish the wheel to a
  package index and point pip at it (``PIP_EXTRA_INDEX_URL``), or set ``YOTML_PIP_REQUIREMENT`` to a
  requirement pip can install (``yotml-airflow @ https://host/yotml_airflow-0.1.0-py3-none-any.whl``)
  before logging.

MLflow adds its own ``mlflow==<version>`` line.

Example:
    >>> reqs, _ = pip_requirements_for(None)
    >>> sorted(r.split("==")[0] for r in reqs if "==" in r)[:3]
    ['cloudpickle', 'numpy', 'pandas']
"""

from __future__ import annotations

import io
import os
import pickletools
import sys
from collections import deque
from importlib import metadata
from pathlib import Path

BASE_DISTRIBUTIONS = ("cloudpickle", "numpy", "pandas", "pyarrow")
_COMPANIONS = {"scikit-learn": ("scipy",)}
_SKIP = {"yotml-airflow", "mlflow", "mlflow-skinny", "mlflow-tracing"}
_MAX_OPCODES = 2_000_000
_MAX_FILES = 200
_EMBEDDED_WINDOW = 16 << 20
_EMBEDDED_MAX = 8
_EMBEDDED_HEADERS = (b"\x80\x04\x95", b"\x80\x05\x95")
_STRING_OPS = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "STRING", "BINSTRING", "SHORT_BINSTRING"}
_NON_PUSH = {"MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT", "FRAME", "PROTO"}


def pip_requirements_for(folder: str | Path | None) -> tuple[list[str], list[str]]:
    """``(requirements, unpackaged)`` for the saved model in ``folder``.

    ``unpackaged`` lists top-level modules the pickles reference that belong to no installed
    distribution (code defined in a notebook, ``__main__`` or a local folder): loading elsewhere needs them
    on the Python path.
    """
    modules = pickled_modules(Path(folder)) if folder is not None else set()
    owners = metadata.packages_distributions()
    dists: set[str] = set(BASE_DISTRIBUTIONS)
    unpackaged: list[str] = []
    for module in sorted(modules):
        if module in sys.stdlib_module_names or module in sys.builtin_module_names or module == "builtins":
            continue
        names = owners.get(module)
        if not names:
            unpackaged.append(module)
            continue
        dists.update(names)
    for dist in list(dists):
        dists.update(_COMPANIONS.get(_canonical(dist), ()))
    pins = {}
    for dist in dists:
        canonical = _canonical(dist)
        if canonical in _SKIP:
            continue
        try:
            pins[canonical] = f"{canonical}=={metadata.version(dist)}"
        except metadata.PackageNotFoundError:
            continue
    requirements = [pins[k] for k in sorted(pins)]
    requirements.append(yotml_requirement())
    return requirements, unpackaged


def yotml_requirement() -> str:
    """The pip requirement line for yotml-airflow (``YOTML_PIP_REQUIREMENT`` overrides it)."""
    override = os.environ.get("YOTML_PIP_REQUIREMENT")
    if override:
        return override
    try:
        version = metadata.version("yotml-airflow")
    except metadata.PackageNotFoundError:
        from yotml_airflow import __version__ as version
    return f"yotml-airflow=={version}"


def pickled_modules(folder: Path) -> set[str]:
    """Top-level module names referenced by pickles under ``folder`` (opcodes only, nothing is unpickled).

    Pickle files are read from their start; other files (e.g. Arrow shards packing many pickled
    segment models) are searched for embedded protocol 4/5 pickles in their first 16 MiB.
    """
    found: set[str] = set()
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "manifest.json"][:_MAX_FILES]
    for path in files:
        with open(path, "rb") as fh:
            if fh.read(1) == b"\x80":
                fh.seek(0)
                found |= _scan(fh)
                continue
            fh.seek(0)
            head = fh.read(_EMBEDDED_WINDOW)
        start, seen = 0, 0
        while seen < _EMBEDDED_MAX:
            hits = [i for i in (head.find(h, start) for h in _EMBEDDED_HEADERS) if i >= 0]
            if not hits:
                break
            start = min(hits)
            found |= _scan(io.BytesIO(head[start:]))
            start, seen = start + 3, seen + 1
    return found


def _scan(fh: object) -> set[str]:
    found: set[str] = set()
    pushes: deque[str | None] = deque(maxlen=2)
    try:
        for count, (op, arg, _) in enumerate(pickletools.genops(fh)):  # type: ignore[arg-type]
            if count >= _MAX_OPCODES or op.name == "STOP":
                break
            if op.name in ("GLOBAL", "INST") and isinstance(arg, str):
                found.add(arg.split(" ")[0].split(".")[0])
            elif op.name == "STACK_GLOBAL":
                if pushes and len(pushes) == 2 and isinstance(pushes[0], str):
                    found.add(pushes[0].split(".")[0])
                pushes.clear()
            elif op.name in _STRING_OPS:
                pushes.append(arg if isinstance(arg, str) else None)
            elif op.name not in _NON_PUSH:
                pushes.append(None)
    except Exception:
        pass  # a truncated or unusual pickle still yields what was read before the error
    return found


def _canonical(dist: str) -> str:
    return dist.lower().replace("_", "-")
