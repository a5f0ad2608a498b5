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
>>> d.id, all(d.verify())
('mobahi2020.closed_form', True)
"""

from functools import partial
from typing import NamedTuple

import numpy as np
import scipy.sparse as sps
import sympy as sp
from scipy.optimize import NonlinearConstraint, minimize

from .derivation import Derivation, Step
from .errors import InputError, PrecisionError

__all__ = ["SqNorm", "kkt_derivation", "K2KKT", "closed_form_k2", "kkt_fit_f64",
           "kkt_predict_f64", "secular_residual_f64", "ConstrainedFit", "solve_constrained_f64"]

_EPS64 = float(np.finfo(np.float64).eps)

# Sources cited by the steps.
_SRC_SETTING = "Mobahi et al. 2020, §1 (setting, problem (P))"
_SRC_KKT = "Mobahi et al. 2020, §2 (KKT)"
_SRC_GREEN = "Mobahi et al. 2020, §2 (Green's function of u)"
_SRC_SECULAR = "derived here (spec §4: the secular equation is monotone in c)"


class SqNorm(sp.Function):
    r"""Squared Euclidean (Frobenius) norm ``||v||^2`` of a matrix expression, rendered ``\left\|v\right\|^{2}``.

    Source: notation.  Domain: any sympy matrix expression; :meth:`doit` evaluates it once
    the shape is concrete.

    >>> import sympy as sp
    >>> SqNorm(sp.Matrix([3, 4])).doit()
    25
    """

    def _latex(self, printer, exp=None):
        body = r"\left\|%s\right\|^{2}" % printer._print(self.args[0])
        return body if exp is None else r"\left(%s\right)^{%s}" % (body, exp)

    def doit(self, **hints):
        v = self.args[0]
        if isinstance(v, sp.MatrixExpr) and all(sp.sympify(s).is_Integer for s in v.shape):
            v = v.as_explicit()
        if isinstance(v, sp.MatrixBase):
            return sp.Add(*[e**2 for e in v])
        return self.func(v)


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
beta_p = sp.MatrixSymbol("beta'", K, 1)
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

def _is_zero(expr):
    """Exact zero test for rational functions: ``cancel`` is a canonical form."""
    return sp.cancel(sp.together(sp.expand_trig(expr))) == 0


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
        sp.MatrixSymbol("beta'", n, 1): sp.Matrix(
            n, 1, lambda a, _: sp.Symbol(f"beta'_{a + 1}", real=True)),
    }
    e = e.xreplace(subs)
    # adjugate / determinant keeps every entry a ratio of polynomials, which cancel() handles fast
    e = e.replace(lambda a: isinstance(a, sp.Inverse),
                  lambda a: a.arg.as_explicit().adjugate() / a.arg.as_explicit().det())
    if isinstance(e, sp.MatrixExpr):
        e = e.as_explicit()
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
    return expr.replace(lambda a: isinstance(a, sp.Function) and a.func == f,
                        lambda a: _Fq[_zq.index(a.args[0])])


# --- the checks of the steps ---------------------------------------------------------------

def _check_functional_derivative(step, lagrangian):
    """(1/w_i) ∂L_h/∂F_i equals the step's rhs discretised at every node z_i."""
    L_h = _f_to_F(_discretise(lagrangian))
    for i in range(_NQ):
        lhs = sp.diff(L_h, _Fq[i]) / _wq[i]
        rhs = _f_to_F(_stationarity_at(step.rhs, i))
        if not _is_zero(lhs - rhs):
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
            bdef = _f_to_F(beta_definition.subs({k: a + 1, K: len(_DATA_NODES)}).xreplace({xk[a + 1]: _zq[nd]}))
            expect += 2 * (betas[a] - bdef.xreplace(Fsub)) * _delta_at(i, nd)
        if not _is_zero(s_i - expect):
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
            if not _is_zero(e - lam / n * second[a]):
                return False
    return True


def _check_closed_form(step, sizes=(2, 3)):
    """Representer with β = (cI+G)^{-1}y/K equals the rhs; it makes stationarity vanish at the x_j."""
    for n in sizes:
        cf = _instantiate(step.rhs, n)[0, 0]
        beta = _instantiate((c * I_K + G).I * yv, n) / n
        rep = sum(beta[a] * g(x, xk[a + 1]) for a in range(n))
        if not _is_zero(cf - rep):
            return False
        fx = [_replace_gram(cf.subs(x, xk[a + 1])) for a in range(n)]
        for a in range(n):
            stationary = beta[a] - lam / n * (yk[a + 1] - fx[a])
            if not _is_zero(stationary.subs(c, 1 / lam)):
                return False
    return True


def _check_fitted(step, closed_form, sizes=(2, 3)):
    """The closed form evaluated at x = x_j equals row j of the step's rhs."""
    for n in sizes:
        cf = _instantiate(closed_form, n)[0, 0]
        rhs = _instantiate(step.rhs, n)
        for a in range(n):
            if not _is_zero(_replace_gram(cf.subs(x, xk[a + 1])) - rhs[a]):
                return False
    return True


def _check_matrix_identity(step, sizes=(2, 3)):
    """lhs − rhs vanishes for explicit K × K instances."""
    for n in sizes:
        diff = _instantiate(step.lhs, n) - _instantiate(step.rhs, n)
        if not all(_is_zero(e) for e in diff):
            return False
    return True


def _check_slackness(step):
    """Solving λ (C − ε) = 0 with λ > 0 for ε gives exactly ε = C."""
    sol = sp.solve(step.lhs, eps)
    return (isinstance(step.rhs, sp.Equality) and len(sol) == 1
            and _is_zero(sol[0] - step.rhs.lhs) and step.rhs.rhs == eps)


def _check_secular(step, constraint, fitted, sizes=(2, 3)):
    """lhs − rhs of (S) equals K (C − ε) once f(x_k) is replaced by the fitted values."""
    for n in sizes:
        fx = _instantiate(fitted, n)
        C_n = constraint.subs(K, n).doit()
        C_n = C_n.xreplace({f(xk[a + 1]): fx[a] for a in range(n)})
        lhs = SqNorm(_instantiate(step.lhs.args[0], n)).doit()
        rhs = _instantiate(step.rhs, n)
        if not _is_zero((lhs - rhs) - n * (C_n - eps)):
            return False
    return True


def _check_spectral(step):
    """K = 2, G = V^T D V with V a rotation, z = V y: ||c(cI+G)^{-1}y||^2 = Σ c²z²/(c+d)²."""
    th = sp.Symbol("theta", real=True)
    d1, d2 = sp.symbols("d1 d2", nonnegative=True)
    V = sp.Matrix([[sp.cos(th), sp.sin(th)], [-sp.sin(th), sp.cos(th)]])
    Y = sp.Matrix([yk[1], yk[2]])
    Gm = V.T * sp.diag(d1, d2) * V
    lhs = SqNorm(c * (c * sp.eye(2) + Gm).inv() * Y).doit()
    z = V * Y
    rhs = step.rhs.subs(K, 2).doit().xreplace({d_k.base[1]: d1, d_k.base[2]: d2,
                                               z_k.base[1]: z[0], z_k.base[2]: z[1]})
    return sp.simplify(sp.trigsimp(sp.together(lhs - rhs))) == 0


def _check_monotone(step):
    """d/dc of one secular term is 2 c d z²/(c+d)³, non-negative for c > 0, d ≥ 0."""
    e = step.lhs.xreplace({d_k: _d, z_k: _z}).doit()
    target = 2 * c * _d * _z**2 / (c + _d)**3
    return _is_zero(e - target) and bool(target.is_nonnegative) and step.rhs == 0


def _check_limit(step):
    e = step.lhs.xreplace({d_k: _d, z_k: _z}).doit()
    return _is_zero(e - step.rhs.xreplace({d_k: _d, z_k: _z}))


def _check_collapse(step, constraint, regulariser):
    """At f ≡ 0: K·C = Σ y_k² (so C ≤ ε is the hypothesis) and R(0) = 0 (the least value)."""
    zero = sp.Lambda(x, 0)
    C0 = constraint.replace(f, zero)
    R0 = regulariser.replace(f, zero).doit()
    hyp = step.lhs
    return (_is_zero(K * C0 - hyp.lhs) and hyp.rhs == K * eps and R0 == 0
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
    S.append(Step(g_x[k, 0], g(x, xk[k]) / K, ":=", "scaled kernel vector at x", _SRC_KKT))
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
    S.append(Step(SqNorm(residual_expr), K * eps, "=",
                  "(S): the active constraint with the residual c(cI+G)^{-1}y",
                  _SRC_KKT, verify=partial(_check_secular, constraint=C_expr,
                                           fitted=fitted_expr)))
    S.append(Step(phi_sym, sp.Sum(secular_term, (k, 1, K)), "=",
                  "secular function in the eigenbasis G = V^T D V, z = V y",
                  _SRC_SECULAR, verify=_check_spectral))
    S.append(Step(sp.Derivative(secular_term, c), 0, ">=",
                  "each term is non-decreasing in c (strictly when d_k z_k ≠ 0)",
                  _SRC_SECULAR, verify=_check_monotone))
    S.append(Step(sp.Limit(secular_term, c, sp.oo), z_k**2, "=",
                  "φ(∞) = Σ z_k² = ||y||² (V orthogonal); with φ(0+) = 0, (S) has exactly one "
                  "root c > 0 iff ||y||² > Kε (and Gy ≠ 0)",
                  _SRC_SECULAR, verify=_check_limit))
    S.append(Step(sp.Limit(secular_term, c, 0, dir="+"), 0, "=", "φ(0+) = 0",
                  _SRC_SECULAR, verify=_check_limit))
    S.append(Step(sp.Le(sp.Sum(yk[k]**2, (k, 1, K)), K * eps), sp.Eq(f(x), 0), "=>",
                  "collapse: f ≡ 0 is feasible and R(0) = 0 < R(f) for every f ≠ 0",
                  _SRC_KKT, verify=partial(_check_collapse, constraint=C_expr,
                                           regulariser=R_expr)))
    return Derivation("mobahi2020.closed_form", "Closed form of (P) via the KKT conditions",
                      "Mobahi, Farajtabar & Bartlett 2020, §2", "paper", tuple(S))
