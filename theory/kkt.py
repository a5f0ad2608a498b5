r"""The closed form of problem (P) via its KKT conditions, with its independent oracles.

    f*(x) = g_x^T (c I + G)^{-1} y,   G[j,k] = g(x_j, x_k)/K,   g_x[k] = g(x, x_k)/K,
    || c (c I + G)^{-1} y ||^2 = K ε                                             (S)

(collapse: f* ≡ 0 when ||y||^2 ≤ K ε).  This module holds every form of that statement:

* :func:`kkt_derivation`: the derivation as data (Lagrangian → functional derivative →
  representer form → linear system → complementary slackness → (S) → collapse), each step
  machine-checked by sympy on a concrete instantiation (a quadrature discretisation of the
  integrals for the functional steps; K = 2 and K = 3 for the matrix steps);
* :func:`closed_form_k2`: the K = 2 finite KKT system solved symbolically, an oracle that
  does not use the functional derivative;
* float64 engines :func:`kkt_fit_f64`, :func:`kkt_predict_f64`, :func:`secular_residual_f64`
  (direct linear solves);
* :func:`solve_constrained_f64`: problem (P) itself, discretised on a grid for
  R(f) = ∫ a0 f^2 + a1 f'^2 and handed to a generic constrained optimiser, which knows
  nothing of the closed form.

Source: Mobahi, Farajtabar & Bartlett 2020, §2 (closed form via KKT) [paper]; the
mechanisation is ours.
Domain: K ≥ 1 training points, G symmetric positive semi-definite, c > 0, ε > 0.

>>> d = kkt_derivation()
>>> d.id, len(d.steps)
('mobahi2020.closed_form', 22)
"""

import math
from functools import partial
from typing import NamedTuple

import numpy as np
import scipy.sparse as sps
import sympy as sp
from scipy.optimize import NonlinearConstraint, minimize

from . import _validate as V
from ._mp import to_mp, to_mp_array
from .derivation import Derivation, Step
from .errors import InputError, PrecisionError
from .exact import FracEval, is_zero
from .symbols import Norm

__all__ = ["kkt_derivation", "K2KKT", "closed_form_k2", "FittedExpr",
           "fitted_values_expr", "kkt_fit_mp", "secular_residual_mp", "kkt_fit_f64",
           "kkt_predict_f64", "secular_residual_f64", "ConstrainedFit", "solve_constrained_f64", "slsqp_fit_f64"]

# Sources cited by the steps.
_SRC_SETTING = "Mobahi et al. 2020, §1 (setting, problem (P))"
_SRC_KKT = "Mobahi et al. 2020, §2 (KKT)"
_SRC_GREEN = "Mobahi et al. 2020, §2 (Green's function of u)"
_SRC_SECULAR = "derived here (docs/theory/mobahi2020.md §4: the secular equation is monotone in c)"


# --- symbols of the derivation (exact; no floats anywhere) -------------------------------

x = sp.Symbol("x", real=True)
xp = sp.Symbol("x'", real=True)
t = sp.Symbol("t", real=True)
K = sp.Symbol("K", integer=True, positive=True)
j = sp.Symbol("j", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)
m = sp.Symbol("m", integer=True, positive=True)
lam = sp.Symbol("lambda", positive=True)
c = sp.Symbol("c", positive=True)
eps = sp.Symbol("epsilon", positive=True)
f, u, g = sp.Function("f"), sp.Function("u"), sp.Function("g")
xk, yk, betak = sp.IndexedBase("x"), sp.IndexedBase("y"), sp.IndexedBase("beta")
G = sp.MatrixSymbol("G", K, K)
g_x = sp.MatrixSymbol("g_x", K, 1)
yv = sp.MatrixSymbol("y", K, 1)
beta_p = sp.MatrixSymbol(r"\beta'", K, 1)
f_X = sp.MatrixSymbol("f_X", K, 1)
I_K = sp.Identity(K)
# spectral form of G = V^T D V, z = V y (one generic term of the secular sum)
d_k, z_k = sp.Indexed(sp.IndexedBase("d"), k), sp.Indexed(sp.IndexedBase("z"), k)
_d, _z = sp.Symbol("d", nonnegative=True), sp.Symbol("z", real=True)

# Named quantities (lhs symbols render as in the paper).
R_sym = sp.Symbol(r"\mathcal{R}[f]")
L_sym = sp.Symbol(r"\mathcal{L}[f, \lambda]")
dL_sym = sp.Symbol(r"\frac{\delta \mathcal{L}}{\delta f(x)}")
phi_sym = sp.Symbol(r"\phi(c)")

R_expr = sp.Integral(sp.Integral(u(x, xp) * f(x) * f(xp), x), xp)
C_expr = sp.Sum((f(xk[k]) - yk[k])**2, (k, 1, K)) / K
L_expr = R_expr + lam * (C_expr - eps)
dL_expr = (2 * sp.Integral(u(x, xp) * f(xp), xp)
           + 2 * lam / K * sp.Sum((f(xk[k]) - yk[k]) * sp.DiracDelta(x - xk[k]), (k, 1, K)))
green_lhs = sp.Integral(u(x, xp) * g(xp, t), xp)
green_rhs = sp.DiracDelta(x - t)
beta_def = lam / K * (yk[k] - f(xk[k]))
representer = sp.Sum(betak[k] * g(x, xk[k]), (k, 1, K))
closed_form_expr = g_x.T * (c * I_K + G).I * yv
fitted_expr = G * (c * I_K + G).I * yv
residual_expr = c * (c * I_K + G).I * yv
secular_term = c**2 * z_k**2 / (c + d_k)**2


# --- instantiation helpers for the checks ---------------------------------------------------

def _gram_symbol(a, b):
    """g(x_a, x_b) at two training points -> symmetric symbol ``g_ab`` (u symmetric => g symmetric)."""
    ia, ib = sorted((int(a.indices[0]), int(b.indices[0])))
    return sp.Symbol(f"g_{ia}{ib}", real=True)


def _replace_gram(expr):
    """Replace every g(x_a, x_b) between training points by its symmetric symbol."""
    return expr.replace(
        lambda e: (isinstance(e, sp.Function) and e.func == g and len(e.args) == 2
                   and all(isinstance(a, sp.Indexed) and a.base == xk for a in e.args)),
        lambda e: _gram_symbol(*e.args))


def _explicit(e, subs):
    """Explicit ``Matrix`` of a matrix expression built from MatrixSymbols in ``subs``.

    The algebra runs in a sparse polynomial ring over the atoms of the entries
    (:class:`theory.exact.FracEval`: no gcd is ever taken); the result is converted back to
    expressions numerator / denominator.  (Sympy's own ``as_explicit`` goes through
    symbolic ``Sum`` objects and is far slower.)
    """
    atoms = [v for m in subs.values() for v in m]
    scalars = [a for a in sp.preorder_traversal(e) if isinstance(a, sp.Expr)
               and not isinstance(a, sp.MatrixExpr) and not a.has(sp.MatrixSymbol)]
    gens = set()
    for a in atoms + scalars:
        for part in sp.fraction(sp.together(a)):
            gens |= {t for t in sp.Add.make_args(sp.expand(part))
                     for t in sp.Mul.make_args(t)}
    gens = sorted({b.as_base_exp()[0] for b in gens if not b.is_Number}, key=sp.default_sort_key)
    ev = FracEval(gens or [sp.Dummy()], subs, {})
    P, q = ev.matrix(e)
    return sp.Matrix([[v.as_expr() / q.as_expr() for v in row] for row in P])


def _instantiate(expr, n):
    """Set K = n and replace G, g_x, y, beta' by explicit matrices; expand sums; evaluate norms.

    G[j,k] = g_jk / n with symmetric symbols, g_x[k] = g(x, x_k)/n, y[k] = y_k, beta'[k] = β'_k.
    """
    e = sp.sympify(expr).subs(K, n)
    gram = sp.Matrix(n, n, lambda a, b: _gram_symbol(xk[a + 1], xk[b + 1])) / n
    subs = {
        sp.MatrixSymbol("G", n, n): gram,
        sp.MatrixSymbol("g_x", n, 1): sp.Matrix(n, 1, lambda a, _: g(x, xk[a + 1])) / n,
        sp.MatrixSymbol("y", n, 1): sp.Matrix(n, 1, lambda a, _: yk[a + 1]),
        sp.MatrixSymbol(r"\beta'", n, 1): sp.Matrix(
            n, 1, lambda a, _: sp.Symbol(f"beta'_{a + 1}", real=True)),
    }
    if isinstance(e, sp.MatrixExpr):
        e = _explicit(e, subs)
    else:
        e = e.replace(lambda a: isinstance(a, Norm),
                      lambda a: Norm(_explicit(a.args[0], subs)).doit())
        e = e.replace(lambda a: isinstance(a, sp.MatrixExpr) and a.shape == (1, 1),
                      lambda a: _explicit(a, subs)[0, 0])
    e = e.doit()
    if isinstance(e, sp.MatrixBase):
        return e.applyfunc(_replace_gram)
    return _replace_gram(e)


# Discretisation of the functional steps: N quadrature nodes z_i with weights w_i, the
# kernel u(z_i, z_j) = U_ij symmetric, f(z_i) = F_i, training points x_1 = z_0, x_2 = z_2;
# ∫ h(x') dx' -> Σ_j w_j h(z_j), δ(z_i - z_j) -> [i = j] / w_i, δL/δf(z_i) = (1/w_i) ∂L_h/∂F_i.
_NQ = 3
_DATA_NODES = (0, 2)
_zq = sp.symbols("z0:%d" % _NQ, real=True)
_wq = sp.symbols("w0:%d" % _NQ, positive=True)
_Fq = sp.symbols("F0:%d" % _NQ, real=True)
_Uq = sp.Matrix(_NQ, _NQ, lambda a, b: sp.Symbol(f"U{min(a, b)}{max(a, b)}", real=True))


def _discretise(expr, node=None):
    """Quadrature form of ``expr`` (K = len(_DATA_NODES)), optionally evaluated at x = z_node."""
    n = len(_DATA_NODES)
    e = sp.sympify(expr).subs(K, n).doit(deep=False)
    e = e.replace(lambda a: isinstance(a, sp.Sum), lambda a: a.doit())
    e = e.xreplace({xk[i + 1]: _zq[nd] for i, nd in enumerate(_DATA_NODES)})

    def quad(integral):
        # product quadrature over every integration variable (sympy merges ∫∫ into one Integral)
        body = integral.function
        for var, *_ in integral.limits:
            body = sp.Add(*[_wq[q] * body.subs(var, _zq[q]) for q in range(_NQ)])
        return body

    # innermost integrals first: replace until none is left
    while e.has(sp.Integral):
        e = e.replace(lambda a: isinstance(a, sp.Integral) and not a.function.has(sp.Integral), quad)
    if node is not None:
        e = e.subs(x, _zq[node])
    if e.has(sp.DiracDelta):
        raise ValueError(f"cannot discretise the δ in {e}: only δ(x − x_k) is supported")
    e = e.replace(lambda a: isinstance(a, sp.Function) and a.func == u,
                  lambda a: _Uq[_zq.index(a.args[0]), _zq.index(a.args[1])])
    return e


def _delta_at(node, point_node):
    """Discrete δ at z_node of the point z_point_node: [node = point_node] / w_node."""
    return sp.Integer(1) / _wq[node] if node == point_node else sp.Integer(0)


def _stationarity_at(expr, node):
    """Discretised stationarity expression at z_node, with δ(z_i - z_i) -> 1/w_i."""
    e = sp.sympify(expr)
    # δ(x - x_k) at x = z_node becomes [node = node_k]/w_node: do it before the generic pass
    n = len(_DATA_NODES)
    e = e.subs(K, n).doit(deep=False)
    e = e.replace(lambda a: isinstance(a, sp.Sum), lambda a: a.doit())
    e = e.replace(lambda a: isinstance(a, sp.DiracDelta) and a.args[0].has(x),
                  lambda a: _delta_x_minus(a.args[0], node))
    return _discretise(e, node)


def _delta_x_minus(arg, node):
    """δ(x - x_k) at x = z_node: 1/w_node if x_k sits on that node, else 0."""
    for i, nd in enumerate(_DATA_NODES):
        if sp.expand(arg - (x - xk[i + 1])) == 0:
            return _delta_at(node, nd)
    raise ValueError(f"cannot discretise δ({arg})")


def _f_to_F(expr):
    """f(z_i) -> F_i."""
    return expr.replace(lambda a: isinstance(a, sp.Function) and a.func == f,
                        lambda a: _Fq[_zq.index(a.args[0])])


# --- the checks of the steps ---------------------------------------------------------------

def _check_functional_derivative(step, lagrangian):
    """(1/w_i) ∂L_h/∂F_i equals the step's rhs discretised at every node z_i."""
    L_h = _f_to_F(_discretise(lagrangian))
    for i in range(_NQ):
        lhs = sp.diff(L_h, _Fq[i]) / _wq[i]
        rhs = _f_to_F(_stationarity_at(step.rhs, i))
        if not is_zero(lhs - rhs):
            return False
    return True


def _green_matrix():
    """Discrete Green matrix Γ from the Green step: Σ_j w_j U_ij Γ_jm = [i = m]/w_m."""
    W = sp.diag(*_wq)
    return (_Uq * W).inv() * W.inv()


def _check_representer(step, beta_definition):
    """With f = Σ β_k g(·, x_k) (β free), stationarity = 2 Σ_k (β_k − β_def_k) δ(x − x_k)."""
    Gam = _green_matrix()
    betas = sp.symbols("b1:%d" % (len(_DATA_NODES) + 1), real=True)
    rep = step.rhs.rhs  # Σ β_k g(x, x_k)
    F = []
    for i in range(_NQ):
        e = rep.subs(K, len(_DATA_NODES)).doit().subs(x, _zq[i])
        e = e.xreplace({betak[a + 1]: betas[a] for a in range(len(_DATA_NODES))})
        e = e.xreplace({xk[a + 1]: _zq[nd] for a, nd in enumerate(_DATA_NODES)})
        e = e.replace(lambda a: isinstance(a, sp.Function) and a.func == g,
                      lambda a: Gam[_zq.index(a.args[0]), _zq.index(a.args[1])])
        F.append(e)
    Fsub = dict(zip(_Fq, F))
    stat = step.lhs.lhs - step.lhs.rhs  # δL/δf − 0
    for i in range(_NQ):
        s_i = _f_to_F(_stationarity_at(stat, i)).xreplace(Fsub)
        expect = sp.Integer(0)
        for a, nd in enumerate(_DATA_NODES):
            bdef = beta_definition.subs({k: a + 1, K: len(_DATA_NODES)})
            bdef = _f_to_F(bdef.xreplace({xk[a + 1]: _zq[nd]}))
            expect += 2 * (betas[a] - bdef.xreplace(Fsub)) * _delta_at(i, nd)
        if not is_zero(s_i - expect):
            return False
    return True


def _check_linear_system(step, sizes=(2, 3)):
    """β_k − (λ/K)(y_k − Σ_m β_m g_km) at β = β'/K equals (λ/K)[(cI + G)β' − y]_k, c = 1/λ."""
    for n in sizes:
        first = step.lhs.lhs - step.lhs.rhs
        second = _instantiate(step.rhs.lhs - step.rhs.rhs, n).subs(c, 1 / lam)
        for a in range(n):
            e = first.subs({k: a + 1, K: n}).doit()
            e = e.xreplace({betak[b + 1]: sp.Symbol(f"beta'_{b + 1}", real=True) / n
                            for b in range(n)})
            e = _replace_gram(e)
            if not is_zero(e - lam / n * second[a]):
                return False
    return True


def _check_closed_form(step, sizes=(2, 3)):
    """Representer with β = (cI+G)^{-1}y/K equals the rhs; it makes stationarity vanish at the x_j."""
    for n in sizes:
        cf = _instantiate(step.rhs, n)[0, 0]
        beta = _instantiate((c * I_K + G).I * yv, n) / n
        rep = sum(beta[a] * g(x, xk[a + 1]) for a in range(n))
        if not is_zero(cf - rep):
            return False
        fx = [_replace_gram(cf.subs(x, xk[a + 1])) for a in range(n)]
        for a in range(n):
            stationary = beta[a] - lam / n * (yk[a + 1] - fx[a])
            if not is_zero(stationary.subs(c, 1 / lam)):
                return False
    return True


def _check_fitted(step, closed_form, sizes=(2, 3)):
    """The closed form evaluated at x = x_j equals row j of the step's rhs."""
    for n in sizes:
        cf = _instantiate(closed_form, n)[0, 0]
        rhs = _instantiate(step.rhs, n)
        for a in range(n):
            if not is_zero(_replace_gram(cf.subs(x, xk[a + 1])) - rhs[a]):
                return False
    return True


def _check_matrix_identity(step, sizes=(2, 3)):
    """lhs − rhs vanishes for explicit K × K instances."""
    for n in sizes:
        diff = _instantiate(step.lhs, n) - _instantiate(step.rhs, n)
        if not all(is_zero(e) for e in diff):
            return False
    return True


def _check_slackness(step):
    """Solving λ (C − ε) = 0 with λ > 0 for ε gives exactly ε = C."""
    sol = sp.solve(step.lhs, eps)
    return (isinstance(step.rhs, sp.Equality) and len(sol) == 1
            and is_zero(sol[0] - step.rhs.lhs) and step.rhs.rhs == eps)


def _check_secular(step, constraint, fitted, sizes=(2, 3)):
    """lhs − rhs of (S) equals K (C − ε) once f(x_k) is replaced by the fitted values."""
    for n in sizes:
        fx = _instantiate(fitted, n)
        C_n = constraint.subs(K, n).doit()
        C_n = C_n.xreplace({f(xk[a + 1]): fx[a] for a in range(n)})
        lhs = (Norm(_instantiate(step.lhs.base.args[0], n))**2).doit()
        rhs = _instantiate(step.rhs, n)
        if not is_zero((lhs - rhs) - n * (C_n - eps)):
            return False
    return True


def _check_spectral(step):
    """K = 2, G = V^T D V, z = V y: ||c(cI+G)^{-1}y||^2 = Σ c²z²/(c+d)².

    V runs over the rotations through the rational parametrisation of the circle,
    cos θ = (1 − s²)/(1 + s²), sin θ = 2s/(1 + s²) (every angle but θ = π, where V = −I and
    the identity is immediate), so the check is a rational-function identity in s.
    """
    s_ = sp.Symbol("s", real=True)
    d1, d2 = sp.symbols("d1 d2", nonnegative=True)
    cs, sn = (1 - s_**2) / (1 + s_**2), 2 * s_ / (1 + s_**2)
    V = sp.Matrix([[cs, sn], [-sn, cs]])
    Y = sp.Matrix([yk[1], yk[2]])
    Gm = V.T * sp.diag(d1, d2) * V
    A = c * sp.eye(2) + Gm
    lhs = (Norm(c * A.adjugate() * Y / A.det())**2).doit()
    z = V * Y
    rhs = step.rhs.subs(K, 2).doit().xreplace({d_k.base[1]: d1, d_k.base[2]: d2,
                                               z_k.base[1]: z[0], z_k.base[2]: z[1]})
    return is_zero(lhs - rhs)


def _check_monotone(step):
    """d/dc of one secular term is 2 c d z²/(c+d)³, non-negative for c > 0, d ≥ 0."""
    e = step.lhs.xreplace({d_k: _d, z_k: _z}).doit()
    target = 2 * c * _d * _z**2 / (c + _d)**3
    return is_zero(e - target) and bool(target.is_nonnegative) and step.rhs == 0


def _check_limit(step):
    """The limit of one secular term, evaluated by sympy, equals the step's rhs."""
    e = step.lhs.xreplace({d_k: _d, z_k: _z}).doit()
    return is_zero(e - sp.sympify(step.rhs).xreplace({d_k: _d, z_k: _z}))


def _check_collapse(step, constraint, regulariser):
    """At f ≡ 0: K·C = Σ y_k² (so C ≤ ε is the hypothesis) and R(0) = 0 (the least value)."""
    zero = sp.Lambda(x, 0)
    C0 = constraint.replace(f, zero)
    R0 = regulariser.replace(f, zero).doit()
    hyp = step.lhs
    return (is_zero(K * C0 - hyp.lhs) and hyp.rhs == K * eps and R0 == 0
            and step.rhs == sp.Eq(f(x), 0))


def kkt_derivation():
    r"""Derivation of f*(x) = g_x^T (cI + G)^{-1} y with (S) ``||c (cI+G)^{-1} y||^2 = K ε``.

    Steps: regulariser and problem (P); Lagrangian R(f) + λ[(1/K)Σ(f(x_k) − y_k)^2 − ε];
    functional derivative 2∫u(x,x')f(x')dx' + (2λ/K)Σ_k (f(x_k) − y_k)δ(x − x_k); Green's
    function; representer form f = Σ_k β_k g(·, x_k), β_k = (λ/K)(y_k − f(x_k)); linear
    system (cI + G)β' = y (β' = Kβ, c = 1/λ); closed form; fitted values G(cI+G)^{-1}y;
    residual y − f_X = c(cI+G)^{-1}y; complementary slackness (λ > 0) → (S); monotonicity
    of the secular function (unique root iff ||y||^2 > Kε); collapse f ≡ 0 when ||y||^2 ≤ Kε.

    Each checkable step carries ``verify``: the functional steps on a 3-node quadrature
    discretisation (integrals → weighted sums, δ → [i = j]/w_i, δ/δf → (1/w_i)∂/∂F_i), the
    matrix steps for explicit K = 2 and K = 3 with symbolic Gram entries.

    Source: Mobahi, Farajtabar & Bartlett 2020, §2 [paper]; mechanised here.
    Domain: u symmetric with R(f) > 0 for f ≠ 0 and a Green's function g; λ > 0 (active
    constraint) except in the collapse step.

    >>> d = kkt_derivation()
    >>> import sympy as sp
    >>> [sp.latex(s.rhs) for s in d.steps if s.justification.startswith("closed form")]
    ['g_{x}^{T} \\left(c \\mathbb{I} + G\\right)^{-1} y']
    """
    S = []
    S.append(Step(R_sym, R_expr, ":=", "regulariser R(f), u symmetric, R(f) > 0 for f ≠ 0",
                  _SRC_SETTING))
    S.append(Step(C_expr, eps, "<=",
                  "problem (P): minimise R(f) subject to the data-fit budget ε > 0",
                  _SRC_SETTING))
    S.append(Step(L_sym, L_expr, ":=", "Lagrangian of (P), multiplier λ ≥ 0", _SRC_KKT))
    S.append(Step(dL_sym, dL_expr, "=",
                  "functional derivative of the Lagrangian (u symmetric; δf(x_k)/δf(x) = δ(x − x_k))",
                  _SRC_KKT, verify=partial(_check_functional_derivative, lagrangian=L_expr)))
    S.append(Step(green_lhs, green_rhs, "=", "Green's function g of u (hypothesis; g symmetric)",
                  _SRC_GREEN))
    S.append(Step(betak[k], beta_def, ":=", "coefficient of δ(x − x_k) in stationarity, over −2",
                  _SRC_KKT))
    S.append(Step(sp.Eq(dL_expr, 0), sp.Eq(f(x), representer), "=>",
                  "stationarity; apply the Green's function (∫u f = Σ_k β_k δ(x − x_k))",
                  _SRC_KKT, verify=partial(_check_representer, beta_definition=beta_def)))
    S.append(Step(G[j, k], g(xk[j], xk[k]) / K, ":=", "scaled Gram matrix", _SRC_KKT))
    S.append(Step(sp.IndexedBase("g_x")[k], g(x, xk[k]) / K, ":=", "scaled kernel vector at x",
                  _SRC_KKT))
    S.append(Step(c, 1 / lam, ":=", "inverse multiplier (λ > 0)", _SRC_KKT))
    S.append(Step(beta_p, K * sp.MatrixSymbol("beta", K, 1), ":=", "rescaled coefficients",
                  _SRC_KKT))
    S.append(Step(sp.Eq(betak[k], lam / K * (yk[k] - sp.Sum(betak[m] * g(xk[k], xk[m]), (m, 1, K)))),
                  sp.Eq((c * I_K + G) * beta_p, yv), "=>",
                  "substitute the representer form at the training points; multiply by K/λ",
                  _SRC_KKT, verify=_check_linear_system))
    S.append(Step(f(x), closed_form_expr, "=",
                  "closed form: representer with β = (cI + G)^{-1} y / K",
                  _SRC_KKT, verify=_check_closed_form))
    S.append(Step(f_X, fitted_expr, "=", "fitted values at the training points (g_{x_j} = G e_j)",
                  _SRC_KKT, verify=partial(_check_fitted, closed_form=closed_form_expr)))
    S.append(Step(yv - fitted_expr, residual_expr, "=",
                  "residual: y − G(cI+G)^{-1}y = (cI + G − G)(cI+G)^{-1}y",
                  _SRC_KKT, verify=_check_matrix_identity))
    S.append(Step(sp.Eq(lam * (C_expr - eps), 0), sp.Eq(C_expr, eps), "=>",
                  "complementary slackness with λ > 0: the constraint is active",
                  _SRC_KKT, verify=_check_slackness))
    S.append(Step(Norm(residual_expr)**2, K * eps, "=",
                  "(S): the active constraint with the residual c(cI+G)^{-1}y",
                  _SRC_KKT, verify=partial(_check_secular, constraint=C_expr,
                                           fitted=fitted_expr)))
    S.append(Step(phi_sym, sp.Sum(secular_term, (k, 1, K)), "=",
                  "secular function in the eigenbasis G = V^T D V, z = V y",
                  _SRC_SECULAR, verify=_check_spectral))
    S.append(Step(sp.Derivative(secular_term, c), sp.Integer(0), ">=",
                  "each term is non-decreasing in c (strictly when d_k z_k ≠ 0)",
                  _SRC_SECULAR, verify=_check_monotone))
    S.append(Step(sp.Limit(secular_term, c, sp.oo), z_k**2, "=",
                  "φ(∞) = Σ z_k² = ||y||² (V orthogonal); with φ(0+) = 0, (S) has exactly one "
                  "root c > 0 iff ||y||² > Kε (and Gy ≠ 0)",
                  _SRC_SECULAR, verify=_check_limit))
    S.append(Step(sp.Limit(secular_term, c, 0, dir="+"), sp.Integer(0), "=", "φ(0+) = 0",
                  _SRC_SECULAR, verify=_check_limit))
    S.append(Step(sp.Le(sp.Sum(yk[k]**2, (k, 1, K)), K * eps), sp.Eq(f(x), 0), "=>",
                  "collapse: f ≡ 0 is feasible and R(0) = 0 < R(f) for every f ≠ 0",
                  _SRC_KKT, verify=partial(_check_collapse, constraint=C_expr,
                                           regulariser=R_expr)))
    return Derivation("mobahi2020.closed_form", "Closed form of (P) via the KKT conditions",
                      "Mobahi, Farajtabar & Bartlett 2020, §2", "paper", tuple(S))


# --- the K = 2 finite KKT system, solved symbolically -------------------------------------

class K2KKT(NamedTuple):
    """The K = 2 KKT system of (P) restricted to span{g(·, x_1), g(·, x_2)}, solved by sympy.

    ``gram`` is the unscaled Gram matrix Γ = [g(x_j, x_k)]; ``beta`` solves ∂L/∂β = 0 for
    λ > 0 and ``beta_inactive`` for λ = 0; ``constraint`` is (1/2)||Γβ − y||² − ε along
    ``beta``; ``beta_closed`` = (cI + Γ/2)^{-1} y / 2 at c = 1/λ and ``secular`` =
    ||c(cI + Γ/2)^{-1}y||² − 2ε.  The discrepancies are the cancelled differences
    (both vanish identically); ``lambda_poly`` is the numerator of ``constraint`` as a
    polynomial in λ, whose positive roots are the multipliers of the active constraint.
    """

    symbols: dict
    gram: sp.Matrix
    lagrangian: sp.Expr
    beta: sp.Matrix
    beta_inactive: sp.Matrix
    constraint: sp.Expr
    lambda_poly: sp.Poly
    beta_closed: sp.Matrix
    secular: sp.Expr
    beta_discrepancy: sp.Matrix
    secular_discrepancy: sp.Expr


def closed_form_k2():
    r"""K = 2 KKT system: minimise β^T Γ β s.t. (1/2)||Γβ − y||² ≤ ε, solved for β(λ) by sympy.

    With f = β_1 g(·, x_1) + β_2 g(·, x_2) the Green's-function identity gives
    R(f) = β^T Γ β and f(x_j) = (Γβ)_j, Γ = [[g11, g12], [g12, g22]] (g11, g22 > 0,
    g11 g22 > g12²).  The finite Lagrangian β^TΓβ + λ((1/2)||Γβ − y||² − ε) is
    differentiated in β_1, β_2 and solved (a 2 × 2 linear system; no functional
    derivative, no Green's-function inversion); the result is compared with the closed form
    β = (cI + G)^{-1} y / K, G = Γ/K, c = 1/λ, and the active constraint with (S).

    Source: Mobahi et al. 2020, §2 (the closed form this checks) [paper]; the finite
    reduction is the representer theorem [prior work].
    Domain: generic symbols (Γ invertible); λ > 0 for the active branch.

    >>> r = closed_form_k2()
    >>> list(r.beta_discrepancy), r.secular_discrepancy
    ([0, 0], 0)
    """
    g11, g22 = sp.symbols("g11 g22", positive=True)
    g12 = sp.Symbol("g12", real=True)
    y1, y2 = sp.symbols("y1 y2", real=True)
    b1, b2 = sp.symbols("beta1 beta2", real=True)
    n = 2
    Gam = sp.Matrix([[g11, g12], [g12, g22]])
    Y = sp.Matrix([y1, y2])
    B = sp.Matrix([b1, b2])
    fit = Gam * B
    constraint_of_beta = sp.Rational(1, n) * ((fit - Y).T * (fit - Y))[0, 0] - eps
    lagrangian = (B.T * Gam * B)[0, 0] + lam * constraint_of_beta
    grad = [sp.diff(lagrangian, b) for b in (b1, b2)]
    sol = sp.solve(grad, [b1, b2], dict=True)
    if len(sol) != 1:
        raise ArithmeticError(f"the K = 2 stationarity system has {len(sol)} solutions, expected 1")
    beta = sp.Matrix([sp.cancel(sol[0][b1]), sp.cancel(sol[0][b2])])
    sol0 = sp.solve([gr.subs(lam, 0) for gr in grad], [b1, b2], dict=True)
    beta_inactive = sp.Matrix([sol0[0][b1], sol0[0][b2]])
    constraint = sp.cancel(constraint_of_beta.xreplace({b1: beta[0], b2: beta[1]}))
    lambda_poly = sp.Poly(sp.numer(sp.together(constraint)), lam)
    Gs = Gam / n
    A = c * sp.eye(n) + Gs
    Ainv_y = A.adjugate() * Y / A.det()
    beta_closed = (Ainv_y / n).subs(c, 1 / lam)
    secular = (Norm(c * Ainv_y)**2).doit() - n * eps
    return K2KKT(
        symbols={"g11": g11, "g12": g12, "g22": g22, "y1": y1, "y2": y2, "eps": eps,
                 "lambda": lam, "c": c, "beta1": b1, "beta2": b2},
        gram=Gam, lagrangian=lagrangian, beta=beta, beta_inactive=beta_inactive,
        constraint=constraint, lambda_poly=lambda_poly, beta_closed=beta_closed,
        secular=secular,
        beta_discrepancy=(beta - beta_closed).applyfunc(sp.cancel),
        secular_discrepancy=sp.cancel(n * constraint - secular.subs(c, 1 / lam)))


# --- the closed form at a fixed K, and its mp evaluator ------------------------------------

class FittedExpr(NamedTuple):
    """f_X = G (cI + G)^{-1} y for an explicit K: the matrix ``expr`` in the symbols
    ``G`` (symmetric, entries ``G_jk``), ``y`` (``y_k``) and ``c``."""

    expr: sp.Matrix
    G: sp.Matrix
    y: sp.Matrix
    c: sp.Symbol


def fitted_values_expr(n):
    r"""The fitted values G (cI + G)^{-1} y of the derivation, instantiated at K = n (exact).

    Generated from the same matrix expression as the closed-form step of
    :func:`kkt_derivation` (inverse as adjugate / determinant); lambdify it to get the
    generated twin of :func:`kkt_fit_f64`.

    Source: Mobahi et al. 2020, §2 [paper].  Domain: integer n ≥ 1 (the expression grows
    like n!, keep n ≤ 4).

    >>> fe = fitted_values_expr(1)
    >>> fe.expr
    Matrix([[G_11*y_1/(G_11 + c)]])
    """
    if int(n) != n or n < 1:
        raise InputError(f"n = {n!r} must be an integer >= 1")
    n = int(n)
    Gs = sp.Matrix(n, n, lambda a, b: sp.Symbol(f"G_{min(a, b) + 1}{max(a, b) + 1}", real=True))
    ys = sp.Matrix(n, 1, lambda a, _: sp.Symbol(f"y_{a + 1}", real=True))
    subs = {sp.MatrixSymbol("G", n, n): Gs, sp.MatrixSymbol("y", n, 1): ys}
    expr = _explicit(fitted_expr.subs(K, n), subs).applyfunc(sp.cancel)
    return FittedExpr(expr, Gs, ys, c)


def _gram_mp(ctx, G):
    A = np.asarray(G, dtype=object)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise InputError(f"G must be a square K x K matrix with K >= 1; got shape {A.shape}")
    # symmetric up to the input's own rounding (the one rule of theory._validate), judged
    # on the input as given, before conversion to ctx
    V.check_symmetric(V.as_real_array(G, "G", allow_mp=True), V.rounding_unit(G))
    A = to_mp_array(ctx, A)
    n = A.shape[0]
    for a in range(n):  # average the accepted rounding-level asymmetry
        for b in range(a):
            if A[a, b] != A[b, a]:
                A[a, b] = A[b, a] = (A[a, b] + A[b, a]) / 2
    return A


def _targets_mp(ctx, y, n):
    Y = np.asarray(y, dtype=object)
    if Y.ndim not in (1, 2) or Y.shape[0] != n:
        raise InputError(f"y must have shape ({n},) or ({n}, m) to match G; got {Y.shape}")
    Y = to_mp_array(ctx, Y)
    if not all(ctx.isfinite(v) for v in Y.reshape(-1)):
        raise InputError("y has a non-finite entry; y must be finite")
    return Y


def _solve_shifted_mp(ctx, A, Y, cc):
    n = A.shape[0]
    M = ctx.matrix(n, n)
    for a in range(n):
        for b in range(n):
            M[a, b] = A[a, b] + (cc if a == b else 0)
    cols = Y.reshape(n, -1)
    out = np.empty(cols.shape, dtype=object)
    for col in range(cols.shape[1]):
        try:
            sol = ctx.lu_solve(M, ctx.matrix([cols[a, col] for a in range(n)]))
        except ZeroDivisionError:
            raise InputError(f"cI + G is singular at c = {cc}: G is not positive "
                             "semi-definite") from None
        for a in range(n):
            out[a, col] = sol[a]
    return out.reshape(Y.shape)


def _positive_mp(ctx, v, name):
    try:
        val = to_mp(ctx, v)  # exact for Fraction, numpy floats of any width, big ints
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a real number > 0; got {v!r}") from None
    if not ctx.isfinite(val) or val <= 0:
        raise InputError(f"{name} = {v!r} is outside the domain: {name} must be finite and > 0")
    return val


def kkt_fit_mp(ctx, G, y, c):
    r"""f_X = G (cI + G)^{-1} y at the precision of ``ctx`` (LU solve in ``ctx``).

    Inputs (floats, strings, mpf) are converted exactly to ``ctx``; the result is an object
    array of ``ctx.mpf`` of the shape of ``y``.

    Source: Mobahi et al. 2020, §2 [paper].
    Domain: G symmetric positive semi-definite K × K, y of shape (K,) or (K, m), c > 0.

    >>> from theory._mp import make_context
    >>> ctx = make_context(30)
    >>> [ctx.nstr(v, 20) for v in kkt_fit_mp(ctx, [[1, 0.5], [0.5, 1]], [1, -1], "0.5")]
    ['0.5', '-0.5']
    """
    A = _gram_mp(ctx, G)
    Y = _targets_mp(ctx, y, A.shape[0])
    cc = _positive_mp(ctx, c, "c")
    X = _solve_shifted_mp(ctx, A, Y, cc)
    n = A.shape[0]
    Xc = X.reshape(n, -1)
    out = np.empty(Xc.shape, dtype=object)
    for a in range(n):
        for col in range(Xc.shape[1]):
            out[a, col] = ctx.fsum(A[a, b] * Xc[b, col] for b in range(n))
    return out.reshape(Y.shape)


def secular_residual_mp(ctx, G, y, c, eps):
    r"""Residual of (S), ||c (cI + G)^{-1} y||^2 − K ε, at the precision of ``ctx``.

    Source: Mobahi et al. 2020, §2, equation (S) [paper].
    Domain: G symmetric positive semi-definite K × K, y of shape (K,) or (K, m), c > 0, ε > 0.

    >>> from theory._mp import make_context
    >>> ctx = make_context(30)
    >>> secular_residual_mp(ctx, [[1, 0], [0, 1]], [3, 4], 1, 1)
    mpf('4.25')
    """
    A = _gram_mp(ctx, G)
    Y = _targets_mp(ctx, y, A.shape[0])
    cc = _positive_mp(ctx, c, "c")
    ee = _positive_mp(ctx, eps, "eps")
    X = _solve_shifted_mp(ctx, A, Y, cc)
    return ctx.fsum((cc * v)**2 for v in X.reshape(-1)) - A.shape[0] * ee


# --- float64 engines -----------------------------------------------------------------------

_FPE = dict(over="raise", invalid="raise", divide="raise")


_RANGE_HINT = ("beyond the float64 range; use the mp oracle (kkt_fit_mp, "
               "secular_residual_mp), whose exponent range is unlimited")


def _gram_f64(G):
    """Validate a symmetric K × K Gram matrix with finite entries and a non-negative diagonal."""
    try:
        A = np.array(G, dtype=np.float64)
    except OverflowError:
        raise InputError(f"G has an entry {_RANGE_HINT}") from None
    except (TypeError, ValueError) as exc:
        raise InputError(f"G must be a real K x K array; got {G!r} ({exc})") from None
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise InputError(f"G must be a square K x K matrix with K >= 1; got shape {A.shape}")
    bad = np.argwhere(~np.isfinite(A))
    if bad.size:
        i, jj = bad[0]
        raise InputError(f"G[{i}, {jj}] = {A[i, jj]} is not finite; G must be finite")
    # symmetric up to the input's own rounding (the one rule of theory._validate)
    V.check_symmetric(V.as_real_array(G, "G", allow_mp=True), V.rounding_unit(G))
    neg = np.flatnonzero(np.diag(A) < 0)
    if neg.size:
        i = neg[0]
        raise InputError(f"G[{i},{i}] = {A[i, i]} < 0: G must be positive semi-definite")
    return A


def _targets_f64(y, n):
    try:
        Y = np.array(y, dtype=np.float64)
    except OverflowError:
        raise InputError(f"y has an entry {_RANGE_HINT}") from None
    except (TypeError, ValueError) as exc:
        raise InputError(f"y must be a real array of length K = {n}; got {y!r} ({exc})") from None
    if Y.ndim not in (1, 2) or Y.shape[0] != n or (Y.ndim == 2 and Y.shape[1] == 0):
        raise InputError(f"y must have shape ({n},) or ({n}, m) to match G; got {Y.shape}")
    if not np.all(np.isfinite(Y)):
        i = np.argwhere(~np.isfinite(Y))[0]
        raise InputError(f"y[{', '.join(map(str, i))}] = {Y[tuple(i)]} is not finite")
    return Y


def _positive(v, name):
    try:
        val = float(v)
    except OverflowError:
        raise InputError(f"{name} = {v!r} is {_RANGE_HINT}") from None
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a real number > 0; got {v!r}") from None
    if not np.isfinite(val) or val <= 0:
        raise InputError(f"{name} = {val} is outside the domain: {name} must be finite and > 0")
    return val


def _solve_shifted(G, Y, c, shown=None):
    """(cI + G)^{-1} Y by LU with partial pivoting (numpy.linalg.solve); ``shown`` is the c
    named in the error (the caller's, when G and c are normalised)."""
    A = G.copy()
    A[np.diag_indices_from(A)] += c
    try:
        return np.linalg.solve(A, Y)
    except np.linalg.LinAlgError:
        raise InputError(f"cI + G is singular at c = {c if shown is None else shown}: G has "
                         "eigenvalue -c, so G is not positive semi-definite") from None


def _normalised(Gm, Y, c):
    """(G 2^-eG, Y 2^-ey, c 2^-eG, ey): the oracles are invariant under G -> sG, c -> sc
    and covariant under y -> σy; scaling by powers of two is exact, so this changes nothing
    in range and keeps subnormal or huge input in range."""
    eG, ey = V.binary_exponent(Gm), V.binary_exponent(Y)
    cs = V.scaled_float(c, -eG)  # inf / 0 beyond the range, no OverflowError
    if not (np.finfo(np.float64).tiny <= cs < math.inf):
        raise InputError(f"c / max|G| = c 2^{-eG} = {c} 2^{-eG} is {_RANGE_HINT}")
    return np.ldexp(Gm, -eG), np.ldexp(Y, -ey), cs, ey


def _scaled_back(a, e, what):
    with np.errstate(over="ignore", under="ignore"):
        out = np.ldexp(a, e)
    if not np.all(np.isfinite(out)):
        raise InputError(f"{what} is {_RANGE_HINT}")
    return out


def kkt_fit_f64(G, y, c):
    r"""Fitted values at the training points, f_X = G (cI + G)^{-1} y, by a direct linear solve.

    Source: Mobahi et al. 2020, §2 (closed form at x = x_j) [paper].
    Domain: G symmetric positive semi-definite K × K, y of shape (K,) or (K, m), c > 0.

    >>> import numpy as np
    >>> G = np.array([[1.0, 0.5], [0.5, 1.0]])   # eigenvalues 1.5 and 0.5
    >>> kkt_fit_f64(G, np.array([1.0, -1.0]), 0.5).round(12)   # eigenvector of 0.5: d/(c+d) = 1/2
    array([ 0.5, -0.5])
    """
    Gm = _gram_f64(G)
    Y = _targets_f64(y, Gm.shape[0])
    cc = _positive(c, "c")
    Gs, Ys, cs, ey = _normalised(Gm, Y, cc)
    with np.errstate(**_FPE):
        return _scaled_back(Gs @ _solve_shifted(Gs, Ys, cs, cc), ey, "f_X")


def kkt_predict_f64(g_x, G, y, c):
    r"""Predictions f*(x) = g_x^T (cI + G)^{-1} y for each row g_x[i] = (g(x_i, x_k)/K)_k.

    Source: Mobahi et al. 2020, §2 [paper].
    Domain: g_x of shape (n, K) (n ≥ 0), G symmetric positive semi-definite K × K, y of
    shape (K,) or (K, m), c > 0.

    >>> import numpy as np
    >>> G = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> kkt_predict_f64(G[:1], G, np.array([1.0, -1.0]), 0.5).round(12)  # x = x_1
    array([0.5])
    """
    Gm = _gram_f64(G)
    n = Gm.shape[0]
    Y = _targets_f64(y, n)
    cc = _positive(c, "c")
    try:
        gx = np.array(g_x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"g_x must be a real (n, {n}) array; got {g_x!r} ({exc})") from None
    if gx.ndim != 2 or gx.shape[1] != n:
        raise InputError(f"g_x must have shape (n, {n}), one row per evaluation point; got "
                         f"{gx.shape} (for one point pass g_x[None, :])")
    if not np.all(np.isfinite(gx)):
        i = np.argwhere(~np.isfinite(gx))[0]
        raise InputError(f"g_x[{i[0]}, {i[1]}] = {gx[tuple(i)]} is not finite")
    eG = V.binary_exponent(Gm)
    Gs, Ys, cs, ey = _normalised(Gm, Y, cc)
    with np.errstate(**_FPE):
        return _scaled_back(np.ldexp(gx, -eG) @ _solve_shifted(Gs, Ys, cs, cc), ey, "f*(x)")


def secular_residual_f64(G, y, c, eps):
    r"""Residual of (S): ||c (cI + G)^{-1} y||^2 − K ε (Frobenius norm for y of shape (K, m)).

    Increasing in c from −Kε (c → 0+) to ||y||² − Kε (c → ∞); its root is the c of the
    closed form when ||y||² > Kε.

    Source: Mobahi et al. 2020, §2, equation (S) [paper].
    Domain: G symmetric positive semi-definite K × K, y of shape (K,) or (K, m), c > 0, ε > 0.

    >>> import numpy as np
    >>> float(secular_residual_f64(np.eye(2), np.array([3.0, 4.0]), 1.0, 1.0))  # 25/4 - 2
    4.25
    """
    Gm = _gram_f64(G)
    Y = _targets_f64(y, Gm.shape[0])
    cc = _positive(c, "c")
    ee = _positive(eps, "eps")
    K = Gm.shape[0]
    Gs, Ys, cs, ey = _normalised(Gm, Y, cc)
    with np.errstate(**_FPE):
        r = cs * _solve_shifted(Gs, Ys, cs, cc)  # ||r|| <= ||Ys||: no overflow
        sq = float(np.sum(r * r))
    # ||r||^2 - K eps = 2^(2 ey) (sq - K eps 2^(-2 ey)), exact scaling; K eps 2^(-2 ey) may
    # leave the range only when it dwarfs sq, and then the residual is -K eps
    t = K * V.scaled_float(ee, -2 * ey)
    out = float(_scaled_back(np.float64(sq - t), 2 * ey, "the residual")) if math.isfinite(t) \
        else -K * ee
    if not math.isfinite(out):
        raise InputError(f"the residual is {_RANGE_HINT}")
    return out


# --- problem (P) discretised, handed to a generic constrained optimiser ------------------

class ConstrainedFit(NamedTuple):
    """Solution of the discretised problem (P) found by ``scipy.optimize.minimize``.

    ``grid`` the n_intervals + 1 nodes, ``f`` the values there, ``data_index`` the node of
    each x_k, ``multiplier`` the least-squares Lagrange multiplier λ_h of the stationarity
    condition (≈ 1/c), ``kkt_residual`` ||∇R_h + λ_h ∇C_h||_∞ / ||∇R_h||_∞ (0 when both
    vanish), ``constraint`` the achieved (1/K)Σ(f(x_k) − y_k)², ``objective`` R_h(f),
    ``nit`` and ``status`` from the optimiser.
    """

    grid: np.ndarray
    f: np.ndarray
    data_index: np.ndarray
    multiplier: float
    kkt_residual: float
    constraint: float
    objective: float
    nit: int
    status: int


#: Requested reduction of the Lagrangian gradient relative to its size at the start.  The
#: discrete solution then carries a relative error of about this times the condition of
#: R_h (≈ 1 + 4 a1/(a0 h²) ≤ 1e6 for the grids used here), far below any O(h²) error.
_OPT_RTOL = 2.0**-40

#: Iteration cap for trust-constr; the runs used here take 50-150 iterations.
_OPT_MAXITER = 2000


def _regulariser_matrix(n_intervals, h, a0, a1):
    """R_h(f) = f^T A f = Σ_i w_i a0 f_i² + a1 Σ_i (f_{i+1} − f_i)²/h (trapezoid weights)."""
    npts = n_intervals + 1
    w = np.full(npts, h)
    w[0] = w[-1] = h / 2
    D = sps.diags([-np.ones(npts - 1), np.ones(npts - 1)], [0, 1], shape=(npts - 1, npts))
    return (sps.diags(a0 * w) + (a1 / h) * (D.T @ D)).tocsr()


def solve_constrained_f64(x_data, y, eps, a0, a1, half_width, n_intervals):
    r"""Minimise R_h(f) subject to (1/K)Σ_k (f(x_k) − y_k)² ≤ ε on a uniform grid of [−L, L].

    R(f) = ∫ a0 f² + a1 f'² dx (operator a0 − a1 D², Green's function
    e^{−r√(a0/a1)}/(2√(a0 a1))) discretised as R_h(f) = Σ_i w_i a0 f_i² + a1 Σ_i
    (f_{i+1} − f_i)²/h with trapezoid weights w_i and h = 2L/n_intervals (a second-order
    discretisation with free ends), and the problem handed to
    ``scipy.optimize.minimize(method="trust-constr")`` with exact gradients and Hessians.
    Nothing here knows the closed form: this is the independent oracle for it.  Truncating
    the line to [−L, L] perturbs values at distance ρ from the ends by about
    e^{−2ρ√(a0/a1)} relative; the free ends reflect the solution there.

    Source: problem (P) of Mobahi et al. 2020, §1 [paper]; the discretisation is ours.
    Domain: x_data on interior grid nodes (x_k + L) n_intervals/(2L) ∈ {1, …, n_intervals−1},
    distinct; y of shape (K,), finite; ε, a0, a1, L > 0.

    >>> fit = solve_constrained_f64([0.0], [1.0], 0.25, 1.0, 1.0, 5.0, 40)
    >>> round(float(fit.f[fit.data_index[0]]), 6)   # active constraint: |f(0) − 1| = √ε
    0.5
    """
    ee = _positive(eps, "eps")
    aa0 = _positive(a0, "a0")
    aa1 = _positive(a1, "a1")
    L = _positive(half_width, "half_width")
    if int(n_intervals) != n_intervals or n_intervals < 2:
        raise InputError(f"n_intervals = {n_intervals!r} must be an integer >= 2")
    n_int = int(n_intervals)
    try:
        xd = np.array(x_data, dtype=np.float64).reshape(-1)
        Y = np.array(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"x_data and y must be real arrays ({exc})") from None
    Kn = xd.size
    if Y.shape == (Kn,) and Kn and not np.any(Y):
        raise InputError("y = 0: f ≡ 0 is the exact solution and there is nothing to optimise "
                         "(the stopping tolerances are relative to y)")
    if Kn == 0 or Y.shape != (Kn,):
        raise InputError(f"y must have shape ({Kn},) matching x_data (K >= 1); got {Y.shape}")
    if not (np.all(np.isfinite(xd)) and np.all(np.isfinite(Y))):
        raise InputError(f"x_data and y must be finite; got x_data={xd}, y={Y}")
    grid = np.linspace(-L, L, n_int + 1)
    h = 2 * L / n_int
    idx = np.rint((xd + L) / h).astype(int)
    # linspace nodes carry a few ulps of L of rounding; 16 eps64 (L + |x|) is a safe margin
    node_tol = 16 * V.EPS64 * (L + np.abs(xd))
    for kk in range(Kn):
        if not (0 < idx[kk] < n_int) or abs(grid[idx[kk]] - xd[kk]) > node_tol[kk]:
            raise InputError(
                f"x_data[{kk}] = {xd[kk]!r} is not an interior node of the grid "
                f"linspace(-{L}, {L}, {n_int + 1}); choose n_intervals so that "
                f"(x_k + L) n_intervals / (2L) is an integer strictly between 0 and n_intervals")
    if np.unique(idx).size != Kn:
        raise InputError(f"x_data must be distinct; got {xd}")

    A = _regulariser_matrix(n_int, h, aa0, aa1)
    npts = n_int + 1
    P = sps.csr_matrix((np.ones(Kn), (np.arange(Kn), idx)), shape=(Kn, npts))
    PtP = (P.T @ P).tocsr()

    def objective(v):
        return float(v @ (A @ v))

    def objective_grad(v):
        return 2.0 * (A @ v)

    def objective_hess(v):
        return 2.0 * A

    def constraint(v):
        r = v[idx] - Y
        return float(r @ r) / Kn

    def constraint_grad(v):
        return sps.csr_matrix((2.0 / Kn) * (P.T @ (v[idx] - Y)))

    def constraint_hess(v, mult):
        return (2.0 * mult[0] / Kn) * PtP

    f0 = np.zeros(npts)
    f0[idx] = Y  # interpolates the data: strictly feasible, as the interior-point method wants
    # trust-constr's gtol test ignores the barrier parameter μ and can stop with the
    # constraint still slack by about μ/λ, so it is disabled (gtol = 0) and the run ends
    # only on (trust radius < xtol and μ < barrier_tol), both relative to the start.
    xtol = _OPT_RTOL * float(np.linalg.norm(f0))
    barrier_tol = _OPT_RTOL * objective(f0)
    con = NonlinearConstraint(constraint, -np.inf, ee, jac=constraint_grad, hess=constraint_hess)
    with np.errstate(**_FPE):
        res = minimize(objective, f0, jac=objective_grad, hess=objective_hess,
                       method="trust-constr", constraints=[con],
                       options={"gtol": 0.0, "xtol": xtol, "barrier_tol": barrier_tol,
                                "maxiter": _OPT_MAXITER})
    if res.status != 2:
        raise PrecisionError(
            f"trust-constr stopped without converging (status {res.status}: {res.message}) on "
            f"{npts} nodes after {res.nit} iterations (xtol {xtol:.3g}, barrier_tol "
            f"{barrier_tol:.3g}); check the scaling of y, a0, a1 or reduce n_intervals")
    fv = np.asarray(res.x, dtype=np.float64)
    gR = objective_grad(fv)
    gC = np.asarray(constraint_grad(fv).todense()).reshape(-1)
    denom = float(gC @ gC)
    lam_h = -float(gC @ gR) / denom if denom > 0 else 0.0
    scale = float(np.max(np.abs(gR)))
    kkt_res = float(np.max(np.abs(gR + lam_h * gC))) / scale if scale > 0 else 0.0
    return ConstrainedFit(grid=grid, f=fv, data_index=idx, multiplier=lam_h,
                          kkt_residual=kkt_res, constraint=constraint(fv),
                          objective=objective(fv), nit=int(res.nit), status=int(res.status))


def slsqp_fit_f64(G, y, eps):
    """Fitted values of problem (P) at the training points, by SLSQP over f = sum_k beta_k g(., x_k):
    min_beta beta^T g beta  s.t.  ||y - g beta||^2 / K <= eps,  g = K G.

    Problem (P) restricted to f = sum_k beta_k g(., x_k): R(f) = sum beta_j beta_k g(x_j, x_k),
    f(x_j) = (g beta)_j with g = K G.  A generic optimiser that knows nothing of the closed
    form: the independent oracle of the closed form (:func:`kkt_fit_f64`).

    Source: docs/theory/mobahi2020.md §2.  Domain: G symmetric positive definite (with its
    1/K), y real of length K, eps > 0 below ||y||^2/K.

    >>> import numpy as np
    >>> f = slsqp_fit_f64(np.diag([1.0, 0.5]) / 2, np.array([1.0, 1.0]), 0.1)
    >>> bool(abs(np.sum((f - 1.0) ** 2) / 2 - 0.1) < 1e-6)
    True
    """
    from scipy.optimize import minimize
    K = len(y)
    g = K * np.asarray(G, float)
    scale = float(np.sum(y * y))

    def obj(b):
        return float(b @ g @ b) / scale, 2 * (g @ b) / scale

    def con(b):
        r = y - g @ b
        return (K * eps - float(r @ r)) / scale

    def con_jac(b):
        return 2 * (g.T @ (y - g @ b)) / scale

    b0 = np.linalg.lstsq(g, y, rcond=None)[0]  # interpolating start: feasible, not optimal
    res = minimize(obj, b0, jac=True, method="SLSQP",
                   constraints=[{"type": "ineq", "fun": con, "jac": con_jac}],
                   options={"ftol": 1e-15, "maxiter": 2000})
    return g @ res.x
