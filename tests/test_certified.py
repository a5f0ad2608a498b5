"""Certified mode: ball numbers, eigen-enclosures, the ball trajectory and the certifier.

Oracles: the confirmed 50-digit mp engine (theory.self_distill, eigh_mp + Newton) for the
trajectories; Arb's own verified eigenvalue routine (acb_mat.eig, a different algorithm)
and eigenpair residuals for the eigen-enclosures; mpmath's secant root finder on the
secular equation written out for a diagonal K = 2 problem.
"""

import dataclasses
import io
import json
import math

import numpy as np
import pytest

flint = pytest.importorskip("flint")

from proofs_check import certify  # noqa: E402
from proofs_check.certify import (BallCache, certified_json, certify_claim,  # noqa: E402
                                  cli_certified, render_certified_table)
from proofs_check.claim import Instance, Mutant, Outcome  # noqa: E402
from proofs_check.domains import rotated_spectrum, spectrum  # noqa: E402
from proofs_check.papers.mobahi2020.claims import CERTIFIABLE as MOBAHI_CERTIFIABLE  # noqa: E402
from proofs_check.papers.mobahi2020.claims import CLAIMS  # noqa: E402
from proofs_check.papers.mobahi2020.domains import standard_domain, threshold_domain  # noqa: E402
from theory import bounds as bd  # noqa: E402
from theory import self_distill  # noqa: E402
from theory._mp import make_context  # noqa: E402
from theory.ball import Ball, UndecidedError  # noqa: E402
from theory.certified import self_distill_ball  # noqa: E402
from theory.eigen_ball import eigh_ball  # noqa: E402
from theory.certified_ridge import fixed_ridge_ball  # noqa: E402
from theory import fixed_ridge_distill  # noqa: E402
from proofs_check.claim import Claim  # noqa: E402
from proofs_check.engines import FIXED_RIDGE  # noqa: E402

BY_ID = {c.id: c for c in CLAIMS}
#: this module's own certifiable toy claims (certify reads CERTIFIABLE in the module that
#: defines a claim's evaluate)
CERTIFIABLE_HERE = frozenset({"toyridge.student_below_teacher", "toy.faulty", "toy.constant"})
CERTIFIABLE = CERTIFIABLE_HERE
MP_DPS = 50
#: the mp trajectory is confirmed to 50 digits; 2 digits of slack as in the checker's rule
MP_TOL = 10.0 ** (2 - MP_DPS)


def _laplace(K, seed=3):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, 1, K))
    G = np.exp(-np.abs(x[:, None] - x[None, :]) / 0.2) / (2 * 0.2 * K)
    y = np.sin(2 * np.pi * x) + 0.3 * rng.standard_normal(K)
    return G, y


def _instances():
    G, y = _laplace(7)
    Gk = rotated_spectrum(spectrum("geometric", 6, 1e8), 5) / 6
    yk = np.random.default_rng(6).standard_normal(6)
    return {
        "laplace-K7": (G, y, 0.05 * float(y @ y) / 7),
        "K1": (np.array([[0.7]]), np.array([1.3]), 0.0123),
        "diag-repeats": (np.diag([0.25, 0.5, 0.25, 0.5, 0.125]),
                         np.array([1.0, -0.5, 0.3, 2.0, 0.7]), 0.01),
        "kappa1e8": (Gk, yk, 0.02 * float(yk @ yk) / 6),
    }


def _inside(ball, m, tol):
    """``m`` (mpf) lies in the ball widened by ``tol * |m|`` (the mp value's own error)."""
    with flint.ctx.workprec(2000):  # wide enough to hold both ends and the mpf exactly
        lo, hi, x = ball.lower_end().v, ball.upper_end().v, flint.arb(m)
        t = abs(x) * tol
        return bool(lo - t <= x and x <= hi + t)


# ------------------------------------------------------------------------------ Ball
def _bare(b):
    """The same ball without its exact expression (only the enclosure is known)."""
    return Ball(b.v, b.prec)


def test_ball_comparisons_decide_or_raise():
    third = Ball.exact(1, 128) / 3
    assert third < 0.34 and third > 0.33 and third != 0.5
    assert Ball.exact(0.1, 64).is_exact  # a float64 is held exactly
    # [1 +- r]: equal and unequal points both inside; the bare ball cannot tell
    with pytest.raises(UndecidedError) as exc:
        _ = _bare(third) * 3 == 1
    assert exc.value.width > 0 and exc.value.prec == 128
    with pytest.raises(UndecidedError):
        bool(_bare(third) * 3 - 1)
    # with its expression (1/3 of an exact 1) the tie is decided exactly
    assert third * 3 == 1 and not third * 3 > 1 and not bool(third * 3 - 1)
    assert (third - third) == 0 and (third / third) == 1 and third + 0 is third
    assert not (third < third) and third <= third  # the same number
    assert Ball.exact(2.5, 64) < math.inf and not Ball.exact(2.5, 64) == math.inf


def test_ball_ceil_and_bounds_branches():
    assert bd.ceil(Ball.exact(2.5, 64)) == 3 and bd.ceil(Ball.exact(3, 64)) == 3
    three = Ball.exact(1, 128) / 3 * 9  # an enclosure of 3 reaching above it
    with pytest.raises(UndecidedError):
        bd.ceil(_bare(three))
    assert bd.ceil(three) == 3 and three.floor() == 3 and int(three) == 3  # exactly 3
    assert bd.ceil(three + Ball.exact(2, 128) ** -200) == 4  # 3 + 2^-200: decided by balls
    root2 = bd.sqrt(Ball.exact(2, 200))
    assert isinstance(root2, Ball) and root2.contains(make_context(40).sqrt(2)) is False
    assert root2.width < 1e-55 and abs(float(root2) - math.sqrt(2)) < 1e-15
    # float and mpf behaviour unchanged
    ctx = make_context(30)
    assert bd.sqrt(2.0) == math.sqrt(2.0) and bd.ceil(2.5) == 3 and bd.ceil(math.inf) == math.inf
    assert bd.sqrt(ctx.mpf(2)) == ctx.sqrt(2) and bd.ceil(ctx.mpf("2.000001")) == 3


def test_step_counts_on_balls_match_the_points():
    for r0, kappa in ((5.5, 1.0), (1.8, 1e3), (3.0, 10.0)):
        rb, kb = Ball.exact(r0, 192), Ball.exact(kappa, 192)
        assert bd.steps_upper_map(rb, kb) == bd.steps_upper_map(r0, kappa)
        assert bd.steps_lower_map(rb, kb) == bd.steps_lower_map(r0, kappa)
    # a ball reaching across a count boundary (r0 = 3 exactly needs 2 steps at kappa = 1,
    # anything above needs 3) is undecided, never a guess: the counts iterate from the
    # corners of the enclosure (theory.bounds), so not even its exact expression helps
    r0 = Ball.exact(3, 128) + Ball.exact(1, 128) / 3 * 3 - 1
    for x in (_bare(r0), r0):
        with pytest.raises(UndecidedError):
            bd.steps_lower_map(x, 1.0)


# ------------------------------------------------------------------------------ eigen
@pytest.mark.parametrize("name", ["laplace-K7", "kappa1e8"])
def test_eigen_enclosure_against_arb_and_residuals(name):
    G = _instances()[name][0]
    e = eigh_ball(G, 192)
    K = G.shape[0]
    with flint.ctx.workprec(192):
        # Arb's own verified eigenvalues (a different algorithm) overlap ours
        theirs = sorted(flint.acb_mat(G.tolist()).eig(algorithm="rump"),
                        key=lambda z: float(z.real))
        for ours, z in zip(e.values, theirs):
            assert ours.v.overlaps(z.real)
        Q = flint.arb_mat([[e.vectors[i, k].v for k in range(K)] for i in range(K)])
        A = flint.arb_mat(G.tolist())
        # Q^T Q = I and G q_k = d_k q_k hold for the enclosed exact eigenpairs
        QtQ = Q.transpose() * Q
        AQ = A * Q
        for i in range(K):
            for k in range(K):
                assert QtQ[i, k].contains(1 if i == k else 0)
                assert (AQ[i, k] - e.values[k].v * Q[i, k]).contains(0)
    assert all(len(J) == 1 for J in e.clusters)


def test_eigen_enclosure_clusters_an_exact_repeat():
    # J (all ones)/4 plus I/4: eigenvalue 1/4 repeated three times, 1 once (exactly)
    G = (np.ones((4, 4)) + np.eye(4)) / 4.0
    e = eigh_ball(G, 128)
    assert (0, 1, 2) in e.clusters and e.values[3].contains(1.25)
    assert all(v.contains(0.25) for v in e.values[:3])


# ------------------------------------------------------------------------------ trajectories
@pytest.mark.parametrize("name", ["laplace-K7", "K1", "diag-repeats", "kappa1e8"])
def test_ball_trajectory_encloses_the_mp_trajectory(name):
    G, y, eps = _instances()[name]
    mp = self_distill(G, y, eps, dps=MP_DPS)
    wide, narrow = self_distill_ball(G, y, eps, 128), self_distill_ball(G, y, eps, 256)
    assert wide.collapse_round == narrow.collapse_round == mp.collapse_round >= 1
    for tr in (wide, narrow):
        pairs = (list(zip(tr.c, mp.c)) + list(zip(tr.norms, mp.norms))
                 + list(zip(tr.B.reshape(-1), mp.B.reshape(-1)))
                 + list(zip(tr.eigenvalues, mp.eigenvalues)))
        bad = [(b, m) for b, m in pairs if not _inside(b, m, MP_TOL)]
        assert not bad, bad[:2]
    # the fitted targets y_t (computed lazily) too
    for b, m in zip(narrow.y[1:].reshape(-1), mp.y[1:].reshape(-1)):
        assert _inside(b, m, MP_TOL)
    # widths shrink with precision: 128 more bits buy well over 100 of them
    assert narrow.width < wide.width * 2.0 ** -100 and narrow.width < 1e-40


def test_unresolved_cluster_trajectory_encloses_the_mp_one():
    # (J + I)/4: eigenvalue 1/4 three times exactly, so eigh_ball keeps a cluster whose
    # weight is known only in total; the hull over the cluster still encloses everything
    G, y, eps = (np.ones((4, 4)) + np.eye(4)) / 4.0, np.array([1.0, -0.3, 0.6, 0.2]), 0.004
    tr, mp = self_distill_ball(G, y, eps, 192), self_distill(G, y, eps, dps=MP_DPS)
    assert tr.clusters == ((0, 1, 2),) and tr.collapse_round == mp.collapse_round >= 2
    pairs = (list(zip(tr.c, mp.c)) + list(zip(tr.norms, mp.norms))
             + list(zip(tr.B.reshape(-1), mp.B.reshape(-1)))
             + list(zip(tr.y[1:].reshape(-1), mp.y[1:].reshape(-1))))
    assert all(_inside(b, m, MP_TOL) for b, m in pairs)
    assert tr.width < 1e-40


def test_secular_root_against_a_secant_solve():
    # diag(1, 1/2), y = (1, 1), K eps = 2 fl(0.1): c_0 solves
    # c^2 (1/(c+1)^2 + 1/(c+1/2)^2) = 2 fl(0.1), with the float64 eps as given (not 1/10)
    tr = self_distill_ball(np.diag([1.0, 0.5]), np.array([1.0, 1.0]), 0.1, 192)
    ctx = make_context(70)
    c0 = ctx.findroot(lambda c: c**2 * (1 / (c + 1)**2 + 1 / (c + ctx.mpf(1) / 2)**2)
                      - 2 * ctx.mpf(0.1), ctx.mpf("0.3"), solver="secant")
    assert _inside(tr.c[0], c0, 1e-65) and tr.c[0].width < 1e-50
    # with eps = 1/10 exactly the root differs in the 17th digit: the ball excludes it
    c_tenth = ctx.findroot(lambda c: c**2 * (1 / (c + 1)**2 + 1 / (c + ctx.mpf(1) / 2)**2)
                           - ctx.mpf(2) / 10, ctx.mpf("0.3"), solver="secant")
    assert not _inside(tr.c[0], c_tenth, 1e-65)


def test_exact_tie_is_undecided_by_balls_at_any_precision():
    # kappa = 1 and r_0 = 2 exactly: ||y_1||^2 = K eps exactly, the collapse test is a tie
    # that no ball decides (exact=True decides it: tests/test_certified_exact.py)
    G, y, eps = np.eye(4) * 0.5, np.full(4, 0.5), 1.0 / 16
    for prec in (128, 512):
        with pytest.raises(UndecidedError) as exc:
            self_distill_ball(G, y, eps, prec)
        assert "round 1" in str(exc.value) and 0 < exc.value.width < 2.0 ** (20 - prec)


def test_the_exact_threshold_instance_is_decided_exactly():
    inst = next(i for i in threshold_domain("fast", 0) if i.id == "threshold:exact-K4")
    tr = self_distill_ball(inst.G, inst.y, inst.eps, 128)
    assert tr.collapse_round == 0  # ||y||^2 = K eps exactly: collapse, decided exactly
    claim = BY_ID["mobahi2020.collapse_threshold"]
    out = claim.evaluate(inst, tr, None)
    assert isinstance(out.margin, Ball) and out.margin.is_exact and out.margin == 0
    assert claim.mutants[0].evaluate(inst, tr, None).margin == -1.0  # "iff >=" is refuted


# ------------------------------------------------------------------------------ certifier
def _with_domain(claim, ids):
    wanted = [i for i in standard_domain("fast", 0) if i.id in ids]
    assert len(wanted) == len(ids)
    return dataclasses.replace(claim, domain=lambda tier, seed: wanted)


SMALL = ("spectrum:geometric-kappa1e+01-K2-eps0.05", "green:laplace-K5-eps0.012",
         "spectrum:identity-kappa1e+00-K2-eps0.999")


def test_certified_claim_and_certified_refuted_mutant():
    claim = _with_domain(BY_ID["mobahi2020.c_increasing"], SMALL)
    r = certify_claim(claim, prec_bits=128, max_bits=256)
    assert r.status == "certified" and r.certified == 3 and r.undecided == 0
    assert 0 <= r.worst_width < 1e-20
    (m,) = r.mutants
    assert m.status == "certified-refuted" and m.margin < 0 and m.margin + m.width / 2 < 0
    assert r.ok


def test_attained_bound_is_certified_in_exact_arithmetic():
    # c_bounds at kappa = 1: c_t equals both bounds exactly; the balls cannot tell, the
    # exact trajectory can (the margin is exactly 0: the non-strict claim holds with equality)
    claim = _with_domain(BY_ID["mobahi2020.c_bounds"], SMALL)
    r = certify_claim(claim, prec_bits=128, max_bits=256)
    assert r.status == "certified" and r.certified == 3 and r.undecided == 0
    (tie,) = [d for d in r.details if d.exact]
    assert tie.id == "spectrum:identity-kappa1e+00-K2-eps0.999" and tie.prec_bits == 128
    assert tie.verdict == "certified" and tie.margin == 0.0 and r.exact == 1


def test_tie_instance_of_a_claim_is_decided_exactly():
    # kappa = 1, r_0 = 2: ||y_1||^2 = K eps exactly, so T = 1 = ceil(r_0 - 1): the bound
    # T >= ceil(r_0 - 1) holds with equality (the ball engine alone cannot decide T)
    tie = Instance("tie:kappa1-r0-2", "test", np.eye(4) * 0.5, np.full(4, 0.5), 1.0 / 16)
    claim = dataclasses.replace(BY_ID["mobahi2020.rounds_lower_kappa_free"],
                                domain=lambda tier, seed: [tie])
    r = certify_claim(claim, prec_bits=128, max_bits=256)
    assert r.status == "certified" and r.certified == 1 and r.exact == 1
    assert "T = 1" in r.details[0].detail


def test_float64_oracle_claims_are_not_certifiable():
    assert "mobahi2020.closed_form" not in MOBAHI_CERTIFIABLE
    for cid in ("mobahi2020.closed_form", "mobahi2020.secular_unique", "mobahi2020.multiclass"):
        r = certify_claim(BY_ID[cid])
        assert r.status == "not certifiable" and r.certified == 0 and r.reason
        assert r.not_certifiable == r.instances > 0


def test_faulty_evaluate_is_an_error_and_a_float_margin_is_exact():
    base = _with_domain(BY_ID["mobahi2020.c_increasing"], SMALL[:1])

    def nan_margin(inst, traj, tools):
        return Outcome(float("nan"))

    def boom(inst, traj, tools):
        raise ZeroDivisionError("x")

    def half(inst, traj, tools):
        return Outcome(0.5)  # an exact constant: certified with width 0
    bad = dataclasses.replace(base, id="toy.faulty", evaluate=nan_margin,
                              mutants=(Mutant("toy.faulty~boom", "boom", boom),))
    r = certify_claim(bad, prec_bits=128, max_bits=128)
    assert r.status == "error" and r.errors == 1 and "neither a ball" in r.first_error
    assert r.mutants[0].status == "not refuted"
    r = certify_claim(dataclasses.replace(bad, id="toy.constant", evaluate=half),
                      prec_bits=128, max_bits=128)
    assert r.status == "certified" and r.worst_width == 0.0
    # a claim its module does not declare certifiable is never certified
    r = certify_claim(dataclasses.replace(bad, id="toy.undeclared", evaluate=half))
    assert r.status == "not certifiable" and r.certified == 0


def test_reports_table_and_json():
    cache = BallCache()
    results = [certify_claim(_with_domain(BY_ID["mobahi2020.norm_decreasing"], SMALL[:2]),
                             prec_bits=128, max_bits=128, cache=cache),
               certify_claim(BY_ID["mobahi2020.closed_form"], cache=cache)]
    table = render_certified_table(results, 1.0)
    assert "mobahi2020.norm_decreasing" in table and "not certifiable" in table
    assert table.rstrip().splitlines()[-1].startswith("2 claims: 1 certified")
    doc = json.loads(certified_json(results, {"tier": "fast"}))
    assert doc["schema"] == "proofs-check/certified/1"
    s = doc["summary"]
    assert s["instances_certified"] == 2 and s["mutants_certified_refuted"] == 1
    assert s["not_certifiable"] == 1 and s["ok"] is True


def test_cli_certified_writes_table_and_json(tmp_path):
    out, path = io.StringIO(), tmp_path / "cert.json"
    rc = cli_certified(["mobahi2020.collapse_threshold"], "fast", 0, out, str(path))
    assert rc == 0 and "certified" in out.getvalue()
    doc = json.loads(path.read_text())
    (claim,) = doc["claims"]
    assert claim["status"] == "certified" and claim["certified"] == claim["instances"] > 40
    assert claim["mutants"][0]["status"] == "certified-refuted"
    out = io.StringIO()
    rc = cli_certified(["mobahi2020.closed_form"], "fast", 0, out, None, as_json=True)
    assert rc == 0 and json.loads(out.getvalue())["claims"][0]["status"] == "not certifiable"


@pytest.mark.slow
def test_whole_mobahi_catalogue_certified():
    results = [certify_claim(c) for c in CLAIMS]
    for r in results:
        assert r.ok, r
        if r.id in MOBAHI_CERTIFIABLE:  # every instance, the ties in exact arithmetic
            assert r.certified == r.instances and r.undecided == r.errors == 0
    s = certify.certified_summary(results)
    assert s["mutants_certified_refuted"] == s["mutants"] == 14 and s["instances_exact"] > 0


# ------------------------------------------------------------------------------ fixed ridge
def test_fixed_ridge_ball_encloses_the_mp_filters_fits_and_coefficients():
    G = rotated_spectrum(spectrum("geometric", 8, 1e6), 4) / 8
    y = np.random.default_rng(1).standard_normal(8)
    xi = [0.5, 2.0, -1.5, 10.0]  # weights beyond [0, 1] amplify rounding
    tb, mp = fixed_ridge_ball(G, y, 1e-3, xi, 192), fixed_ridge_distill(G, y, 1e-3, xi, dps=MP_DPS)
    for name in ("filters", "targets", "a", "eigenvalues", "fitted", "coefficients"):
        for b, m in zip(getattr(tb, name).reshape(-1), getattr(mp, name).reshape(-1)):
            assert _inside(b, m, MP_TOL), name
    assert max(b.width for b in tb.fitted.reshape(-1)) < 1e-40


def _student_below_teacher(sign):
    """f_1(a) <= f_0(a) for xi in [0, 1] (the student shrinks every direction at least as
    much); the mutant (sign = -1) claims f_1 >= f_0."""
    def evaluate(inst, traj, tools):
        ms = [sign * (traj.filters[0][j] - traj.filters[1][j]) for j in range(traj.a.shape[0])
              if traj.a[j] > 0]
        return Outcome(min(ms))
    return evaluate



def test_fixed_ridge_claims_are_certified_on_the_ball_engine():
    insts = [Instance(f"ridge-{n}-{xi}", "test",
                      rotated_spectrum(spectrum("geometric", n, 1e3), n) / n,
                      np.linspace(-1.0, 1.0, n), data={"lam": 0.01, "xi": np.array([xi])})
             for n, xi in ((3, 0.3), (5, 0.9))]
    claim = Claim("toyridge.student_below_teacher", "toy", "-", "derived", "f_1 <= f_0",
                  "f_1 <= f_0", lambda tier, seed: insts, _student_below_teacher(1),
                  (Mutant("toyridge.student_below_teacher~above", "f_1 >= f_0",
                          _student_below_teacher(-1)),), engine=FIXED_RIDGE)
    r = certify_claim(claim, prec_bits=128, max_bits=128)
    assert r.status == "certified" and r.certified == 2
    assert r.mutants[0].status == "certified-refuted"
