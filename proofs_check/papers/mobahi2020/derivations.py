r"""Machine-checked derivations of Mobahi et al. 2020, rendered by the one LaTeX printer.

Each derivation is data (STYLE rule 11): a :class:`theory.derivation.Derivation`, an
ordered list of steps ``lhs  relation  rhs`` with a justification, a source and a check
(:mod:`proofs_check.steps`, :mod:`.checks`).

* ``mobahi2020.closed_form``: the KKT closed form (:func:`theory.kkt.kkt_derivation`);
* ``green.laplace``, ``green.laplace_squared``, ``green.sobolev_1_1_1``: the Green's
  functions of docs/theory/mobahi2020.md §3 (:func:`theory.green.green_derivation`), each
  extended here by the jump conditions at r = 0 (so that L g = δ, not only L g = 0 away
  from 0) and by the closed form of the table;
* ``mobahi2020.recursion``: self-distillation in the eigenbasis (§4);
* ``mobahi2020.c_bounds``, ``mobahi2020.rounds_lower``, ``mobahi2020.rounds_lower_kappa_free``,
  ``mobahi2020.norm_decreasing``, ``mobahi2020.rounds_upper``,
  ``mobahi2020.sparsify_monotone``, ``mobahi2020.sparsify_rate``: the derived bounds of
  §5, each as its chain of (in)equalities.

Source: Mobahi, Farajtabar & Bartlett 2020, §2-§4; docs/theory/mobahi2020.md §3-§5.

>>> sorted(DERIVATIONS)[:3]
['green.laplace', 'green.laplace_squared', 'green.sobolev_1_1_1']
>>> d = DERIVATIONS["mobahi2020.rounds_lower_kappa_free"][1]()
>>> [s.relation for s in d.steps][:4]
['=', '=', '>=', '>=']
"""

import functools

import sympy as sp

from theory.derivation import Derivation
from theory.exact import FracEval, is_zero
from theory.symbols import Inner, Norm

from ...steps import Equivalence, Identity, Sign, step as _step
from .checks import MatrixIdentity, Numeric
from .symbols import *  # noqa: F401,F403  (the derivations' notation)
from .symbols import (A, A_t, B, D, DEFINITIONS, G, I_K, K, T, V, a, c, c_low, c_t, cvar, d,
                      d_j, d_k, d_max, d_min, eps, i, j, k, kappa, r, r_0, r_t, r_t1, t, y_t,
                      y_t1, yv, z, z_t, z_t1)

__all__ = ["DERIVATIONS"]

_SPEC = "docs/theory/mobahi2020.md §5"
_PAPER4 = "Mobahi et al. 2020, §4"


def _pos(name):
    return sp.Dummy(name, positive=True)


def _nonneg(name):
    return sp.Dummy(name, nonnegative=True)


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
              "D = diag(d_1, ..., d_K), d_k >= 0", "docs/theory/mobahi2020.md §4"),
        _step(y_t1, "=", G * (c_t * I_K + G).I * y_t,
              "round t + 1 fits the predictions of round t at the training points: the "
              "fitted values of the closed form (derivation mobahi2020.closed_form) with "
              "y = y_t, c = c_t", "docs/theory/mobahi2020.md §4", _FittedValues()),
        _step(G * (c_t * I_K + G).I, "=", V.T * D * (c_t * I_K + D).I * V,
              "V^T V = I: c_t I + G = V^T (c_t I + D) V", "docs/theory/mobahi2020.md §4", MatrixIdentity()),
        _step(A_t, ":=", D * (c_t * I_K + D).I, "the filter of round t", "docs/theory/mobahi2020.md §4"),
        _step(y_t1, "=", V.T * A_t * V * y_t, "steps 2-4", "docs/theory/mobahi2020.md §4", MatrixIdentity()),
        _step(z_t, ":=", V * y_t, "coordinates in the eigenbasis", "docs/theory/mobahi2020.md §4"),
        _step(z_t1, "=", A_t * z_t, "multiply step 5 by V (V V^T = I)", "docs/theory/mobahi2020.md §4",
              MatrixIdentity()),
        _step(A[t, k], "=", d_k / (c_t + d_k), "A_t is diagonal (D is): its k-th entry",
              "docs/theory/mobahi2020.md §4", _DiagonalEntry()),
        _step(B[t, k], ":=", sp.Product(A[i, k], (i, 0, t - 1)),
              "B_t = A_{t-1} ... A_0 (diagonal), B_0 = I", "docs/theory/mobahi2020.md §4"),
        _step(z[t, k], "=", B[t, k] * z[0, k], "induction on t with steps 7-9",
              "docs/theory/mobahi2020.md §4", _Induction()),
        _step(Norm(y_t)**2, "=", Norm(z_t)**2, "V is orthogonal", "docs/theory/mobahi2020.md §4",
              MatrixIdentity()),
        _step(Norm(cvar * (cvar * I_K + G).I * y_t)**2, "=", sp.Sum(term, (k, 1, K)),
              "the secular function φ_t(c) in the eigenbasis", "docs/theory/mobahi2020.md §4",
              MatrixIdentity(defs={**DEFINITIONS, cvar: c_t})),
        _step(sp.Sum(term.xreplace({cvar: c_t}), (k, 1, K)), "=", K * eps,
              "c_t is the root of the secular equation (S) for y_t (the active constraint "
              "of round t)", "docs/theory/mobahi2020.md §4", Numeric("round")),
        _step(sp.Derivative(term, cvar), ">=", 0,
              "each term of φ_t is non-decreasing in c (strictly when d_k z_{t,k} ≠ 0)",
              "docs/theory/mobahi2020.md §4", Sign({cvar: c_, d_k: dk_, z[t, k]: zk}, "c > 0, d_k >= 0")),
        _step(sp.Limit(term, cvar, sp.oo), "=", z[t, k]**2,
              "φ_t(∞) = ||z_t||^2 = ||y_t||^2 and φ_t(0+) = 0: (S) has exactly one root "
              "c_t > 0 while ||y_t||^2 > Kε", "docs/theory/mobahi2020.md §4",
              Identity({d_k: dk_, z[t, k]: zk})),
        _step(T, ":=", sp.Symbol(r"\min\{t \ge 0 : \|y_t\|^2 \le K\varepsilon\}"),
              "the collapse round: rounds 0, ..., T - 1 fit non-zero functions, round T "
              "fits f = 0", "docs/theory/mobahi2020.md §4"),
    ]
    return Derivation("mobahi2020.recursion", _TITLES["mobahi2020.recursion"],
                      "Mobahi, Farajtabar & Bartlett 2020, §4 (docs/theory/mobahi2020.md §4)", "paper", tuple(S))


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
            ev = FracEval(gens, {sp.MatrixSymbol("G", n, n): fe.G,
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
                if p != q and not is_zero(Am[p, q]):
                    return False
            want = sp.sympify(step.rhs).xreplace({d[k]: dk[p]}).subs(k, p + 1)
            if step.lhs != A[t, k] or not is_zero(Am[p, p] - want):
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
            if step.lhs != z[t, k] or not is_zero(rhs - it):
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
              "docs/theory/mobahi2020.md §4"),
        _step(res, "=", a, "(S) in the eigenbasis (derivation mobahi2020.recursion, steps "
              "11-13)", "docs/theory/mobahi2020.md §4", Numeric("round")),
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
    return Derivation("mobahi2020.c_bounds", _TITLES["mobahi2020.c_bounds"],
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
              "docs/theory/mobahi2020.md §4"),
        _step(kappa, ":=", d_max / d_min, "condition number of G (d_min > 0)", "docs/theory/mobahi2020.md §4"),
        _step(r_t1, "=", filt, "z_{t+1} = A_t z_t (derivation mobahi2020.recursion)",
              "docs/theory/mobahi2020.md §4", Numeric("round")),
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
        _step(T, ">=", (r_0 - 1) / kappa, "r_T <= 1 at the collapse round", "docs/theory/mobahi2020.md §5",
              Numeric("run", r_0 / (r_0 - 1))),
    ]
    return Derivation("mobahi2020.rounds_lower", _TITLES["mobahi2020.rounds_lower"],
                      f"{_PAPER4} (form); {_SPEC} (constant)", "paper", tuple(S))


def _rounds_upper():
    filt = Norm(D * (c_t * I_K + D).I * z_t) / a
    dlt, c_, dk_ = _pos("delta"), _pos("c"), _nonneg("d")
    dec = r_t / (1 + kappa * (r_t - 1))
    rr = sp.Symbol("r", positive=True)
    S = [
        _step(r_t1, "=", filt, "z_{t+1} = A_t z_t (derivation mobahi2020.recursion)",
              "docs/theory/mobahi2020.md §4", Numeric("round")),
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
              "collapse); T is an integer", "docs/theory/mobahi2020.md §5", Numeric("run", r_0 / (r_0 - 1))),
    ]
    return Derivation("mobahi2020.rounds_upper", _TITLES["mobahi2020.rounds_upper"],
                      _SPEC, "derived", tuple(S))


# --------------------------------------------------------------------------------------
# mobahi2020.rounds_lower_kappa_free

def _rounds_lower_kappa_free():
    resid = y_t - y_t1
    d_ = _pos("d")
    S = [
        _step(resid, "=", c_t * (c_t * I_K + G).I * y_t,
              "the residual of round t (derivation mobahi2020.closed_form, step 15)",
              "docs/theory/mobahi2020.md §2", MatrixIdentity()),
        _step(Norm(resid), "=", a, "(S): the residual has norm a = sqrt(K ε)", "docs/theory/mobahi2020.md §4",
              Numeric("round", r_t)),
        _step(Norm(y_t1), ">=", Norm(y_t) - Norm(resid), "triangle inequality", "standard",
              Numeric("round", _COND_DIFF)),
        _step(r_t1, ">=", r_t - 1, "steps 2-3, divided by a", "derived",
              Numeric("round", _COND_DIFF)),
        _step(r[T], ">=", r_0 - T, "sum step 4 over t = 0, ..., T - 1", "derived",
              Numeric("run", _COND_T)),
        _step(T, ">=", r_0 - 1, "r_T <= 1 at the collapse round", "derived",
              Numeric("run", r_0 / (r_0 - 1))),
        _step(T, ">=", sp.ceiling(r_0 - 1), "T is an integer", "docs/theory/mobahi2020.md §5",
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
                      _TITLES["mobahi2020.rounds_lower_kappa_free"], _SPEC, "derived",
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
              "c_t z_{t,k}/(c_t + d_k)", "docs/theory/mobahi2020.md §5", MatrixIdentity()),
        _step(inner_sum, ">=", 0, "every term is >= 0 (c_t > 0, d_k >= 0)", "docs/theory/mobahi2020.md §5",
              Sign({c_t: c_, d_k: dk_, zt: sp.Dummy("z", real=True)}, "c_t > 0, d_k >= 0")),
        _step(Norm(resid)**2, "=", K * eps, "(S)", "docs/theory/mobahi2020.md §4", Numeric("round", r_t**2)),
        _step(Norm(y_t1)**2, "<=", Norm(y_t)**2 - K * eps, "steps 1-4", "docs/theory/mobahi2020.md §5",
              Numeric("round", r_t**2)),
        _step(r_t1**2, "<=", r_t**2 - 1, "divide by a^2 = K ε", "derived",
              Numeric("round", r_t**2)),
        _step(r[T - 1]**2, "<=", r_0**2 - (T - 1), "sum step 6 over t < T - 1", "derived",
              Numeric("run", r_0**2)),
        _step(T, "<=", sp.ceiling(r_0**2 - 1),
              "r_{T-1} > 1 (round T - 1 did not collapse), so T - 1 < r_0^2 - 1; T is an "
              "integer", "docs/theory/mobahi2020.md §5", Numeric("run", r_0**2 / (r_0 - 1))),
    ]
    return Derivation("mobahi2020.norm_decreasing", _TITLES["mobahi2020.norm_decreasing"],
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
              "mobahi2020.recursion, step 8)", "docs/theory/mobahi2020.md §5",
              Identity({A[t, k]: d_k / (c_t + d_k), A[t, j]: d_j / (c_t + d_j)},
                       "A_{t,k} = d_k/(c_t + d_k)")),
        _step(ratio, "<", 1, "d_j > d_k > 0 and c_t > 0: 1 - A_{t,k}/A_{t,j} = "
              "c_t(d_j - d_k)/(d_j(c_t + d_k))", "docs/theory/mobahi2020.md §5",
              Sign({c_t: c_, d_k: dk_, d_j: dk_ + dlt}, "d_j = d_k + δ, δ > 0")),
        _step(B[t + 1, k] / B[t + 1, j], "=", A[t, k] / A[t, j] * B[t, k] / B[t, j],
              "B_{t+1} = A_t B_t (diagonal)", "docs/theory/mobahi2020.md §4", Numeric("pair", t + 1)),
        _step(B[t + 1, k] / B[t + 1, j], "<", B[t, k] / B[t, j], "steps 2-3", "docs/theory/mobahi2020.md §5",
              Numeric("pair", t + 1, "a strict inequality is checked as <= within the "
                      "tolerance; strictness is step 2")),
    ]
    return Derivation("mobahi2020.sparsify_monotone",
                      _TITLES["mobahi2020.sparsify_monotone"], "Mobahi et al. 2020, §4 "
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
              "is the last round)", "docs/theory/mobahi2020.md §5", Numeric("pair", t + 1)),
    ]
    return Derivation("mobahi2020.sparsify_rate", _TITLES["mobahi2020.sparsify_rate"],
                      f"Mobahi et al. 2020, §4 (a bound of this kind); {_SPEC}", "derived",
                      tuple(S))


# --------------------------------------------------------------------------------------
# Green's functions (docs/theory/mobahi2020.md §3)

_R = sp.Symbol("r", positive=True)
_ELL = sp.Symbol("l", positive=True)

#: id -> (coefficients a_0..a_M, the closed form of the table in docs/theory/mobahi2020.md §3, operator as text)
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
                       f"vanishes at r = 0+", "docs/theory/mobahi2020.md §3", check))
    S.append(_step(sp.Subs(sp.Derivative(gfun, (_R, 2 * M - 1)), _R, 0), "=",
                   sp.Integer(-1)**M / (2 * a_M),
                   f"the derivative of order {2 * M - 1} of g(|x - t|) jumps by "
                   f"2 g^({2 * M - 1})(0+) = (-1)^M / a_M at x = t: L g = δ", "docs/theory/mobahi2020.md §3", check))
    S.append(_step(gfun, "=", table, f"the table of docs/theory/mobahi2020.md §3 for L = {op}", "docs/theory/mobahi2020.md §3", check))
    return Derivation(did, _TITLES[did], "docs/theory/mobahi2020.md §3", "derived", tuple(S))



_TITLES = {
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
    "mobahi2020.sparsify_monotone": "Sparsification: B_{t,k}/B_{t,j} decreases in t",
    "mobahi2020.sparsify_rate": "Sparsification rate B_{t,k}/B_{t,j} ≤ ρ_{jk}^t",
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

#: Derivation id -> (title, builder).
DERIVATIONS = {did: (title, _BUILDERS[did]) for did, title in _TITLES.items()}
