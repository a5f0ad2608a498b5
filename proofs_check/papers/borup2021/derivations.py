r"""Machine-checked derivations of Borup & Andersen 2021 (docs/theory/borup2021.md §5).

Each derivation is data (STYLE rule 11): steps ``lhs  relation  rhs`` with a justification,
a source and a check.  The closed forms are theory's sympy expressions
(:func:`theory.ridge_closed_form.closed_form_filter_expr`, :func:`limit_filter_expr`), in
the spectral variable a = d/(d + lam), the weight alpha and the step tau.

* ``borup2021.closed_form``: the recursion b_{tau+1} = a(alpha + (1-alpha) b_tau), its
  fixed point, the closed form (checked symbolically in tau), the first-fit form
  a g_tau((1-alpha) a), and the matrix form P M_tau on a symbolic 2 x 2 P;
* ``borup2021.limit_amplified_ridge``: (1-alpha) a < 1, the limit filter d/(d + lam/alpha)
  and the test-point identity, in the eigenbasis and for a symbolic 2 x 2 K;
* ``borup2021.dampening``: d b_{tau+1}/d alpha = a(1 - b_tau + (1-alpha) d b_tau/d alpha) and
  the induction that makes it >= 0;
* ``borup2021.sparsify_sandwich``: R_tau = (a_j/a_k) g_tau(q a_j)/g_tau(q a_k) and the two
  bounds from the non-negative coefficients of g_tau.

Steps that hold for every tau but that sympy cannot simplify with a symbolic exponent
are checked for tau = 1..6 (or 2..6), as their check says.

>>> sorted(DERIVATIONS)
['borup2021.closed_form', 'borup2021.dampening', 'borup2021.limit_amplified_ridge', 'borup2021.sparsify_sandwich']
>>> len(DERIVATIONS["borup2021.closed_form"][1]().verify()) >= 5
True
"""

import sympy as sp

from theory.derivation import Derivation
from theory.exact import is_zero
from theory.ridge_closed_form import ALPHA, TAU, closed_form_filter_expr, limit_filter_expr
from theory.ridge_filters import A

from ...steps import Identity, Sign, step as _step

__all__ = ["DERIVATIONS"]

_SRC = "docs/theory/borup2021.md §5"
_ABSTRACT = "Borup & Andersen 2021, abstract"

lam = sp.Symbol("lambda", positive=True)
d = sp.Symbol("d", nonnegative=True)
d_j, d_k = sp.Symbol("d_j", positive=True), sp.Symbol("d_k", positive=True)
a_j, a_k = sp.Symbol("a_j", positive=True), sp.Symbol("a_k", positive=True)
x = sp.Symbol("x", nonnegative=True)
delta = sp.Symbol("delta", positive=True)
x_j, x_k = sp.Symbol("x_j", nonnegative=True), sp.Symbol("x_k", positive=True)
q = 1 - ALPHA
b = sp.IndexedBase("b")
b_inf = sp.Symbol(r"b_{\infty}")
R = sp.IndexedBase("R")
i = sp.Symbol("i", integer=True, nonnegative=True)

#: b_inf and b_tau as theory's expressions in a, alpha, tau.
B_INF = limit_filter_expr()
B_TAU = closed_form_filter_expr()


def _g(tau, z):
    """g_tau(z) = alpha sum_{i=0}^{tau-2} z^i + z^(tau-1), for a concrete tau."""
    return ALPHA * sum(z ** m for m in range(tau - 1)) + z ** (tau - 1)


def _g_sum(z):
    """g_tau(z) with a symbolic tau, as printed."""
    return ALPHA * sp.Sum(z ** i, (i, 0, TAU - 2)) + z ** (TAU - 1)


def _pos(name):
    return sp.Dummy(name, positive=True)


def _nonneg(name):
    return sp.Dummy(name, nonnegative=True)


def _unit_interval():
    """0 < a < 1 and 0 <= alpha < 1 as positive parameters: a = s/(1 + s), alpha =
    m/(1 + m), s > 0, m >= 0."""
    s, m = _pos("s"), _nonneg("m")
    return {A: s / (1 + s), ALPHA: m / (1 + m)}


# ------------------------------------------------------------------------------ checks
class _TauPowers:
    """Identity in symbolic tau: every power base^(+-(tau - 1) + n) is written base^n P^(+-1)
    with P = base^(tau - 1) a new positive symbol per base, then lhs - rhs must cancel
    exactly as a rational function."""

    def describe(self):
        return ("symbolic in τ: every power whose exponent holds τ is rewritten through one "
                "new symbol for the power with exponent τ - 1, then lhs - rhs reduces to 0 "
                "exactly")

    def __call__(self, step):
        expr = sp.sympify(step.lhs) - sp.sympify(step.rhs)
        P = {}

        def rewrite(e):
            base = sp.factor(e.base)
            P.setdefault(base, sp.Dummy("P", positive=True))
            for sign in (1, -1):  # base^(sign (tau - 1) + n) = base^n P^sign
                n = sp.expand(e.exp - sign * (TAU - 1))
                if n.is_integer and not n.has(TAU):
                    return base ** n * P[base] ** sign
            raise ValueError(f"exponent {e.exp} is not +-(tau - 1) + an integer")
        try:
            expr = expr.replace(lambda e: e.is_Pow and e.exp.has(TAU), rewrite)
        except ValueError:
            return False
        return not expr.has(TAU) and is_zero(expr)


class _ForTaus:
    """The step with tau = each of ``taus`` substituted (sums evaluated), checked by
    ``inner`` (an Identity or a Sign)."""

    def __init__(self, taus, inner):
        self.taus, self.inner = tuple(taus), inner

    def describe(self):
        return (f"for tau = {self.taus[0]}, ..., {self.taus[-1]} (sums expanded): "
                + self.inner.describe())

    def __call__(self, step):
        from theory.derivation import Step
        for t in self.taus:
            lhs = sp.sympify(step.lhs).subs(TAU, t).doit()
            rhs = sp.sympify(step.rhs).subs(TAU, t).doit()
            if not self.inner(Step(lhs, rhs, step.relation, "", "")):
                return False
        return True


def _symmetric(n, name):
    e = [[sp.Symbol(f"{name}{min(r, c) + 1}{max(r, c) + 1}", real=True) for c in range(n)]
         for r in range(n)]
    return sp.Matrix(e)


class _MatrixRecursion:
    """For a symbolic symmetric 2 x 2 P: Y_1 = P, Y_{tau+1} = P(alpha I + (1-alpha) Y_tau)
    equals P M_tau with M_tau = alpha sum_{i=0}^{tau-2} ((1-alpha) P)^i + ((1-alpha) P)^(tau-1),
    for tau = 1..5, entry by entry (no diagonalisation)."""

    def describe(self):
        return ("symbolic 2 x 2 symmetric P, tau = 1..5: the recursion Y_{tau+1} = "
                "P(alpha I + (1 - alpha) Y_tau), Y_1 = P, equals P M_tau entry by entry")

    def __call__(self, step):
        P = _symmetric(2, "p")
        I2 = sp.eye(2)
        Y = P
        for t in range(1, 6):
            M = ALPHA * sum(((q * P) ** m for m in range(t - 1)), sp.zeros(2)) + (q * P) ** (t - 1)
            if any(not is_zero(v) for v in (Y - P * M)):
                return False
            Y = P * (ALPHA * I2 + q * Y)
        return True


class _MatrixLimit:
    """For a symbolic symmetric 2 x 2 K and Lam = lambda/alpha:
    (K + lambda I)^-1 (alpha I + (1-alpha) K (K + Lam I)^-1) = (K + Lam I)^-1, entry by entry."""

    def describe(self):
        return ("symbolic 2 x 2 symmetric K: (K + lambda I)^-1 (alpha I + (1 - alpha) K "
                "(K + (lambda/alpha) I)^-1) - (K + (lambda/alpha) I)^-1 reduces to 0 entry by entry")

    def __call__(self, step):
        K = _symmetric(2, "k")
        I2 = sp.eye(2)
        al = sp.Symbol("alpha", positive=True)
        Lam = lam / al
        lhs = (K + lam * I2).inv() * (al * I2 + (1 - al) * K * (K + Lam * I2).inv())
        return all(is_zero(v) for v in (lhs - (K + Lam * I2).inv()))


# ------------------------------------------------------------------------------ derivations
def _closed_form():
    yhat = sp.Symbol(r"\hat y^{(\tau)}")
    # non-commutative: printed in the order of the product
    P, M, y = (sp.Symbol(n, commutative=False) for n in ("P", r"M_{\tau}", "y"))
    S = [
        _step(b[1], ":=", A, "the first fit yhat^(1) = P y, P = K(K + λI)^-1 = V diag(a) V^T: "
              "each eigendirection is multiplied by a = d/(d + λ)", _SRC),
        _step(b[TAU + 1], ":=", A * (ALPHA + q * b[TAU]),
              "step τ + 1 is ridge on α y + (1 - α) yhat^(τ) (claim mixed_target): in the "
              "eigenbasis, b_{τ+1} = a (α + (1 - α) b_τ)", "authors' code (Recurser)"),
        _step(b_inf, ":=", B_INF, "the fixed point of the recursion (1 - (1 - α) a > 0)", _SRC),
        _step(A * (ALPHA + q * B_INF), "=", B_INF, "b_∞ is a fixed point of step 2", _SRC,
              Identity()),
        _step(B_INF, "=", ALPHA * d / (ALPHA * d + lam), "with a = d/(d + λ)", _SRC,
              Identity({A: d / (d + lam)}, "a = d/(d + λ)")),
        _step(sp.Add(B_INF, sp.Mul(sp.Pow(q * A, 0, evaluate=False), A - B_INF,
                                   evaluate=False), evaluate=False), "=", A,
              "the closed form at τ = 1 is the first fit", _SRC,
              Identity()),
        _step(B_TAU.subs(TAU, TAU + 1), "=", A * (ALPHA + q * B_TAU),
              "the closed form satisfies the recursion of step 2; with step 6, induction on τ "
              "gives b_τ = b_∞ + ((1 - α) a)^(τ - 1) (a - b_∞) for every τ ≥ 1", _SRC,
              _TauPowers()),
        _step(B_TAU, "=", A * _g_sum(q * A),
              "b_τ = a g_τ((1 - α) a): a polynomial in the first fit's filter a alone", _SRC,
              _ForTaus(range(1, 7), Identity())),
        _step(yhat, "=", P * M * y,
              "spectral calculus: M_τ = α Σ_{i=0}^{τ-2} ((1 - α) P)^i + ((1 - α) P)^(τ - 1) "
              "is a function of the first fit P, so step τ needs no iteration (the paper: "
              "'calculated directly as a function of the initial fit')", _ABSTRACT,
              _MatrixRecursion()),
    ]
    return Derivation("borup2021.closed_form", _TITLES["borup2021.closed_form"],
                      f"{_ABSTRACT} (statement); {_SRC} (exact form)", "paper", tuple(S))


def _limit():
    Lam = lam / ALPHA
    S = [
        _step(b_inf, ":=", B_INF, "the fixed point (derivation borup2021.closed_form, step 3)",
              _SRC),
        _step(1 - q * A, ">", 0, "with a = d/(d + λ): 1 - (1 - α) a = (α d + λ)/(d + λ) > 0, so "
              "((1 - α) a)^(τ - 1) → 0 and b_τ → b_∞ (for α = 0, b_∞ = 0)", _SRC,
              Sign({A: d / (d + lam)}, "a = d/(d + λ), d ≥ 0, λ > 0")),
        _step(b[TAU] - b_inf, "=", (q * A) ** (TAU - 1) * (A - B_INF),
              "the distance to the limit decays geometrically (claim linear_rate)", _SRC,
              Identity({b[TAU]: B_TAU, b_inf: B_INF}, "b_τ and b_∞ by their closed forms")),
        _step(B_INF, "=", d / (d + Lam), "with a = d/(d + λ): the filter of ridge with the "
              "amplified parameter λ/α (α > 0)", _ABSTRACT,
              Identity({A: d / (d + lam)}, "a = d/(d + λ)")),
        _step((ALPHA + q * d / (d + Lam)) / (d + lam), "=", 1 / (d + Lam),
              "the test-point identity in the eigenbasis: coefficients of the fixed point", _SRC,
              Identity()),
        _step(sp.Symbol(r"(K + \lambda I)^{-1}(\alpha y + (1 - \alpha) K (K + \tfrac{\lambda}"
                        r"{\alpha} I)^{-1} y)"), "=",
              sp.Symbol(r"(K + \tfrac{\lambda}{\alpha} I)^{-1} y"),
              "so f^(∞)(x) = k(x)^T (K + (λ/α) I)^-1 y at every test point x (the authors' "
              "code: α k(x)(α K + λ I)^-1 y)", _SRC, _MatrixLimit()),
    ]
    return Derivation("borup2021.limit_amplified_ridge",
                      _TITLES["borup2021.limit_amplified_ridge"],
                      f"{_ABSTRACT} (amplified regularization); {_SRC} (factor λ/α)", "paper",
                      tuple(S))


def _dampening():
    bf = sp.Function("b")(ALPHA)
    beta, dbeta = sp.Symbol(r"b_{\tau}"), sp.Symbol(r"\partial_{\alpha} b_{\tau}")
    r_, p_, w_ = _nonneg("r"), _nonneg("p"), _nonneg("w")
    S = [
        _step(b[TAU + 1], ":=", A * (ALPHA + q * b[TAU]),
              "the recursion (derivation borup2021.closed_form, step 2), b_τ a function of α",
              _SRC),
        _step(sp.Derivative(A * (ALPHA + q * bf), ALPHA), "=",
              A * (1 - bf + q * sp.Derivative(bf, ALPHA)), "differentiate in α", _SRC,
              Identity()),
        _step(sp.Derivative(A, ALPHA), "=", 0, "b_1 = a does not depend on α", _SRC,
              Identity()),
        _step(A * (ALPHA + q * beta), "<=", 1,
              "if b_τ ≤ 1 then b_{τ+1} ≤ 1 (0 < a < 1, 0 ≤ α ≤ 1); b_1 = a < 1: so b_τ ≤ 1 "
              "for every τ", _SRC,
              Sign({A: 1 / (1 + _pos("s")), ALPHA: 1 - 1 / (1 + w_), beta: 1 - r_},
                   "a = 1/(1 + s), α = 1 - 1/(1 + w), b_τ = 1 - r; s > 0, w, r ≥ 0")),
        _step(A * (1 - beta + q * dbeta), ">=", 0,
              "if ∂_α b_τ ≥ 0 then ∂_α b_{τ+1} ≥ 0 (steps 2 and 4, α ≤ 1); with step 3, "
              "induction gives ∂_α b_τ ≥ 0 for every τ", _SRC,
              Sign({A: _pos("a"), ALPHA: 1 - w_, beta: 1 - r_, dbeta: p_},
                   "α = 1 - w, b_τ = 1 - r, ∂_α b_τ = p; w, r, p ≥ 0")),
        _step(sp.Derivative(A * (ALPHA + q * A), ALPHA), "=", A * (1 - A),
              "strict at τ = 2: ground truth raises b_2 in every direction with 0 < a < 1",
              _SRC, Identity()),
        _step(sp.Derivative(B_TAU, ALPHA), ">=", 0,
              "so ground truth shrinks less in every eigendirection at every step: it dampens "
              "the regularization that self-distillation adds (the paper's title)", _ABSTRACT,
              _ForTaus(range(2, 7), Sign(_unit_interval(), "a = s/(1 + s), α = m/(1 + m)"))),
    ]
    return Derivation("borup2021.dampening", _TITLES["borup2021.dampening"],
                      f"{_ABSTRACT} (title, qualitative); {_SRC} (monotonicity)", "paper",
                      tuple(S))


def _sandwich():
    m_ = _nonneg("m")
    S = [
        _step(sp.Symbol(r"g_{\tau}(x)"), ":=", _g_sum(x),
              "the first-fit multiplier (derivation borup2021.closed_form, step 8): "
              "non-negative coefficients for 0 ≤ α ≤ 1", _SRC),
        _step(R[TAU], ":=", sp.Symbol(r"b_{\tau}(a_j)/b_{\tau}(a_k)"),
              "the sparsification ratio of two directions with a_j > a_k > 0", _SRC),
        _step(B_TAU.subs(A, a_j) / B_TAU.subs(A, a_k), "=",
              (a_j / a_k) * _g_sum(q * a_j) / _g_sum(q * a_k),
              "R_τ with the closed form b_τ = a g_τ((1 - α) a)", _SRC,
              _ForTaus(range(1, 7), Identity())),
        _step(_g_sum(x_k + delta), ">=", _g_sum(x_k),
              "g_τ is non-decreasing on x ≥ 0 and (1 - α) a_j ≥ (1 - α) a_k: hence "
              "R_τ ≥ a_j/a_k, the first fit's ratio", _SRC,
              _ForTaus(range(2, 7), Sign({ALPHA: m_}, "x_j = x_k + δ, δ > 0, α ≥ 0"))),
        _step(_g_sum(x_k * (1 + delta)), "<=", (1 + delta) ** (TAU - 1) * _g_sum(x_k),
              "each power x^i, i ≤ τ - 1, grows by at most (x_j/x_k)^(τ-1): a weighted mean of "
              "(x_j/x_k)^i", _SRC,
              _ForTaus(range(2, 7), Sign({ALPHA: m_}, "x_j = x_k (1 + δ), δ > 0, α ≥ 0"))),
        _step((a_j / a_k) * (q * a_j / (q * a_k)) ** (TAU - 1), "=", (a_j / a_k) ** TAU,
              "hence R_τ ≤ (a_j/a_k)^τ, the ratio of pure self-distillation", _SRC,
              _TauPowers()),
        _step(B_INF.subs(A, d_j / (d_j + lam)) / B_INF.subs(A, d_k / (d_k + lam)), "=",
              (d_j / d_k) * (ALPHA * d_k + lam) / (ALPHA * d_j + lam),
              "the limit ratio R_∞ = b_∞(a_j)/b_∞(a_k) (α > 0)", _SRC, Identity()),
    ]
    return Derivation("borup2021.sparsify_sandwich", _TITLES["borup2021.sparsify_sandwich"],
                      _SRC, "derived", tuple(S))


_TITLES = {
    "borup2021.closed_form": "Every step as a function of the first fit",
    "borup2021.limit_amplified_ridge": "The limit is ridge with the amplified parameter λ/α",
    "borup2021.dampening": "Ground truth raises every filter value: b_τ is non-decreasing in α",
    "borup2021.sparsify_sandwich": "Sparsification between the first fit and pure "
                                   "self-distillation",
}

_BUILDERS = {
    "borup2021.closed_form": _closed_form,
    "borup2021.limit_amplified_ridge": _limit,
    "borup2021.dampening": _dampening,
    "borup2021.sparsify_sandwich": _sandwich,
}

#: Derivation id -> (title, builder).
DERIVATIONS = {did: (title, _BUILDERS[did]) for did, title in _TITLES.items()}
