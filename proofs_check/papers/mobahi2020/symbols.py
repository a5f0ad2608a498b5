"""Symbols of the Mobahi et al. 2020 derivations (exact; shared by every derivation) and the
definitions the symbolic checks substitute (docs/theory/mobahi2020.md §4).
"""

import sympy as sp

K = sp.Symbol("K", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)
j = sp.Symbol("j", integer=True, positive=True)
i = sp.Symbol("i", integer=True, nonnegative=True)
t = sp.Symbol("t", integer=True, nonnegative=True)
T = sp.Symbol("T", integer=True, nonnegative=True)
eps = sp.Symbol("epsilon", positive=True)
a = sp.Symbol("a", positive=True)
kappa = sp.Symbol("kappa", positive=True)
d_min = sp.Symbol("d_min", positive=True)
d_max = sp.Symbol("d_max", positive=True)
cvar = sp.Symbol("c", positive=True)                 # the secular variable
c_low = sp.Symbol(r"\underline{c}", positive=True)   # d_min / (r_0 - 1)

c, r, d = sp.IndexedBase("c"), sp.IndexedBase("r"), sp.IndexedBase("d")
z, yv, A, B = sp.IndexedBase("z"), sp.IndexedBase("y"), sp.IndexedBase("A"), sp.IndexedBase("B")
c_t, r_t, r_t1, r_0 = c[t], r[t], r[t + 1], r[0]
d_k, d_j = d[k], d[j]

G = sp.MatrixSymbol("G", K, K)
V = sp.MatrixSymbol("V", K, K)
D = sp.MatrixSymbol("D", K, K)
A_t = sp.MatrixSymbol("A_t", K, K)
I_K = sp.Identity(K)
y_t = sp.MatrixSymbol("y_t", K, 1)
y_t1 = sp.MatrixSymbol("y_{t+1}", K, 1)
z_t = sp.MatrixSymbol("z_t", K, 1)
z_t1 = sp.MatrixSymbol("z_{t+1}", K, 1)

#: Definitions used by the symbolic checks (applied until nothing changes).
DEFINITIONS = {
    G: V.T * D * V,
    A_t: D * (c_t * I_K + D).I,
    y_t1: G * (c_t * I_K + G).I * y_t,
    z_t: V * y_t,
    z_t1: V * y_t1,
}


def define(expr, defs=DEFINITIONS):
    for _ in range(10):
        new = sp.sympify(expr).xreplace(defs)
        if new == expr:
            return new
        expr = new
    raise RecursionError("definitions do not terminate")

