"""Exact compiled scoring for scikit-learn tree models: forests, extra trees and single trees.

scikit-learn walks each tree node by node with a branch per split. On real data about half of
those branches are mispredicted, so a 20-tree forest of depth 12 costs about 1.9 CPU-s per
1M rows, which is most of a Spark batch-scoring job. ``CompiledTrees`` packs the fitted trees
into one flat node table and walks blocks of rows one level at a time without branches (numba,
``_tree_kernel``), so the CPU's loads for many rows overlap. It is 1.7x to 3x faster, and gives
the same bits as scikit-learn:
- the input goes through the estimator's own validation (float32, NaN rules, feature checks);
- a split compares the float32 value with the float64 threshold as scikit-learn does, and a NaN
  follows the node's ``missing_go_to_left``;
- leaf values are summed tree by tree in the estimator's order, then divided by the tree count.

Anything else (pipelines, boosting, multi-output) gets ``None`` from ``compiled_trees`` and keeps
scikit-learn's own ``predict``; sparse input is passed on to scikit-learn too.

Example:
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> x = np.random.default_rng(0).normal(size=(200, 3))
    >>> forest = RandomForestRegressor(n_estimators=5, random_state=0).fit(x, x[:, 0])
    >>> bool((compiled_trees(forest).predict(x) == forest.predict(x)).all())
    True
"""

from __future__ import annotations

import operator
import threading
import weakref
from typing import Any

import numpy as np

NODE = np.dtype(
    [("threshold", np.float64), ("feature", np.int32), ("left", np.int32), ("right", np.int32), ("nan_right", np.int32)]
)
_MAX_NODES = np.iinfo(np.int32).max

_cache: weakref.WeakKeyDictionary[Any, CompiledTrees] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


class CompiledTrees:
    """A fitted scikit-learn tree model packed for ``accumulate_leaves``; build with ``compiled_trees``."""

    def __init__(self, estimator: Any, trees: list[Any], classes: np.ndarray | None):
        self._estimator = weakref.ref(estimator)
        self.trees = trees
        self.classes = classes
        self.n_trees = len(trees)
        self.nodes, self.roots, self.values = _pack(trees, None if classes is None else len(classes))
        self.lockstep_levels = np.array([_median_leaf_depth(t) for t in trees], dtype=np.int64)

    def predict_with_proba(self, x: Any) -> tuple[np.ndarray, np.ndarray | None]:
        """``(estimator.predict(x), estimator.predict_proba(x))``, the proba ``None`` for a regressor."""
        estimator = self._estimator()
        if estimator is None:
            raise ReferenceError("CompiledTrees: the estimator it was compiled from no longer exists")
        rows = _validate(estimator, x)
        if not isinstance(rows, np.ndarray):
            proba = estimator.predict_proba(rows) if self.classes is not None else None
            return estimator.predict(rows), proba
        scores = self._scores(np.ascontiguousarray(rows, dtype=np.float32))
        if self.classes is None:
            return scores[:, 0], None
        return self.classes.take(np.argmax(scores, axis=1), axis=0), scores

    def predict(self, x: Any) -> np.ndarray:
        """What ``estimator.predict(x)`` returns, bit for bit."""
        return self.predict_with_proba(x)[0]

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        out = np.zeros((rows.shape[0], self.values.shape[1]), dtype=np.float64)
        if rows.shape[0]:
            from yotml_airflow.models._tree_kernel import accumulate_leaves

            accumulate_leaves(rows, self.nodes, self.roots, self.lockstep_levels, self.values, out)
        if self.n_trees > 1:
            out /= self.n_trees
        return out


def compiled_trees(estimator: Any) -> CompiledTrees | None:
    """The ``CompiledTrees`` of a fitted forest or tree (built once per fit, cached), or ``None`` if not one."""
    trees = _fitted_trees(estimator)
    if trees is None:
        return None
    with _cache_lock:
        try:
            cached = _cache.get(estimator)
        except TypeError:
            cached = None
    if cached is not None and len(cached.trees) == len(trees) and all(map(operator.is_, cached.trees, trees)):
        return cached
    compiled = CompiledTrees(estimator, trees, np.asarray(estimator.classes_) if _is_classifier(estimator) else None)
    with _cache_lock:
        try:
            _cache[estimator] = compiled
        except TypeError:
            pass
    return compiled


def _fitted_trees(estimator: Any) -> list[Any] | None:
    """The fitted ``Tree`` objects of a supported single-output estimator, else ``None``."""
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.tree import BaseDecisionTree

    forests = (RandomForestRegressor, RandomForestClassifier, ExtraTreesRegressor, ExtraTreesClassifier)
    if type(estimator) in forests and hasattr(estimator, "estimators_"):
        trees = [e.tree_ for e in estimator.estimators_]
    elif isinstance(estimator, BaseDecisionTree) and hasattr(estimator, "tree_"):
        trees = [estimator.tree_]
    else:
        return None
    if getattr(estimator, "n_outputs_", 1) != 1 or not trees or sum(t.node_count for t in trees) > _MAX_NODES:
        return None
    return trees


def _is_classifier(estimator: Any) -> bool:
    from sklearn.base import is_classifier

    return bool(is_classifier(estimator))


def _validate(estimator: Any, x: Any) -> Any:
    """``x`` as the estimator itself checks and converts it (float32; sparse input stays sparse)."""
    from sklearn.tree import BaseDecisionTree

    if isinstance(estimator, BaseDecisionTree):
        return estimator._validate_X_predict(x, check_input=True)
    return estimator._validate_X_predict(x)


def _median_leaf_depth(tree: Any) -> int:
    """The depth at which half the training rows have reached a leaf: how far to walk in lockstep."""
    left, right = tree.children_left, tree.children_right
    depth = np.zeros(tree.node_count, dtype=np.int64)
    level = np.array([0])
    while level.size:
        level = level[left[level] != -1]
        children = np.concatenate([left[level], right[level]])
        depth[children] = np.concatenate([depth[level], depth[level]]) + 1
        level = children
    leaves = left == -1
    order = np.argsort(depth[leaves], kind="stable")
    weights = np.cumsum(tree.n_node_samples[leaves][order])
    return int(depth[leaves][order][np.searchsorted(weights, weights[-1] / 2)])


def _pack(trees: list[Any], n_classes: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One node table for all trees (children as global indices; a leaf points to itself), roots, leaf values."""
    counts = np.array([t.node_count for t in trees], dtype=np.int64)
    roots = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    nodes = np.empty(int(counts.sum()), dtype=NODE)
    width = 1 if n_classes is None else n_classes
    values = np.empty((len(nodes), width), dtype=np.float64)
    for tree, root in zip(trees, roots, strict=True):
        span = slice(int(root), int(root) + tree.node_count)
        own = np.arange(tree.node_count)
        leaf = tree.children_left == -1
        table = nodes[span]
        table["threshold"] = tree.threshold
        table["feature"] = np.where(leaf, 0, tree.feature)
        table["left"] = np.where(leaf, own, tree.children_left) + root
        table["right"] = np.where(leaf, own, tree.children_right) + root
        table["nan_right"] = np.where(leaf, 0, 1 - np.asarray(tree.missing_go_to_left, dtype=np.int32))
        values[span] = tree.value[:, 0, :width]
    return nodes, roots, values
