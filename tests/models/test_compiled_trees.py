"""``CompiledTrees`` gives scikit-learn's exact predictions for forests and trees, NaNs included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor, ExtraTreeRegressor

from yotml_airflow.models import SklearnModel
from yotml_airflow.models._compiled_trees import CompiledTrees, compiled_trees


def _data(rows: int, seed: int, nan_share: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 5))
    x[:, 4] = np.round(x[:, 4])  # ties at thresholds
    y = np.sin(x[:, 0] * 2) + x[:, 1] * x[:, 2] + rng.normal(scale=0.1, size=rows)
    x[rng.random(x.shape) < nan_share] = np.nan
    return x, y


REGRESSORS = [
    RandomForestRegressor(n_estimators=15, max_depth=8, random_state=0),
    RandomForestRegressor(n_estimators=4, random_state=1),
    ExtraTreesRegressor(n_estimators=10, random_state=0),
    DecisionTreeRegressor(random_state=0),
    ExtraTreeRegressor(random_state=0),
]
CLASSIFIERS = [
    RandomForestClassifier(n_estimators=15, random_state=0),
    ExtraTreesClassifier(n_estimators=10, random_state=0),
    DecisionTreeClassifier(max_depth=6, random_state=0),
]


@pytest.mark.parametrize(
    ("estimator", "nan_share"),
    [(forest, 0.05) for forest in REGRESSORS]
    + [
        (GradientBoostingRegressor(n_estimators=30, random_state=0), 0.0),
        (
            GradientBoostingRegressor(n_estimators=20, loss="huber", learning_rate=0.3, subsample=0.7, random_state=0),
            0.0,
        ),
    ],
    ids=[type(e).__name__ for e in REGRESSORS] + ["GradientBoosting-squared_error", "GradientBoosting-huber"],
)
def test_regressors_match_sklearn_bit_for_bit(estimator, nan_share) -> None:
    x, y = _data(2_000, seed=0, nan_share=nan_share)
    estimator.fit(x, y)
    query, _ = _data(3_000, seed=1, nan_share=2 * nan_share)
    predicted, proba = compiled_trees(estimator).predict_with_proba(query)
    assert proba is None
    np.testing.assert_array_equal(predicted, estimator.predict(query))


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("labels", [np.array([3, 7, 9]), np.array(["low", "mid", "high"])], ids=["int", "str"])
def test_classifiers_match_predict_and_predict_proba(estimator, labels) -> None:
    x, y = _data(2_000, seed=2, nan_share=0.05)
    target = labels[np.digitize(y, [-0.5, 0.5])]
    estimator.fit(x, target)
    query, _ = _data(3_000, seed=3, nan_share=0.1)
    predicted, proba = compiled_trees(estimator).predict_with_proba(query)
    np.testing.assert_array_equal(predicted, estimator.predict(query))
    assert predicted.dtype == estimator.predict(query).dtype
    np.testing.assert_array_equal(proba, estimator.predict_proba(query))


@pytest.mark.parametrize(
    ("estimator", "n_classes"),
    [
        (GradientBoostingClassifier(n_estimators=25, random_state=0), 2),
        (GradientBoostingClassifier(n_estimators=25, random_state=0), 3),
        (GradientBoostingClassifier(n_estimators=10, loss="exponential", random_state=0), 2),
        (GradientBoostingClassifier(n_estimators=10, init=DummyClassifier(strategy="prior"), random_state=0), 3),
    ],
    ids=["log_loss-binary", "log_loss-3", "exponential-binary", "estimator_init-3"],
)
def test_gradient_boosting_classifiers_match_predict_and_predict_proba(estimator, n_classes) -> None:
    x, y = _data(2_000, seed=11, nan_share=0.0)
    labels = np.array(["a", "b", "c"])[:n_classes]
    target = labels[np.digitize(y, [-0.5, 0.5][: n_classes - 1])]
    estimator.fit(x, target)
    query, _ = _data(3_000, seed=12, nan_share=0.0)
    predicted, proba = compiled_trees(estimator).predict_with_proba(query)
    np.testing.assert_array_equal(predicted, estimator.predict(query))
    np.testing.assert_array_equal(proba, estimator.predict_proba(query))


def test_input_goes_through_sklearns_own_checks() -> None:
    x, y = _data(500, seed=4, nan_share=0.0)
    forest = RandomForestRegressor(n_estimators=3, random_state=0).fit(x, y)
    infinite = x.copy()
    infinite[0, 0] = np.inf
    boosting = GradientBoostingRegressor(n_estimators=3).fit(x, y)
    with_nan = x.copy()
    with_nan[0, 0] = np.nan
    for predict in (forest.predict, compiled_trees(forest).predict):
        with pytest.raises(ValueError, match="infinity"):
            predict(infinite)
        with pytest.raises(ValueError, match="features"):
            predict(x[:, :3])
    for predict in (boosting.predict, compiled_trees(boosting).predict):
        with pytest.raises(ValueError, match="NaN"):
            predict(with_nan)


def test_refitting_in_place_recompiles() -> None:
    x, y = _data(500, seed=7, nan_share=0.0)
    forest = RandomForestRegressor(n_estimators=3, random_state=0).fit(x, y)
    first = compiled_trees(forest).predict(x)
    forest.fit(x, -y)
    np.testing.assert_array_equal(compiled_trees(forest).predict(x), forest.predict(x))
    assert not np.array_equal(first, forest.predict(x))


def test_only_forests_and_trees_compile_and_each_compiles_once() -> None:
    x, y = _data(300, seed=5, nan_share=0.0)
    forest = RandomForestRegressor(n_estimators=3, random_state=0).fit(x, y)
    assert isinstance(compiled_trees(forest), CompiledTrees)
    assert compiled_trees(forest) is compiled_trees(forest)
    assert compiled_trees(HistGradientBoostingRegressor(max_iter=3).fit(x, y)) is None
    assert compiled_trees(make_pipeline(StandardScaler(), DecisionTreeRegressor()).fit(x, y)) is None
    two_outputs = RandomForestRegressor(n_estimators=3, random_state=0).fit(x, np.c_[y, y])
    assert compiled_trees(two_outputs) is None


def test_sklearn_model_scores_forests_through_compiled_trees(monkeypatch) -> None:
    x, y = _data(1_000, seed=6, nan_share=0.0)
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(5)]).assign(target=(y > 0).astype(int))
    model = SklearnModel(RandomForestClassifier(n_estimators=8, random_state=0), target="target").fit(frame)
    calls = []
    compiled_type = type(compiled_trees(model.estimator_))
    original = compiled_type.predict_with_proba
    monkeypatch.setattr(compiled_type, "predict_with_proba", lambda self, x: calls.append(len(x)) or original(self, x))
    out = model.predict(frame)
    assert calls == [len(frame)], "one compiled pass gives both the classes and the probabilities"
    features = frame.drop(columns="target")
    np.testing.assert_array_equal(out["prediction"], model.estimator_.predict(features))
    np.testing.assert_array_equal(out[["proba_0", "proba_1"]], model.estimator_.predict_proba(features))


def test_sparse_input_is_scored_by_scikit_learn_itself() -> None:
    from scipy import sparse

    x, y = _data(400, seed=8, nan_share=0.0)
    forest = RandomForestClassifier(n_estimators=4, random_state=0).fit(x, y > 0)
    predicted, proba = compiled_trees(forest).predict_with_proba(sparse.csr_matrix(x))
    np.testing.assert_array_equal(predicted, forest.predict(x))
    np.testing.assert_array_equal(proba, forest.predict_proba(x))
