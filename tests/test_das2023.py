"""The das2023 catalogue: every claim verified with every mutant refuted (fast tier), and
what the claims rest on checked by routes of their own:

* the student against a direct optimiser (BFGS) of its objective, for xi outside [0, 1];
* the expected risks of the dense maps against Monte Carlo over noise draws;
* xi*, the threshold sigma_c^2 and the teacher's optimum against scalar minimisers of the
  dense risk (no closed form, no vertex formula);
* the isotropic case against a brute-force search over (lam, xi);
* the derivations verify and a broken step is caught.
"""

import math

import mpmath
import numpy as np
import pytest
from scipy.optimize import brentq, minimize, minimize_scalar

from proofs_check.check import ResultCache, check_claim
from proofs_check.papers.das2023 import PAPER, _dense as D, domains as Dm
from proofs_check.papers.das2023 import derivations as DD
from proofs_check.papers.das2023.claims import CLAIMS
from theory import fixed_ridge_distill_design
from theory.derivation import Step
from theory.ridge_risk import noise_threshold_f64

MC_SIGMAS = 5.0  # see tests/test_pareek2024.py


@pytest.fixture(scope="module")
def results():
    cache = ResultCache(50)
    return {c.id: check_claim(c, cache=cache) for c in CLAIMS}


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_claim_verified_and_mutants_refuted(results, claim):
    r = results[claim.id]
    assert r.status == "verified", (r.message, r.counterexample)
    assert r.instances >= 8 and r.errors == 0 and r.undecided == 0
    assert r.mutants and all(m.status == "refuted" for m in r.mutants), \
        [(m.id, m.status) for m in r.mutants]


def test_provenance_names_the_papers():
    assert PAPER.id == "das2023" and PAPER.arxiv == "2301.13304"
    by_id = {c.id.split(".")[1]: c for c in CLAIMS}
    assert by_id["xi_star"].provenance == "paper" and "DPR26" in by_id["xi_star"].where
    assert by_id["high_noise_xi_gt_1"].provenance == "paper"
    assert "DS23" in by_id["high_noise_xi_gt_1"].where
    assert all(c.provenance in ("paper", "derived") for c in CLAIMS)


def test_domains_cover_the_space():
    insts = Dm.identity_domain("fast", 0)
    shapes = {inst.X.shape[0] < inst.X.shape[1] for inst in insts}
    assert shapes == {True, False}
    assert {inst.M_kind for inst in insts} == set(Dm.M_KINDS)
    xis = [float(inst.xi[0]) for inst in insts]
    assert min(xis) < 0 and max(xis) > 1
    s2 = [inst.sigma2 for inst in insts]
    assert min(s2) <= 1e-3 and max(s2) >= 1e3
    for inst in Dm.isotropic_domain("fast", 0):  # exactly isotropic in binary
        G = inst.X.T @ inst.X
        assert np.array_equal(G, G[0, 0] * np.eye(G.shape[0]))
    th = Dm.threshold_domain("fast", 0)
    rels = {dict(i.params)["sigma2_over_sigma_c2"] for i in th}
    assert {1 - 1e-6, 1 + 1e-6} <= rels


def objective(X, y, theta_T, lam, xi):
    def f(t):
        return (xi * np.sum((X @ t - X @ theta_T) ** 2) + (1 - xi) * np.sum((X @ t - y) ** 2)
                + lam * t @ t)

    def grad(t):  # term by term from f (the optimiser needs it to converge past ~1e-8)
        return 2 * (xi * X.T @ (X @ t - X @ theta_T) + (1 - xi) * X.T @ (X @ t - y) + lam * t)
    return f, grad


@pytest.mark.parametrize("xi", [-3.0, 0.5, 5.0])
def test_student_is_the_minimiser_found_by_bfgs(xi):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((7, 4))
    y = rng.standard_normal(7)
    lam = 0.8
    tr = fixed_ridge_distill_design(X, y, lam, [xi])
    f, grad = objective(X, y, tr.coefficients[0], lam, xi)
    res = minimize(f, np.zeros(4), jac=grad, method="BFGS", options={"gtol": 1e-11})
    # f is a quadratic with Hessian 2(X^T X + lam I) >= 2 lam I, so the optimiser's point is
    # within ||grad f||/(2 lam) of the minimiser; the engine adds ~1e-14
    g = float(np.linalg.norm(grad(res.x)))
    assert g < 1e-7
    assert np.linalg.norm(res.x - tr.coefficients[1]) <= g / (2 * lam) + 1e-13
    assert f(tr.coefficients[1]) <= res.fun + 1e-12 * abs(res.fun)


def test_expected_risk_of_the_dense_student_matches_monte_carlo():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((9, 5)) * np.exp(rng.uniform(-1, 1, 5))
    theta = rng.standard_normal(5)
    M = rng.standard_normal((7, 5))
    lam, xi, sigma2 = 0.6, 2.5, 0.8
    S = D.student_map(None, X, lam, xi)
    exact = D.expected_risk(None, M, S, X, theta, sigma2)
    Y = (X @ theta)[:, None] + math.sqrt(sigma2) * rng.standard_normal((9, 20000))
    H = X.T @ X + lam * np.eye(5)
    T = np.linalg.solve(H, X.T @ Y)
    Th = np.linalg.solve(H, X.T @ (xi * (X @ T) + (1 - xi) * Y))
    losses = np.sum((M @ (Th - theta[:, None])) ** 2, axis=0)
    assert abs(losses.mean() - exact) <= MC_SIGMAS * losses.std(ddof=1) / math.sqrt(losses.size)


def dense_param_risk(X, theta, sigma2, lam, xi):
    S = D.student_map(None, X, lam, xi)
    return D.expected_risk(None, np.eye(X.shape[1]), S, X, theta, sigma2)


def test_threshold_against_a_scalar_minimiser():
    """xi*(sigma^2) by Brent's minimisation of the dense risk (no vertex formula); it crosses
    1 at the closed-form sigma_c^2, and tends to a value in [1 + s_min^2/lam, 1 + s_max^2/lam]."""
    rng = np.random.default_rng(8)
    X = rng.standard_normal((6, 3)) * np.array([0.5, 1.0, 2.0])
    theta = rng.standard_normal(3)
    lam = 1.3
    s = np.linalg.svd(X, compute_uv=False)
    Vt = np.linalg.svd(X, full_matrices=False)[2]
    sc = noise_threshold_f64(s ** 2, Vt @ theta, lam, np.ones(3))

    def xi_star(sigma2):
        # the risk is quadratic in xi: Brent converges to ~sqrt(u) relative in xi
        return minimize_scalar(lambda x: dense_param_risk(X, theta, sigma2, lam, x),
                               bracket=(-10.0, 10.0), tol=1e-12).x
    assert xi_star(sc * 0.9) < 1 < xi_star(sc * 1.1)
    root = brentq(lambda v: xi_star(math.exp(v)) - 1, math.log(sc * 0.5), math.log(sc * 2.0),
                  xtol=1e-10)
    assert math.exp(root) == pytest.approx(sc, rel=1e-5)  # Brent in xi: ~1e-8 relative
    far = xi_star(sc * 1e8)
    assert 1 + s.min() ** 2 / lam <= far <= 1 + s.max() ** 2 / lam


def test_xi_star_zero_at_the_teacher_optimum_by_minimisers():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((8, 4))
    theta = rng.standard_normal(4)
    sigma2 = 2.0
    lam_star = math.exp(minimize_scalar(
        lambda v: dense_param_risk(X, theta, sigma2, math.exp(v), 0.0),
        bounds=(-8, 8), method="bounded", options={"xatol": 1e-12}).x)
    xs = minimize_scalar(lambda x: dense_param_risk(X, theta, sigma2, lam_star, x),
                         bracket=(-5.0, 5.0), tol=1e-12).x
    assert abs(xs) < 1e-4  # both minimisations converge to ~sqrt(u)
    xs_other = minimize_scalar(lambda x: dense_param_risk(X, theta, sigma2, 3 * lam_star, x),
                               bracket=(-5.0, 5.0), tol=1e-12).x
    assert xs_other < -1e-2  # over-regularised: a negative weight helps


def test_isotropic_no_gain_by_brute_force():
    X = 0.5 * D_hadamard(8)[:, :5]
    theta = np.array([1.0, -0.5, 0.25, 2.0, 0.0])
    sigma2 = 0.5
    lam_star = 5 * sigma2 / float(theta @ theta)
    best_ridge = dense_param_risk(X, theta, sigma2, lam_star, 0.0)
    for lam in (0.05, 0.3, 1.0, 4.0):
        res = minimize_scalar(lambda x: dense_param_risk(X, theta, sigma2, lam, x),
                              bracket=(-20.0, 20.0), tol=1e-12)
        assert res.fun >= best_ridge * (1 - 1e-12)
        assert res.fun <= best_ridge * (1 + 1e-10)  # every lam reaches it with its xi
    grid = np.exp(np.linspace(-6, 4, 300))
    assert min(dense_param_risk(X, theta, sigma2, g, 0.0) for g in grid) >= best_ridge * (1 - 1e-14)


def D_hadamard(n):
    return Dm._hadamard(n)


def test_complex_step_matches_finite_differences():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((6, 3))
    y = rng.standard_normal(6)
    lam = 0.7
    f = lambda z: np.linalg.solve(X.T @ X + z * np.eye(3), X.T @ y)  # noqa: E731
    cs = D.complex_step(None, f, lam)
    h = 1e-5  # central differences: error O(h^2) ~ 1e-10 plus u/h ~ 1e-11
    fd = (f(lam + h) - f(lam - h)) / (2 * h)
    assert np.max(np.abs(cs - fd)) <= 1e-8 * np.max(np.abs(cs))


@pytest.mark.parametrize("did", sorted(DD.DERIVATIONS))
def test_derivations_verify(did):
    assert all(DD.DERIVATIONS[did][1]().verify())


def test_a_broken_step_is_caught():
    d = DD.DERIVATIONS["das2023.xi_star"][1]()
    gain = d.steps[2]  # R_T - R(xi*) = L^2/(4K)
    bad = Step(gain.lhs, gain.rhs * 2, "=", "", "", verify=gain.verify)
    assert not bad.verify(bad)
    hn = DD.DERIVATIONS["das2023.high_noise_xi_gt_1"][1]()
    lim = hn.steps[-1]
    wrong = Step(lim.lhs, 1 + DD.s ** 2 / (2 * DD.lam), "=", "", "", verify=lim.verify)
    assert not wrong.verify(wrong)
    assert mpmath.mp.dps == 15
