"""``DataCleaner``: one model that coerces, clips, imputes and buckets a whole frame.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["a", "b", "c"], "x": [1.0, None, 3.0], "c": ["u", "u", None]})
    >>> DataCleaner(exclude=["id"], clip=None).fit(df).transform(df)["x"].tolist()
    [1.0, 2.0, 3.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from yotml_airflow.models._base import Model, dtypes_of
from yotml_airflow.models._cleaning import CategoryVocabulary, Clipper, Imputer
from yotml_airflow.models._coercion import DtypeCoercer
from yotml_airflow.models._columns import ColumnModel, check_choice
from yotml_airflow.models._pipeline import chain_schema, chain_transform
from yotml_airflow.models._schema import kind_of


class DataCleaner(ColumnModel):
    """Coerce declared dtypes, clip numeric outliers, fill missing values and bucket rare categories.

    The steps run in that order, each learned on the previous step's output: clipping bounds
    are learned before filling, so fill values are not pulled by outliers.

    Args:
        columns: columns to clean; ``None`` means every column not in ``exclude``.
        exclude: columns to leave untouched (ids, labels, segment keys).
        dtypes: optional ``{column: dtype}`` declared coercion (``DtypeCoercer``) applied first.
        strategy: numeric fill strategy (see ``Imputer``).
        clip: ``"quantile"``, ``"iqr"`` or ``None`` (no clipping).
        lower, upper: quantiles for ``clip="quantile"``.
        min_frequency: categories seen fewer times go to ``other`` (see ``CategoryVocabulary``).
        other: the bucket for rare and unseen categories.
    """

    accepts = ("numeric", "bool", "string", "datetime")

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        exclude: Sequence[str] = (),
        dtypes: Mapping[str, str] | None = None,
        strategy: str = "median",
        clip: str | None = "quantile",
        lower: float = 0.01,
        upper: float = 0.99,
        min_frequency: float = 1,
        other: str = "other",
    ):
        self.columns = columns
        self.exclude = exclude
        self.dtypes = dtypes
        self.strategy = strategy
        self.clip = clip
        self.lower = lower
        self.upper = upper
        self.min_frequency = min_frequency
        self.other = other

    def input_columns(self, df: pd.DataFrame) -> list[str]:
        named = self._named_columns()
        candidates = named if named is not None else list(df.columns)
        return [c for c in candidates if c not in set(self.exclude)]

    def fit(self, df: pd.DataFrame) -> DataCleaner:
        """Fit the steps; columns with declared dtypes accept any input kind later."""
        super().fit(df)
        for column in self.dtypes or {}:
            if column in self.input_schema_:
                self.input_schema_[column] = "any"
        return self

    def _fit(self, df: pd.DataFrame) -> None:
        check_choice("DataCleaner", "clip", self.clip, ("quantile", "iqr", None))
        columns = self.input_columns(df)
        steps: list[Model] = []
        current = df[columns]
        if self.dtypes:
            steps.append(DtypeCoercer(dict(self.dtypes)))
            current = steps[-1].fit_transform(current)
        kinds = {c: kind_of(current[c]) for c in columns}
        numeric = [c for c in columns if kinds[c] == "numeric"]
        strings = [c for c in columns if kinds[c] == "string"]
        fillable = [c for c in columns if kinds[c] in self.accepts]
        if numeric and self.clip is not None:
            steps.append(Clipper(numeric, method=self.clip, lower=self.lower, upper=self.upper))
            current = steps[-1].fit_transform(current)
        if fillable:
            steps.append(Imputer(fillable, strategy=self.strategy))
            current = steps[-1].fit_transform(current)
        if strings:
            steps.append(CategoryVocabulary(strings, min_frequency=self.min_frequency, other=self.other))
            steps[-1].fit(current)
        self.steps_ = steps
        self.columns_ = [c for c in columns if c in fillable or c in (self.dtypes or {})]
        self.fit_schema_ = dtypes_of(df[columns].iloc[:0])

    def output_columns(self) -> dict[str, str]:
        schema = self.transform_schema(self.fit_schema_)
        return {c: schema[c] for c in self.columns_}

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        return chain_schema(self.steps_, schema)

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        return chain_transform(self.steps_, df)
