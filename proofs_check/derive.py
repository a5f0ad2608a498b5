r"""Machine-checked derivations of the paper's results, rendered by the one LaTeX printer.

Each derivation is data (STYLE rule 11): a :class:`theory.derivation.Derivation`, an
ordered list of steps ``lhs  relation  rhs`` with a justification, a source and a check.

* ``mobahi2020.closed_form``: the KKT closed form (:func:`theory.kkt.kkt_derivation`);
* ``green.laplace``, ``green.laplace_squared``, ``green.sobolev_1_1_1``: the Green's
  functions of spec §3 (:func:`theory.green.green_derivation`), each extended here by the
  jump conditions at r = 0 (so that L g = δ, not only L g = 0 away from 0) and by the
  spec's table entry;
* ``mobahi2020.recursion``: self-distillation in the eigenbasis (spec §4);
* ``mobahi2020.c_bounds``, ``mobahi2020.rounds_lower``, ``mobahi2020.rounds_lower_kappa_free``,
  ``mobahi2020.norm_decreasing``, ``mobahi2020.rounds_upper``,
  ``mobahi2020.sparsify_monotone``, ``mobahi2020.sparsify_rate``: the derived bounds of
  spec §5, each as its chain of (in)equalities.

How a step is checked (each check object says so in ``describe()``, which the rendered
documents print next to the step):

* :class:`Identity`: ``lhs - rhs`` is exactly zero (sympy, rational-function arithmetic)
  after substituting the definitions it names;
* :class:`MatrixIdentity`: a matrix or vector identity, instantiated for K = 2 with a
  general rotation V (rational parametrisation of the circle, symbolic parameter) and for
  K = 3 with a fixed rational rotation (Cayley transform), D = diag(d_1, ..., d_K) and
  targets symbolic;
* :class:`Sign`: ``lhs - rhs`` has the claimed sign for all admissible values, decided by
  sympy's assumptions after writing the hypotheses as positive parameters
  (e.g. κ = 1 + u, u ≥ 0);
* :class:`Equivalence`: for a step ``P => Q`` between inequalities, the slack of ``Q`` is
  the slack of ``P`` times a factor sympy proves positive;
* :class:`Numeric`: an inequality (or an equation fixed by a computed root) between
  quantities of the self-distillation trajectory, evaluated in float64 on every round
  (and eigenvalue pair) of every instance of ``standard_domain("fast", 0)``; the step's own
  expressions are compiled by ``lambdify`` (STYLE rule 4), norms and sums over k become sums
  over the eigenbasis, and the tolerance is the checker's float64 rule (STYLE rule 6).

:func:`render` verifies a derivation (once per process) before printing it.

Source: Mobahi, Farajtabar & Bartlett 2020, §2-§4 and spec §3-§5 (mobahi2020.md).
Domain: the ids of :data:`DERIVATIONS`.

>>> sorted(DERIVATIONS)[:3]
['green.laplace', 'green.laplace_squared', 'green.sobolev_1_1_1']
>>> d = build("mobahi2020.rounds_lower_kappa_free")
>>> [s.relation for s in d.steps][:4]
['=', '=', '>=', '>=']
"""

import functools
import math
import re

import numpy as np
import sympy as sp
from sympy import QQ

from theory.derivation import Derivation, DerivationError, Step
from theory.errors import InputError

from .latex import Inner, Norm, derivation_latex, derivation_markdown
from .registry import UnknownClaimError

__all__ = ["DERIVATIONS", "FORMATS", "build", "verified", "render", "Identity",
           "MatrixIdentity", "Sign", "Equivalence", "Numeric", "NUMERIC_DOMAIN"]

FORMATS = ("latex", "markdown")

#: Where the numeric steps are evaluated (tier, seed of :func:`proofs_check.domains.standard_domain`).
NUMERIC_DOMAIN = ("fast", 0)

_EPS64 = float(np.finfo(np.float64).eps)

_SPEC = "spec §5 (mobahi2020.md)"
_PAPER4 = "Mobahi et al. 2020, §4"

# --------------------------------------------------------------------------------------
# Symbols (exact; shared by every derivation below)

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


def _define(expr, defs=DEFINITIONS):
    for _ in range(10):
        new = sp.sympify(expr).xreplace(defs)
        if new == expr:
            return new
        expr = new
    raise RecursionError("definitions do not terminate")


def _is_zero(expr):
    """Exact zero test of a rational function: the expanded numerator vanishes."""
    expr = sp.sympify(expr)
    if expr == 0:
        return True
    num, _ = sp.fraction(sp.together(expr))
    return sp.expand(num) == 0


def _slack(rel, lhs, rhs):
    """rhs - lhs for <=, <; lhs - rhs for >=, >."""
    if rel in ("<=", "<"):
        return rhs - lhs
    if rel in (">=", ">"):
        return lhs - rhs
    raise ValueError(f"{rel!r} is not an inequality")


def _rel_slack(relation):
    """(relation string, slack) of a sympy inequality object."""
    ops = {"<=": "<=", "<": "<", ">=": ">=", ">": ">"}
    op = ops[relation.rel_op]
    return op, _slack(op, relation.lhs, relation.rhs)


# --------------------------------------------------------------------------------------
# Symbolic checks

class Identity:
    """Check ``lhs - rhs = 0`` exactly, after substituting ``subs`` and evaluating
    (``doit``): the numerator over a common denominator expands to 0 (trigonometric
    forms are expanded first when that fails).

    Source: STYLE rule 11 (each step machine-checked).  Domain: steps with relation ``=``
    whose sides are scalar sympy expressions.

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> Identity()(Step(x / (1 + x) + 1 / (1 + x), sp.Integer(1), "=", "", ""))
    True
    """

    def __init__(self, subs=None, note=""):
        self.subs = dict(subs or {})
        self.note = note

    def describe(self):
        base = "symbolic: lhs - rhs reduces to 0 exactly"
        return base + (f" ({self.note})" if self.note else "")

    def __call__(self, step):
        diff = (sp.sympify(step.lhs) - sp.sympify(step.rhs)).xreplace(self.subs).doit()
        diff = diff.xreplace(self.subs)
        return _is_zero(diff) or sp.simplify(sp.expand_trig(diff)) == 0


class Sign:
    """Check ``lhs <= rhs`` (or ``>=``, ``<``, ``>``) for all admissible values.

    ``subs`` writes the hypotheses as positive parameters (e.g. κ -> 1 + u with u >= 0);
    the slack (``rhs - lhs`` for <=, ``lhs - rhs`` for >=) is then factored and its sign
    decided by sympy's assumptions (strict relations need a positive slack).  Undecided
    counts as failed.

    Source: STYLE rule 11.  Domain: inequality steps between scalar expressions.

    >>> import sympy as sp
    >>> r, u = sp.Symbol("r", positive=True), sp.Dummy("u", nonnegative=True)
    >>> Sign({r: 1 + u})(Step(r**2, r, ">=", "r >= 1", ""))
    True
    """

    def __init__(self, subs=None, note=""):
        self.subs = dict(subs or {})
        self.note = note

    def describe(self):
        return ("symbolic: the slack has the claimed sign for all admissible values"
                + (f" ({self.note})" if self.note else ""))

    def __call__(self, step):
        s = _slack(step.relation, sp.sympify(step.lhs), sp.sympify(step.rhs))
        s = sp.factor(sp.together(s.doit().xreplace(self.subs).doit()))
        return bool(s.is_positive) if step.relation in ("<", ">") else bool(s.is_nonnegative)


class Equivalence:
    """Check ``P => Q`` between inequalities: slack(Q) = q slack(P) with q > 0 proved by
    sympy after ``subs`` (so in fact P <=> Q).

    Source: STYLE rule 11.  Domain: steps with relation ``=>`` whose sides are sympy
    inequalities of the same strictness.

    >>> import sympy as sp
    >>> c, a, n = sp.symbols("c a n", positive=True)
    >>> Equivalence()(Step(sp.Le(2 * c, a), sp.Le(c, a / 2), "=>", "halve", ""))
    True
    """

    def __init__(self, subs=None, note=""):
        self.subs = dict(subs or {})
        self.note = note

    def describe(self):
        return ("symbolic: the slack of the conclusion is the slack of the premise times a "
                "factor sympy proves positive" + (f" ({self.note})" if self.note else ""))

    def __call__(self, step):
        if step.relation != "=>":
            return False
        (op_p, sp_p), (op_q, sp_q) = _rel_slack(step.lhs), _rel_slack(step.rhs)
        if (op_p in ("<", ">")) != (op_q in ("<", ">")):
            return False
        q = sp.factor(sp.cancel((sp_q / sp_p).xreplace(self.subs)))
        return bool(q.is_positive)


def _rotation2():
    """A general 2 x 2 rotation: cos = (1 - s^2)/(1 + s^2), sin = 2s/(1 + s^2)."""
    s = sp.Symbol("s", real=True)
    cs, sn = (1 - s**2) / (1 + s**2), 2 * s / (1 + s**2)
    return sp.Matrix([[cs, sn], [-sn, cs]])


def _rotation3():
    """A fixed rational 3 x 3 rotation: the Cayley transform (I - S)(I + S)^{-1}."""
    S = sp.Matrix([[0, sp.Rational(1, 2), sp.Rational(1, 3)],
                   [-sp.Rational(1, 2), 0, sp.Rational(1, 5)],
                   [-sp.Rational(1, 3), -sp.Rational(1, 5), 0]])
    return (sp.eye(3) - S) * (sp.eye(3) + S).inv()


class _FracEval:
    """Exact evaluation of matrix and scalar expressions as fractions of polynomials.

    A scalar is a pair (numerator, denominator) and a matrix a pair (polynomial matrix,
    common denominator), both over QQ[gens]; inverses are adjugate / determinant.  No gcd
    is ever taken (that is what makes this fast), so two values are equal when their
    cross products agree.  ``mats`` gives the explicit matrices of the MatrixSymbols,
    ``comps`` the values of scalar symbols and entries.
    """

    def __init__(self, gens, mats, comps):
        self.R, *_ = sp.ring(gens, QQ)
        self.gens = set(gens)
        self.mats = {key: self.from_matrix(m) for key, m in mats.items()}
        self.comps = {}
        self.comps = {key: self.scalar(v) for key, v in comps.items()}

    def _frac(self, v):
        num, den = sp.fraction(sp.together(sp.sympify(v)))
        return self.R(sp.expand(num)), self.R(sp.expand(den))

    def from_matrix(self, m):
        m = sp.Matrix(m)
        fr = [[self._frac(v) for v in m.row(p)] for p in range(m.rows)]
        q = functools.reduce(lambda u, w: u * w, {f[1] for row in fr for f in row}, self.R.one)
        return [[n * q.exquo(dd) for n, dd in row] for row in fr], q

    def matrix(self, e):
        if e in self.mats:
            return self.mats[e]
        if isinstance(e, sp.Identity):
            n = int(e.shape[0])
            return [[self.R.one if p == q else self.R.zero for q in range(n)]
                    for p in range(n)], self.R.one
        if isinstance(e, sp.MatAdd):
            P, q = self.matrix(e.args[0])
            for x in e.args[1:]:
                P2, q2 = self.matrix(x)
                P = [[u * q2 + w * q for u, w in zip(r1, r2)] for r1, r2 in zip(P, P2)]
                q = q * q2
            return P, q
        if isinstance(e, sp.MatMul):
            out, (sn, sd) = None, (self.R.one, self.R.one)
            for x in e.args:
                if isinstance(x, sp.MatrixExpr):
                    P2, q2 = self.matrix(x)
                    out = (P2, q2) if out is None else (
                        [[sum((out[0][p][m] * P2[m][q] for m in range(len(P2))), self.R.zero)
                          for q in range(len(P2[0]))] for p in range(len(out[0]))],
                        out[1] * q2)
                else:
                    n_, d_ = self.scalar(x)
                    sn, sd = sn * n_, sd * d_
            P, q = out
            return [[sn * v for v in row] for row in P], q * sd
        if isinstance(e, sp.Inverse):
            P, q = self.matrix(e.arg)
            adj, det = _adjugate_det(P, self.R)
            return [[q * v for v in row] for row in adj], det
        if isinstance(e, sp.Transpose):
            P, q = self.matrix(e.arg)
            return [list(col) for col in zip(*P)], q
        if isinstance(e, sp.MatrixBase):
            return self.from_matrix(e)
        raise TypeError(f"no explicit value for the matrix expression {e}")

    def scalar(self, e):
        e = sp.sympify(e)
        if e in self.comps:
            return self.comps[e]
        if e.is_Rational or (isinstance(e, sp.Symbol) and e in self.gens):
            return self._frac(e)
        if isinstance(e, sp.Add):
            vals = [self.scalar(x) for x in e.args]
            return functools.reduce(lambda u, w: (u[0] * w[1] + w[0] * u[1], u[1] * w[1]), vals)
        if isinstance(e, sp.Mul):
            vals = [self.scalar(x) for x in e.args]
            return functools.reduce(lambda u, w: (u[0] * w[0], u[1] * w[1]), vals)
        if isinstance(e, sp.Pow) and e.exp.is_Integer:
            if isinstance(e.base, Norm) and e.exp == 2:
                P, q = self.matrix(e.base.args[0])
                return sum((v * v for row in P for v in row), self.R.zero), q * q
            n_, d_ = self.scalar(e.base)
            p = int(e.exp)
            return (n_**p, d_**p) if p >= 0 else (d_**-p, n_**-p)
        if isinstance(e, Inner):
            (P, q), (P2, q2) = self.matrix(e.args[0]), self.matrix(e.args[1])
            return (sum((u * w for r1, r2 in zip(P, P2) for u, w in zip(r1, r2)), self.R.zero),
                    q * q2)
        if isinstance(e, sp.Sum):
            return self.scalar(e.doit())
        raise TypeError(f"no exact value for {e} (a norm enters squared only)")

    def equal(self, e1, e2):
        """e1 == e2 exactly (cross-multiplied; denominators are non-zero polynomials)."""
        if isinstance(e1, sp.MatrixExpr) != isinstance(e2, sp.MatrixExpr):
            return False
        if isinstance(e1, sp.MatrixExpr):
            (P, q), (P2, q2) = self.matrix(e1), self.matrix(e2)
            return all(u * q2 == w * q for r1, r2 in zip(P, P2) for u, w in zip(r1, r2))
        (n1, d1), (n2, d2) = self.scalar(e1), self.scalar(e2)
        return n1 * d2 == n2 * d1


def _adjugate_det(M, R):
    """Adjugate and determinant by cofactor expansion (exact, gcd-free; K <= 3 here)."""
    n = len(M)
    if n == 1:
        return [[R.one]], M[0][0]

    def det(X):
        if len(X) == 1:
            return X[0][0]
        return sum(((-1) ** b * X[0][b] * det([row[:b] + row[b + 1:] for row in X[1:]])
                    for b in range(len(X))), R.zero)

    cof = [[(-1) ** (p + q) * det([row[:q] + row[q + 1:] for m, row in enumerate(M) if m != p])
            for q in range(n)] for p in range(n)]
    return [list(col) for col in zip(*cof)], sum((M[0][q] * cof[0][q] for q in range(n)), R.zero)


class MatrixIdentity:
    """A matrix/vector identity checked exactly on explicit instances.

    K = 2 with a general rotation V (symbolic parameter s) and K = 3 with a fixed rational
    rotation; D = diag(d_1, ..., d_K), y_t and c_t symbolic.  The definitions of
    :data:`DEFINITIONS` (G = V^T D V, A_t, y_{t+1}, z_t, z_{t+1}) are substituted first
    (``defs={}``: none, y_t and y_{t+1} are free vectors); ``z_{t,k}``, ``z_{t+1,k}`` and
    ``d_k`` become the entries of the explicit vectors; squared norms, inner products and
    sums over k are expanded.  Arithmetic is exact (fractions of polynomials over QQ).

    Source: STYLE rule 11; a K = 2 check with a general rotation covers every 2 x 2
    symmetric G.  Domain: steps ``=`` between matrix, vector or scalar expressions built
    from G, V, D, I, y_t, y_{t+1}, z_t, z_{t+1}, c_t, d_k and squared norms.

    >>> MatrixIdentity()(Step(V * V.T * y_t, y_t, "=", "V orthogonal", ""))
    True
    """

    def __init__(self, defs=DEFINITIONS, note=""):
        self.defs = defs
        self.note = note

    def describe(self):
        return ("symbolic: exact identity for K = 2 (general rotation V) and K = 3 (a "
                "rational rotation V), with D = diag(d_k), y_t and c_t symbolic"
                + (f"; {self.note}" if self.note else ""))

    def __call__(self, step):
        if step.relation != "=":
            return False
        for n, rot in ((2, _rotation2()), (3, _rotation3())):
            ev, lhs, rhs = self._setup(step, n, rot)
            if not ev.equal(lhs, rhs):
                return False
        return True

    def _setup(self, step, n, rot):
        dk = [sp.Symbol(f"d_{m + 1}", nonnegative=True) for m in range(n)]
        cs = sp.Symbol("c_t", positive=True)
        Y = [sp.Symbol(f"y_{m + 1}", real=True) for m in range(n)]
        Y1 = [sp.Symbol(f"w_{m + 1}", real=True) for m in range(n)]
        gens = sorted(sp.Matrix(rot).free_symbols, key=str) + dk + [cs] + Y + Y1
        mats = {sp.MatrixSymbol("V", n, n): rot, sp.MatrixSymbol("D", n, n): sp.diag(*dk),
                sp.MatrixSymbol("y_t", n, 1): sp.Matrix(Y),
                sp.MatrixSymbol("y_{t+1}", n, 1): sp.Matrix(Y1)}
        comps = {c_t: cs, **{d[m + 1]: dk[m] for m in range(n)}}
        ev = _FracEval(gens, mats, comps)

        def prepared(e):
            e = _define(e, self.defs) if self.defs else sp.sympify(e)
            return e.subs(K, n)

        if self.defs:
            for name, vec in ((t, z_t), (t + 1, z_t1)):
                P, q = ev.matrix(prepared(vec))
                ev.comps.update({z[name, m + 1]: (P[m][0], q) for m in range(n)})
        return ev, prepared(step.lhs), prepared(step.rhs)


# --------------------------------------------------------------------------------------
# Numeric checks on float64 trajectories

@functools.lru_cache(maxsize=1)
def _runs():
    """(instance, trajectory) of ``standard_domain(*NUMERIC_DOMAIN)`` usable by the bounds:
    single class, at least one round, G positive definite to working precision (κ finite)
    and a finite a-posteriori accuracy."""
    from theory import self_distill

    from .domains import standard_domain
    out = []
    for inst in standard_domain(*NUMERIC_DOMAIN):
        if np.ndim(inst.y) != 1:
            continue
        tr = self_distill(inst.G, inst.y, inst.eps)
        if tr.collapse_round >= 1 and tr.eigenvalues[0] > 0 and math.isfinite(tr.accuracy):
            out.append((inst, tr))
    return tuple(out)


#: B_t entries below this are not used in ratios (subnormal range: no relative accuracy).
_B_FLOOR = 1e-280


def _distinct_pairs(dv):
    """(k, j) index pairs (0-based) with d_j > d_k > 0 beyond rounding: consecutive distinct
    eigenvalues, and the extreme pair (d_min, d_max)."""
    tol = 100 * len(dv) * _EPS64 * float(dv[-1])  # eigh's absolute accuracy, with room
    firsts = [0] + [m for m in range(1, len(dv)) if dv[m] - dv[m - 1] > tol]
    pairs = list(zip(firsts[:-1], firsts[1:]))
    if len(firsts) > 2:
        pairs.append((firsts[0], firsts[-1]))
    return [(p, q) for p, q in pairs if dv[p] > 0]


@functools.lru_cache(maxsize=None)
def _env(index, scope):
    """Values of the derivation symbols on run ``index``: (scalars, k-vectors, accuracy).

    ``round``: arrays over t = 0..T-1; ``pair``: arrays over (t, pair) with t = 0..T-1;
    ``run``: one value per run.  k-vectors have shape (K + 1, n) with a NaN row 0 (the
    sums run over k = 1..K).
    """
    inst, tr = _runs()[index]
    T_ = tr.collapse_round
    dv = np.asarray(tr.eigenvalues, float)
    Kn = dv.shape[0]
    norms = np.asarray(tr.norms, float)
    a_ = math.sqrt(Kn * float(inst.eps))
    r0 = norms[0] / a_
    common = {K: Kn, eps: float(inst.eps), a: a_, kappa: dv[-1] / dv[0], d_min: dv[0],
              d_max: dv[-1], T: T_, r_0: r0, r[T]: norms[T_] / a_,
              r[T - 1]: norms[T_ - 1] / a_, c_low: dv[0] / (r0 - 1)}
    if scope == "run":
        return common, {}, tr.accuracy
    Bm = np.asarray(tr.B, float)
    cs = np.asarray(tr.c, float)
    if scope == "round":
        Z = Bm * np.asarray(tr.z0, float)[None, :]
        Y = np.asarray(tr.y, float)
        scal = {**common, t: np.arange(T_, dtype=float), c_t: cs, r_t: norms[:-1] / a_,
                r_t1: norms[1:] / a_}
        pad = np.full((1, T_), np.nan)
        vecs = {z[t, k]: np.vstack([pad, Z[:-1].T]), z[t + 1, k]: np.vstack([pad, Z[1:].T]),
                yv[t, k]: np.vstack([pad, Y[:-1].T]), yv[t + 1, k]: np.vstack([pad, Y[1:].T]),
                d_k: np.concatenate([[np.nan], dv])[:, None]}
        return scal, vecs, tr.accuracy
    if scope == "pair":
        cols = {name: [] for name in ("t", "k", "j")}
        for p, q in _distinct_pairs(dv):
            ok = ((Bm[:-1, p] > _B_FLOOR) & (Bm[:-1, q] > _B_FLOOR)
                  & (Bm[1:, p] > _B_FLOOR) & (Bm[1:, q] > _B_FLOOR))
            ts = np.nonzero(ok)[0]
            cols["t"].append(ts)
            cols["k"].append(np.full(ts.shape, p))
            cols["j"].append(np.full(ts.shape, q))
        tt, kk, jj = (np.concatenate(cols[n]) if cols[n] else np.zeros(0, int)
                      for n in ("t", "k", "j"))
        ct = cs[tt]
        scal = {**common, t: tt.astype(float), c_t: ct, d_k: dv[kk], d_j: dv[jj],
                A[t, k]: dv[kk] / (ct + dv[kk]), A[t, j]: dv[jj] / (ct + dv[jj]),
                B[t, k]: Bm[tt, kk], B[t, j]: Bm[tt, jj], B[t + 1, k]: Bm[tt + 1, kk],
                B[t + 1, j]: Bm[tt + 1, jj]}
        return scal, {}, tr.accuracy
    raise ValueError(f"unknown scope {scope!r}")


def _components(expr):
    """Norms, inner products and diagonal matrix expressions as sums over the eigenbasis.

    z_t -> z_{t,k}, y_t -> y_{t,k} (and t + 1), D -> d_k, I -> 1, (X)^{-1} -> 1/X; valid
    because every matrix left is diagonal (anything else raises)."""
    vec_of = {z_t: z[t, k], z_t1: z[t + 1, k], y_t: yv[t, k], y_t1: yv[t + 1, k]}

    def comp(e):
        if e in vec_of:
            return vec_of[e]
        if e == D:
            return d_k
        if isinstance(e, sp.Identity):
            return sp.Integer(1)
        if isinstance(e, sp.Inverse):
            return 1 / comp(e.arg)
        if isinstance(e, sp.MatAdd):
            return sp.Add(*[comp(x) for x in e.args])
        if isinstance(e, sp.MatMul):
            return sp.Mul(*[comp(x) if isinstance(x, sp.MatrixExpr) else x for x in e.args])
        if isinstance(e, sp.MatrixExpr):
            raise DerivationError(f"numeric check: {e} is not diagonal in the eigenbasis; "
                                  f"write the step with D, I and the vectors z_t, y_t only")
        return e

    e = sp.sympify(expr)
    e = e.replace(lambda x: isinstance(x, Norm),
                  lambda x: sp.sqrt(sp.Sum(comp(x.args[0])**2, (k, 1, K))))
    e = e.replace(lambda x: isinstance(x, Inner),
                  lambda x: sp.Sum(comp(x.args[0]) * comp(x.args[1]), (k, 1, K)))
    return e


class Numeric:
    """The step's relation on float64 trajectories of ``standard_domain("fast", 0)``.

    ``scope``: ``round`` (every round t < T of every run), ``pair`` (every round and every
    pair d_j > d_k of consecutive distinct eigenvalues, plus (d_min, d_max)) or ``run``
    (once per run).  ``cond``: the condition number of the step's formulas (an expression
    in the same symbols, e.g. r_t/(r_t - 1) where ||z_t|| - a cancels).

    A point holds when ``slack >= -tol * max(|lhs|, |rhs|)`` with
    ``tol = (4 accuracy + 16 u) * cond``: the rule of the checker
    (:mod:`proofs_check.check`), where ``accuracy`` is the trajectory's a-posteriori relative
    accuracy (it bounds the error of c_t, ||y_t|| and B_t) and 16 u covers the rounding of
    the step's own few operations.  ``=`` steps need ``|lhs - rhs| <= tol * scale``.  NaN or
    inf never holds; a check that evaluates no point fails (STYLE rule 14).  After a call,
    ``summary`` holds the points evaluated and the worst relative slack, ``failure`` the
    first failing point (instance, both values, tolerance) or None.

    Source: STYLE rules 6 and 14; the trajectories of :func:`theory.self_distill`.
    Domain: steps between scalar expressions in the symbols of this module (norms of
    diagonal expressions of z_t, y_t; sums over k), relation ``=``, ``<=``, ``>=``, ``<``, ``>``.

    >>> chk = Numeric("run")
    >>> chk(Step(T, r_0 - 1, ">=", "kappa-free lower bound", "")), chk.summary["runs"] > 50
    (True, True)
    """

    def __init__(self, scope="round", cond=1, note=""):
        if scope not in ("round", "pair", "run"):
            raise ValueError(f"scope {scope!r} must be round, pair or run")
        self.scope = scope
        self.cond = sp.sympify(cond)
        self.note = note
        self.summary = None   # filled by a call: points, runs, worst relative slack
        self.failure = None   # the first failing point, for the error message

    def describe(self):
        where = {"round": "every round t < T", "pair": "every round and eigenvalue pair "
                 "d_j > d_k (consecutive distinct ones and d_min, d_max)",
                 "run": "the collapse round T"}[self.scope]
        tier, seed = NUMERIC_DOMAIN
        cond = "" if self.cond == 1 else f", cond = {_plain(self.cond)}"
        return (f"numeric: evaluated in float64 on {where} of each trajectory of "
                f"standard_domain('{tier}', {seed}); tolerance (4 accuracy + 16 u) cond{cond}"
                + (f"; {self.note}" if self.note else ""))

    def __call__(self, step):
        runs = _runs()
        if not runs:
            self.summary = {"points": 0, "runs": 0, "worst_slack": math.inf}
            self.failure = "the numeric domain has no usable trajectory (an empty check proves nothing)"
            return False
        lhs, rhs = _components(step.lhs), _components(step.rhs)
        scal0, vecs0, _ = _env(0, self.scope)
        fns = _compile([lhs, rhs, self.cond], scal0, vecs0)
        points, worst, self.failure = 0, math.inf, None
        for index in range(len(runs)):
            scal, vecs, acc = _env(index, self.scope)
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                lv, rv, cv = (fn(scal, vecs) for fn in fns)
                lv, rv, cv = np.broadcast_arrays(*(np.atleast_1d(np.asarray(x, float))
                                                   for x in (lv, rv, cv)))
            if lv.size == 0:
                continue
            finite = np.isfinite(lv) & np.isfinite(rv)
            scale = np.where(finite, np.maximum(np.abs(lv), np.abs(rv)), 1.0)
            scale = np.where(scale > 0, scale, 1.0)
            if step.relation == "=":
                m = -np.abs(lv - rv) / scale
            else:
                m = _slack(step.relation, lv, rv) / scale
            m = np.where(finite, m, -np.inf)
            tol = (4.0 * acc + 16 * _EPS64) * cv
            bad = np.nonzero(~(m >= -tol))[0]
            points += lv.size
            worst = min(worst, float(np.min(m)))
            if bad.size and self.failure is None:
                b = int(bad[0])
                self.failure = (f"instance {runs[index][0].id}, point {b} ({self.scope}): "
                                f"lhs = {float(lv.flat[b]):.17g}, rhs = {float(rv.flat[b]):.17g}, "
                                f"relative slack {float(m.flat[b]):.3g} < -tol = "
                                f"{-float(tol.flat[b]):.3g}")
        self.summary = {"points": points, "runs": len(runs), "worst_slack": worst}
        if points == 0:
            self.failure = "no point of the domain was evaluated (an empty check proves nothing)"
        return self.failure is None


def _plain(expr):
    """Plain-text form of a small expression: r[t] -> r_{t}."""
    return re.sub(r"(\w)\[([^\]]+)\]", lambda m: "%s_{%s}" % (m.group(1), m.group(2).replace(" ", "")),
                  sp.sstr(expr))


def _compile(exprs, scal, vecs):
    """``fn(scal, vecs)`` for each expression, generated by lambdify (numpy)."""
    keys = list(scal)
    sym = {key: sp.Dummy(f"s{n}") for n, key in enumerate(keys)}
    vkeys = list(vecs)
    bases = {key: sp.IndexedBase(sp.Dummy(f"v{n}")) for n, key in enumerate(vkeys)}
    out = []
    for e in exprs:
        e = sp.sympify(e).xreplace({key: bases[key][k] for key in vkeys})
        e = e.xreplace(sym)
        known = set(sym.values()) | {b.label for b in bases.values()}
        unknown = {x for x in e.free_symbols if x not in known and x != k
                   and not (isinstance(x, sp.Indexed) and x.base.label in known)}
        if unknown:
            raise DerivationError(f"numeric check: no value for {sorted(map(str, unknown))} "
                                  f"in {sp.sstr(e)}")
        fn = sp.lambdify([sym[key] for key in keys] + [bases[key] for key in vkeys], e, "numpy")
        out.append(lambda s, v, fn=fn: fn(*[s[key] for key in keys], *[v[key] for key in vkeys]))
    return out


# --------------------------------------------------------------------------------------
# Helpers for the steps

def _pos(name):
    return sp.Dummy(name, positive=True)


def _nonneg(name):
    return sp.Dummy(name, nonnegative=True)


def _step(lhs, rel, rhs, why, source, check=None):
    return Step(lhs, rhs, rel, why, source, verify=check)


_NZ = Norm(z_t)  # ||z_t|| = ||y_t||
_COND_R = r_t / (r_t - 1)  # ||z_t|| - a = a (r_t - 1) cancels when r_t is near 1
# ||y_t|| - ||y_t - y_{t+1}|| carries errors of size u ||y_t|| on a result of size ||y_{t+1}||
_COND_DIFF = r_t / r_t1
# r_0 - T kappa carries an error u r_0 on a result as small as r_T
_COND_T = r_0 / r[T]


# --------------------------------------------------------------------------------------
# mobahi2020.recursion

def _recursion():
    term = (cvar * z[t, k] / (cvar + d_k))**2
    dk_, c_ = _nonneg("d"), _pos("c")
    zk = sp.Dummy("z", real=True)
    S = [
        _step(G, ":=", V.T * D * V, "eigendecomposition of G: V orthogonal, "
              "D = diag(d_1, ..., d_K), d_k >= 0", "spec §4"),
        _step(y_t1, "=", G * (c_t * I_K + G).I * y_t,
              "round t + 1 fits the predictions of round t at the training points: the "
              "fitted values of the closed form (derivation mobahi2020.closed_form) with "
              "y = y_t, c = c_t", "spec §4", _FittedValues()),
        _step(G * (c_t * I_K + G).I, "=", V.T * D * (c_t * I_K + D).I * V,
              "V^T V = I: c_t I + G = V^T (c_t I + D) V", "spec §4", MatrixIdentity()),
        _step(A_t, ":=", D * (c_t * I_K + D).I, "the filter of round t", "spec §4"),
        _step(y_t1, "=", V.T * A_t * V * y_t, "steps 2-4", "spec §4", MatrixIdentity()),
        _step(z_t, ":=", V * y_t, "coordinates in the eigenbasis", "spec §4"),
        _step(z_t1, "=", A_t * z_t, "multiply step 5 by V (V V^T = I)", "spec §4",
              MatrixIdentity()),
        _step(A[t, k], "=", d_k / (c_t + d_k), "A_t is diagonal (D is): its k-th entry",
              "spec §4", _DiagonalEntry()),
        _step(B[t, k], ":=", sp.Product(A[i, k], (i, 0, t - 1)),
              "B_t = A_{t-1} ... A_0 (diagonal), B_0 = I", "spec §4"),
        _step(z[t, k], "=", B[t, k] * z[0, k], "induction on t with steps 7-9",
              "spec §4", _Induction()),
        _step(Norm(y_t)**2, "=", Norm(z_t)**2, "V is orthogonal", "spec §4",
              MatrixIdentity()),
        _step(Norm(cvar * (cvar * I_K + G).I * y_t)**2, "=", sp.Sum(term, (k, 1, K)),
              "the secular function φ_t(c) in the eigenbasis", "spec §4",
              MatrixIdentity(defs={**DEFINITIONS, cvar: c_t})),
        _step(sp.Sum(term.xreplace({cvar: c_t}), (k, 1, K)), "=", K * eps,
              "c_t is the root of the secular equation (S) for y_t (the active constraint "
              "of round t)", "spec §4", Numeric("round")),
        _step(sp.Derivative(term, cvar), ">=", 0,
              "each term of φ_t is non-decreasing in c (strictly when d_k z_{t,k} ≠ 0)",
              "spec §4", Sign({cvar: c_, d_k: dk_, z[t, k]: zk}, "c > 0, d_k >= 0")),
        _step(sp.Limit(term, cvar, sp.oo), "=", z[t, k]**2,
              "φ_t(∞) = ||z_t||^2 = ||y_t||^2 and φ_t(0+) = 0: (S) has exactly one root "
              "c_t > 0 while ||y_t||^2 > Kε", "spec §4",
              Identity({d_k: dk_, z[t, k]: zk})),
        _step(T, ":=", sp.Symbol(r"\min\{t \ge 0 : \|y_t\|^2 \le K\varepsilon\}"),
              "the collapse round: rounds 0, ..., T - 1 fit non-zero functions, round T "
              "fits f = 0", "spec §4"),
    ]
    return Derivation("mobahi2020.recursion", DERIVATIONS["mobahi2020.recursion"],
                      "Mobahi, Farajtabar & Bartlett 2020, §4 (spec §4)", "paper", tuple(S))


class _FittedValues:
    """The step's rhs equals the fitted values of theory.kkt.fitted_values_expr (K = 2, 3)."""

    def describe(self):
        return ("symbolic: equals theory.kkt.fitted_values_expr(K) (the closed form's fitted "
                "values) for K = 2 and K = 3 with a generic symmetric G")

    def __call__(self, step):
        from theory.kkt import fitted_values_expr
        if step.lhs != y_t1:
            return False
        for n in (2, 3):
            fe = fitted_values_expr(n)
            gens = sorted(fe.G.free_symbols | fe.y.free_symbols, key=str) + [fe.c]
            ev = _FracEval(gens, {sp.MatrixSymbol("G", n, n): fe.G,
                                  sp.MatrixSymbol("y_t", n, 1): fe.y}, {c_t: fe.c})
            if not ev.equal(sp.sympify(step.rhs).subs(K, n), sp.ImmutableMatrix(fe.expr)):
                return False
        return True


class _DiagonalEntry:
    """A_t = D(c_t I + D)^{-1} for K = 3 is diagonal with entries the step's rhs."""

    def describe(self):
        return ("symbolic: the definition of A_t for K = 3 is diagonal and its k-th diagonal "
                "entry equals the rhs (k = 1, 2, 3)")

    def __call__(self, step):
        n = 3
        dk = [sp.Symbol(f"d_{m + 1}", nonnegative=True) for m in range(n)]
        Am = sp.Matrix(DEFINITIONS[A_t].subs(K, n).xreplace(
            {sp.MatrixSymbol("D", n, n): sp.ImmutableMatrix(sp.diag(*dk))}).doit())
        for p in range(n):
            for q in range(n):
                if p != q and not _is_zero(Am[p, q]):
                    return False
            want = sp.sympify(step.rhs).xreplace({d[k]: dk[p]}).subs(k, p + 1)
            if step.lhs != A[t, k] or not _is_zero(Am[p, p] - want):
                return False
        return True


class _Induction:
    """z_{t,k} = B_{t,k} z_{0,k} for t = 0..4, iterating z_{i+1,k} = d_k/(c_i + d_k) z_{i,k}."""

    def describe(self):
        return ("symbolic: for t = 0, ..., 4 the rhs (B_{t,k} by its product definition) "
                "equals the recursion z_{i+1,k} = A_{i,k} z_{i,k} iterated from z_{0,k}")

    def __call__(self, step):
        zk = z[0, k]
        for n in range(5):
            it = zk
            for m in range(n):
                it = d_k / (c[m] + d_k) * it
            rhs = sp.sympify(step.rhs).subs(t, n).xreplace(
                {B[n, k]: sp.Product(A[i, k], (i, 0, n - 1))}).doit()
            rhs = rhs.replace(lambda x: isinstance(x, sp.Indexed) and x.base == A,
                              lambda x: d_k / (c[x.indices[0]] + d_k))
            if step.lhs != z[t, k] or not _is_zero(rhs - it):
                return False
        return True


# --------------------------------------------------------------------------------------
# mobahi2020.c_bounds

def _filtered_norm(diag):
    """||diag z_t|| for a diagonal matrix expression."""
    return Norm(diag * z_t)


def _c_bounds():
    res = _filtered_norm(c_t * (c_t * I_K + D).I)
    dlt, c_, dk_ = _pos("delta"), _pos("c"), _nonneg("d")
    S = [
        _step(a, ":=", sp.Pow(K * eps, sp.Rational(1, 2), evaluate=False), "notation",
              "spec §4"),
        _step(res, "=", a, "(S) in the eigenbasis (derivation mobahi2020.recursion, steps "
              "11-13)", "spec §4", Numeric("round")),
        _step(c_t / (c_t + d_k), ">=", c_t / (c_t + d_max),
              "each filter entry: c/(c + d) decreases in d and d_k <= d_max", "derived",
              Sign({c_t: c_, d_k: dk_, d_max: dk_ + dlt}, "d_max = d_k + δ, δ > 0")),
        _step(c_t / (c_t + d_max) * _NZ, "<=", res, "step 3 for every component",
              "derived", Numeric("round")),
        _step(c_t / (c_t + d_k), "<=", c_t / (c_t + d_min),
              "each filter entry, d_k >= d_min", "derived",
              Sign({c_t: c_, d_min: dk_, d_k: dk_ + dlt}, "d_k = d_min + δ, δ > 0")),
        _step(res, "<=", c_t / (c_t + d_min) * _NZ, "step 5 for every component",
              "derived", Numeric("round")),
        _step(c_t / (c_t + d_max) * _NZ, "<=", a, "steps 2 and 4", "derived",
              Numeric("round")),
        _step(a, "<=", c_t / (c_t + d_min) * _NZ, "steps 2 and 6", "derived",
              Numeric("round")),
        _step(sp.Le(c_t * _NZ / (c_t + d_max), a), "=>", sp.Le(c_t, a * d_max / (_NZ - a)),
              "solve step 7 for c_t (||z_t|| > a while t < T)", "derived",
              Equivalence({_NZ: a + dlt, c_t: c_}, "||z_t|| = a + δ, δ > 0")),
        _step(sp.Le(a, c_t * _NZ / (c_t + d_min)), "=>", sp.Ge(c_t, a * d_min / (_NZ - a)),
              "solve step 8 for c_t", "derived",
              Equivalence({_NZ: a + dlt, c_t: c_}, "||z_t|| = a + δ, δ > 0")),
        _step(a * d_min / (_NZ - a), "<=", c_t, "step 10", "derived",
              Numeric("round", _COND_R)),
        _step(c_t, "<=", a * d_max / (_NZ - a), "step 9", "derived",
              Numeric("round", _COND_R)),
    ]
    return Derivation("mobahi2020.c_bounds", DERIVATIONS["mobahi2020.c_bounds"],
                      f"{_PAPER4} (bounds on c_t of this kind); {_SPEC}", "derived", tuple(S))


# --------------------------------------------------------------------------------------
# mobahi2020.rounds_lower (κ) and rounds_upper (κ)

def _ratio_subs():
    """||z_t|| = a r_t and d_max = κ d_min (the definitions of r_t and κ)."""
    return {_NZ: a * r_t, d_max: kappa * d_min}


def _kappa_r_subs():
    """κ = 1 + u (u >= 0), r_t = 1 + v (v > 0): κ >= 1, round t not collapsed."""
    return {kappa: 1 + _nonneg("u"), r_t: 1 + _pos("v")}


def _rounds_lower():
    filt = Norm(D * (c_t * I_K + D).I * z_t) / a
    dlt, c_, dk_ = _pos("delta"), _pos("c"), _nonneg("d")
    S = [
        _step(r_t, ":=", Norm(y_t) / a, "r_t = ||y_t||/a = ||z_t||/a (V orthogonal)",
              "spec §4"),
        _step(kappa, ":=", d_max / d_min, "condition number of G (d_min > 0)", "spec §4"),
        _step(r_t1, "=", filt, "z_{t+1} = A_t z_t (derivation mobahi2020.recursion)",
              "spec §4", Numeric("round")),
        _step(d_k / (c_t + d_k), ">=", d_min / (c_t + d_min),
              "d/(c + d) increases in d and d_k >= d_min", "derived",
              Sign({c_t: c_, d_min: dk_, d_k: dk_ + dlt}, "d_k = d_min + δ")),
        _step(filt, ">=", d_min / (c_t + d_min) * r_t, "step 4 for every component",
              "derived", Numeric("round")),
        _step(c_t, "<=", a * d_max / (_NZ - a), "upper bound on c_t (derivation "
              "mobahi2020.c_bounds)", "derived", Numeric("round", _COND_R)),
        _step(d_min / (a * d_max / (_NZ - a) + d_min), "=", (r_t - 1) / (r_t - 1 + kappa),
              "with ||z_t|| = a r_t and d_max = κ d_min", "derived",
              Identity(_ratio_subs(), "||z_t|| = a r_t, d_max = κ d_min")),
        _step(r_t1, ">=", r_t * (r_t - 1) / (r_t - 1 + kappa),
              "steps 5-7: d_min/(c + d_min) decreases in c", "derived",
              Numeric("round", _COND_R)),
        _step(r_t * (r_t - 1) / (r_t - 1 + kappa), ">=", r_t - kappa,
              "the difference is κ(κ - 1)/(r_t - 1 + κ) >= 0 (κ >= 1, r_t > 1)", "derived",
              Sign(_kappa_r_subs(), "κ = 1 + u, r_t = 1 + v")),
        _step(r_t1, ">=", r_t - kappa, "steps 8-9", "derived", Numeric("round", _COND_R)),
        _step(r[T], ">=", r_0 - T * kappa, "sum step 10 over t = 0, ..., T - 1", "derived",
              Numeric("run", _COND_T)),
        _step(T, ">=", (r_0 - 1) / kappa, "r_T <= 1 at the collapse round", "spec §5",
              Numeric("run", r_0 / (r_0 - 1))),
    ]
    return Derivation("mobahi2020.rounds_lower", DERIVATIONS["mobahi2020.rounds_lower"],
                      f"{_PAPER4} (form); {_SPEC} (constant)", "paper", tuple(S))


def _rounds_upper():
    filt = Norm(D * (c_t * I_K + D).I * z_t) / a
    dlt, c_, dk_ = _pos("delta"), _pos("c"), _nonneg("d")
    dec = r_t / (1 + kappa * (r_t - 1))
    rr = sp.Symbol("r", positive=True)
    S = [
        _step(r_t1, "=", filt, "z_{t+1} = A_t z_t (derivation mobahi2020.recursion)",
              "spec §4", Numeric("round")),
        _step(d_k / (c_t + d_k), "<=", d_max / (c_t + d_max),
              "d/(c + d) increases in d and d_k <= d_max", "derived",
              Sign({c_t: c_, d_k: dk_, d_max: dk_ + dlt}, "d_max = d_k + δ")),
        _step(filt, "<=", d_max / (c_t + d_max) * r_t, "step 2 for every component",
              "derived", Numeric("round")),
        _step(c_t, ">=", a * d_min / (_NZ - a), "lower bound on c_t (derivation "
              "mobahi2020.c_bounds)", "derived", Numeric("round", _COND_R)),
        _step(d_max / (a * d_min / (_NZ - a) + d_max), "=",
              kappa * (r_t - 1) / (1 + kappa * (r_t - 1)),
              "with ||z_t|| = a r_t and d_max = κ d_min", "derived",
              Identity(_ratio_subs(), "||z_t|| = a r_t, d_max = κ d_min")),
        _step(r_t1, "<=", r_t * kappa * (r_t - 1) / (1 + kappa * (r_t - 1)),
              "steps 3-5: d_max/(c + d_max) decreases in c", "derived",
              Numeric("round", _COND_R)),
        _step(r_t - r_t * kappa * (r_t - 1) / (1 + kappa * (r_t - 1)), "=", dec,
              "the decrement of one round", "derived", Identity()),
        _step(sp.Derivative(rr / (1 + kappa * (rr - 1)), rr), "<=", 0,
              "the decrement r/(1 + κ(r - 1)) decreases in r (κ >= 1), and r_t <= r_0",
              "derived", Sign({kappa: 1 + _nonneg("u"), rr: 1 + _pos("v")},
                              "κ = 1 + u, r = 1 + v")),
        _step(r_t1, "<=", r_t - r_0 / (1 + kappa * (r_0 - 1)), "steps 6-8", "derived",
              Numeric("round", r_0 * _COND_R)),
        _step(T, "<=", sp.ceiling((r_0 - 1) * (1 + kappa * (r_0 - 1)) / r_0),
              "sum step 9 over t < T - 1 and use r_{T-1} > 1 (round T - 1 did not "
              "collapse); T is an integer", "spec §5", Numeric("run", r_0 / (r_0 - 1))),
    ]
    return Derivation("mobahi2020.rounds_upper", DERIVATIONS["mobahi2020.rounds_upper"],
                      _SPEC, "derived", tuple(S))


# --------------------------------------------------------------------------------------
# mobahi2020.rounds_lower_kappa_free

def _rounds_lower_kappa_free():
    resid = y_t - y_t1
    d_ = _pos("d")
    S = [
        _step(resid, "=", c_t * (c_t * I_K + G).I * y_t,
              "the residual of round t (derivation mobahi2020.closed_form, step 15)",
              "spec §2", MatrixIdentity()),
        _step(Norm(resid), "=", a, "(S): the residual has norm a = sqrt(K ε)", "spec §4",
              Numeric("round", r_t)),
        _step(Norm(y_t1), ">=", Norm(y_t) - Norm(resid), "triangle inequality", "standard",
              Numeric("round", _COND_DIFF)),
        _step(r_t1, ">=", r_t - 1, "steps 2-3, divided by a", "derived",
              Numeric("round", _COND_DIFF)),
        _step(r[T], ">=", r_0 - T, "sum step 4 over t = 0, ..., T - 1", "derived",
              Numeric("run", _COND_T)),
        _step(T, ">=", r_0 - 1, "r_T <= 1 at the collapse round", "derived",
              Numeric("run", r_0 / (r_0 - 1))),
        _step(T, ">=", sp.ceiling(r_0 - 1), "T is an integer", "spec §5",
              Numeric("run", r_0 / (r_0 - 1))),
        _step(r_t - 1, ">=", r_t * (r_t - 1) / (r_t - 1 + kappa),
              "it dominates the κ route of mobahi2020.rounds_lower: the difference is "
              "(r_t - 1)(κ - 1)/(r_t - 1 + κ) >= 0", "derived",
              Sign(_kappa_r_subs(), "κ = 1 + u, r_t = 1 + v")),
        _step(d_ / (c_t + d_) * _NZ, "=", _NZ - c_t / (c_t + d_) * _NZ,
              "attained when κ = 1 (G = d I): z_{t+1} = d/(c_t + d) z_t and the residual "
              "c_t/(c_t + d) z_t has norm a, so r_{t+1} = r_t - 1 exactly", "derived",
              Identity()),
    ]
    return Derivation("mobahi2020.rounds_lower_kappa_free",
                      DERIVATIONS["mobahi2020.rounds_lower_kappa_free"], _SPEC, "derived",
                      tuple(S))


# --------------------------------------------------------------------------------------
# mobahi2020.norm_decreasing

def _norm_decreasing():
    resid = y_t - y_t1
    zt = z[t, k]
    inner_sum = sp.Sum(c_t * d_k * zt**2 / (c_t + d_k)**2, (k, 1, K))
    c_, dk_ = _pos("c"), _nonneg("d")
    S = [
        _step(Norm(y_t)**2, "=", Norm(y_t1)**2 + 2 * Inner(y_t1, resid) + Norm(resid)**2,
              "expand ||y_{t+1} + (y_t - y_{t+1})||^2", "standard",
              MatrixIdentity(defs={}, note="y_t, y_{t+1} free")),
        _step(Inner(y_t1, resid), "=", inner_sum,
              "in the eigenbasis: z_{t+1,k} = d_k z_{t,k}/(c_t + d_k), residual "
              "c_t z_{t,k}/(c_t + d_k)", "spec §5", MatrixIdentity()),
        _step(inner_sum, ">=", 0, "every term is >= 0 (c_t > 0, d_k >= 0)", "spec §5",
              Sign({c_t: c_, d_k: dk_, zt: sp.Dummy("z", real=True)}, "c_t > 0, d_k >= 0")),
        _step(Norm(resid)**2, "=", K * eps, "(S)", "spec §4", Numeric("round", r_t**2)),
        _step(Norm(y_t1)**2, "<=", Norm(y_t)**2 - K * eps, "steps 1-4", "spec §5",
              Numeric("round", r_t**2)),
        _step(r_t1**2, "<=", r_t**2 - 1, "divide by a^2 = K ε", "derived",
              Numeric("round", r_t**2)),
        _step(r[T - 1]**2, "<=", r_0**2 - (T - 1), "sum step 6 over t < T - 1", "derived",
              Numeric("run", r_0**2)),
        _step(T, "<=", sp.ceiling(r_0**2 - 1),
              "r_{T-1} > 1 (round T - 1 did not collapse), so T - 1 < r_0^2 - 1; T is an "
              "integer", "spec §5", Numeric("run", r_0**2 / (r_0 - 1))),
    ]
    return Derivation("mobahi2020.norm_decreasing", DERIVATIONS["mobahi2020.norm_decreasing"],
                      _SPEC, "derived", tuple(S))


# --------------------------------------------------------------------------------------
# mobahi2020.sparsify_monotone and sparsify_rate

def _ratio_a():
    return (d_k / d_j) * (cvar + d_j) / (cvar + d_k)


def _sparsify_monotone():
    dlt, c_, dk_ = _pos("delta"), _pos("c"), _pos("d")
    ratio = (d_k / d_j) * (c_t + d_j) / (c_t + d_k)
    S = [
        _step(A[t, k] / A[t, j], "=", ratio, "A_{t,k} = d_k/(c_t + d_k) (derivation "
              "mobahi2020.recursion, step 8)", "spec §5",
              Identity({A[t, k]: d_k / (c_t + d_k), A[t, j]: d_j / (c_t + d_j)},
                       "A_{t,k} = d_k/(c_t + d_k)")),
        _step(ratio, "<", 1, "d_j > d_k > 0 and c_t > 0: 1 - ratio = c_t(d_j - d_k)/"
              "(d_j(c_t + d_k))", "spec §5",
              Sign({c_t: c_, d_k: dk_, d_j: dk_ + dlt}, "d_j = d_k + δ, δ > 0")),
        _step(B[t + 1, k] / B[t + 1, j], "=", A[t, k] / A[t, j] * B[t, k] / B[t, j],
              "B_{t+1} = A_t B_t (diagonal)", "spec §4", Numeric("pair", t + 1)),
        _step(B[t + 1, k] / B[t + 1, j], "<", B[t, k] / B[t, j], "steps 2-3", "spec §5",
              Numeric("pair", t + 1, "a strict inequality is checked as <= within the "
                      "tolerance; strictness is step 2")),
    ]
    return Derivation("mobahi2020.sparsify_monotone",
                      DERIVATIONS["mobahi2020.sparsify_monotone"], "Mobahi et al. 2020, §4 "
                      "(sparsification)", "paper", tuple(S))


def _sparsify_rate():
    dlt, c_, dk_ = _pos("delta"), _pos("c"), _pos("d")
    rho = (d_k / d_j) * (c_low + d_j) / (c_low + d_k)
    S = [
        _step(c_low, ":=", d_min / (r_0 - 1), "notation", _SPEC),
        _step(c_t, ">=", d_min / (r_t - 1), "lower bound on c_t (derivation "
              "mobahi2020.c_bounds) with ||z_t|| = a r_t", "derived",
              Numeric("round", _COND_R)),
        _step(r_t, "<=", r_0, "the norms decrease (derivation mobahi2020.norm_decreasing)",
              "derived", Numeric("round")),
        _step(c_t, ">=", c_low, "steps 2-3", "derived", Numeric("round", _COND_R)),
        _step(sp.Derivative(_ratio_a(), cvar), "<=", 0,
              "the ratio (d_k/d_j)(c + d_j)/(c + d_k) decreases in c when d_j > d_k",
              "derived", Sign({cvar: c_, d_k: dk_, d_j: dk_ + dlt}, "d_j = d_k + δ")),
        _step(A[t, k] / A[t, j], "<=", rho, "steps 4-5 with A_{t,k} = d_k/(c_t + d_k)",
              "derived", Numeric("pair", 1)),
        _step(B[t + 1, k] / B[t + 1, j], "<=", rho**(t + 1),
              "B_{t+1} = A_t ... A_0: multiply step 6 over rounds 0, ..., t (t + 1 = T "
              "is the last round)", "spec §5", Numeric("pair", t + 1)),
    ]
    return Derivation("mobahi2020.sparsify_rate", DERIVATIONS["mobahi2020.sparsify_rate"],
                      f"Mobahi et al. 2020, §4 (a bound of this kind); {_SPEC}", "derived",
                      tuple(S))


# --------------------------------------------------------------------------------------
# Green's functions (spec §3)

_R = sp.Symbol("r", positive=True)
_ELL = sp.Symbol("l", positive=True)

#: id -> (coefficients a_0..a_M, the spec's table entry, operator as text)
GREEN = {
    "green.laplace": ([1, _ELL**2], sp.exp(-_R / _ELL) / (2 * _ELL), "1 - l^2 D^2"),
    "green.laplace_squared": ([1, 2 * _ELL**2, _ELL**4],
                              (_ELL + _R) * sp.exp(-_R / _ELL) / (4 * _ELL**2),
                              "(1 - l^2 D^2)^2"),
    "green.sobolev_1_1_1": ([1, 1, 1], sp.sqrt(3) / 3 * sp.exp(-sp.sqrt(3) * _R / 2)
                            * sp.sin(_R / 2 + sp.pi / 6), "1 - D^2 + D^4"),
}


class _GreenValue:
    """The lhs with g(r) replaced by the derived closed form, evaluated: equals the rhs."""

    def __init__(self, closed_form):
        self.closed_form = closed_form

    def describe(self):
        return "symbolic: the derived closed form substituted for g(r), lhs - rhs reduces to 0"

    def __call__(self, step):
        gfun = sp.Function("g")(_R)
        lhs = sp.sympify(step.lhs).xreplace({gfun: self.closed_form}).doit()
        return sp.simplify(sp.expand_trig(lhs - sp.sympify(step.rhs))) == 0


def _green(did):
    from theory.green import green_derivation, green_function
    coeffs, table, op = GREEN[did]
    base = green_derivation(coeffs)
    g = green_function(coeffs)
    gfun = sp.Function("g")(_R)
    M = len(coeffs) - 1
    a_M = sp.sympify(coeffs[-1])
    S = list(base.steps)
    check = _GreenValue(g)
    for m in range(1, M):
        S.append(_step(sp.Subs(sp.Derivative(gfun, (_R, 2 * m - 1)), _R, 0), "=", 0,
                       f"g(|x - t|) is even in x - t and its derivatives up to order "
                       f"{2 * M - 2} are continuous at x = t: the odd one of order {2 * m - 1} "
                       f"vanishes at r = 0+", "spec §3", check))
    S.append(_step(sp.Subs(sp.Derivative(gfun, (_R, 2 * M - 1)), _R, 0), "=",
                   sp.Integer(-1)**M / (2 * a_M),
                   f"the derivative of order {2 * M - 1} of g(|x - t|) jumps by "
                   f"2 g^({2 * M - 1})(0+) = (-1)^M / a_M at x = t: L g = δ", "spec §3", check))
    S.append(_step(gfun, "=", table, f"the table of spec §3 for L = {op}", "spec §3", check))
    return Derivation(did, DERIVATIONS[did], "spec §3 (mobahi2020.md)", "derived", tuple(S))


# --------------------------------------------------------------------------------------
# The registry

DERIVATIONS = {
    "mobahi2020.closed_form": "Closed form of (P) via the KKT conditions",
    "green.laplace": "Green's function of 1 − l^2 D^2 on the real line",
    "green.laplace_squared": "Green's function of (1 − l^2 D^2)^2 on the real line",
    "green.sobolev_1_1_1": "Green's function of 1 − D^2 + D^4 on the real line",
    "mobahi2020.recursion": "Self-distillation in the eigenbasis of G",
    "mobahi2020.c_bounds": "Bounds on c_t from the secular equation",
    "mobahi2020.rounds_lower": "Lower bound T ≥ (r_0 − 1)/κ on the collapse round",
    "mobahi2020.rounds_lower_kappa_free": "Lower bound T ≥ ⌈r_0 − 1⌉ by the triangle "
                                          "inequality",
    "mobahi2020.norm_decreasing": "Norms decrease by at least Kε per round; T ≤ ⌈r_0^2 − 1⌉",
    "mobahi2020.rounds_upper": "Upper bound T ≤ ⌈(r_0 − 1)(1 + κ(r_0 − 1))/r_0⌉",
    "mobahi2020.sparsify_monotone": "Sparsification: B_t[k]/B_t[j] decreases in t",
    "mobahi2020.sparsify_rate": "Sparsification rate B_t[k]/B_t[j] ≤ ρ_jk^t",
}


def _kkt():
    from theory.kkt import kkt_derivation
    return kkt_derivation()


_BUILDERS = {
    "mobahi2020.closed_form": _kkt,
    "mobahi2020.recursion": _recursion,
    "mobahi2020.c_bounds": _c_bounds,
    "mobahi2020.rounds_lower": _rounds_lower,
    "mobahi2020.rounds_lower_kappa_free": _rounds_lower_kappa_free,
    "mobahi2020.norm_decreasing": _norm_decreasing,
    "mobahi2020.rounds_upper": _rounds_upper,
    "mobahi2020.sparsify_monotone": _sparsify_monotone,
    "mobahi2020.sparsify_rate": _sparsify_rate,
    **{did: functools.partial(_green, did) for did in GREEN},
}


def _known(did):
    if did not in DERIVATIONS:
        raise UnknownClaimError(f"no derivation {did!r}; choose one of "
                                f"{', '.join(DERIVATIONS)} (see 'proofs-check derive --list')")


def build(did):
    """The derivation ``did`` as data (not yet verified).

    Source: see :data:`DERIVATIONS`.  Domain: ``did`` in :data:`DERIVATIONS`; anything else
    raises :class:`~proofs_check.registry.UnknownClaimError` listing the valid ids.

    >>> build("mobahi2020.c_bounds").steps[0].relation
    ':='
    """
    _known(did)
    return _BUILDERS[did]()


@functools.lru_cache(maxsize=None)
def verified(did):
    """The derivation ``did`` after every step's check passed (built and checked once per
    process); a failing step raises :class:`~theory.derivation.DerivationError` naming the
    derivation, the step and, for numeric steps, the failing point.

    Source: see :data:`DERIVATIONS`.  Domain: ``did`` in :data:`DERIVATIONS`.

    >>> verified("mobahi2020.sparsify_monotone").id
    'mobahi2020.sparsify_monotone'
    """
    deriv = build(did)
    try:
        deriv.verify()
    except DerivationError as exc:
        failed = [s.verify for s in deriv.steps if getattr(s.verify, "failure", None)]
        detail = f"; {failed[0].failure}" if failed else ""
        raise DerivationError(f"{exc}{detail}") from None
    return deriv


def render(did, fmt="latex"):
    r"""The verified derivation ``did`` as a LaTeX document or Markdown page.

    ``fmt`` is ``latex`` (standalone ``article``, ``amsmath``/``amssymb`` only) or
    ``markdown`` (``$$`` display math); both open with the banner
    ``generated by proofs-check from claim <id>; do not edit``.

    Source: STYLE rules 11-12.  Domain: ``did`` in :data:`DERIVATIONS`, ``fmt`` in
    :data:`FORMATS`.

    >>> render("mobahi2020.sparsify_monotone", "markdown").splitlines()[0]
    '<!-- generated by proofs-check from claim mobahi2020.sparsify_monotone; do not edit -->'
    """
    _known(did)
    if fmt not in FORMATS:
        raise InputError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    deriv = verified(did)
    return derivation_latex(deriv) if fmt == "latex" else derivation_markdown(deriv)
