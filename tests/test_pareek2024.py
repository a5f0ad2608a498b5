"""The pareek2024 catalogue: every claim at its expected verdict with every mutant refuted
(fast tier), and what the claims report checked by independent routes:

* the r-step oracle weights against a monomial Vandermonde system solved by mpmath LU (not
  the theory's Newton divided differences), replayed by plain loops in mp and in float64
  (not the engine): the digits float64 loses at r = 4, 8, 12, 16;
* the separation numbers against a brute-force minimisation over lam (and over (lam, xi) for
  one step) of the risk of dense ridge/student matrices, and the risk against Monte Carlo;
* the least k-step risk against a direct optimiser over the weights;
* the reproduction's CSV against the same independent routes;
* the derivations verify, and a broken step is caught.
"""

import csv
import math
import os

import mpmath
import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar

from proofs_check import reproduce as R
from proofs_check.check import ResultCache, check_claim
from proofs_check.papers.pareek2024 import PAPER, _common as C, domains as Dm
from proofs_check.papers.pareek2024 import derivations as PD
from proofs_check.papers.pareek2024.claims import CLAIMS
from proofs_check.papers.pareek2024.reproductions import SNR_PER_R
from theory._mp import make_context
from theory.derivation import DerivationError, Step
from theory.ridge_filters import filter_coefficients_mp
from theory.ridge_risk import oracle_filter_mp, oracle_weights

EPS64 = np.finfo(float).eps
#: Monte Carlo acceptance: 5 standard errors (Gaussian tail 6e-7; the losses are quadratic
#: forms of Gaussian noise with finite variance, so the CLT applies).
MC_SIGMAS = 5.0


@pytest.fixture(scope="module")
def results():
    cache = ResultCache(50)
    return {c.id: check_claim(c, cache=cache) for c in CLAIMS}


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_claim_verified_and_mutants_refuted(results, claim):
    r = results[claim.id]
    assert r.status == "verified", (r.message, r.counterexample)
    assert r.instances >= 7 and r.errors == 0 and r.undecided == 0
    assert r.mutants and all(m.status == "refuted" for m in r.mutants), \
        [(m.id, m.status) for m in r.mutants]
    assert r.ok


def test_paper_record():
    assert PAPER.id == "pareek2024" and PAPER.arxiv == "2407.04600"
    assert {c.provenance for c in CLAIMS} == {"derived", "paper", "third-party"}
    third = [c for c in CLAIMS if c.provenance == "third-party"]
    assert all("liner.com" in c.where or "deep-diver/neurips2024" in c.where for c in third)
    assert "pareek2024.separation" in R.reproductions()


# ------------------------------------------------------------------ domains

def test_domains_cover_the_hard_regions():
    pool = Dm.filter_domain("fast", 0)
    fams = {i.family for i in pool}
    assert {"linear", "geometric", "clustered", "random", "isotropic", "levels", "null"} <= fams
    kappas = [dict(i.params)["kappa"] for i in pool]
    assert max(kappas) >= 1e14 and min(kappas) == 1.0
    rs = {dict(i.params)["r"] for i in pool}
    assert {1, 2, 3} <= rs
    xis = [float(x) for i in pool for x in i.xi]
    assert min(xis) < 0 and max(xis) > 1
    # exact repeats: a permuted diagonal keeps equal eigenvalues bitwise equal
    iso = next(i for i in pool if i.family == "isotropic")
    d = np.linalg.eigvalsh(iso.G)
    assert np.all(d == d[0])
    designs = Dm.design_domain("fast", 0)
    shapes = {(i.X.shape[0] < i.X.shape[1]) for i in designs}
    assert shapes == {True, False}
    # deterministic
    assert [i.id for i in Dm.filter_domain("fast", 0)] == [i.id for i in pool]
    assert len(Dm.filter_domain("full", 0)) > 3 * len(pool)


def test_no_gain_equal_energy_data_are_exact():
    """a_j = p_j* needs lam = sigma^2/beta^2 and s_j^2 theta_j^2 = s_j^2 beta^2 exactly."""
    for inst in Dm.no_gain_domain("fast", 0):
        if dict(inst.params)["case"] != "equal":
            continue
        d = np.diag(inst.G)
        s = np.sqrt(d)
        assert np.all(s * s == d)
        assert np.all(np.abs(inst.mu) == s * 0.5) and inst.lam == 4.0


# ------------------------------------------------------------------ the r-step oracle

def vandermonde_weights(r, lam=1.0, dps=80):
    """The r-step oracle on s_j^2 = j by an independent route: p(a) = sum_i c_i a^i with
    p(a_j) = p_j*, p(1) = 1 as a dense (r+1) x (r+1) monomial system solved by mpmath LU."""
    ctx = make_context(dps)
    d, m = Dm.separation_family(r, SNR_PER_R)
    a = [ctx.mpf(v) / (ctx.mpf(v) + lam) for v in d]
    B = [ctx.mpf(v) ** 2 for v in m]
    p = [b / (b + 1) for b in B]
    A = ctx.matrix([[x ** i for i in range(1, r + 2)] for x in a + [ctx.one]])
    c = ctx.lu_solve(A, ctx.matrix(p + [ctx.one]))
    return ctx, a, p, [c[i] for i in range(r + 1)]


def replay(a, xi, number):
    """f_r(a) by the recursion in plain Python arithmetic of the given number type."""
    out = []
    for x in a:
        f = number(x)
        for w in xi:
            f = number(x) * ((1 - number(w)) + number(w) * f)
        out.append(f)
    return out


@pytest.mark.parametrize("r, max_xi, lost", [(4, (1e2, 2e2), (1.5, 4)),
                                             (8, (3e4, 6e4), (5, 8)),
                                             (12, (3e8, 6e8), (10, 13)),
                                             (16, (1e13, 3e13), (15.9, 16.0))])
def test_oracle_weights_blow_up_and_float64_loses_digits(r, max_xi, lost):
    ctx, a, p, c = vandermonde_weights(r)
    w = oracle_weights(np.array(a, dtype=object), np.array(p, dtype=object), dps=50)
    # the weights' filter coefficients equal the Vandermonde solution
    cw = filter_coefficients_mp(make_context(60), w.xi)
    assert max(abs(x - y) / max(1, abs(y)) for x, y in zip(cw, c)) < 1e-40
    big = max(abs(float(x)) for x in w.xi)
    assert max_xi[0] <= big <= max_xi[1]
    f_mp = replay(a, list(w.xi), ctx.mpf)
    assert max(abs(x - y) for x, y in zip(f_mp, p)) < 1e-40
    f64 = replay([float(x) for x in a], [float(x) for x in w.xi], float)
    err = max(abs(x - float(y)) for x, y in zip(f64, p))
    digits = C.digits_lost(err, 1.0)
    assert lost[0] <= digits <= lost[1]


def test_xi_blowup_details_report_the_digits(results):
    r = results["pareek2024.xi_blowup"]
    assert r.decided_by_mp == r.instances  # every instance needs mp
    m = next(m for m in r.mutants if m.id.endswith("float64_suffices"))
    assert "r = 16" in m.counterexample["detail"] and "digits lost" in m.counterexample["detail"]


# ------------------------------------------------------------------ separation

def dense_ridge_risk(d, m, lam, sigma2=1.0):
    """In-sample risk of ridge on X = diag(sqrt(d)) from the hat matrix (no spectral
    formula): (1/n)(||(H - I) mu||^2 + sigma^2 ||H||_F^2)."""
    X = np.diag(np.sqrt(d))
    H = X @ np.linalg.solve(X.T @ X + lam * np.eye(d.size), X.T)
    mu = m
    n = d.size
    return (np.sum(((H - np.eye(n)) @ mu) ** 2) + sigma2 * np.sum(H * H)) / n


def dense_one_step_risk(d, m, lam, xi, sigma2=1.0):
    X = np.diag(np.sqrt(d))
    H = X @ np.linalg.solve(X.T @ X + lam * np.eye(d.size), X.T)
    S = H @ (xi * H + (1 - xi) * np.eye(d.size))
    n = d.size
    return (np.sum(((S - np.eye(n)) @ m) ** 2) + sigma2 * np.sum(S * S)) / n


def oracle(d, m, sigma2=1.0):
    B = m * m
    return float(np.sum(sigma2 * B / (B + sigma2))) / d.size


@pytest.mark.parametrize("r", [2, 4, 8, 16, 32])
def test_one_step_gains_nothing_over_ridge_and_both_are_r_times_the_oracle(r):
    """Brute force: min over log lam (bounded Brent from the best of a 200-point grid) of the
    dense ridge risk; min over (log lam, xi) of the dense one-step risk (Nelder-Mead from the
    grid's best).  Ratios 2.000, 4.000, ..., 32.000 to 3 decimals, and equal."""
    d, m = Dm.separation_family(r, SNR_PER_R)
    R_or = oracle(d, m)
    grid = np.linspace(-14, 4, 200)
    rid = [dense_ridge_risk(d, m, math.exp(g)) for g in grid]
    i = int(np.argmin(rid))
    res = minimize_scalar(lambda g: dense_ridge_risk(d, m, math.exp(g)),
                          bounds=(grid[max(i - 1, 0)], grid[min(i + 1, 199)]), method="bounded",
                          options={"xatol": 1e-10})
    ridge = res.fun / R_or
    one = minimize(lambda v: dense_one_step_risk(d, m, math.exp(v[0]), v[1]),
                   x0=[res.x, 0.3], method="Nelder-Mead",
                   options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000}).fun / R_or
    assert round(ridge, 3) == pytest.approx(r, abs=1e-3 * r)
    assert abs(one - ridge) <= 1e-8 * ridge  # the optimiser finds no gain
    B = m[0] ** 2
    assert ridge >= r * (B + 1) / (B + r)


def test_separation_risk_matches_monte_carlo():
    """Ridge risk on the separation family by Monte Carlo over noise draws (dense solves)."""
    d, m = Dm.separation_family(4, 10.0)
    lam = 0.3
    rng = np.random.default_rng(5)
    X = np.diag(np.sqrt(d))
    Y = m[:, None] + rng.standard_normal((4, 20000))
    fit = X @ np.linalg.solve(X.T @ X + lam * np.eye(4), X.T @ Y)
    losses = np.sum((fit - m[:, None]) ** 2, axis=0) / 4
    exact = dense_ridge_risk(d, m, lam)
    assert abs(losses.mean() - exact) <= MC_SIGMAS * losses.std(ddof=1) / math.sqrt(losses.size)
    a = d / (d + lam)
    assert exact == pytest.approx(C.grouped_risk(None, m, 1.0, 4, a), rel=64 * EPS64)


def test_best_k_step_risk_against_a_direct_optimiser():
    """min over xi in R^k of the k-step risk (k = 1, 2) by BFGS on the recursion from many
    starts: never below the least-squares value, and reaching it."""
    d = np.array([0.5, 1.0, 2.5, 4.0])
    m = np.array([1.2, -0.3, 2.0, 0.7])
    lam, n = 1.0, 4
    a = d / (d + lam)
    grp = [[j] for j in range(4)]
    for k in (1, 2):
        ls, _, _ = C.best_k_step_risk(None, a, m, 1.0, n, k, grp)

        def risk(xi):
            f = a.copy()
            for x in xi:
                f = a * ((1 - x) + x * f)
            return C.grouped_risk(None, m, 1.0, n, f)
        best = min(minimize(risk, x0, method="BFGS", options={"gtol": 1e-12}).fun
                   for x0 in np.random.default_rng(k).uniform(-3, 5, (12, k)))
        assert best >= ls * (1 - 1e-12)
        assert best <= ls * (1 + 1e-7)


def test_strict_margin_reads_equality_as_failure():
    class Res:
        dps, accuracy = 50, 0.0
    assert C.strict_margin(0.0, Res()) < -C.tolerance(50, 0.0)
    assert C.strict_margin(1e-30, Res()) > 0
    Res.dps, Res.accuracy = None, math.inf
    assert C.strict_margin(0.5, Res()) == 0.5  # float64 cannot resolve: mp decides


# ------------------------------------------------------------------ reproduction

@pytest.fixture(scope="module")
def separation_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("pareek_sep")
    msgs = []
    paths = R.reproduce("pareek2024.separation", out, small=True, progress=msgs.append)
    return out, paths, msgs


def read(path):
    with open(path, newline="") as fh:
        assert fh.readline().startswith("# generated by proofs-check from reproduction "
                                        "pareek2024.separation; do not edit")
        return list(csv.DictReader(fh))


def test_separation_reproduction_files(separation_run):
    import matplotlib.image
    out, paths, msgs = separation_run
    names = sorted(os.listdir(out))
    assert names == sorted(os.path.basename(p) for p in paths)
    assert names == ["separation.csv", "separation.pdf", "separation.png",
                     "separation_k_steps.csv"]
    img = matplotlib.image.imread(os.path.join(out, "separation.png"))
    assert img.shape[0] > 100 and float(img[..., :3].std()) > 0
    assert msgs


def test_separation_csv_against_independent_routes(separation_run):
    out = separation_run[0]
    rows = read(os.path.join(out, "separation.csv"))
    assert [int(r["r"]) for r in rows] == [1, 2, 4, 8]
    for row in rows:
        r = int(row["r"])
        d, m = Dm.separation_family(r, SNR_PER_R)
        R_or = oracle(d, m)
        assert float(row["R_oracle"]) == pytest.approx(R_or, rel=1e-13)
        lam = float(row["lam_ridge"])
        assert float(row["ratio_ridge"]) == pytest.approx(dense_ridge_risk(d, m, lam) / R_or,
                                                          rel=1e-9)
        # no lam does better (a grid of 400 values)
        grid = np.exp(np.linspace(-14, 4, 400))
        assert min(dense_ridge_risk(d, m, g) for g in grid) / R_or >= \
            float(row["ratio_ridge"]) * (1 - 1e-9)
        lam1, xi1 = float(row["lam_one_step"]), float(row["xi_one_step"])
        assert float(row["ratio_one_step"]) == pytest.approx(
            dense_one_step_risk(d, m, lam1, xi1) / R_or, rel=1e-8)
        assert float(row["ratio_r_step_mp"]) == pytest.approx(1.0, abs=1e-14)
        B = m[0] ** 2
        assert float(row["bound"]) == pytest.approx(r * (B + 1) / (B + r), rel=1e-15)
        ctx, a, p, c = vandermonde_weights(r)
        w = oracle_weights(np.array(a, dtype=object), np.array(p, dtype=object), dps=40)
        assert float(row["max_abs_xi"]) == pytest.approx(max(abs(float(x)) for x in w.xi),
                                                         rel=1e-12)
    k_rows = read(os.path.join(out, "separation_k_steps.csv"))
    for r in (4, 8):
        vals = [float(x["ratio_k_step"]) for x in k_rows if int(x["r"]) == r]
        assert len(vals) == r + 1
        assert all(u >= v * (1 - 1e-12) for u, v in zip(vals, vals[1:]))  # non-increasing
        assert vals[-1] == pytest.approx(1.0, abs=1e-20)
        assert vals[0] == pytest.approx(vals[1], rel=1e-12)  # one step: nothing at lam*


# ------------------------------------------------------------------ derivations

@pytest.mark.parametrize("did", sorted(PD.DERIVATIONS))
def test_derivations_verify(did):
    d = PD.DERIVATIONS[did][1]()
    assert all(d.verify())


def test_a_broken_step_is_caught():
    d = PD.DERIVATIONS["pareek2024.polynomial_form"][1]()
    step = d.steps[5]  # f_k(a) = sum_i c_i a^i
    bad = Step(step.lhs, step.rhs.subs(PD.k + 1, PD.k), step.relation, step.justification,
               step.source, verify=step.verify)
    assert not bad.verify(bad)
    sep = PD.DERIVATIONS["pareek2024.separation_ridge"][1]()
    last = sep.steps[5]  # the ratio
    wrong = Step(last.lhs, PD.r, last.relation, "", "", verify=last.verify)
    assert not wrong.verify(wrong)
    with pytest.raises(DerivationError):
        type(sep)(sep.id, sep.title, sep.source, sep.provenance,
                  sep.steps[:5] + (wrong,)).verify()
    assert mpmath.mp.dps == 15  # no test assigned the global precision
