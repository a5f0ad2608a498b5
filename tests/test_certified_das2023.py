"""Certified mode on designs: dense linear algebra on balls, exact derivatives by dual
numbers, the design ball engine, and the Das & Sanghavi 2023 claims it certifies.

Every expected value comes from an independent route: sympy's exact rational algebra (LU
solves, symbolic derivatives, eigenvalues) or the plain mp engine.
"""

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

pytest.importorskip("flint")

from proofs_check.certify import BallCache, certify_claim  # noqa: E402
from proofs_check.claim import Mutant, Outcome  # noqa: E402
from proofs_check.registry import catalogue  # noqa: E402
from theory import fixed_ridge_distill_design  # noqa: E402
from theory.ball import Ball, BallContext, UndecidedError  # noqa: E402
from theory.ball_linalg import inverse, solve  # noqa: E402
from theory.certified_ridge import fixed_ridge_design_ball  # noqa: E402
from theory.dual import Dual, derivative  # noqa: E402
from theory.errors import InputError  # noqa: E402

RNG = np.random.default_rng(20261201)


def _sym(M):
    return sp.Matrix([[sp.Rational(*Fraction(float(v)).as_integer_ratio()) for v in row]
                      for row in np.atleast_2d(M)])


def _col(v):
    return _sym(np.reshape(v, (-1, 1)))


def _frac(v):
    """A sympy Rational as a Fraction."""
    v = sp.Rational(v)
    return Fraction(int(v.p), int(v.q))


# ------------------------------------------------------------------ ball_linalg

@pytest.mark.parametrize("m", [1, 2, 4, 7])
def test_solve_over_q_is_sympys_exact_solution(m):
    A = RNG.standard_normal((m, m))
    b = RNG.standard_normal(m)
    exact = _sym(A).LUsolve(_col(b))
    x = solve([[Ball.exact(float(v), 128) for v in row] for row in A], list(b))
    for i in range(m):
        # each entry carries its exact rational: equal, not merely overlapping
        assert x[i] == _frac(exact[i]) and x[i].ex.aux == _frac(exact[i])


def test_inverse_of_balls_encloses_the_exact_inverse():
    A = RNG.standard_normal((4, 4))
    exact = _sym(A).inv()
    # balls without exact expressions: enclosures only
    Ainv = inverse([[Ball(Ball.exact(float(v), 96).v, 96) for v in row] for row in A])
    for i in range(4):
        for j in range(4):
            assert Ainv[i, j].overlaps(_frac(exact[i, j]))
            assert Ainv[i, j].width < 1e-20


def test_pivoting_skips_exact_zeros_and_singular_matrices_are_errors():
    x = solve([[Fraction(0), Fraction(2)], [Fraction(3), Fraction(0)]], [4, 9])
    assert list(x) == [3, 2]
    with pytest.raises(InputError, match="singular"):
        inverse([[Fraction(1), Fraction(2)], [Fraction(2), Fraction(4)]])
    with pytest.raises(InputError, match="square"):
        solve([[1, 2, 3]], [1])
    import flint
    fuzzy = Ball(flint.arb(0, 1e-10), 128)  # a pivot that may be 0: never guessed
    with pytest.raises(UndecidedError):
        solve([[fuzzy]], [1])


# ------------------------------------------------------------------ dual numbers

def test_dual_derivative_matches_sympy_through_a_dense_solve():
    A = RNG.standard_normal((3, 3))
    A = A @ A.T
    b = RNG.standard_normal(3)
    lam0 = Fraction(3, 7)
    t = sp.Symbol("t")
    f = (_sym(A) + t * sp.eye(3)).LUsolve(_col(b))
    expect = [_frac(sp.diff(f[i], t).subs(t, sp.Rational(3, 7))) for i in range(3)]

    def route(z):
        H = np.array([[Fraction(float(A[i, j])) + (z if i == j else 0) for j in range(3)]
                      for i in range(3)], dtype=object)
        return solve(H, [Fraction(float(v)) for v in b])
    got = derivative(route, lam0)
    assert [Fraction(g) for g in got] == expect


def test_dual_arithmetic_is_exact_first_order():
    x = Dual(Fraction(2), 1)
    y = (3 * x ** 3 - x / (x + 1)) ** 2
    t = sp.Symbol("t")
    e = (3 * t ** 3 - t / (t + 1)) ** 2
    assert y.re == _frac(e.subs(t, 2)) and y.eps == _frac(sp.diff(e, t).subs(t, 2))
    assert Dual(1, 2) != Dual(1, 3) and Dual(1, 0) == 1


# ------------------------------------------------------------------ the design engine

@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (1, 1)])
def test_design_engine_coefficients_are_the_exact_normal_equation_solutions(shape):
    n, d = shape
    X = RNG.standard_normal(shape)
    y = RNG.standard_normal(n)
    lam, xi = 0.3, [1.5, -0.25]
    tr = fixed_ridge_design_ball(X, y, lam, xi, 128)
    Xs = _sym(X)
    ys = _col(y)
    H = Xs.T * Xs + sp.Rational(*Fraction(lam).as_integer_ratio()) * sp.eye(d)
    target = ys
    for t in range(len(xi) + 1):
        theta = H.LUsolve(Xs.T * target)
        assert [c.ex.aux for c in tr.coefficients[t]] == [_frac(v) for v in theta]
        if t < len(xi):
            x = sp.Rational(*Fraction(xi[t]).as_integer_ratio())
            target = x * (Xs * theta) + (1 - x) * ys
    # the spectral side encloses the plain engine's 50-digit numbers
    mp = fixed_ridge_distill_design(X, y, lam, xi, dps=50)
    assert len(tr.eigenvalues) == len(mp.eigenvalues)
    for b, v in zip(tr.eigenvalues, mp.eigenvalues):
        assert b.overlaps(v) or abs(float(b) - float(v)) <= 1e-45 * max(1.0, float(v))
    for t in range(len(xi) + 1):
        for b, v in zip(tr.filters[t], mp.filters[t]):
            assert abs(float(b) - float(v)) <= 1e-40
    fitted = tr.fitted
    assert [f.ex.aux for f in fitted[0]] == [_frac(v) for v in Xs * H.LUsolve(Xs.T * ys)]


def test_design_engine_drops_exact_zero_directions_and_refuses_bad_input():
    X = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])  # rank 1: X^T X has an exact 0
    tr = fixed_ridge_design_ball(X, np.ones(3), 1.0, [0.5], 128, exact=True)
    assert len(tr.eigenvalues) == 1 and tr.eigenvalues[0] == 25  # exactly, by its name
    with pytest.raises(InputError):
        fixed_ridge_design_ball(X, np.ones(2), 1.0, [0.5], 128)
    with pytest.raises(InputError):
        fixed_ridge_design_ball(X, np.ones(3), -1.0, [0.5], 128)
    with pytest.raises(InputError):
        fixed_ridge_design_ball(X, np.ones(3), 1.0, [0.5], 16)
    # a tiny eigenvalue (about 1e-25) is told from 0 on the balls ...
    tiny = fixed_ridge_design_ball(np.array([[1.0, 1.0], [1.0, 1.0 + 2 ** -40], [1.0, 1.0]]),
                                   np.ones(3), 1.0, [], 128)
    assert len(tiny.eigenvalues) == 2 and 0 < tiny.eigenvalues[0] < 1e-20
    # ... but without exact names an exact 0 is not: undecided, never dropped by guess
    with pytest.raises(UndecidedError):
        fixed_ridge_design_ball(X, np.ones(3), 1.0, [0.5], 128)


# ------------------------------------------------------------------ the claims

CERTIFIED = ("das2023.student_mixed_target", "das2023.taylor_identity",
             "das2023.risk_quadratic", "das2023.xi_star", "das2023.isotropic_no_gain")


def _few(claim, k=4):
    """The claim on its k smallest fast-tier instances (and the instances its mutants are
    refuted on, found first by the K-order of certify_claim)."""
    insts = sorted(claim.domain("fast", 0), key=lambda i: np.size(i.X))[:k]
    return dataclasses.replace(claim, domain=lambda tier, seed: insts)


@pytest.mark.parametrize("cid", CERTIFIED)
def test_certifiable_das_claims_certify_and_refute_their_mutants(cid):
    claim = next(c for c in catalogue() if c.id == cid)
    r = certify_claim(_few(claim), cache=BallCache())
    assert r.status == "certified" and r.certified == r.instances == 4, (r.status, r.details)
    assert r.exact == 4  # identities: decided in exact arithmetic, width 0
    assert r.mutants and all(m.status == "certified-refuted" for m in r.mutants), r.mutants


@pytest.mark.parametrize("cid", ["das2023.xi_star_param", "das2023.high_noise_xi_gt_1"])
def test_the_not_certifiable_reasons_are_real(cid, monkeypatch):
    """Forced through certified mode anyway, these claims do not come back certified: the
    reasons they give are not modesty."""
    import proofs_check.certify as CE
    claim = next(c for c in catalogue() if c.id == cid)
    assert CE.certification(claim)[0] is None
    monkeypatch.setattr(CE, "certification", lambda c: ("full", ""))
    r = certify_claim(_few(claim, 2), cache=BallCache())
    assert r.certified < r.instances


def test_a_difference_below_every_float_precision_is_refuted():
    """A planted statement: the risk identity of risk_quadratic off by a relative 1e-60 in
    its quadratic term.  50-digit arithmetic cannot see it; exact arithmetic refutes it on
    every instance."""
    from proofs_check.papers.das2023 import claims as DC
    base = next(c for c in catalogue() if c.id == "das2023.risk_quadratic")

    def planted(rel):
        def evaluate(inst, traj, tools):
            dat = DC._Data(inst, traj)
            (R_S, R_T, dR, Q), _ = DC._risk_terms(dat)
            lam, xi = dat.lam, dat.xi
            off = R_S - (R_T + xi * lam * dR + xi * xi * lam * lam * Q * (1 + rel))
            return Outcome(-abs(off) / R_T, relation="==")
        return evaluate

    planted = dataclasses.replace(
        _few(base, 3), id="planted.risk_quadratic_1e-60", evaluate=planted(Fraction(1, 10 ** 60)),
        mutants=(Mutant("planted.risk_quadratic_1e-60~2e-60", "off by 2e-60",
                        planted(Fraction(2, 10 ** 60))),))
    import proofs_check.certify as CE
    from unittest import mock
    with mock.patch.object(CE, "certification", lambda c: ("full", "")):
        r = certify_claim(planted, cache=BallCache())
    assert r.certified_refuted == 3, [(d.verdict, d.detail) for d in r.details]
    assert all(abs(d.margin) < 1e-55 for d in r.details)
    # the plain check (float64, then 50 digits) reads the same statement as verified: the
    # difference lies below its resolution
    from proofs_check.check import check_claim
    assert check_claim(planted).status == "verified"


def test_ball_context_solves_and_eigenvalues():
    ctx = BallContext(128)
    A = np.array([[2.0, 1.0], [1.0, 2.0]])
    x = ctx.solve(A, [3.0, 3.0])
    assert x[0] == 1 and x[1] == 1
    ev = ctx.eigvalsh(A)
    assert ev[0].overlaps(1) and ev[1].overlaps(3)
    assert ctx.log(ctx.exp(2)).overlaps(2) and ctx.expm1(0) == 0
