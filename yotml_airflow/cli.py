"""The ``yotml`` command: a small dispatcher over subcommands registered by module name.

Each subcommand lives in its layer as a module with ``add_arguments(parser)`` and
``run(args) -> int``; ``COMMANDS`` maps the subcommand to that module's import path, so
``yotml --help`` stays fast and this file imports no layer until a command runs. To add a command,
add one entry here.

Example:
    >>> sorted(COMMANDS)
    ['serve']
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("yotml_airflow.serving._cli", "serve a model over HTTP (POST /predict, GET /model, GET /health)"),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subparser per registered command."""
    parser = argparse.ArgumentParser(prog="yotml", description="yotml-airflow: everything is a model.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, summary) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=summary, description=summary)
        sub.set_defaults(_module=module)
        importlib.import_module(module).add_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``yotml``: parse ``argv`` and run the chosen command; returns the exit code."""
    args = build_parser().parse_args(argv)
    code = importlib.import_module(args._module).run(args)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
