"""Encoders with categories learned at fit: one-hot (unseen -> all zeros) and ordinal (unseen -> -1).

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"channel": ["web", "app", "web"]})
    >>> OneHotEncoder().fit(df).transform(pd.DataFrame({"channel": ["app", "fax"]})).values.tolist()
    [[1, 0], [0, 0]]
    >>> OrdinalEncoder().fit(df).transform(pd.DataFrame({"channel": ["app", "fax"]}))["channel"].tolist()
    [0, -1]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from yotml_airflow.models._cleaning import learn_categories
from yotml_airflow.models._columns import ColumnModel, check_new_columns, feature_name


class OneHotEncoder(ColumnModel):
    """One 0/1 ``int64`` column per category learned at fit; unseen and null values give all zeros.

    Args:
        columns: string columns to encode; ``None`` means every string column.
        min_frequency: categories seen fewer times (count, or share if < 1) get no column.
        max_categories: keep at most this many of the most frequent categories per column.
        drop: remove the original columns from ``transform``'s output.

    New columns are named ``<column>_<category>`` with characters other than letters, digits and
    ``_`` replaced by ``_``, in sorted category order.

    Example:
        >>> import pandas as pd
        >>> m = OneHotEncoder(columns=["c"]).fit(pd.DataFrame({"c": ["a", "b b"]}))
        >>> m.output_columns()
        {'c_a': 'int64', 'c_b_b': 'int64'}
    """

    accepts = ("string", "bool")

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        min_frequency: float = 1,
        max_categories: int | None = None,
        drop: bool = True,
    ):
        self.columns = columns
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.drop = drop

    def _fit(self, df: pd.DataFrame) -> None:
        self.columns_ = self._select(df)
        self.categories_ = {
            c: sorted(learn_categories(df[c], self.min_frequency, self.max_categories, "OneHotEncoder"))
            for c in self.columns_
        }
        self.feature_names_ = {c: [feature_name(c, v) for v in cats] for c, cats in self.categories_.items()}
        new = [n for names in self.feature_names_.values() for n in names]
        kept = [c for c in df.columns if not (self.drop and c in self.columns_)]
        check_new_columns("OneHotEncoder", new, kept)

    def output_columns(self) -> dict[str, str]:
        return {n: "int64" for names in self.feature_names_.values() for n in names}

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        out = {c: d for c, d in schema.items() if not (self.drop and c in self.columns_)}
        out.update(self.output_columns())
        return out

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        encoded = {}
        for c in self.columns_:
            values = df[c].astype(object).where(df[c].notna()).map(str, na_action="ignore").to_numpy()
            for category, name in zip(self.categories_[c], self.feature_names_[c]):
                encoded[name] = (values == category).astype("int64")
        kept = df.drop(columns=self.columns_) if self.drop else df
        return pd.concat([kept, pd.DataFrame(encoded, index=df.index)], axis=1)


class OrdinalEncoder(ColumnModel):
    """Replace each category by its position in the sorted categories learned at fit.

    Args:
        columns: string columns to encode; ``None`` means every string column.
        unknown_value: code of categories not seen at fit (default -1).
        missing_value: code of nulls (default -1; ``int64`` cannot hold nulls).
        suffix: ``""`` replaces the column; otherwise codes go to ``<column><suffix>``.

    Example:
        >>> import pandas as pd
        >>> m = OrdinalEncoder(suffix="_code").fit(pd.DataFrame({"c": ["b", "a"]}))
        >>> m.transform(pd.DataFrame({"c": ["a", "b", None]}))["c_code"].tolist()
        [0, 1, -1]
    """

    accepts = ("string", "bool")

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        unknown_value: int = -1,
        missing_value: int = -1,
        suffix: str = "",
    ):
        self.columns = columns
        self.unknown_value = unknown_value
        self.missing_value = missing_value
        self.suffix = suffix

    def _fit(self, df: pd.DataFrame) -> None:
        self.columns_ = self._select(df)
        self.categories_ = {c: sorted(learn_categories(df[c], 1, None, "OrdinalEncoder")) for c in self.columns_}
        if self.suffix:
            check_new_columns("OrdinalEncoder", [c + self.suffix for c in self.columns_], list(df.columns))

    def output_columns(self) -> dict[str, str]:
        return {c + self.suffix: "int64" for c in self.columns_}

    def transform_schema(self, schema: Mapping[str, str]) -> dict[str, str]:
        return {**schema, **self.output_columns()}

    def _transform(self, df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        for c in self.columns_:
            codes = {v: i for i, v in enumerate(self.categories_[c])}
            values = df[c].astype(object).where(df[c].notna()).map(str, na_action="ignore")
            mapped = values.map(lambda v, codes=codes: codes.get(v, self.unknown_value), na_action="ignore")
            out[c + self.suffix] = np.where(values.isna(), self.missing_value, mapped.fillna(0)).astype("int64")
        return out
