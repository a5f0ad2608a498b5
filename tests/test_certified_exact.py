"""Certified mode's exact path: ties that no ball decides, decided in exact arithmetic.

Oracles: mpmath at 100-300 digits for the signs of algebraic numbers and for the secular
roots (findroot on the secular equation written with dense mp solves, and the single-level
closed form c_t = lambda/(r_0 - t - 1) derived by hand below); exact rational arithmetic
(fractions.Fraction) for the spectral projections and the fixed-ridge filters.
"""

import dataclasses
import io
import json
from fractions import Fraction

import numpy as np
import pytest

flint = pytest.importorskip("flint")

from proofs_check.certify import BallCache, certify_claim, cli_certified  # noqa: E402
from proofs_check.claim import Claim, Instance, Mutant, Outcome  # noqa: E402
from proofs_check.domains import spectral_problem  # noqa: E402
from proofs_check.registry import catalogue  # noqa: E402
from theory import bounds as bd  # noqa: E402
from theory import exact_real as X  # noqa: E402
from theory._mp import make_context  # noqa: E402
from theory.ball import Ball, BallContext, UndecidedError  # noqa: E402
from theory.certified import self_distill_ball  # noqa: E402
from theory.certified_exact import exact_spectrum  # noqa: E402
from theory.certified_ridge import fixed_ridge_ball  # noqa: E402

BY_ID = {c.id: c for c in catalogue()}
#: this module's toy claims, certifiable (certify reads CERTIFIABLE where evaluate lives)
CERTIFIABLE = frozenset({"toy.c_above_lower_strict", "toy.secular_residual"})


def _mp_sign(ctx, x):
    return (x > 0) - (x < 0)


# ------------------------------------------------------------------ exact_real
def test_signs_of_algebraic_numbers_agree_with_300_digit_evaluation():
    # at 30 bits every ball below straddles 0, so each sign comes from exact arithmetic
    p = 30
    two, three, six = (Ball.exact(v, p) for v in (2, 3, 6))
    r2, r3, r6 = two.sqrt(), three.sqrt(), six.sqrt()
    pell = Fraction(665857, 470832)  # a convergent of sqrt(2): |sqrt 2 - pell| ~ 1.6e-12
    cases = [
        (r2 * r3 - r6, lambda c: c.sqrt(2) * c.sqrt(3) - c.sqrt(6)),
        (r2 + r3 - (5 + 2 * r6).sqrt(),
         lambda c: c.sqrt(2) + c.sqrt(3) - c.sqrt(5 + 2 * c.sqrt(6))),
        ((r2 - 1) ** 2 - (3 - 2 * r2), lambda c: (c.sqrt(2) - 1) ** 2 - (3 - 2 * c.sqrt(2))),
        (r2 - Ball.exact(pell, p), lambda c: c.sqrt(2) - c.mpf(pell.numerator) / pell.denominator),
        (r6 - r2 * r3 + Ball.exact(2, p) ** -40,
         lambda c: c.sqrt(6) - c.sqrt(2) * c.sqrt(3) + c.mpf(2) ** -40),
    ]
    ctx = make_context(300)
    for ball, ref in cases:
        assert ball.contains(0), ball  # the balls alone cannot decide
        want = _mp_sign(ctx, ref(ctx)) if abs(ref(ctx)) > ctx.mpf(10) ** -250 else 0
        got = (ball > 0) - (ball < 0)
        assert got == want, (ball, want)
        assert (ball == 0) == (want == 0)


def test_identities_with_opaque_names_and_what_they_cannot_decide():
    x = Ball(flint.arb(0.7, 1e-3), 64, X.leaf(X.Var("x")))  # known only by its ball
    y = Ball(flint.arb(0.7, 1e-3), 64, X.leaf(X.Var("y")))
    assert (x + y) ** 2 - x * x - 2 * x * y - y * y == 0  # for every value: an identity
    assert x / (x + 1) + 1 / (x + 1) == 1
    s = x.sqrt()  # sqrt of an opaque number: s^2 = x is still used
    assert s * s == x and (x / s) ** 2 == x
    with pytest.raises(UndecidedError, match="known only by its enclosure"):
        _ = x < y  # two different opaque numbers with overlapping balls


def test_degree_cap_gives_up_with_a_reason():
    # five roots, each of a quartic over the previous one: elimination would reach 4^5
    prev, p = X.const(1), 64
    for k in range(5):
        v = X.Var(f"c[{k}]")
        c = X.leaf(v)
        v.relation = X.sub(X.power(c, 4), X.add(prev, X.const(2)))
        prev = c
    with flint.ctx.workprec(p):
        with pytest.raises(X.ExactUndecided, match="cap of exact decisions") as exc:
            X.sign(X.sub(X.power(prev, 4), X.add(X.const(3), X.const(0))), flint.arb(0, 1))
    assert "1024" in exc.value.reason


def _risk_identity(m, d, sigma2, p, scale_oracle=1):
    """(1/n) sum (m^2 + s^2)(p - p*)^2 + R_or - (1/n) sum [m^2 (1 - p)^2 + s^2 p^2], with
    p* = m^2/(m^2 + k s^2) (k = scale_oracle): 0 for every value when k = 1 (expand it)."""
    th = [mj / dj.sqrt() if hasattr(dj, "sqrt") else None for mj, dj in zip(m, d)]
    lhs = rhs = 0
    for mj, dj, tj, pj in zip(m, d, th, p):
        snr = dj * tj * tj  # = m_j^2 through theta_j = m_j/sqrt(d_j)
        pst = snr / (snr + scale_oracle * sigma2)
        lhs = lhs + (mj * mj + sigma2) * (pj - pst) ** 2 + snr / (snr + sigma2) * sigma2
        rhs = rhs + mj * mj * (1 - pj) ** 2 + sigma2 * pj * pj
    return lhs - rhs


def _risk_identity_at(U, mu, d, sigma2, p, scale_oracle=1):
    """The same expression in exact rationals at one point (no square roots: snr = m^2)."""
    m = [sum(U[i][j] * mu[i] for i in range(len(mu))) for j in range(len(mu))]
    out = Fraction(0)
    for mj, pj in zip(m, p):
        snr = mj * mj
        pst = snr / (snr + scale_oracle * sigma2)
        out += (snr + sigma2) * (pj - pst) ** 2 + snr / (snr + sigma2) * sigma2
        out -= snr * (1 - pj) ** 2 + sigma2 * pj * pj
    return out


@pytest.mark.parametrize("K", [3, 6, 8])
def test_projections_on_opaque_eigenvectors_beyond_the_term_cap(K):
    # the fixed-ridge risk identity on projections m_j = u_j^T mu of opaque eigenvectors
    # (K terms each) and opaque eigenvalues under square roots (sqrt(d)^2 folded into d):
    # at K = 8 its rational function exceeds the cap written out, and is decided an
    # identity with the projections generalised.  The perturbed oracle (2 sigma^2) is not one, and stays
    # undecided.  Oracle: the same expression in exact rationals at random points.
    rng = np.random.default_rng(K)
    prec = 64
    U = [[Ball(flint.arb(float(rng.uniform(-1, 1)), 1e-3), prec, X.leaf(X.Var(f"U[{i},{j}]")))
          for j in range(K)] for i in range(K)]
    d = [Ball(flint.arb(float(1 + j), 1e-3), prec, X.leaf(X.Var(f"d[{j}]"))) for j in range(K)]
    mu = [Fraction(int(v), 7) for v in rng.integers(-20, 20, K)]
    p = [Fraction(int(v), 11) for v in rng.integers(1, 10, K)]
    sigma2 = Fraction(3, 2)
    m = [sum((U[i][j] * Ball.exact(mu[i], prec) for i in range(1, K)),
             U[0][j] * Ball.exact(mu[0], prec)) for j in range(K)]
    Pb = [Ball.exact(v, prec) for v in p]
    S = Ball.exact(sigma2, prec)
    e = _risk_identity(m, d, S, Pb)
    if K == 8:  # written out, it is too large: the generalisation decides it
        with flint.ctx.workprec(prec), pytest.raises(X.ExactUndecided, match="cap of exact"):
            X._annihilator_of(e.ex)
    assert e == 0
    try:  # decided non-zero by its ball, or undecided: never an identity
        wrong = _risk_identity(m, d, S, Pb, scale_oracle=2) == 0
    except UndecidedError:
        wrong = False
    assert not wrong
    for _ in range(3):  # the oracle: exact rationals at random points
        Uq = [[Fraction(int(v), 13) for v in rng.integers(-13, 14, K)] for _ in range(K)]
        assert _risk_identity_at(Uq, mu, None, sigma2, p) == 0
        assert _risk_identity_at(Uq, mu, None, sigma2, p, scale_oracle=2) != 0


def test_generalised_forms_forget_their_expansion_and_decide_less():
    # m1 = x + y and m2 = x - y are two fresh names once generalised: m1^2 - m2^2 - 4xy = 0
    # needs their expansion, so beyond the cap it stays undecided, never a wrong 0
    x, y = (X.leaf(X.Var(n)) for n in "xy")
    m1, m2 = X.add(x, y), X.sub(x, y)
    e = X.sub(X.sub(X.mul(m1, m1), X.mul(m2, m2)), X.mul(X.const(4), X.mul(x, y)))
    gen, count = X._generalise(e)
    assert count == 2 and len(X._names(gen)) == 2 + 2  # x, y still occur in 4xy
    z = X.leaf(X.Var("z"))
    _, nested = X._generalise(X.mul(X.add(m1, z), X.add(m1, z)))  # x + y inside x + y + z
    assert nested == 1  # only the maximal form is named
    with flint.ctx.workprec(64):
        assert X.sign(e, flint.arb(0, 1e-3)) == 0  # small: expanded, decided
        with pytest.raises(X.ExactUndecided, match="known only by its enclosure"):
            X.sign(gen, flint.arb(0, 1e-3))  # generalised: not an identity any more


def test_equal_computations_are_equal_without_expanding_them():
    # a product of 40 binomials in distinct opaque names, built twice: 2^40 terms if
    # expanded; the structural identity decides it at once
    names = [Ball(flint.arb(1 + k / 100, 1e-3), 64, X.leaf(X.Var(f"v{k}"))) for k in range(40)]

    def product():
        out = names[0] + 1
        for v in names[1:]:
            out = out * (v + 1)
        return out
    a, b = product(), product()
    assert a is not b and a == b and not a < b


def test_ball_context_runs_mp_code_on_balls():
    ctx = BallContext(128)
    x = ctx.fsum([ctx.mpf(Fraction(1, 3)), ctx.mpf("0.1"), ctx.sqrt(2)])
    assert isinstance(x, Ball) and x.ex is not None
    assert x - ctx.sqrt(2) == Fraction(13, 30)  # the exact rationals are kept
    assert ctx.fdot([1, 2], [ctx.one, ctx.mpf(0.5)]) == 2 and ctx.nan.width == float("inf")


# ------------------------------------------------------------------ exact spectra
@pytest.mark.parametrize("mixing,K,levels,mults", [
    ("householder", 4, (2.0 ** -20, 2.0 ** -10, 1.0), (1, 2, 1)),
    ("householder", 8, (2.0 ** -27, 2.0 ** -13, 1.0), (4, 2, 2)),
    ("diagonal", 3, (2.0 ** -10, 1.0), (2, 1)),
])
def test_exact_spectrum_of_the_exact_families(mixing, K, levels, mults):
    p = spectral_problem(mixing, K, levels, mults, seed=3)
    sp = exact_spectrum(p.G)
    assert sp.rational and sp.values == sorted(Fraction(float(v)) for v in p.d)
    proj = sp.project(p.y)
    Gq = [[Fraction(float(v)) for v in row] for row in p.G]
    yq = [Fraction(float(v)) for v in p.y]
    assert [sum(v[i] for v in proj.values()) for i in range(K)] == yq  # sum_lambda P y = y
    for lam, v in proj.items():  # G P_lambda y = lambda P_lambda y, exactly
        assert [sum(Gq[i][j] * v[j] for j in range(K)) for i in range(K)] == [lam * x for x in v]


def test_irrational_spectrum_is_opaque_with_a_reason():
    G = np.array([[2.0, 1.0], [1.0, 1.0]])  # eigenvalues (3 +- sqrt 5)/2
    sp = exact_spectrum(G)
    assert not sp.rational and "irreducible factor of degree 2" in sp.reason


# ------------------------------------------------------------------ self-distillation
def test_collapse_tie_is_decided_exactly():
    # kappa = 1: ||y_{t+1}|| = ||y_t|| - sqrt(K eps) (one level: c/(c + d) = a/||y_t||), so
    # with r_0 = ||y||/sqrt(K eps) = 2 exactly, ||y_1||^2 = K eps and T = ceil(r_0 - 1) = 1
    G, y, eps = np.eye(4) * 0.5, np.full(4, 0.5), 1.0 / 16
    with pytest.raises(UndecidedError, match="collapse test"):
        self_distill_ball(G, y, eps, 128)
    tr = self_distill_ball(G, y, eps, 128, exact=True)
    assert tr.collapse_round == 1 and tr.exact_decisions >= 1
    a = bd.sqrt(tr.norms[0] * 0 + 4 * eps)
    assert tr.norms[1] ** 2 == 4 * eps and tr.norms[1] == tr.norms[0] - a


def _secular_root_mp(ctx, G, y, Keps, guess):
    """c with ||c (cI + G)^-1 y||^2 = K eps, by findroot on dense mp solves (no eigenbasis)."""
    K = len(y)

    def resid(c):
        A = ctx.matrix([[G[i][j] + (c if i == j else 0) for j in range(K)] for i in range(K)])
        r = ctx.lu_solve(A, ctx.matrix(y)) * c
        return sum(r[i] ** 2 for i in range(K)) - Keps
    return ctx.findroot(resid, guess, solver="secant")


def test_single_level_closed_form_against_a_100_digit_secular_root():
    # G = d I: c_t/(c_t + d) = a/||y_t|| and ||y_{t+1}|| = ||y_t|| - a (a = sqrt(K eps)),
    # so ||y_t|| = ||y|| - t a and c_t = d a/(||y|| - (t + 1) a) = d/(r_0 - t - 1)
    d, y, eps = 0.375, np.array([0.75, -0.5, 1.25]), 0.03
    G = np.eye(3) * d
    tr = self_distill_ball(G, y, eps, 384, exact=True)
    ctx = make_context(100)
    Keps = 3 * ctx.mpf(eps)
    r0 = ctx.sqrt(sum(ctx.mpf(v) ** 2 for v in y) / Keps)
    Gm = [[ctx.mpf(G[i][j]) for j in range(3)] for i in range(3)]
    yt = [ctx.mpf(v) for v in y]
    assert tr.collapse_round == int(ctx.ceil(r0 - 1)) >= 4
    for t in range(tr.collapse_round):
        closed = ctx.mpf(d) / (r0 - t - 1)
        c = _secular_root_mp(ctx, Gm, yt, Keps, closed * (1 + ctx.mpf(10) ** -3))
        assert abs(c - closed) <= ctx.mpf(10) ** -90 * closed
        with flint.ctx.workprec(600):  # the ball holds the 100-digit root (to its error)
            cm = flint.arb(ctx.nstr(c, 100)) * (1 + flint.arb(0, 1e-95))
            assert tr.c[t].v.overlaps(cm) and tr.c[t].width < 1e-100 * float(c)
        # c_t equals its lower bound a d_min/(||y_t|| - a) exactly (and the upper, kappa = 1)
        a = bd.sqrt(3 * (tr.norms[0] * 0 + eps))
        lo, hi = bd.c_bounds(tr.norms[t], a, tr.eigenvalues[0], tr.eigenvalues[-1])
        assert tr.c[t] == lo and tr.c[t] == hi and not tr.c[t] > lo
        A = ctx.matrix([[Gm[i][j] + (c if i == j else 0) for j in range(3)] for i in range(3)])
        fit = ctx.lu_solve(A, ctx.matrix(yt))
        # y_{t+1} = G (c I + G)^-1 y_t
        yt = [sum(Gm[i][j] * fit[j] for j in range(3)) for i in range(3)]


def _c_above_lower(inst, traj, tools):
    """c_0 > a d_min/(||y|| - a), strictly (false exactly when y has one level, d_min)."""
    a = bd.sqrt(inst.K * (traj.norms[0] * 0 + inst.eps))
    lo, _ = bd.c_bounds(traj.norms[0], a, traj.eigenvalues[0], traj.eigenvalues[-1])
    return Outcome.compare(traj.c[0], ">", lo)


def test_strict_variant_of_an_attained_bound_is_certified_refuted():
    tie = Instance("tie:kappa1", "test", np.eye(2) * 0.5, np.array([1.0, 0.5]), 0.1)
    generic = Instance("generic:kappa4", "test", np.diag([0.125, 0.5]), np.array([1.0, 0.5]), 0.1)
    claim = Claim("toy.c_above_lower_strict", "toy", "-", "derived", "c_0 > lower bound",
                  "c_0 > lower", lambda tier, seed: [generic, tie], _c_above_lower,
                  (Mutant("toy.c_above_lower_strict~m", "m", _c_above_lower),))
    r = certify_claim(claim, prec_bits=128, max_bits=256)
    v = {d.id: d for d in r.details}
    assert v["generic:kappa4"].verdict == "certified" and not v["generic:kappa4"].exact
    assert v["tie:kappa1"].verdict == "certified-refuted" and v["tie:kappa1"].exact
    assert v["tie:kappa1"].margin == 0.0 and r.status == "refuted"
    assert r.counterexample["id"] == "tie:kappa1"


def _secular_residual(t):
    """The secular equation of round t, sum_lambda W B_t^2 (c/(c + lambda))^2 = K eps, as an
    identity (true on every instance; exact only by elimination, not by structure)."""
    def evaluate(inst, traj, tools):
        if traj.model is None:  # the weights W are the model's: ask for the exact run
            raise UndecidedError("the toy claim reads the exact model", float("inf"), 128)
        lhs = 0
        for k, lam in enumerate(traj.model.spec.values):
            if lam in traj.model.weights and k == traj.model.spec.values.index(lam):
                c, d = traj.c[t], traj.eigenvalues[k]
                lhs = lhs + traj.model.weights[lam] * traj.B[t][k] ** 2 * (c / (c + d)) ** 2
        return Outcome.identity(lhs, inst.K * (traj.norms[0] * 0 + inst.eps))
    return evaluate


def test_secular_identity_decided_at_round_0_and_beyond_the_cap_undecided():
    G, y = np.diag([0.25, 1.0]), np.array([1.0, 0.75])
    inst = Instance("two-levels", "test", G, y, 0.001 * float(y @ y) / 2)
    out = {}
    for t in (0, 4):
        claim = Claim("toy.secular_residual", "toy", "-", "derived", "S", "S",
                      lambda tier, seed: [inst], _secular_residual(t),
                      (Mutant("toy.secular_residual~m", "m", _secular_residual(t)),))
        out[t] = certify_claim(claim, prec_bits=128, max_bits=128)
    assert out[0].status == "certified" and out[0].exact == 1  # degree 4: eliminated
    und = out[4].details[0]
    assert out[4].status == "undecided" and und.verdict == "undecided"
    assert "cap of exact decisions" in und.detail  # c_0..c_4, each quartic: 4^5 > 256


# ------------------------------------------------------------------ fixed ridge
def _filters_fraction(a, xi):
    f = [a]
    for x in xi:
        f.append(a * ((1 - x) + x * f[-1]))
    return f


def test_ridge_identity_certified_exactly_and_checked_in_rationals():
    claim = BY_ID["pareek2024.polynomial_form"]
    insts = [i for i in claim.domain("fast", 0) if len(i.xi) >= 2][:3]
    r = certify_claim(dataclasses.replace(claim, domain=lambda tier, seed: insts))
    assert r.status == "certified" and r.certified == r.exact == len(insts)
    assert all(m.status == "certified-refuted" for m in r.mutants)
    # the identity f_k(a) = sum_i c_i a^i at the exact a_j of a diagonal instance, by
    # exact rational recursion (Fractions), and the ball engine's exact verdict on it
    G, lam, xi = np.diag([0.25, 1.0, 3.0]), 0.5, [0.5, 2.0, -1.5]
    tr = fixed_ridge_ball(G, np.ones(3), lam, xi, 128, exact=True)
    from theory.ridge_filters import filter_coefficients_f64
    cq = [Fraction(float(v)) for v in filter_coefficients_f64(xi)]
    for j, dj in enumerate((0.25, 1.0, 3.0)):
        aq = Fraction(dj) / (Fraction(dj) + Fraction(lam))
        fq = _filters_fraction(aq, [Fraction(v) for v in xi])[-1]
        assert fq == sum(c * aq ** (i + 1) for i, c in enumerate(cq))
        poly = sum(c * tr.a[j] ** (i + 1) for i, c in enumerate(cq))
        assert tr.filters[-1][j] == poly and tr.filters[-1][j] == fq  # decided exactly


def test_published_reading_certified_refuted_and_confirmed_in_rationals():
    claim = BY_ID["borup2021.ratio_not_monotone"]
    pinned = [i for i in claim.domain("fast", 0) if i.id.startswith("pair:pinned")]
    r = certify_claim(dataclasses.replace(claim, domain=lambda tier, seed: pinned))
    assert r.status == "refuted" and r.ok and r.certified_refuted == 1
    assert r.counterexample["id"] == pinned[0].id and r.counterexample["margin"] < 0
    assert r.mutants[0].status == "certified-refuted"
    # R_tau = b_tau(a_j)/b_tau(a_k) in exact rationals: R_3 < R_2 (it decreases)
    inst = pinned[0]
    d = sorted(Fraction(float(v)) for v in np.diag(inst.G))
    a = [v / (v + Fraction(float(inst.lam))) for v in d]
    xi = [Fraction(float(v)) for v in inst.xi]
    fk, fj = _filters_fraction(a[0], xi), _filters_fraction(a[1], xi)
    R = [fj[t] / fk[t] for t in range(len(xi) + 1)]
    assert R[2] < R[1] and R[1] > R[0]  # "R_2 -> R_3" in the detail is rows 1 -> 2


def test_cli_reports_the_cost_ratio():
    out, js = io.StringIO(), io.StringIO()
    rc = cli_certified(["pareek2024.inverse_map"], "fast", 0, out)
    assert rc == 0
    last = out.getvalue().rstrip().splitlines()[-1]
    assert last.startswith("cost on the 1 certifiable claims") and "ratio" in last
    rc = cli_certified(["pareek2024.inverse_map"], "fast", 0, js, as_json=True)
    cost = json.loads(js.getvalue())["run"]["cost"]
    assert cost["claims"] == 1 and cost["plain_seconds"] > 0 and cost["ratio"] > 0
    assert list(cost["per_claim"]) == ["pareek2024.inverse_map"]


def test_fixed_ridge_catalogues_certified_on_the_fast_tier():
    cache = BallCache()
    # borup2021.closed_form (151 instances, every one an exact decision, about 4 minutes)
    # is covered by the slow test of tests/test_certified_borup2021.py
    ridge = [c for c in catalogue() if c.id.split(".")[0] in ("pareek2024", "borup2021",
                                                                "das2023")
             and c.id != "borup2021.closed_form"]
    results = {c.id: certify_claim(c, cache=cache) for c in ridge}
    for cid, r in results.items():
        assert r.ok, (cid, r.status, r.reason)
        if r.status == "not certifiable":
            assert r.reason and r.certified == 0 and r.not_certifiable == r.instances
            continue
        assert r.errors == 0
        assert all(m.status == "certified-refuted" for m in r.mutants) and r.mutants
        if cid == "pareek2024.risk_quadratic_in_c":
            # its non-diagonal instances (rotated or Householder-mixed G: opaque eigenvectors
            # and eigenvalues) are exact ties decided by generalising the projections
            mixed = [i for i in r.details if any(w in i.id for w in ("householder", "rotation",
                                                                      ":ab-"))]
            assert len(mixed) >= 7 and all(i.verdict == "certified" for i in mixed)
        assert r.undecided == 0
        if cid == "borup2021.ratio_not_monotone":  # a published reading: refuted
            assert r.status == "refuted" and r.certified_refuted > 0
            assert r.certified_refuted + r.certified + r.skipped == r.instances
        else:
            assert r.status == "certified" and r.certified == r.instances
    assert sorted(cid for cid, r in results.items() if r.status == "certified") == [
        "borup2021.dampening", "borup2021.toy_numbers",
        "das2023.isotropic_no_gain", "das2023.risk_quadratic", "das2023.student_mixed_target",
        "das2023.taylor_identity", "das2023.xi_star",
        "pareek2024.inverse_map", "pareek2024.no_gain_cases", "pareek2024.polynomial_form",
        "pareek2024.risk_quadratic_in_c", "pareek2024.separation_ridge"]
