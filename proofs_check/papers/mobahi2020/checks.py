"""Step checks of the Mobahi et al. 2020 derivations that need its setting.

* :class:`MatrixIdentity`: a matrix or vector identity, instantiated for K = 2 with a
  general rotation V (rational parametrisation of the circle, symbolic parameter) and for
  K = 3 with a fixed rational rotation (Cayley transform), D = diag(d_1, ..., d_K) and
  targets symbolic, in exact arithmetic (:class:`theory.exact.FracEval`);
* :class:`Numeric`: an inequality (or an equation fixed by a computed root) between
  quantities of the self-distillation trajectory, evaluated in float64 on every round
  (and eigenvalue pair) of every instance of ``standard_domain("fast", 0)``; the step's own
  expressions are compiled by ``lambdify`` (STYLE rule 4), norms and sums over k become
  sums over the eigenbasis, and the tolerance is the checker's float64 rule
  (:func:`proofs_check.decision.tol_f64`).
"""

import functools
import math
import re

import numpy as np
import sympy as sp

from theory.derivation import DerivationError, Step
from theory.errors import ProofsCheckError
from theory.exact import FracEval
from theory.symbols import Inner, Norm

from ...decision import EPS64, F64_RULE, tol_f64
from ...steps import slack
from .symbols import (A, B, D, DEFINITIONS, K, T, V, a, c_low, c_t, d, d_j, d_k, d_max, d_min,
                      define, eps, j, k, kappa, r, r_0, r_t, r_t1, t, y_t, y_t1, yv, z, z_t,
                      z_t1)

__all__ = ["MatrixIdentity", "Numeric", "NUMERIC_DOMAIN"]

#: Where the numeric steps are evaluated (tier, seed of ``standard_domain``).
NUMERIC_DOMAIN = ("fast", 0)


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
        ev = FracEval(gens, mats, comps)

        def prepared(e):
            e = define(e, self.defs) if self.defs else sp.sympify(e)
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
    and a finite a-posteriori accuracy.  An instance the float64 engine refuses (κ beyond
    its reach) has no trajectory to check a bound on: it is left out, not an error."""
    from theory import self_distill

    from .domains import standard_domain
    out = []
    for inst in standard_domain(*NUMERIC_DOMAIN):
        if np.ndim(inst.y) != 1:
            continue
        try:
            tr = self_distill(inst.G, inst.y, inst.eps)
        except ProofsCheckError:
            continue
        if tr.collapse_round >= 1 and tr.eigenvalues[0] > 0 and math.isfinite(tr.accuracy):
            out.append((inst, tr))
    return tuple(out)


#: B_t entries below this are not used in ratios (subnormal range: no relative accuracy).
_B_FLOOR = 1e-280


def _distinct_pairs(dv):
    """(k, j) index pairs (0-based) with d_j > d_k > 0 beyond rounding: consecutive distinct
    eigenvalues, and the extreme pair (d_min, d_max)."""
    tol = 100 * len(dv) * EPS64 * float(dv[-1])  # eigh's absolute accuracy, with room
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

    A point holds when ``slack >= -tol * max(|lhs|, |rhs|)`` with the checker's float64
    tolerance (:data:`proofs_check.decision.F64_RULE`), where ``accuracy`` is the
    trajectory's a-posteriori relative accuracy (it bounds the error of c_t, ||y_t|| and
    B_t).  ``=`` steps need ``|lhs - rhs| <= tol * scale``.  NaN or
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
                f"standard_domain('{tier}', {seed}); tolerance {F64_RULE}{cond}"
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
                m = slack(step.relation, lv, rv) / scale
            m = np.where(finite, m, -np.inf)
            tol = tol_f64(acc, 1.0) * cv
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
