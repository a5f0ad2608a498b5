r"""Machine-checked derivations of the Das & Sanghavi 2023 claims (docs/theory/das2023.md §2).

Each derivation is data (STYLE rule 11), every step checked by sympy: exact identities of
rational functions, expectations over one noise coordinate, signs under stated
hypotheses, and one equivalence of inequalities.  Sums over directions are written for two
directions j = 1, 2 explicitly (the identities are termwise, so two terms show the
pattern that any number of terms repeats).

* ``das2023.taylor_identity``: the student's filter from its objective, and the exact
  first-order form theta_T + xi lam d theta_T/d lam;
* ``das2023.risk_quadratic``: the parameter risk of one direction is quadratic in xi with
  coefficients lam R_T' and lam^2 Q;
* ``das2023.xi_star``: the vertex, the gain, and the closed form over the directions;
* ``das2023.high_noise_xi_gt_1``: xi* > 1 iff sigma^2 > sigma_c^2, and the limit as
  sigma -> infinity.

>>> sorted(DERIVATIONS)[0]
'das2023.high_noise_xi_gt_1'
"""

import sympy as sp

from theory.derivation import Derivation
from theory.exact import is_zero

from ...steps import Equivalence, Identity, Sign, step as _step
from ..pareek2024.derivations import Expectation, e, sigma

__all__ = ["DERIVATIONS"]

_SRC = "docs/theory/das2023.md §2"
_SET = "docs/theory/das2023.md §1"

s = sp.Symbol("s", positive=True)
lam = sp.Symbol("lambda", positive=True)
xi = sp.Symbol("xi", real=True)
theta = sp.Symbol("theta", real=True)
a = sp.Symbol("a", positive=True)
b = sp.Symbol("b", positive=True)
z = sp.Symbol("z", real=True)
R_T, L, Kq = sp.Symbol("R_T", positive=True), sp.Symbol("L", real=True), sp.Symbol("K", positive=True)
Rp, Q = sp.Symbol("R_T'", real=True), sp.Symbol("Q", positive=True)
sig2 = sp.Symbol("sigma^2", positive=True)
A_, B_, C_, D_ = (sp.Symbol(n_, real=True) for n_ in ("A", "B", "C", "D"))
Dp, Cp, Delta = sp.Symbol("D", positive=True), sp.Symbol("C", positive=True), \
    sp.Symbol("Delta", positive=True)

_A = s ** 2 / (s ** 2 + lam)           # a as a function of s, lam
_defs = {a: _A, b: _A * (1 - _A)}


def _j(name, j):
    return sp.Symbol(f"{name}_{j}", positive=True)


class _StudentFilter:
    """One direction: minimise xi (s t - a z)^2 + (1 - xi)(s t - z)^2 + lam t^2 (the
    teacher's fit a z), second derivative 2(s^2 + lam) > 0; the fitted value s t*/z is the
    rhs with a = s^2/(s^2 + lam)."""

    def describe(self):
        return ("symbolic: the stationary point of the one-direction objective (convex: its "
                "second derivative is 2(s^2 + λ) for every real xi) gives the rhs")

    def __call__(self, step):
        t = sp.Symbol("t", real=True)
        obj = xi * (s * t - _A * z) ** 2 + (1 - xi) * (s * t - z) ** 2 + lam * t ** 2
        if not is_zero(sp.diff(obj, t, 2) - 2 * (s ** 2 + lam)):
            return False
        sol = sp.solve(sp.diff(obj, t), t)[0]
        return is_zero(s * sol / z - sp.sympify(step.rhs).xreplace({a: _A}))


def _taylor():
    S_ = [
        _step(a, ":=", _A, "the teacher's filter on a direction with singular value s", _SET),
        _step(sp.Symbol("p_xi"), "=", a * ((1 - xi) + xi * a),
              "the student fits xi (teacher's fit) + (1 - xi) y with the same λ", _SET,
              _StudentFilter()),
        _step(a * ((1 - xi) + xi * a), "=", a - xi * a * (1 - a), "expand", _SRC, Identity()),
        _step(sp.Derivative(_A, lam), "=", -(a * (1 - a) / lam).xreplace(_defs),
              "the teacher's filter moves with λ; θ_T = V diag(a/s) U^T y, so "
              "∂_λ θ_T has filter ∂_λ a", _SRC, Identity()),
        _step(_A + xi * lam * sp.Derivative(_A, lam), "=", (a - xi * a * (1 - a)).xreplace(_defs),
              "θ_T + xi λ ∂_λ θ_T has the student's filter (step 3): the identity is exact, "
              "not first order", _SRC, Identity()),
        _step(_A - 1, "=", -lam / (s ** 2 + lam),
              "per eigenvalue: (X^T X + λ I)^-1 X^T X - I = -λ (X^T X + λ I)^-1, so "
              "∂_λ θ_T = -(X^T X + λ I)^-1 θ_T", _SRC, Identity()),
    ]
    return Derivation("das2023.taylor_identity", _TITLES["das2023.taylor_identity"], _SRC,
                      "derived", tuple(S_))


def _risk_quadratic():
    p = sp.Symbol("p", real=True)
    rT = theta ** 2 * (1 - a) ** 2 + sigma ** 2 * a ** 2 / s ** 2
    Lj = 2 * b * (theta ** 2 * (1 - a) - sigma ** 2 * a / s ** 2)
    Kj = b ** 2 * (theta ** 2 + sigma ** 2 / s ** 2)
    expect = sp.Function("E")
    S_ = [
        _step(z, ":=", s * theta + e, "u_j^T y: E e = 0, E e^2 = σ^2", _SET),
        _step(expect((p * (s * theta + e) / s - theta) ** 2), "=",
              theta ** 2 * (1 - p) ** 2 + sigma ** 2 * p ** 2 / s ** 2,
              "the estimate on the direction is p z/s; its squared error in expectation "
              "(parameter risk, M = I)", _SET, Expectation()),
        _step(b, ":=", a * (1 - a), "notation", _SRC),
        _step((theta ** 2 * (1 - p) ** 2 + sigma ** 2 * p ** 2 / s ** 2).subs(p, a - xi * b), "=",
              rT + xi * Lj + xi ** 2 * Kj,
              "the student's filter p = a - xi b (derivation das2023.taylor_identity)", _SRC,
              Identity({b: a * (1 - a)})),
        _step(lam * sp.Derivative(rT.xreplace(_defs), lam), "=", Lj.xreplace(_defs),
              "the linear coefficient is λ R_T'(λ)", _SRC, Identity()),
        _step(lam ** 2 * (sp.Derivative(_A, lam)) ** 2 * (theta ** 2 + sigma ** 2 / s ** 2), "=",
              Kj.xreplace(_defs),
              "the quadratic coefficient is λ^2 Q(λ), Q = E(∂_λ θ_T)^2 on the direction", _SRC,
              Identity()),
    ]
    return Derivation("das2023.risk_quadratic", _TITLES["das2023.risk_quadratic"], _SRC,
                      "derived", tuple(S_))


def _xi_star():
    R = R_T + xi * L + xi ** 2 * Kq
    xs = -L / (2 * Kq)
    # two directions: L = sum 2 b_j (theta_j^2 (1 - a_j) - sigma^2 a_j/s_j^2), K = sum b_j^2 (...)
    a1, a2, b1, b2, s1, s2_ = (_j("a", 1), _j("a", 2), _j("b", 1), _j("b", 2), _j("s", 1),
                               _j("s", 2))
    t1, t2 = sp.Symbol("theta_1", real=True), sp.Symbol("theta_2", real=True)
    L2 = sum(2 * bj * (tj ** 2 * (1 - aj) - sigma ** 2 * aj / sj ** 2)
             for aj, bj, sj, tj in ((a1, b1, s1, t1), (a2, b2, s2_, t2)))
    K2 = sum(bj ** 2 * (tj ** 2 + sigma ** 2 / sj ** 2)
             for bj, sj, tj in ((b1, s1, t1), (b2, s2_, t2)))
    closed = (sum(bj * (aj * sigma ** 2 / sj ** 2 - (1 - aj) * tj ** 2)
                  for aj, bj, sj, tj in ((a1, b1, s1, t1), (a2, b2, s2_, t2)))
              / sum(bj ** 2 * (tj ** 2 + sigma ** 2 / sj ** 2)
                    for bj, sj, tj in ((b1, s1, t1), (b2, s2_, t2))))
    S_ = [
        _step(sp.Symbol("R_S(xi)"), ":=", R, "notation of derivation das2023.risk_quadratic: "
              "L = λ R_T', K = λ^2 Q > 0", _SRC),
        _step(sp.diff(R, xi).subs(xi, xs), "=", 0, "the vertex xi* = -L/(2K) is the minimiser "
              "(K > 0)", _SRC, Identity()),
        _step(R_T - R.subs(xi, xs), "=", L ** 2 / (4 * Kq),
              "the gain over the teacher: positive iff L = λ R_T' ≠ 0", _SRC, Identity()),
        _step(xs.subs({L: lam * Rp, Kq: lam ** 2 * Q}), "=", -Rp / (2 * lam * Q),
              "so sign(xi*) = -sign(R_T')", _SRC, Identity()),
        _step(-L2 / (2 * K2), "=", closed,
              "M = I: the coefficients are sums over the directions (two written out)", _SRC,
              Identity()),
    ]
    return Derivation("das2023.xi_star", _TITLES["das2023.xi_star"],
                      "Dang, Patil & Rinaldo 2026, abstract (closed form, sign rule); "
                      "docs/theory/das2023.md §2", "derived", tuple(S_))


def _high_noise():
    xs = (A_ + sig2 * B_) / (C_ + sig2 * D_)
    sc = (C_ - A_) / (B_ - D_)
    a1, a2, s1, s2_ = _j("a", 1), _j("a", 2), _j("s", 1), _j("s", 2)
    t1, t2 = sp.Symbol("theta_1", real=True), sp.Symbol("theta_2", real=True)
    pairs = ((a1, s1, t1), (a2, s2_, t2))
    b = [aj * (1 - aj) for aj, _, _ in pairs]
    A2 = -sum(bj * (1 - aj) * tj ** 2 for bj, (aj, _, tj) in zip(b, pairs))
    B2 = sum(bj * aj / sj ** 2 for bj, (aj, sj, _) in zip(b, pairs))
    C2 = sum(bj ** 2 * tj ** 2 for bj, (_, _, tj) in zip(b, pairs))
    D2 = sum(bj ** 2 / sj ** 2 for bj, (_, sj, _) in zip(b, pairs))
    xi_star2 = (sum(bj * (aj * sig2 / sj ** 2 - (1 - aj) * tj ** 2)
                    for bj, (aj, sj, tj) in zip(b, pairs))
                / sum(bj ** 2 * (tj ** 2 + sig2 / sj ** 2) for bj, (_, sj, tj) in zip(b, pairs)))
    w = [aj ** 2 * (1 - aj) ** 2 / sj ** 2 for aj, sj, _ in pairs]
    W = sp.symbols("w_1 w_2", positive=True)
    x1, dlt, w1, w2 = (sp.Symbol("x_1", positive=True), sp.Dummy("delta", positive=True),
                       sp.Symbol("w_1", positive=True), sp.Symbol("w_2", positive=True))
    x2 = sp.Symbol("x_2", positive=True)
    avg = (w1 * (1 + x1) + w2 * (1 + x2)) / (w1 + w2)
    S_ = [
        _step(xi_star2, "=", (A2 + sig2 * B2) / (C2 + sig2 * D2),
              "derivation das2023.xi_star, step 5, as (A + σ^2 B)/(C + σ^2 D) (two directions)",
              _SRC, Identity()),
        _step(B2 - D2, "=", sum(bj * aj ** 2 / sj ** 2 for bj, (aj, sj, _) in zip(b, pairs)),
              "a - b = a^2, so B - D = Σ b a^2/s^2 > 0", _SRC, Identity()),
        _step(C2 - A2, "=", sum(bj * (1 - aj ** 2) * tj ** 2 for bj, (aj, _, tj) in zip(b, pairs)),
              "b + 1 - a = (1 - a)(1 + a): the numerator of σ_c^2", _SRC, Identity()),
        _step(xs - 1, "=", (sig2 - sc) * (B_ - D_) / (C_ + sig2 * D_),
              "σ_c^2 = (C - A)/(B - D)", _SRC, Identity()),
        _step(sp.StrictGreaterThan(sig2, sc.xreplace({B_: Dp + Delta, C_: Cp, D_: Dp})), "=>",
              sp.StrictGreaterThan(xs.xreplace({B_: Dp + Delta, C_: Cp, D_: Dp}), 1),
              "with Δ = B - D > 0, C > 0, D > 0: the slack of xi* > 1 is Δ/(C + σ^2 D) > 0 times "
              "that of σ^2 > σ_c^2 (and conversely)", _SRC,
              Equivalence(note="Δ = B - D > 0, C > 0, D > 0")),
        _step(sp.Limit(xs, sig2, sp.oo), "=", B_ / D_, "σ -> ∞", _SRC, Identity()),
        # the weights as symbols w_j in the display (their expressions nested inside the
        # weighted mean would be fractions of fractions), substituted by the check
        _step(B2 / D2, "=", sum(Wj * (1 + sj ** 2 / lam) for Wj, (_, sj, _) in zip(W, pairs))
              / sum(W), "per direction b a/s^2 = w (1 + s^2/λ), b^2/s^2 = w, with "
                        "w = a^2 (1 - a)^2/s^2 and 1/(1 - a) = 1 + s^2/λ", _SRC,
              Identity({W[0]: w[0], W[1]: w[1], a1: s1 ** 2 / (s1 ** 2 + lam),
                        a2: s2_ ** 2 / (s2_ ** 2 + lam)})),
        _step(avg, ">=", 1 + x1, "a weighted mean of 1 + s_j^2/λ lies above its smallest term "
              "(x_j = s_j^2/λ, x_2 >= x_1): the limit is >= 1 + s_min^2/λ > 1", _SRC,
              Sign({x2: x1 + dlt}, "x_2 = x_1 + δ")),
        _step(sp.Limit(((a * sig2 / s ** 2 - (1 - a) * theta ** 2) /
                        (a * (1 - a) * (theta ** 2 + sig2 / s ** 2))).xreplace({a: _A}),
                       sig2, sp.oo), "=", 1 + s ** 2 / lam,
              "one direction: xi* -> 1 + s^2/λ", _SRC, Identity()),
    ]
    return Derivation("das2023.high_noise_xi_gt_1", _TITLES["das2023.high_noise_xi_gt_1"],
                      "Das & Sanghavi 2023, abstract (xi > 1 in high noise); threshold and limit "
                      "derived, docs/theory/das2023.md §2", "derived", tuple(S_))


_TITLES = {
    "das2023.taylor_identity": "The student is the exact first-order step of the teacher in λ",
    "das2023.risk_quadratic": "The student's risk is quadratic in xi with coefficients λR_T', λ^2 Q",
    "das2023.xi_star": "The optimal weight xi* = -R_T'/(2λQ) and its gain",
    "das2023.high_noise_xi_gt_1": "xi* > 1 exactly above the noise threshold σ_c^2",
}

_BUILDERS = {
    "das2023.taylor_identity": _taylor,
    "das2023.risk_quadratic": _risk_quadratic,
    "das2023.xi_star": _xi_star,
    "das2023.high_noise_xi_gt_1": _high_noise,
}

#: Derivation id -> (title, builder).
DERIVATIONS = {did: (title, _BUILDERS[did]) for did, title in _TITLES.items()}
