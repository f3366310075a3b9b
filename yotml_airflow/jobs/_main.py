"""The command line of the jobs: parse, validate before any work, run in one Spark session, write the result.

User errors (bad arguments, missing inputs, schema mismatches) print one line,
``yotml <job>: error: <what is wrong>``, on stderr and exit non-zero without a traceback:
2 for arguments and schemas (nothing started), 1 for inputs or a failed job. Every job writes its
result as JSON to ``--result-path`` (the Airflow operators read it for XCom) and prints it on stdout.

>>> main(["--help"]) == 0  # doctest: +ELLIPSIS
usage: python -m yotml_airflow.jobs <job> [options] ...
True
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from yotml_airflow.errors import ConfigError, SchemaError, YotmlError
from yotml_airflow.jobs._registry import JOBS, job_module

USAGE = "usage: python -m yotml_airflow.jobs <job> [options]   (jobs: {jobs}; <job> --help for its options)"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: ``yotml <job>: error: ...`` (exit 2)."""

    def __init__(self, job: str, **kwargs: Any):
        super().__init__(prog=f"python -m yotml_airflow.jobs {job}", **kwargs)
        self.job = job

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"yotml {self.job}: error: {message} (see --help)\n")


def build_parser(job: str, module: Any) -> argparse.ArgumentParser:
    """The parser of one job: its own options plus the common ones (result path, master, conf)."""
    parser = _Parser(job, description=module.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common = parser.add_argument_group("common options")
    common.add_argument("--result-path", help="write the job's result JSON here (read by the Airflow operators)")
    common.add_argument("--master", help="Spark master when not run by spark-submit (default local[*])")
    common.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE", help="extra Spark setting")
    module.add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``<job> [options]``; returns the process exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    usage = USAGE.format(jobs=", ".join(sorted(JOBS)))
    if not args_list or args_list[0] in ("-h", "--help"):
        print(usage, file=sys.stdout if args_list else sys.stderr)
        return 0 if args_list else 2
    job = args_list[0]
    try:
        module = job_module(job)
    except ConfigError as exc:
        return _fail("jobs", exc, 2)
    args = build_parser(job, module).parse_args(args_list[1:])
    try:
        conf = {**getattr(module, "spark_conf", lambda _: {})(args), **_parse_conf(args.conf)}
        _check_result_path(args.result_path)
        validate = getattr(module, "validate", None)
        if validate is not None:
            validate(args)
        from yotml_airflow.spark import get_spark

        spark = get_spark(args.master, app_name=f"yotml-{job}", conf=conf)
        result = module.run(args, spark)
    except (ConfigError, SchemaError) as exc:
        return _fail(job, exc, 2)
    except YotmlError as exc:
        return _fail(job, exc, 1)
    except Exception as exc:
        if type(exc).__name__ in {"AnalysisException", "ParseException"}:
            return _fail(job, exc, 1)
        raise
    text = json.dumps(result, sort_keys=True, default=str)
    if args.result_path:
        write_result(args.result_path, text)
    print(text)
    return 0


def write_result(path: str, text: str) -> None:
    """Write ``text`` to the local file ``path`` atomically (temp file, then rename)."""
    target = Path(path.removeprefix("file://"))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, target)


def _check_result_path(path: str | None) -> None:
    if path is None:
        return
    if "://" in path and not path.startswith("file://"):
        raise ConfigError(f"--result-path must be a local file, got {path!r}")
    target = Path(path.removeprefix("file://"))
    if target.is_dir():
        raise ConfigError(f"--result-path {path} is a directory; give a file path")


def _parse_conf(items: list[str]) -> dict[str, str]:
    conf = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--conf expects KEY=VALUE, got {item!r}")
        conf[key.strip()] = value
    return conf


def _fail(job: str, exc: BaseException, code: int) -> int:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    print(f"yotml {job}: error: {message}", file=sys.stderr)
    return code
