r"""The spectral filter of k fixed-ridge self-distillation steps, as a recursion and a polynomial.

On an eigendirection with ``a = d/(d + lam)`` (``d`` an eigenvalue of the Gram matrix, or
``s^2`` for a design), the teacher and the k students with imitation weights xi_1..xi_k are

    f_0(a) = a,    f_t(a) = a ((1 - xi_t) + xi_t f_{t-1}(a)),    t = 1..k,

and ``f_k`` is a polynomial with ``f_k(1) = 1``:

    f_k(a) = sum_{i=1}^{k+1} c_i a^i,   c_1 = 1 - xi_k,
    c_i = (prod_{m=k-i+2}^{k} xi_m)(1 - xi_{k-i+1})  (2 <= i <= k),   c_{k+1} = prod_m xi_m.

Conversely every ``c`` with ``sum c_i = 1`` and partial sums ``S_m = c_1 + ... + c_m != 1``
(m = 1..k) comes from exactly one xi: ``xi_{k-m} = (1 - S_{m+1})/(1 - S_m)``, ``S_0 = 0``
(because ``1 - S_m`` is the product of the last m weights).

Source: docs/theory/pareek2024.md §2 (estimator_is_filter, polynomial_form, inverse_map)
[derived]; Borup & Andersen's ``b_tau`` is ``f_{tau-1}`` with every ``xi_t = 1 - alpha``
(docs/theory/borup2021.md §1).  Domain: real a and real xi (xi > 1 and xi < 0 included).

>>> filter_polynomial_expr([sp.Rational(1, 2)])
a**2/2 + a/2
"""

import numpy as np
import sympy as sp

from . import _validate as V
from ._mp import to_mp_array
from ._ridge_validate import check_vector, check_xi, show
from .errors import InputError

__all__ = ["A", "filters_and_targets", "ridge_filters_f64", "ridge_filters_mp",
           "filter_coefficients_expr",
           "filter_coefficients_f64", "filter_coefficients_mp", "filter_polynomial_expr",
           "weights_from_coefficients_expr", "weights_from_coefficients_f64",
           "weights_from_coefficients_mp", "interpolating_coefficients_f64",
           "interpolating_coefficients_mp"]

#: The spectral variable a = d/(d + lam) of every polynomial returned here.
A = sp.Symbol("a")


def _to_sympy(v):
    """An exact sympy number (or the expression itself): floats by their exact binary value."""
    if isinstance(v, sp.Basic):
        return v
    if type(v).__name__ == "mpf":
        man, exp = v.man_exp
        return sp.Integer(man) * sp.Integer(2) ** exp
    if isinstance(v, str):
        return sp.Rational(v)
    if isinstance(v, (bool, np.bool_)) or not V._is_real_number(v):
        raise InputError(f"{show(v)} is not a real number or sympy expression; pass exact numbers "
                         f"(int, Rational, str such as '1/3') or symbols")
    if not np.isfinite(float(v)):
        raise InputError(f"{show(v)} is not finite; pass finite weights")
    return sp.Rational(float(v)) if isinstance(v, (float, np.floating)) else sp.Rational(v)


def filters_and_targets(a, xi, one):
    """(f_t, g_t) for t = 0..k, g_t = (1 - xi_t) + xi_t f_{t-1} the mixed target's filter
    (g_0 = 1) and f_t = a g_t; for float64 or mpf arrays alike (no validation).

    >>> [v.tolist() for v in filters_and_targets(np.array([0.5]), np.array([0.5]), 1.0)]
    [[[0.5], [0.375]], [[1.0], [0.75]]]
    """
    k = len(xi)
    f = np.empty((k + 1, a.shape[0]), dtype=a.dtype)
    g = np.empty_like(f)
    f[0], g[0] = a, one
    for t in range(1, k + 1):
        # array first: mpf * ndarray tries (slowly) to convert the whole array to one mpf
        g[t] = f[t - 1] * xi[t - 1] + (1 - xi[t - 1])
        f[t] = a * g[t]
    return f, g


def ridge_filters_f64(a, xi):
    """Rows f_0(a) = a, ..., f_k(a) by the recursion; shape (k+1, n).

    Source: docs/theory/pareek2024.md §2 estimator_is_filter [derived].
    Domain: finite real a and xi.  Overflow raises ``FloatingPointError`` (use the mp form).

    >>> ridge_filters_f64([0.5], [0.5]).tolist()
    [[0.5], [0.375]]
    """
    a = check_vector(a, "a").astype(np.float64)
    xi = check_xi(xi).astype(np.float64)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        return filters_and_targets(a, xi, 1.0)[0]


def ridge_filters_mp(ctx, a, xi):
    """:func:`ridge_filters_f64` at the precision of ``ctx`` (object array of mpf).

    >>> from theory._mp import make_context
    >>> [str(v) for v in ridge_filters_mp(make_context(20), [0.5], [0.5])[:, 0]]
    ['0.5', '0.375']
    """
    a = to_mp_array(ctx, check_vector(a, "a"))
    return filters_and_targets(a, to_mp_array(ctx, check_xi(xi)), ctx.one)[0]


def _product_coefficients(xi, one):
    """c_1..c_{k+1} from the product formula (module docstring); ``one`` fixes the number type."""
    k = len(xi)
    c = [one - xi[k - 1]] if k else []
    tail = one  # prod_{m=k-i+2}^{k} xi_m, the product of the last i-1 weights
    for i in range(2, k + 1):
        tail = tail * xi[k - i + 1]
        c.append(tail * (one - xi[k - i]))
    c.append(tail * xi[0] if k else one)
    return c


def filter_coefficients_expr(xi):
    """[c_1, ..., c_{k+1}] of f_k as exact sympy numbers (or expressions in symbolic xi).

    Source: docs/theory/pareek2024.md §2 polynomial_form [derived].

    >>> filter_coefficients_expr(["1/2", 2])
    [-1, 1, 1]
    """
    return [sp.expand(v) for v in _product_coefficients([_to_sympy(x) for x in xi], sp.Integer(1))]


def filter_polynomial_expr(xi):
    """f_k(a) = sum_i c_i a^i as a sympy expression in :data:`A`.

    >>> filter_polynomial_expr([])
    a
    """
    return sp.Add(*[c * A ** i for i, c in enumerate(filter_coefficients_expr(xi), start=1)])


def filter_coefficients_f64(xi):
    """[c_1, ..., c_{k+1}] in float64 (each c_i is a product: relative error <= (i+1) u).

    >>> filter_coefficients_f64([0.5, 2.0]).tolist()
    [-1.0, 1.0, 1.0]
    """
    xi = check_xi(xi).astype(np.float64)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        return np.array(_product_coefficients(list(xi), 1.0), dtype=np.float64)


def filter_coefficients_mp(ctx, xi):
    """:func:`filter_coefficients_f64` at the precision of ``ctx``.

    >>> from theory._mp import make_context
    >>> [str(v) for v in filter_coefficients_mp(make_context(20), [0.5, 2.0])]
    ['-1.0', '1.0', '1.0']
    """
    xi = list(to_mp_array(ctx, check_xi(xi)))
    return np.array(_product_coefficients(xi, ctx.one), dtype=object)


def _inverse(c, one, is_zero):
    k = len(c) - 1
    xi = [None] * k
    S = [0 * one]
    for ci in c[:-1]:
        S.append(S[-1] + ci)
    for m in range(k):  # xi_{k-m} = (1 - S_{m+1})/(1 - S_m): 1 - S_m = prod of the last m weights
        if is_zero(one - S[m]):
            raise InputError(f"the partial sum S_{m} = c_1 + ... + c_{m} equals 1, so the "
                             f"product of the last {m} weights is 0 and no weights give these "
                             f"coefficients (docs/theory/pareek2024.md §2 inverse_map); move c "
                             f"off the hyperplane S_{m} = 1")
        xi[k - m - 1] = (one - S[m + 1]) / (one - S[m])
    return xi


def _check_sum(c, total, tol, where):
    if abs(total - 1) > tol:
        raise InputError(f"the coefficients sum to {total} (|sum - 1| = {float(abs(total - 1)):.3g}"
                         f" exceeds the rounding tolerance {float(tol):.3g}{where}); f_k(1) = 1 "
                         f"for every choice of weights, so pass c with sum c_i = 1")


def weights_from_coefficients_expr(c):
    """The unique xi_1..xi_k with f_k = sum c_i a^i, exactly (sympy); needs sum c_i = 1.

    Source: docs/theory/pareek2024.md §2 inverse_map [derived].

    >>> weights_from_coefficients_expr([-1, 1, 1])
    [1/2, 2]
    """
    c = [_to_sympy(v) for v in c]
    if not c:
        raise InputError("c is empty; pass c_1..c_{k+1} (k >= 0)")
    if sp.simplify(sp.Add(*c) - 1) != 0:
        raise InputError(f"the coefficients sum to {sp.Add(*c)}, not 1; f_k(1) = 1 for every "
                         f"choice of weights, so pass c with sum c_i = 1")
    return [sp.simplify(x) for x in _inverse(c, sp.Integer(1), lambda v: sp.simplify(v) == 0)]


def weights_from_coefficients_f64(c):
    """:func:`weights_from_coefficients_expr` in float64.

    ``sum c_i = 1`` is checked to ``(k+1) u sum |c_i|``, the rounding bound of a (k+1)-term sum.

    >>> weights_from_coefficients_f64([-1.0, 1.0, 1.0]).tolist()
    [0.5, 2.0]
    """
    c = check_vector(c, "c").astype(np.float64)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        _check_sum(c, float(np.sum(c)), c.size * V.EPS64 * float(np.sum(np.abs(c))), "")
        return np.array(_inverse(list(c), 1.0, lambda v: v == 0), dtype=np.float64)


def weights_from_coefficients_mp(ctx, c):
    """:func:`weights_from_coefficients_expr` at the precision of ``ctx``.

    ``sum c_i = 1`` is checked to ``(k+1) u sum |c_i|`` with ``u = 2^-prec`` for mpf input and
    float64's ``u`` for float input (its own rounding).

    >>> from theory._mp import make_context
    >>> [str(v) for v in weights_from_coefficients_mp(make_context(20), [-1, 1, 1])]
    ['0.5', '2.0']
    """
    raw = np.asarray(c, dtype=object).reshape(-1)
    floats = any(isinstance(v, (float, np.floating)) for v in raw)
    c = list(to_mp_array(ctx, check_vector(raw, "c")))
    unit = V.EPS64 if floats else ctx.mpf(2) ** (-ctx.prec)
    _check_sum(c, ctx.fsum(c), len(c) * unit * ctx.fsum(abs(v) for v in c),
               " at float64 input rounding" if floats else f" at {ctx.prec} bits")
    return np.array(_inverse(c, ctx.one, lambda v: v == 0), dtype=object)


def _interpolate(nodes, values, one):
    """Monomial coefficients c_1..c_{r+1} of p(x) = x q(x), q of degree r through the points
    (x_j, values_j / x_j) and (1, 1): Newton divided differences, then the nested form
    expanded from the innermost factor outwards (Björck & Pereyra's primal algorithm)."""
    x = list(nodes) + [one]
    dd = [v / xj for v, xj in zip(values, nodes)] + [one]
    n = len(x)
    for j in range(1, n):
        for i in range(n - 1, j - 1, -1):
            dd[i] = (dd[i] - dd[i - 1]) / (x[i] - x[i - j])
    q = [dd[n - 1]]  # ascending powers
    for i in range(n - 2, -1, -1):  # q <- q (x - x_i) + dd_i
        q = [dd[i] - x[i] * q[0]] + [q[m - 1] - x[i] * q[m] for m in range(1, len(q))] + [q[-1]]
    return q


def _check_nodes(a, p):
    a = check_vector(a, "a")
    p = check_vector(p, "p", a.size)
    nodes = [float(v) for v in a]
    if any(v == 0 or v == 1 for v in nodes):
        raise InputError("a node is 0 or 1; the interpolating filter has p(0) = 0 and p(1) = 1 "
                         "built in, so pass only the non-zero directions with 0 < a_j < 1")
    if len(set(a.tolist())) != a.size:
        raise InputError("the nodes a_j are not distinct; equal singular values share one "
                         "filter value, so merge them (the r-step oracle needs distinct a_j)")
    return a, p


def interpolating_coefficients_f64(a, p):
    """c_1..c_{r+1} of the degree-(r+1) polynomial with p(0) = 0, p(1) = 1, p(a_j) = p_j.

    With :func:`weights_from_coefficients_f64` this gives the r-step weights whose filter
    takes the values p_j (docs/theory/pareek2024.md §2 r_steps_reach_oracle).  The monomial
    basis is exponentially ill-conditioned in r: use the mp form beyond a few steps.
    Domain: distinct 0 < a_j < 1.

    >>> interpolating_coefficients_f64([0.5], [0.375]).round(12).tolist()
    [0.5, 0.5]
    """
    a, p = _check_nodes(a, p)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        return np.array(_interpolate(list(a.astype(np.float64)), list(p.astype(np.float64)),
                                     1.0), dtype=np.float64)


def interpolating_coefficients_mp(ctx, a, p):
    """:func:`interpolating_coefficients_f64` at the precision of ``ctx``.

    >>> from theory._mp import make_context
    >>> [str(v) for v in interpolating_coefficients_mp(make_context(20), [0.5], [0.375])]
    ['0.5', '0.5']
    """
    a, p = _check_nodes(a, p)
    return np.array(_interpolate(list(to_mp_array(ctx, a)), list(to_mp_array(ctx, p)),
                                 ctx.one), dtype=object)
