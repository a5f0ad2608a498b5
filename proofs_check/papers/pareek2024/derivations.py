r"""Machine-checked derivations of Pareek, Du & Oh 2024 (docs/theory/pareek2024.md §2).

Each derivation is data (STYLE rule 11): steps ``lhs relation rhs`` with a justification, a
source and a check.  Statements for every number of steps k are checked by
:class:`ForEachK`: the step's own displayed expression is instantiated for k = 1..6 with
symbolic weights and compared with the exact computation (sympy, rational functions).

* ``pareek2024.polynomial_form``: one step per direction from the student's objective, the
  k-step filter as a polynomial with the product coefficients, f_k(1) = 1, and the form
  a + a(a - 1) u(a);
* ``pareek2024.inverse_map``: the partial sums are products of the last weights, hence the
  inverse map;
* ``pareek2024.risk_quadratic_in_c``: the in-sample risk per direction, completed to a
  square around the oracle filter; convex in c, of degree 2k in the weights;
* ``pareek2024.separation_ridge``: the bound R_ridge/R_or >= r(B + sigma^2)/(B + r sigma^2).

>>> sorted(DERIVATIONS)
['pareek2024.inverse_map', 'pareek2024.polynomial_form', 'pareek2024.risk_quadratic_in_c', 'pareek2024.separation_ridge']
>>> all(build() .verify() for _, build in DERIVATIONS.values())
True
"""

import sympy as sp

from theory.derivation import Derivation
from theory.exact import is_zero

from ...steps import Identity, Sign, step as _step

__all__ = ["DERIVATIONS", "ForEachK", "Expectation"]

_SRC = "docs/theory/pareek2024.md §2"
_SET = "docs/theory/pareek2024.md §1"

a = sp.Symbol("a", positive=True)
k = sp.Symbol("k", integer=True, positive=True)
t = sp.Symbol("t", integer=True, positive=True)
i = sp.Symbol("i", integer=True, positive=True)
m = sp.Symbol("m", integer=True, nonnegative=True)
q = sp.Symbol("q", integer=True, positive=True)
xi = sp.IndexedBase("xi")
c = sp.IndexedBase("c")
S = sp.IndexedBase("S")
s = sp.Symbol("s", positive=True)
lam = sp.Symbol("lambda", positive=True)
theta = sp.Symbol("theta", real=True)
z = sp.Symbol("z", real=True)
e = sp.Symbol("e", real=True)
B = sp.Symbol("B", positive=True)
sigma = sp.Symbol("sigma", positive=True)
p = sp.Symbol("p", real=True)
p_star = sp.Symbol(r"p^{\star}", real=True)
r = sp.Symbol("r", integer=True, positive=True)
tv = sp.Symbol("t", real=True)          # the common filter value in the separation bound
a_min = sp.Symbol("a_min", positive=True)
F_prev = sp.Symbol("F", real=True)      # f_{t-1}(a) z, the previous fit on one direction

f_t, f_prev, f_k, f_0, u_k = (sp.Function(nm) for nm in ("f_t", "f_{t-1}", "f_k", "f_0", "u_k"))

#: Steps counts the per-k checks run (the displayed formula instantiated for each).
KS = (1, 2, 3, 4, 5, 6)


def _weights(kk):
    return [sp.Symbol(f"xi{j}") for j in range(1, kk + 1)]


def _instantiate(expr, kk):
    """The displayed expression at k = kk, sums and products expanded, xi_j -> symbols."""
    w = _weights(kk)
    out = sp.sympify(expr).subs(k, kk).doit()
    return out.replace(lambda v: isinstance(v, sp.Indexed) and v.base == xi,
                       lambda v: w[int(v.indices[0]) - 1])


def _recursion(kk):
    """f_k(a) for symbolic weights by the recursion f_t = a((1 - xi_t) + xi_t f_{t-1})."""
    f = a
    for x in _weights(kk):
        f = sp.expand(a * ((1 - x) + x * f))
    return f


def _coefficient(ii, kk):
    """c_i at k = kk from the displayed definitions (steps 3-5 of polynomial_form)."""
    if ii == 1:
        return _instantiate(_C1, kk)
    if ii == kk + 1:
        return _instantiate(_CK1, kk)
    return _instantiate(_CI.subs(i, ii), kk)


class ForEachK:
    """A statement for every k, checked for k = 1..6 by ``fn(step, k) -> bool`` (exact
    sympy arithmetic on symbolic weights)."""

    def __init__(self, fn, text):
        self.fn, self.text = fn, text

    def describe(self):
        return f"symbolic, for k = 1..{KS[-1]} with symbolic weights: {self.text}"

    def __call__(self, step):
        return all(self.fn(step, kk) for kk in KS)


class Expectation:
    """E over a noise e with E e = 0, E e^2 = sigma^2: expand lhs in e, replace e^2 by
    sigma^2 and e by 0, and compare with rhs exactly."""

    def describe(self):
        return "symbolic: lhs expanded in e with E e = 0, E e^2 = sigma^2 equals rhs"

    def __call__(self, step):
        arg = step.lhs.args[0]
        poly = sp.Poly(sp.expand(arg), e)
        moments = {0: 1, 1: 0, 2: sigma ** 2}
        expect = sum(coef * moments[deg[0]] for deg, coef in zip(poly.monoms(), poly.coeffs()))
        return is_zero(sp.expand(expect - step.rhs))


class _OneStepFromObjective:
    """Minimise xi (s th - F)^2 + (1 - xi)(s th - z)^2 + lam th^2 over th (one direction):
    the fitted value s th* divided by z is the rhs with f_{t-1}(a) = F/z, a = s^2/(s^2+lam)."""

    def describe(self):
        return ("symbolic: the stationary point of the one-direction objective, whose "
                "second derivative 2(s^2 + lambda) > 0 for every real xi_t, gives the rhs")

    def __call__(self, step):
        th = sp.Symbol("th", real=True)
        x = sp.Symbol("x", real=True)
        obj = x * (s * th - F_prev) ** 2 + (1 - x) * (s * th - z) ** 2 + lam * th ** 2
        if not is_zero(sp.diff(obj, th, 2) - 2 * (s ** 2 + lam)):
            return False
        sol = sp.solve(sp.diff(obj, th), th)[0]
        fitted = s * sol / z
        want = step.rhs.xreplace({xi[t]: x}).replace(
            lambda v: isinstance(v, sp.core.function.AppliedUndef), lambda v: F_prev / z)
        return is_zero(fitted - want.xreplace({a: s ** 2 / (s ** 2 + lam)}))


# ------------------------------------------------------------------ polynomial_form

_C1 = 1 - xi[k]
_CI = sp.Product(xi[q], (q, k - i + 2, k)) * (1 - xi[k - i + 1])
_CK1 = sp.Product(xi[q], (q, 1, k))


def _with_coefficients(expr, kk):
    """The displayed expression at k = kk with every c_i replaced by its definition."""
    out = sp.sympify(expr).subs(k, kk).doit()
    return out.replace(lambda v: isinstance(v, sp.Indexed) and v.base == c,
                       lambda v: _coefficient(int(v.indices[0]), kk))


def _poly_matches(step, kk):
    return is_zero(sp.expand(_recursion(kk) - _with_coefficients(step.rhs, kk)))


def _sum_one(step, kk):
    return is_zero(sp.expand(_with_coefficients(step.lhs, kk) - step.rhs))


def _divisible(step, kk):
    quo, rem = sp.div(sp.Poly(_recursion(kk) - a, a), sp.Poly(a * (a - 1), a))
    return rem.is_zero and quo.degree() <= kk - 1


def _one_step_u(step, kk):
    if kk != 1:
        return True
    x = _weights(1)[0]
    return is_zero(_recursion(1) - (a + a * (a - 1) * x))


def _polynomial_form():
    S_ = [
        _step(f_0(a), ":=", a, "the teacher: ridge filter a = s^2/(s^2 + λ) on each direction",
              _SET),
        _step(f_t(a), "=", a * ((1 - xi[t]) + xi[t] * f_prev(a)),
              "step t fits xi_t f_{t-1} + (1 - xi_t) y with the same λ; per direction the "
              "objective is a quadratic in θ", _SET, _OneStepFromObjective()),
        _step(c[1], ":=", _C1, "the coefficient of a", _SRC),
        _step(c[i], ":=", _CI, "the coefficient of a^i, 2 <= i <= k", _SRC),
        _step(c[k + 1], ":=", _CK1, "the leading coefficient", _SRC),
        _step(f_k(a), "=", sp.Sum(c[i] * a ** i, (i, 1, k + 1)),
              "unroll the recursion of step 2 from f_0 = a", _SRC,
              ForEachK(_poly_matches, "the recursion expanded equals the sum with the "
                                      "coefficients of steps 3-5")),
        _step(f_k(1), "=", sp.Sum(c[i], (i, 1, k + 1)),
              "evaluate step 6 at a = 1", _SRC,
              Identity({f_k(1): sp.Sum(c[i] * a ** i, (i, 1, k + 1)).subs(a, 1)})),
        _step(sp.Sum(c[i], (i, 1, k + 1)), "=", 1,
              "f_t(1) = (1 - xi_t) + xi_t f_{t-1}(1) = 1 by induction from f_0(1) = 1", _SRC,
              ForEachK(_sum_one, "the coefficients of steps 3-5 sum to 1")),
        _step(f_k(a) - a, "=", a * (a - 1) * u_k(a),
              "f_k(0) = 0 and f_k(1) = 1, so a(a - 1) divides f_k(a) - a; the quotient u_k has "
              "degree at most k - 1", _SRC,
              ForEachK(_divisible, "a(a - 1) divides f_k(a) - a, quotient of degree <= k - 1")),
        _step(u_k(a), "=", xi[1], "one step (k = 1): f_1(a) = a + xi_1 a(a - 1)", _SRC,
              ForEachK(_one_step_u, "for k = 1, f_1(a) - a = xi_1 a (a - 1)")),
    ]
    return Derivation("pareek2024.polynomial_form", _TITLES["pareek2024.polynomial_form"],
                      "docs/theory/pareek2024.md §1-§2", "derived", tuple(S_))


# ------------------------------------------------------------------ inverse_map

def _partial_products(step, kk):
    w = _weights(kk)
    cs = [_coefficient(ii, kk) for ii in range(1, kk + 2)]
    for mm in range(kk + 1):
        Sm = sum(cs[:mm], sp.Integer(0))
        prod = sp.Mul(*w[kk - mm:]) if mm else sp.Integer(1)
        want = _instantiate(step.rhs.subs(m, mm), kk) if mm else sp.Integer(1)
        if not (is_zero(sp.expand(1 - Sm - prod)) and is_zero(sp.expand(want - prod))):
            return False
    return True


def _inverse_formula(step, kk):
    w = _weights(kk)
    cs = [_coefficient(ii, kk) for ii in range(1, kk + 2)]
    for mm in range(kk):
        rhs = sp.sympify(step.rhs).subs(m, mm).replace(
            lambda v: isinstance(v, sp.Indexed) and v.base == S,
            lambda v: sum(cs[:int(v.indices[0])], sp.Integer(0)))
        lhs = _instantiate(step.lhs.subs(m, mm), kk)
        if lhs != w[kk - mm - 1] or not is_zero(sp.cancel(rhs - lhs)):
            return False
    return True


def _round_trip(step, kk):
    """Free c_1..c_k, c_{k+1} = 1 - their sum: the weights of step 3 put through the
    coefficient formulas (derivation pareek2024.polynomial_form) give back every c_i."""
    cs = list(sp.symbols(f"C1:{kk + 1}"))
    cs.append(1 - sum(cs, sp.Integer(0)))
    w = [None] * kk
    for mm in range(kk):
        S0, S1 = sum(cs[:mm], sp.Integer(0)), sum(cs[:mm + 1], sp.Integer(0))
        w[kk - mm - 1] = (1 - S1) / (1 - S0)
    sub = dict(zip(_weights(kk), w))
    return all(is_zero(sp.cancel(_coefficient(ii, kk).xreplace(sub) - cs[ii - 1]))
               for ii in range(1, kk + 2))


def _inverse_map():
    S_ = [
        _step(S[m], ":=", sp.Sum(c[i], (i, 1, m)), "partial sums, S_0 = 0", _SRC),
        _step(1 - S[m], "=", sp.Product(xi[q], (q, k - m + 1, k)),
              "1 - S_m is the product of the last m weights (S_0 = 0: the empty product)", _SRC,
              ForEachK(_partial_products, "for m = 0..k, with c from derivation "
                                          "pareek2024.polynomial_form")),
        _step(xi[k - m], "=", (1 - S[m + 1]) / (1 - S[m]),
              "divide step 2 at m + 1 by step 2 at m, where S_m != 1 (m = 0..k-1); every c "
              "with sum c_i = 1 off these hyperplanes has exactly these weights", _SRC,
              ForEachK(_inverse_formula, "the quotient of consecutive partial products is "
                                         "the weight, m = 0..k-1")),
        _step(sp.Function("c_i")(sp.Symbol(r"\xi(c)")), "=", c[i],
              "conversely these weights reach every such c: put through the coefficient "
              "formulas (derivation pareek2024.polynomial_form, steps 3-5) they give back c", _SRC,
              ForEachK(_round_trip, "for free c_1..c_k (c_{k+1} = 1 - their sum), the "
                                    "coefficients of the weights of step 3 are c")),
    ]
    return Derivation("pareek2024.inverse_map", _TITLES["pareek2024.inverse_map"], _SRC,
                      "derived", tuple(S_))


# ------------------------------------------------------------------ risk_quadratic_in_c

class _ConvexInC:
    """For k = 1..4: the Hessian in (c_1..c_{k+1}) of (B + sigma^2)(sum c_i a^i - p*)^2 is
    2(B + sigma^2) phi phi^T with phi_i = a^i (positive semi-definite)."""

    def describe(self):
        return ("symbolic, for k = 1..4: the Hessian in c of one direction's term is "
                "2(B + σ^2) φ φ^T, φ_i = a^i (positive semi-definite)")

    def __call__(self, step):
        for kk in range(1, 5):
            cs = sp.symbols(f"c1:{kk + 2}")
            term = (B + sigma ** 2) * (sum(cj * a ** (j + 1) for j, cj in enumerate(cs))
                                       - p_star) ** 2
            H = sp.hessian(term, cs)
            phi = sp.Matrix([a ** (j + 1) for j in range(kk + 1)])
            if not all(is_zero(v) for v in (H - 2 * (B + sigma ** 2) * phi * phi.T)):
                return False
        return True


class _DegreeInXi:
    """For k = 2, 3, 4: the one-direction risk has total degree 2k in the weights."""

    def describe(self):
        return ("symbolic, for k = 2, 3, 4: B(1 - f_k)^2 + σ^2 f_k^2 has total degree 2k in "
                "the weights (so it is not quadratic in xi once k >= 2)")

    def __call__(self, step):
        for kk in (2, 3, 4):
            f = _recursion(kk)
            R = sp.expand(B * (1 - f) ** 2 + sigma ** 2 * f ** 2)
            if sp.Poly(R, *_weights(kk)).total_degree() != 2 * kk:
                return False
        return True


def _risk_quadratic():
    expect = sp.Function("E")
    S_ = [
        _step(z, ":=", s * theta + e, "u_j^T y on a direction with s_j > 0: E e = 0, "
              "E e^2 = σ^2", _SET),
        _step(B, ":=", s ** 2 * theta ** 2, "signal energy of the direction", _SET),
        _step(expect((p * z - s * theta) ** 2).xreplace({z: s * theta + e}), "=",
              (B * (1 - p) ** 2 + sigma ** 2 * p ** 2).xreplace({B: s ** 2 * theta ** 2}),
              "the fitted value on the direction is p z; its squared error in expectation",
              _SET, Expectation()),
        _step(p_star, ":=", B / (B + sigma ** 2), "the oracle filter of the direction", _SET),
        _step(B * (1 - p) ** 2 + sigma ** 2 * p ** 2, "=",
              (B + sigma ** 2) * (p - p_star) ** 2 + B * sigma ** 2 / (B + sigma ** 2),
              "complete the square around the oracle filter; the constant is the oracle's share", _SRC,
              Identity({p_star: B / (B + sigma ** 2)})),
        _step(sp.Symbol(r"\partial^2_{c}"), "=",
              2 * (B + sigma ** 2) * sp.Symbol(r"\phi\phi^{\top}"),
              "with p = Σ c_i a^i (derivation pareek2024.polynomial_form) each direction's "
              "term is a convex quadratic in c; the risk (1/n) Σ_j of them is convex", _SRC,
              _ConvexInC()),
        _step(sp.Symbol(r"\deg_{\xi} R"), "=", 2 * k,
              "c_{k+1} = Π xi_m has degree k in the weights: the risk is not quadratic in xi "
              "for k >= 2", _SRC, _DegreeInXi()),
    ]
    return Derivation("pareek2024.risk_quadratic_in_c", _TITLES["pareek2024.risk_quadratic_in_c"],
                      _SRC, "derived", tuple(S_))


# ------------------------------------------------------------------ separation_ridge

jj = sp.Symbol("j", integer=True, positive=True)
Bj = sp.IndexedBase("B")


class _OracleOneDirection:
    """For r = 1..6: the sum with B_1 = B and B_j = 0 (j >= 2) equals the rhs."""

    def describe(self):
        return "symbolic, for r = 1..6: the sum with B_1 = B, B_j = 0 (j >= 2) equals the rhs"

    def __call__(self, step):
        for rr in range(1, 7):
            val = sp.sympify(step.lhs).subs(r, rr).doit().replace(
                lambda v: isinstance(v, sp.Indexed) and v.base == Bj,
                lambda v: B if v.indices[0] == 1 else sp.Integer(0))
            if not is_zero(sp.simplify(val - step.rhs)):
                return False
        return True


def _separation():
    delta = sp.Dummy("delta", positive=True)
    s_min2 = sp.Symbol("s_min", positive=True)
    t_star = B / (B + r * sigma ** 2)
    lower = B * r * sigma ** 2 / (B + r * sigma ** 2)
    oracle = B * sigma ** 2 / (B + sigma ** 2)
    S_ = [
        _step(a, ":=", s ** 2 / (s ** 2 + lam), "ridge filter of a direction", _SET),
        _step(s ** 2 / (s ** 2 + lam), ">=", s_min2 / (s_min2 + lam),
              "s^2 >= s_min^2 and a grows with s^2: every a_j >= a_min", "derived",
              Sign({s: sp.sqrt(s_min2 + delta)}, "s^2 = s_min^2 + δ")),
        _step(B * (1 - a_min) ** 2 + r * sigma ** 2 * a_min ** 2, "=",
              (B + r * sigma ** 2) * (a_min - t_star) ** 2 + lower,
              "θ* = β v_min: n R_ridge = B(1 - a_min)^2 + σ^2 Σ_j a_j^2 >= this (step 2); "
              "complete the square in a_min", "derived", Identity()),
        _step((B + r * sigma ** 2) * (a_min - t_star) ** 2 + lower, ">=", lower,
              "a square is non-negative: min over the common value t = a_min", "derived",
              Sign()),
        _step(sp.Sum(sigma ** 2 * Bj[jj] / (Bj[jj] + sigma ** 2), (jj, 1, r)), "=", oracle,
              "n R_or with only v_min carrying signal (B_1 = B, B_j = 0 otherwise): the "
              "other directions have an oracle filter of 0", _SRC, _OracleOneDirection()),
        _step(lower / oracle, "=", r * (B + sigma ** 2) / (B + r * sigma ** 2),
              "the ratio of the lower bound (step 4) to the oracle (step 5)", "derived",
              Identity()),
        _step(sp.Limit(r * (B + sigma ** 2) / (B + r * sigma ** 2), B, sp.oo), "=", r,
              "high signal-to-noise: the ridge is r times worse than the oracle, which r-step "
              "self-distillation reaches (claim pareek2024.r_steps_reach_oracle)", "derived",
              Identity()),
    ]
    return Derivation("pareek2024.separation_ridge", _TITLES["pareek2024.separation_ridge"],
                      "Pareek et al. 2024, abstract (factor up to d); bound derived, "
                      "docs/theory/pareek2024.md §2", "derived", tuple(S_))


_TITLES = {
    "pareek2024.polynomial_form": "k fixed-ridge steps are a polynomial filter with f_k(1) = 1",
    "pareek2024.inverse_map": "From the filter coefficients back to the weights",
    "pareek2024.risk_quadratic_in_c": "The in-sample risk is a convex quadratic in c",
    "pareek2024.separation_ridge": "Ridge is at least r(B + σ^2)/(B + rσ^2) times the oracle",
}

_BUILDERS = {
    "pareek2024.polynomial_form": _polynomial_form,
    "pareek2024.inverse_map": _inverse_map,
    "pareek2024.risk_quadratic_in_c": _risk_quadratic,
    "pareek2024.separation_ridge": _separation,
}

#: Derivation id -> (title, builder).
DERIVATIONS = {did: (title, _BUILDERS[did]) for did, title in _TITLES.items()}
