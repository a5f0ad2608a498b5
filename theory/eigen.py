"""High-precision symmetric eigendecomposition ``G = Q diag(d) Q^T``.

Source: standard linear algebra [prior work].  Domain: real symmetric G (object ndarray of
``ctx.mpf``).

>>> import numpy as np
>>> from theory._mp import make_context, to_mp_array
>>> ctx = make_context(30)
>>> r = eigh_mp(ctx, to_mp_array(ctx, [[2, 1], [1, 2]]))
>>> [ctx.nstr(v, 10) for v in r.values]
['1.0', '3.0']
"""

from typing import NamedTuple

import numpy as np

__all__ = ["MpEigh", "eigh_mp"]


class MpEigh(NamedTuple):
    """Eigenvalues (ascending, object array of mpf), eigenvectors (columns), and the method used."""

    values: np.ndarray
    vectors: np.ndarray
    method: str


def eigh_mp(ctx, G):
    """Eigendecomposition of the symmetric matrix ``G`` at the precision of ``ctx``."""
    K = G.shape[0]
    A = ctx.matrix(G.tolist())
    E, Q = ctx.eigsy(A)
    order = sorted(range(K), key=lambda i: E[i])
    values = np.array([E[i] for i in order], dtype=object)
    vectors = np.empty((K, K), dtype=object)
    for jj, j in enumerate(order):
        for i in range(K):
            vectors[i, jj] = Q[i, j]
    return MpEigh(values, vectors, "mpmath.eigsy")
