"""The numba kernel behind ``CompiledTrees``: add up the leaf values each row reaches, tree by tree.

One tree at a time (so its nodes stay in cache), rows are walked in blocks. The first levels are
walked in lockstep for the whole block: each split picks its child with arithmetic instead of a
branch, and the loads of the block's rows are independent, so the CPU overlaps them (a leaf points
to itself, so rows that stop early stay put). Rows still above a leaf then finish one by one.
numba compiles the kernel on first use and caches the machine code on disk.
"""

from __future__ import annotations

import numba
import numpy as np

BLOCK_ROWS = 2048


def _jit(function):  # type: ignore[no-untyped-def]
    """numba-compiled, cached on disk when numba finds a writable place for it, else per process."""
    try:
        return numba.njit(nogil=True, cache=True)(function)
    except RuntimeError:
        return numba.njit(nogil=True)(function)


@_jit
def accumulate_leaves(rows, nodes, roots, lockstep_levels, values, columns, scale, out):  # type: ignore[no-untyped-def]
    """Add to ``out[i, columns[t]:]`` ``scale`` times the ``values`` of the leaf row ``i`` reaches in tree ``t``."""
    node = np.empty(BLOCK_ROWS, dtype=np.int64)
    width = values.shape[1]
    for tree in range(roots.shape[0]):
        for start in range(0, rows.shape[0], BLOCK_ROWS):
            size = min(rows.shape[0] - start, BLOCK_ROWS)
            for i in range(size):
                node[i] = roots[tree]
            for _level in range(lockstep_levels[tree]):
                for i in range(size):
                    split = nodes[node[i]]
                    value = rows[start + i, split.feature]
                    go_right = np.int64(value > split.threshold) | (np.int64(value != value) & split.nan_right)
                    node[i] = split.left + go_right * (split.right - split.left)
            for i in range(size):
                here = node[i]
                split = nodes[here]
                while split.left != here:
                    value = rows[start + i, split.feature]
                    if value != value:
                        here = split.right if split.nan_right else split.left
                    elif value > split.threshold:
                        here = split.right
                    else:
                        here = split.left
                    split = nodes[here]
                for j in range(width):
                    out[start + i, columns[tree] + j] += scale * values[here, j]
