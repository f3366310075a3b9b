"""Fast in-process checks of the serving pieces: the public surface, validation, encoding, fast path, CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import yotml_airflow.serving as serving
from yotml_airflow.cli import COMMANDS, build_parser
from yotml_airflow.serving import InputValidator, RequestError
from yotml_airflow.serving._codec import column_values, encode_records
from yotml_airflow.serving._fastpath import compile_fast_path

NUMERIC = ["tenure", "spend", "visits"]


def test_public_names_are_sorted_and_importable():
    assert serving.__all__ == sorted(serving.__all__)
    for name in serving.__all__:
        assert getattr(serving, name) is not None


def test_frames_match_what_pandas_builds_from_the_same_records(to_records, churn):
    validator = InputValidator({"tenure": "numeric", "spend": "numeric", "plan": "string", "promo": "bool"})
    records = to_records(churn.head(4), ["tenure", "spend", "plan", "promo"])
    built = validator.frame(validator.records(records))
    pd.testing.assert_frame_equal(built, pd.DataFrame(records))
    records[1]["tenure"] = None
    assert validator.frame(records)["tenure"].dtype == np.float64


def test_datetimes_are_parsed_to_utc_naive_microseconds():
    validator = InputValidator({"at": "datetime"})
    frame = validator.frame([{"at": "2024-05-01T12:00:00+02:00"}, {"at": "2024-05-01"}, {"at": None}])
    assert str(frame["at"].dtype) == "datetime64[us]"
    assert frame["at"].tolist()[:2] == [pd.Timestamp("2024-05-01 10:00"), pd.Timestamp("2024-05-01")]
    assert frame["at"].isna().tolist() == [False, False, True]


def test_every_problem_of_a_request_is_reported_at_once():
    validator = InputValidator({"a": "numeric", "b": "string", "c": "bool"})
    with pytest.raises(RequestError) as error:
        validator.frame([{"a": "x", "c": 1}, {"a": 1, "b": "ok", "c": True}])
    assert error.value.status == 422
    assert [d["field"] for d in error.value.detail] == ["b", "a", "c"]
    assert "record(s) [0]" in error.value.detail[0]["error"]


def test_encoding_turns_missing_values_into_null():
    frame = pd.DataFrame(
        {
            "f": [1.5, np.nan],
            "s": pd.array(["x", None], dtype="str"),
            "t": pd.to_datetime(["2024-01-01 10:00", None]).as_unit("us"),
            "b": [True, False],
            "i": [1, 2],
        }
    )
    assert encode_records(frame) == [
        {"f": 1.5, "s": "x", "t": "2024-01-01T10:00:00", "b": True, "i": 1},
        {"f": None, "s": None, "t": None, "b": False, "i": 2},
    ]
    assert column_values(np.array([np.inf, 2.0])) == [None, 2.0]


def test_fast_path_only_for_numeric_sklearn_models_and_equal_to_predict(numeric_model, mixed_model, churn):
    assert compile_fast_path(mixed_model) is None
    fast = compile_fast_path(numeric_model)
    assert fast is not None
    frame = churn.head(25)[NUMERIC]
    got = fast({c: frame[c].to_numpy() for c in NUMERIC})
    assert got == {c: column_values(v) for c, v in numeric_model.predict(frame).items()}


def test_fast_path_is_refused_for_subclasses(numeric_model):
    from yotml_airflow.models import SklearnModel

    class Tweaked(SklearnModel):
        def _predict(self, df):
            out = super()._predict(df)
            out["prediction"] = 1 - out["prediction"]
            return out

    tweaked = Tweaked(numeric_model.estimator, features=NUMERIC, target="churned")
    tweaked.__dict__.update({k: v for k, v in vars(numeric_model).items() if k.endswith("_")})
    assert compile_fast_path(tweaked) is None


def test_cli_dispatches_serve_with_its_defaults():
    assert list(COMMANDS) == ["serve"]
    args = build_parser().parse_args(["serve", "--model", "models:/churn@champion"])
    assert (args.port, args.host, args.reload_interval, args.max_rows) == (8000, "127.0.0.1", 0.0, 1000)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve"])
