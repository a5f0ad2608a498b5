r"""Machine-checked derivations of the Dong et al. 2019 exact claims (docs/theory/dong2019.md
§4-§6, §9), rendered by the one LaTeX printer.

Each derivation works per eigen-direction v of H (H v = lambda v): a matrix step is checked
exactly on explicit instances (:class:`MatrixCheck`), a recursion's closed form is checked to
solve its recursion for symbolic k and for k = 0..6 (:class:`Recursion`), scalar identities
and inequalities by :mod:`proofs_check.steps`.

* ``dong2019.air_rate``: kernel GD and its flow in the eigenbasis;
* ``dong2019.distill_equals_early_stop``: the converged student reproduces the teacher at T;
* ``dong2019.soft_sd_limit``: the soft rule's 2 x 2 map, its fixed point and ridge a/eta;
* ``dong2019.reanchored_no_help``: the re-anchored target is GD with step eta (1 - beta);
* ``dong2019.hard_sd_margin``: the certificate R_k < 1 of the hard rule's convergence.

Source: docs/theory/dong2019.md (our derivations in the setting of Dong et al. 2019; the
eigenbasis dynamics of kernel GD are Du et al. 2019 and Arora et al. 2019 [prior work]).

>>> sorted(DERIVATIONS)[0]
'dong2019.air_rate'
>>> all(DERIVATIONS[d][1]().verify() for d in DERIVATIONS)
True
"""

import sympy as sp

from theory.derivation import Derivation
from theory.exact import FracEval, is_zero
from theory.symbols import Norm

from ...steps import Identity, Sign, step as _step

__all__ = ["DERIVATIONS", "Recursion", "MatrixCheck", "Along", "GeometricLimit", "SignCases",
           "ExplicitMatrix"]

_DOC = "docs/theory/dong2019.md"

# ------------------------------------------------------------------------------- symbols
n = sp.Symbol("n", integer=True, positive=True)
eta = sp.Symbol("eta", positive=True)
lam = sp.Symbol("lambda", positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
j = sp.Symbol("j", integer=True, nonnegative=True)
t = sp.Symbol("t", nonnegative=True)
T = sp.Symbol("T", integer=True, positive=True)
z = sp.Symbol("z", real=True)
a = sp.Symbol("a", positive=True)
beta = sp.Symbol("beta", nonnegative=True)
mu = sp.Symbol("mu", real=True)
r, p, q, s, sv = (sp.IndexedBase(name) for name in ("r", "p", "q", "s", r"s'"))

H = sp.MatrixSymbol("H", n, n)
V = sp.MatrixSymbol("V", n, n)
Lam = sp.MatrixSymbol("Lambda", n, n)
I_n = sp.Identity(n)
u_k = sp.MatrixSymbol("u_k", n, 1)
u_k1 = sp.MatrixSymbol("u_{k+1}", n, 1)
y_t = sp.MatrixSymbol(r"\tilde{y}", n, 1)
t_k = sp.MatrixSymbol("t_k", n, 1)
y_k = sp.MatrixSymbol("y_k", n, 1)
y_s = sp.MatrixSymbol(r"y^\ast", n, 1)

#: H = V Lambda V^T (V orthogonal, Lambda = diag(lambda_i)).
_SPECTRAL = {H: V * Lam * V.T}


# ------------------------------------------------------------------------------- checks
def _freeze(expr, var):
    """Write every power b^(var + c) as b^c M_b with a fresh symbol M_b (one per base b), so
    that an identity in symbolic exponents becomes a rational-function identity."""
    expr = sp.expand_power_exp(sp.sympify(expr))
    frozen = {}

    def rep(e):
        if isinstance(e, sp.Pow) and e.exp.has(var):
            c = sp.expand(e.exp - var)
            if c.has(var):
                raise ValueError(f"exponent {e.exp} is not {var} + constant")
            m = frozen.setdefault(e.base, sp.Dummy("M"))
            return m * e.base ** c
        return e
    return expr.replace(lambda e: isinstance(e, sp.Pow) and e.exp.has(var), rep)


class Recursion:
    """The step's closed form (its rhs, with ``others`` for the other components of a
    coupled recursion) solves ``x_{k+1} = update(x_k)`` from ``x_0 = base``: checked as an
    exact rational identity in the frozen powers (every ``b^(k+c)`` written ``b^c M_b``)
    for symbolic k, and for k = 0, ..., 6 by expanding the powers.

    Source: STYLE rule 11 (induction on k).  Domain: closed forms with powers ``b^(k+c)``.

    >>> from theory.derivation import Step
    >>> x = sp.Symbol("x")
    >>> Recursion(k, lambda v: (x * v[0],), (1,))(Step(r[k], x**k, "=", "", ""))
    True
    """

    def __init__(self, var, update, base, others=(), note=""):
        self.var, self.update, self.base, self.others = var, update, tuple(base), tuple(others)
        self.note = note

    def describe(self):
        return ("symbolic: the closed form solves the recursion from its start, exactly "
                f"for symbolic {self.var} (powers frozen) and for {self.var} = 0..6"
                + (f" ({self.note})" if self.note else ""))

    def __call__(self, step):
        closed = (sp.sympify(step.rhs),) + tuple(sp.sympify(o) for o in self.others)
        v = self.var
        for c, b in zip(closed, self.base):
            if not is_zero(c.subs(v, 0) - b):
                return False
        nxt = self.update(tuple(c for c in closed))
        for c, nx in zip(closed, nxt):
            if not is_zero(_freeze(c.subs(v, v + 1) - nx, v)):
                return False
        for m in range(7):
            cur = tuple(c.subs(v, m) for c in closed)
            for c1, nx in zip(closed, self.update(cur)):
                if not is_zero(sp.expand(c1.subs(v, m + 1) - nx)):
                    return False
        return True


def _rotation2():
    """A general 2 x 2 rotation: cos = (1 - w^2)/(1 + w^2), sin = 2w/(1 + w^2)."""
    w = sp.Symbol("w", real=True)
    cs, sn = (1 - w**2) / (1 + w**2), 2 * w / (1 + w**2)
    return sp.Matrix([[cs, -sn], [sn, cs]])


def _rotation3():
    """A fixed rational 3 x 3 rotation: the Cayley transform (I - S)(I + S)^-1."""
    S = sp.Matrix([[0, sp.Rational(1, 2), sp.Rational(1, 3)],
                   [-sp.Rational(1, 2), 0, sp.Rational(1, 5)],
                   [-sp.Rational(1, 3), -sp.Rational(1, 5), 0]])
    return (sp.eye(3) - S) * (sp.eye(3) + S).inv()


def _define(expr, defs):
    for _ in range(10):
        new = sp.sympify(expr).xreplace(defs)
        if new == expr:
            return new
        expr = new
    raise RecursionError("definitions do not terminate")


class MatrixCheck:
    """A matrix or vector identity, exact for n = 2 (V a general rotation, one symbolic
    parameter) and n = 3 (a rational rotation), Lambda = diag(lambda_1, ..., lambda_n), every
    vector (column or row) with symbolic entries; ``defs`` are substituted first (e.g. H = V
    Lambda V^T); lambda_i > 0, so H is invertible.

    Source: STYLE rule 11 (a K = 2 check with a general rotation covers every symmetric
    2 x 2 H).  Domain: ``=`` steps between matrix expressions in H, V, Lambda, I and vectors.

    >>> from theory.derivation import Step
    >>> MatrixCheck(_SPECTRAL)(Step(V.T * H * V, Lam, "=", "", ""))
    True
    """

    def __init__(self, defs=_SPECTRAL, note=""):
        self.defs, self.note = dict(defs), note

    def describe(self):
        return ("symbolic: exact identity for n = 2 (general rotation V) and n = 3 (a "
                "rational rotation V), Λ = diag(λ_i), vectors symbolic"
                + (f"; {self.note}" if self.note else ""))

    def __call__(self, step):
        if step.relation != "=":
            return False
        for m, rot in ((2, _rotation2()), (3, _rotation3())):
            lhs = _define(step.lhs, self.defs).subs(n, m)
            rhs = _define(step.rhs, self.defs).subs(n, m)
            lams = [sp.Symbol(f"λ_{i + 1}", positive=True) for i in range(m)]
            mats = {sp.MatrixSymbol("V", m, m): rot,
                    sp.MatrixSymbol("Lambda", m, m): sp.diag(*lams)}
            gens = sorted(rot.free_symbols, key=str) + lams
            syms = set()
            for e in (lhs, rhs):
                for atom in sp.sympify(e).atoms(sp.MatrixSymbol):
                    if 1 in atom.shape and atom not in mats:
                        ent = [sp.Symbol(f"{atom.name}_{i + 1}", real=True) for i in range(m)]
                        mats[atom] = sp.Matrix(ent) if atom.shape[1] == 1 else sp.Matrix([ent])
                        gens += ent
                syms |= {x for x in sp.sympify(e).free_symbols
                         if isinstance(x, sp.Symbol) and x != n}
            gens += sorted(syms - set(gens), key=str)
            ev = FracEval(gens, mats, {})
            if not ev.equal(lhs, rhs):
                return False
        return True


class Along:
    """A vector rule read along one eigen-direction: for n = 2 (general rotation V) and
    n = 3 (a rational rotation V), H = V Lambda V^T and symbolic vectors, the i-th entry of
    V^T applied to each vector of ``nexts`` equals the step's rhs (a scalar, or a column of
    scalars, one per vector) in which every symbol of ``coords`` is replaced by the i-th
    entry of V^T applied to its vector and lambda by lambda_i; exact, for every i.

    Source: STYLE rule 11.  Domain: rules linear in vectors built from H, I and vectors.

    >>> from theory.derivation import Step
    >>> Along((u_k - eta * H * u_k,), {r[k]: u_k})(Step(r[k + 1], (1 - eta * lam) * r[k],
    ...                                             "=", "", ""))
    True
    """

    def __init__(self, nexts, coords, defs=None, note=""):
        self.nexts, self.coords = tuple(nexts), dict(coords)
        self.defs = {**_SPECTRAL, **(defs or {})}
        self.note = note

    def describe(self):
        return ("symbolic: the rule projected on each eigenvector v_i equals the rhs with "
                "λ = λ_i, exactly, for n = 2 (general rotation) and n = 3"
                + (f"; {self.note}" if self.note else ""))

    def __call__(self, step):
        rhs = step.rhs.doit() if isinstance(step.rhs, sp.MatrixExpr) else step.rhs
        rhs = rhs if isinstance(rhs, sp.MatrixBase) else sp.Matrix([rhs])
        if rhs.shape != (len(self.nexts), 1):
            return False
        for m, rot in ((2, _rotation2()), (3, _rotation3())):
            lams = [sp.Symbol(f"λ_{i + 1}", positive=True) for i in range(m)]
            env = {sp.MatrixSymbol("V", m, m): rot,
                   sp.MatrixSymbol("Lambda", m, m): sp.diag(*lams)}

            def explicit(e):
                e = _define(e, self.defs).subs(n, m)
                for atom in e.atoms(sp.MatrixSymbol):
                    if atom not in env:
                        env[atom] = sp.Matrix([sp.Symbol(f"{atom.name}_{i + 1}", real=True)
                                               for i in range(m)])
                return sp.Matrix(e.xreplace(env).doit())

            proj = {sym: rot.T * explicit(vec) for sym, vec in self.coords.items()}
            nxt = [rot.T * explicit(vec) for vec in self.nexts]
            for i in range(m):
                sub = {sym: v[i] for sym, v in proj.items()}
                sub[lam] = lams[i]
                for c in range(len(self.nexts)):
                    if not is_zero(nxt[c][i] - sp.sympify(rhs[c]).xreplace(sub)):
                        return False
        return True


class GeometricLimit:
    """The limit k -> inf of the step's lhs written as ``closed`` (powers b^k with |b| < 1):
    every b^(k + c) set to 0, the result equals the rhs exactly.

    >>> from theory.derivation import Step
    >>> x = sp.Symbol("x")
    >>> GeometricLimit(1 - x**k, k)(Step(p[sp.oo], 1, "=", "", ""))
    True
    """

    def __init__(self, closed, var, note=""):
        self.closed, self.var, self.note = sp.sympify(closed), var, note

    def describe(self):
        return ("symbolic: the closed form with every power b^k set to 0 (|b| < 1) equals the "
                "rhs exactly" + (f" ({self.note})" if self.note else ""))

    def __call__(self, step):
        e = sp.expand_power_exp(self.closed).replace(
            lambda x: isinstance(x, sp.Pow) and x.exp == self.var, lambda x: sp.Integer(0))
        return is_zero(e - sp.sympify(step.rhs))


class SignCases:
    """An inequality with |v| checked by cases: v = d and v = -d (d >= 0), each by
    :class:`proofs_check.steps.Sign`.

    >>> from theory.derivation import Step
    >>> v = sp.Symbol("v", real=True)
    >>> SignCases(v)(Step(sp.Abs(v), v, ">=", "", ""))
    True
    """

    def __init__(self, var):
        self.var = var

    def describe(self):
        return (f"symbolic: by cases {self.var} = d and {self.var} = -d (d >= 0), the slack "
                "has the claimed sign in each")

    def __call__(self, step):
        d = sp.Dummy("d", nonnegative=True)
        return all(Sign({self.var: sgn * d})(step) for sgn in (1, -1))


class ExplicitMatrix:
    """An identity between explicit sympy matrices: every entry of lhs - rhs is exactly zero.

    >>> from theory.derivation import Step
    >>> ExplicitMatrix()(Step(sp.Matrix([[a, 0]]) * sp.eye(2), sp.Matrix([[a, 0]]), "=", "", ""))
    True
    """

    def describe(self):
        return "symbolic: every entry of lhs - rhs (explicit matrices) reduces to 0 exactly"

    def __call__(self, step):
        D = sp.Matrix(sp.sympify(step.lhs).doit()) - sp.Matrix(sp.sympify(step.rhs).doit())
        return all(is_zero(e) for e in D)


# ------------------------------------------------------------------------------- air_rate
def _air_rate():
    x = eta * lam
    dl = sp.Dummy("delta", positive=True)
    li, lj = sp.Symbol("lambda_i", positive=True), sp.Symbol("lambda_j", positive=True)
    defs = {**_SPECTRAL, u_k1: u_k - eta * H * (u_k - y_t)}
    S = [
        _step(H, ":=", V * Lam * V.T, "eigendecomposition: V orthogonal, Λ = "
              "diag(λ_1, ..., λ_n), λ_i >= 0", f"{_DOC} §1"),
        _step(u_k1, ":=", u_k - eta * H * (u_k - y_t), "one step of gradient descent on "
              "(1/2)||u - ỹ||^2 in the kernel regime: the outputs move by -η H times the "
              "residual", "Du et al. 2019; Arora et al. 2019 [prior work]"),
        _step(u_k1 - y_t, "=", (I_n - eta * H) * (u_k - y_t), "subtract ỹ from step 2",
              f"{_DOC} §4", MatrixCheck(defs)),
        _step(V.T * (u_k1 - y_t), "=", (I_n - eta * Lam) * V.T * (u_k - y_t),
              "multiply by V^T and use V^T H = Λ V^T", f"{_DOC} §4", MatrixCheck(defs)),
        _step(r[k + 1], "=", (1 - x) * r[k], "entry i of step 4: r_k = v_i^T(u_k - ỹ) for one "
              "eigen-direction (Λ is diagonal); the index i is dropped", f"{_DOC} §4",
              Along((u_k - eta * H * (u_k - y_t) - y_t,), {r[k]: u_k - y_t})),
        _step(r[k], "=", (1 - x)**k * r[0], "induction on k with step 5", f"{_DOC} §4",
              Recursion(k, lambda v: ((1 - x) * v[0],), (r[0],))),
        _step((1 - x)**2 - 1, "=", -x * (2 - x), "so |1 - ηλ| < 1 iff 0 < ηλ "
              "< 2: every direction with λ > 0 is fitted when ηλ_max < 2",
              f"{_DOC} §4", Identity()),
        _step(1 - eta * lj, ">", 1 - eta * li, "for λ_i > λ_j the residual along v_i "
              "decays faster (0 < ηλ <= 1): anisotropic fitting, the top eigenvectors "
              "first", f"{_DOC} §4", Sign({li: lj + dl}, "λ_i = λ_j + δ, δ > 0")),
        _step(sp.Derivative(r[0] * sp.exp(-x * t), t), "=", -x * r[0] * sp.exp(-x * t),
              "the gradient flow u' = -η H (u - ỹ): per eigen-direction r' = -η "
              "λ r, solved by r(t) = exp(-ηλ t) r(0)", f"{_DOC} §4", Identity()),
        _step(z + (1 - x)**k * (0 - z), "=", (1 - (1 - x)**k) * z, "from u_0 = 0 (r_0 = -z, "
              "z = v^T ỹ): the output along v is the filter 1 - (1 - ηλ)^k times z: "
              "early stopping is a spectral filter", f"{_DOC} §4", Identity()),
    ]
    return Derivation("dong2019.air_rate", _TITLES["dong2019.air_rate"],
                      f"Du et al. 2019, Arora et al. 2019 [prior work]; {_DOC} §4",
                      "prior-work", tuple(S))


# ------------------------------------------------------------------------------- distill
def _distill():
    x = eta * lam
    g = (1 - (1 - x)**T) / lam
    pT = sp.Symbol("p_T", real=True)
    f1, f2, w1, w2 = sp.symbols("phi_1 phi_2 w_1 w_2", real=True)
    alpha = sp.MatrixSymbol(r"\alpha_k", n, 1)
    alpha1 = sp.MatrixSymbol(r"\alpha_{k+1}", n, 1)
    alpha_T = sp.MatrixSymbol(r"\alpha_T", n, 1)
    u_T = sp.MatrixSymbol("u_T", n, 1)
    h_x = sp.MatrixSymbol("h_x", 1, n)
    S = [
        _step(alpha1, ":=", alpha + eta * (y_t - H * alpha), "kernel GD in coefficient form: "
              "f_k(x) = H(x, X) alpha_k, u_k = H alpha_k, alpha_0 = 0", f"{_DOC} §5"),
        _step(s[k + 1], "=", (1 - x) * s[k] + eta * z, "along an eigen-direction v (H v = "
              "λ v): s_k = v^T alpha_k, z = v^T ỹ", f"{_DOC} §5",
              Along((alpha + eta * (y_t - H * alpha),), {s[k]: alpha, z: y_t})),
        _step(s[T], "=", g * z, "induction on T from s_0 = 0 (λ > 0): the teacher's "
              "coefficient at its stopping time T", f"{_DOC} §5",
              Recursion(T, lambda v: ((1 - x) * v[0] + eta * z,), (0,))),
        _step(pT, "=", lam * s[T], "the teacher's output along v at the training points, "
              "p_T = v^T u_T, u_T = H alpha_T", f"{_DOC} §5", Along((H * alpha_T,),
                                                                   {s[T]: alpha_T})),
        _step(sv[k], "=", (1 - (1 - x)**k) * pT / lam, "the student: the same recursion with "
              "target u_T (z replaced by p_T), from s'_0 = 0", f"{_DOC} §5",
              Recursion(k, lambda v: ((1 - x) * v[0] + eta * pT,), (0,))),
        _step(pT / lam, "=", s[T], "trained to convergence (k -> inf, |1 - ηλ| < 1) the "
              "student's coefficient is p_T/λ: exactly the teacher's s_T (step 4)",
              f"{_DOC} §5", Identity({pT: lam * s[T]}, "with step 4")),
        _step((f1 * w1 + f2 * w2)**2, "<=", (f1**2 + f2**2) * (w1**2 + w2**2),
              "Cauchy-Schwarz in the feature space (two coordinates shown): |H(x, X) v|^2 <= "
              "k(x, x) v^T H v, so a direction with λ = 0 (v^T H v = 0) contributes "
              "nothing at any point x, for teacher and student alike", f"{_DOC} §5",
              Sign({}, "a sum of squares (Lagrange's identity)")),
        _step(h_x * H.I * u_T, "=", h_x * alpha_T, "steps 6-7 for every "
              "eigen-direction: for H non-singular the converged student H(x, X) H^-1 u_T is "
              "the teacher H(x, X) alpha_T at every point x (h_x = H(x, X), a row), training "
              "points included", f"{_DOC} §5", MatrixCheck({**_SPECTRAL, u_T: H * alpha_T},
                                                           "u_T = H alpha_T")),
        _step(((1 - (1 - x)**T) * pT / lam - s[T]).subs(pT, lam * g * z), "=",
              -(1 - x)**T * g * z, "a student stopped at T as well is filtered twice, "
              "(1 - (1 - ηλ)^T)^2 z/λ: it differs from the teacher unless "
              "(1 - ηλ)^T is 0 or 1 (the mutant 'stopped')", f"{_DOC} §5",
              Identity({s[T]: g * z})),
    ]
    return Derivation("dong2019.distill_equals_early_stop",
                      _TITLES["dong2019.distill_equals_early_stop"], f"{_DOC} §5", "derived",
                      tuple(S))


# ------------------------------------------------------------------------------- soft rule
def _soft():
    x = eta * lam
    M = sp.Matrix([[1 - x, x], [a, 1 - a]])
    m_ = 1 - x - a
    pk = x / (x + a) * (1 - m_**k) * z
    qk = z - a / (x + a) * (1 - m_**k) * z
    S = [
        _step(sp.Matrix([[p[k + 1]], [q[k + 1]]]), "=",
              sp.MatMul(sp.ImmutableMatrix(M), sp.ImmutableMatrix([[p[k]], [q[k]]]),
                        evaluate=False),
              "the soft rule u' = u - η H (u - y_k), y' = (1 - a) y_k + a u along an "
              "eigen-direction v: p_k = v^T u_k, q_k = v^T y_k", f"{_DOC} §6",
              Along((u_k - eta * H * (u_k - y_k), (1 - a) * y_k + a * u_k),
                    {p[k]: u_k, q[k]: y_k})),
        _step(sp.Determinant(sp.ImmutableMatrix(M - sp.eye(2))), "=", 0, "1 is an eigenvalue of the 2 x 2 map M: every "
              "p = q is a fixed point", f"{_DOC} §6", Identity()),
        # the trace written as the sum of the diagonal entries (a 2 x 2 matrix inside a trace
        # does not fit the column of a paper)
        _step(sp.Add(M[0, 0], M[1, 1], -1, evaluate=False), "=", m_, "the other eigenvalue: "
              "μ = tr M - 1, the sum of the diagonal entries of M minus the eigenvalue 1",
              f"{_DOC} §6", Identity()),
        _step(sp.MatMul(sp.ImmutableMatrix([[a, x]]), sp.ImmutableMatrix(M), evaluate=False), "=",
              sp.ImmutableMatrix([[a, x]]), "(a, ηλ) is a left "
              "eigenvector for 1: a p_k + ηλ q_k is conserved, = ηλ z from "
              "(p_0, q_0) = (0, z), z = v^T ỹ", f"{_DOC} §6", ExplicitMatrix()),
        _step(p[k], "=", pk, "the solution from (0, z) (with q_k below)", f"{_DOC} §6",
              Recursion(k, lambda v: ((1 - x) * v[0] + x * v[1], a * v[0] + (1 - a) * v[1]),
                        (0, z), others=(qk,),
                        note=f"together with q_k = {sp.sstr(qk)}")),
        _step(m_**2 - 1, "=", (x + a) * (x + a - 2), "|μ| < 1 iff 0 < ηλ + a < 2: the "
              "iteration converges iff ηλ_max + a < 2", f"{_DOC} §6", Identity()),
        _step(p[sp.oo], "=", x / (a + x) * z, "as k -> inf, μ^k -> 0 in step 5: p_inf = "
              "q_inf (the labels converge to the outputs)", f"{_DOC} §6",
              GeometricLimit(pk, k, "μ = 1 - ηλ - a")),
        _step(q[sp.oo], "=", x / (a + x) * z, "the same limit for the labels", f"{_DOC} §6",
              GeometricLimit(qk, k, "μ = 1 - ηλ - a")),
        _step(x / (a + x), "=", lam / (lam + a / eta), "the limit filter is ridge regression "
              "with ridge a/η: u_inf = H (H + (a/η) I)^-1 ỹ, no early stopping needed",
              f"{_DOC} §6", Identity()),
        _step(lam / (lam + a / eta) - lam / (lam + a * eta), "=",
              a * lam * (eta**2 - 1) / ((eta * lam + a) * (lam + a * eta)),
              "the mutant 'ridge a η' differs unless η = 1", f"{_DOC} §6", Identity()),
        _step(x / (x + a), "<", 1, "every eigen-direction is shrunk (strictly, a > 0): the "
              "noise on small λ most, by λ/(λ + a/η)", f"{_DOC} §6",
              Sign({}, "a > 0")),
    ]
    return Derivation("dong2019.soft_sd_limit", _TITLES["dong2019.soft_sd_limit"],
                      f"{_DOC} §6", "derived", tuple(S))


# ------------------------------------------------------------------------------- re-anchored
def _reanchored():
    x = eta * lam
    xb = eta * (1 - beta) * lam
    defs = {**_SPECTRAL, t_k: (1 - beta) * y_t + beta * u_k,
            u_k1: u_k - eta * H * (u_k - t_k)}
    b_ = sp.Dummy("b", positive=True)
    S = [
        _step(t_k, ":=", (1 - beta) * y_t + beta * u_k, "the re-anchored target: a mix of the "
              "noisy labels and the current outputs (β in [0, 1) a mixing weight)",
              f"{_DOC} §6"),
        _step(u_k1, ":=", u_k - eta * H * (u_k - t_k), "a GD step on (1/2)||u - t_k||^2",
              f"{_DOC} §6"),
        _step(u_k1, "=", u_k - eta * (1 - beta) * H * (u_k - y_t), "substitute step 1: plain "
              "GD towards ỹ with step η (1 - β)", f"{_DOC} §6", MatrixCheck(defs)),
        _step(p[k + 1], "=", (1 - xb) * p[k] + xb * z, "along an eigen-direction v: p_k = "
              "v^T u_k, z = v^T ỹ", f"{_DOC} §6",
              Along((u_k - eta * H * (u_k - (1 - beta) * y_t - beta * u_k),),
                    {p[k]: u_k, z: y_t})),
        _step(p[k], "=", z + (1 - xb)**k * (p[0] - z), "induction on k", f"{_DOC} §6",
              Recursion(k, lambda v: ((1 - xb) * v[0] + xb * z,), (p[0],))),
        _step(p[k] - ((1 - xb) * p[k] + xb * z), "=", xb * (p[k] - z), "the only fixed point "
              "is p = z when λ > 0 and β < 1: the limit is ỹ itself (the noise is "
              "memorised), unlike the soft rule's ridge", f"{_DOC} §6", Identity()),
        _step(1 - eta * (1 - beta.subs(beta, 1 - b_)) * lam, ">", 1 - eta * lam,
              "re-anchoring only slows the fit (β = 1 - b, 0 < b <= 1, on 0 < ηλ "
              "< 1): the same filter reached later, not a different one", f"{_DOC} §6",
              Sign({b_: b_ / (1 + b_)}, "b in (0, 1)")),
    ]
    return Derivation("dong2019.reanchored_no_help", _TITLES["dong2019.reanchored_no_help"],
                      f"{_DOC} §6", "derived", tuple(S))


# ------------------------------------------------------------------------------- hard rule
def _hard():
    x = eta * lam
    P, Q, Mx, E_ = sp.symbols("P Q M E", nonnegative=True)
    e_ = sp.Symbol("e", real=True)
    d1, d2, w = (sp.Dummy(nm, nonnegative=True) for nm in ("d1", "d2", "w"))
    wp = sp.Dummy("w", positive=True)
    pk = (1 - x)**k * p[0] + x * q[0] * ((1 - x)**k - (1 - a)**k) / (a - x)
    S = [
        _step(q[k + 1], "=", (1 - a) * q[k], "once sign(u_k) = y*: the labels' error along v, "
              "q_k = v^T(y_k - y*), from y' = (1 - a) y + a y*", f"{_DOC} §9",
              Along(((1 - a) * y_k + a * y_s - y_s,), {q[k]: y_k - y_s})),
        _step(p[k + 1], "=", (1 - x) * p[k] + x * q[k], "the outputs' error p_k = v^T(u_k - "
              "y*) from u' = u - η H (u - y)", f"{_DOC} §9",
              Along((u_k - eta * H * (u_k - y_k) - y_s,), {p[k]: u_k - y_s, q[k]: y_k - y_s})),
        _step((1 - x) * P + x * Q, "<=", Mx, "with P = |p_k|, Q = |q_k| <= M = max(P, Q) and "
              "0 <= ηλ <= 1: |p_{k+1}| <= max(|p_k|, |q_k|)", f"{_DOC} §9",
              Sign({P: Mx - d1, Q: Mx - d2, eta: w / ((1 + w) * lam)},
                   "P = M - d_1, Q = M - d_2, ηλ = w/(1 + w)")),
        _step((1 - a)**2, "<=", 1, "0 < a <= 1: |q_{k+1}| <= |q_k|; by induction (steps 3-4) "
              "max(|p_j|, |q_j|) <= max(|p_k|, |q_k|) for every j >= k", f"{_DOC} §9",
              Sign({a: 1 / (1 + w)}, "a = 1/(1 + w), w >= 0")),
        _step(Mx**2, "<=", P**2 + Q**2, "max(|p_k|, |q_k|)^2 <= p_k^2 + q_k^2 (case M = P; the "
              "other is symmetric)", f"{_DOC} §9", Sign({P: Mx, Q: Mx - d2}, "M = P >= Q")),
        _step(Norm(V.T * (u_k - y_s))**2 + Norm(V.T * (y_k - y_s))**2, "=",
              Norm(u_k - y_s)**2 + Norm(y_k - y_s)**2, "V is orthogonal: summing steps 4-5 over "
              "the eigen-directions, ||u_j - y*|| <= R_k for every j >= k, where R_k^2 := "
              "||u_k - y*||^2 + ||y_k - y*||^2", f"{_DOC} §9", MatrixCheck()),
        _step(1 - E_, ">", 0, "the certificate R_k < 1: every entry error E = |u_{j,i} - y*_i| "
              "<= R_k < 1, so y*_i u_{j,i} >= 1 - E > 0 and sign(u_j) = y* for all j >= k (y* "
              "= +-1): the target stays y* and steps 1-2 hold from k on, by induction",
              f"{_DOC} §9", Sign({E_: 1 / (1 + wp)}, "E = 1/(1 + w) < 1")),
        _step(p[k], "=", pk, "the errors then solve the linear recursion of steps 1-2 (η "
              "λ != a); both terms decay (|1 - ηλ| < 1, |1 - a| < 1): u_k -> y*",
              f"{_DOC} §9", Recursion(k, lambda v: ((1 - x) * v[0] + x * v[1], (1 - a) * v[1]),
                                     (p[0], q[0]), others=((1 - a)**k * q[0],))),
        _step(1 + e_, ">=", 1 - sp.Abs(e_), "the margin: y*_i u_i = 1 + e with e = y*_i (u_i - "
              "y*_i), |e| <= ||u_j - y*|| -> 0, so min_i y*_i u_{j,i} -> 1", f"{_DOC} §9",
              SignCases(e_)),
    ]
    return Derivation("dong2019.hard_sd_margin", _TITLES["dong2019.hard_sd_margin"],
                      f"{_DOC} §9", "derived", tuple(S))


_TITLES = {
    "dong2019.air_rate": "Kernel GD in the eigenbasis: rate (1 − ηλ)^k and flow e^(−ηλt)",
    "dong2019.distill_equals_early_stop": "A converged student reproduces the teacher at T",
    "dong2019.soft_sd_limit": "The soft rule's 2 × 2 map: fixed point, rate, ridge a/η",
    "dong2019.reanchored_no_help": "The re-anchored target is GD with step η(1 − β)",
    "dong2019.hard_sd_margin": "The hard rule's certificate: R_k < 1 implies u_k → y*",
}

_BUILDERS = {
    "dong2019.air_rate": _air_rate,
    "dong2019.distill_equals_early_stop": _distill,
    "dong2019.soft_sd_limit": _soft,
    "dong2019.reanchored_no_help": _reanchored,
    "dong2019.hard_sd_margin": _hard,
}

#: Derivation id -> (title, builder).
DERIVATIONS = {did: (title, _BUILDERS[did]) for did, title in _TITLES.items()}
