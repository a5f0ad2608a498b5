"""Tests of theory.kkt: the closed form of (P) against its independent oracles.

Oracles (STYLE rule 9): the derivation's own machine checks; the K = 2 finite KKT system
solved by sympy; problem (P) discretised on a grid and solved by a generic constrained
optimiser (scipy trust-constr), converging at order h²; an mp reference confirmed at a
second precision; the exact rational evaluation of the generated twin.  Each oracle is
also shown to refute the mutants of spec §5 (ε in place of Kε in (S); g_x without its 1/K).
"""

import dataclasses
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st
from scipy.optimize import brentq

from theory import kkt
from theory._mp import make_context, to_f64
from theory.derivation import Derivation, DerivationError
from theory.errors import InputError
from theory.kkt import (closed_form_k2, fitted_values_expr, kkt_derivation, kkt_fit_f64,
                        kkt_fit_mp, kkt_predict_f64, secular_residual_f64,
                        secular_residual_mp, solve_constrained_f64)

EPS64 = float(np.finfo(np.float64).eps)
FPE = dict(over="raise", invalid="raise", divide="raise")
RELATIONS = {"=", "<=", ">=", "<", ">", ":=", "=>"}


# --- helpers ---------------------------------------------------------------------------------

def green_h1(r, ell):
    """Green's function of 1 − ℓ² D² on the line: e^{−|r|/ℓ} / (2ℓ) (spec §3, first row)."""
    return np.exp(-np.abs(r) / ell) / (2 * ell)


def secular_root(G, y, eps):
    """Root c of (S) by brentq on secular_residual_f64 (a linear solve per evaluation).

    Bracket from the c_t bounds of spec §5 (a = √(Kε)): a d_min/(||y|| − a) ≤ c ≤
    a d_max/(||y|| − a), widened by 2 on each side; brentq's rtol is its 4 eps64 floor.
    """
    K = G.shape[0]
    a = math.sqrt(K * eps)
    ny = float(np.linalg.norm(y))
    d = np.linalg.eigvalsh(G)
    lo = max(d[0], EPS64 * d[-1]) * a / (ny - a) / 2
    hi = 2 * d[-1] * a / (ny - a)
    return brentq(lambda cc: secular_residual_f64(G, y, cc, eps), lo, hi,
                  xtol=1e-300, rtol=4 * EPS64, maxiter=500)


def fit_tolerance(G, c, xhat):
    """Normwise bound on ||fl(G (cI+G)^{-1} y) − G (cI+G)^{-1} y||₂.

    LU with partial pivoting is backward stable: (A + ΔA) x̂ = y with ||ΔA||₂ ≤
    √K γ_{3K} ρ ||A||₂ (Higham, ASNA Thm 9.4; growth ρ ≤ 2 for these symmetric positive
    definite A), and G (x̂ − x) = −G A^{-1} ΔA x̂ with ||G A^{-1}||₂ = max d/(c + d) < 1, so
    no condition number enters; the product G x̂ adds γ_K ||G||₂ ||x̂||₂.  3·2 ≤ 8 gives
    8 K^{3/2} eps64 (||A||₂ + ||G||₂) ||x̂||₂.
    """
    K = G.shape[0]
    A = G + c * np.eye(K)
    return 8 * K**1.5 * EPS64 * (np.linalg.norm(A, 2) + np.linalg.norm(G, 2)) * np.linalg.norm(xhat)


def secular_tolerance(G, y, c, eps):
    """Bound on |fl(φ(c) − Kε) − (φ(c) − Kε)|, φ(c) = ||c x||², x = (cI+G)^{-1}y.

    From the LU backward error (see fit_tolerance): ||δx|| ≤ ||A^{-1}||₂ ||ΔA||₂ ||x̂|| with
    ||A^{-1}||₂ = 1/(c + d_min) and ||ΔA||₂ ≤ 8 K^{3/2} eps64 ||A||₂; then
    δφ ≤ 2||r̂|| c||δx|| + (c||δx||)², plus K eps64 φ for the sum of squares and eps64 Kε
    for the subtraction.
    """
    K = G.shape[0]
    A = G + c * np.eye(K)
    with np.errstate(**FPE):
        xhat = np.linalg.solve(A, y)
    d_min = max(float(np.linalg.eigvalsh(G)[0]), 0.0)
    dr = c * 8 * K**1.5 * EPS64 * np.linalg.norm(A, 2) / (c + d_min) * np.linalg.norm(xhat)
    r2 = float(np.sum((c * xhat) ** 2))
    return 2 * math.sqrt(r2) * dr + dr**2 + K * EPS64 * r2 + EPS64 * K * eps


def gram_instance(seed, K, log_kappa, n_zero, repeated, log_c):
    """Deterministic PSD instance G = Q diag(d) Q^T (spec §5 families), y, and c.

    d spans [10^-log_kappa, 1]; ``repeated`` makes half the spectrum equal; ``n_zero``
    eigenvalues are set to 0 (singular G); c = 10^log_c · d_max.
    """
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((K, K)))
    d = 10.0 ** (-log_kappa * rng.random(K))
    d[0] = 1.0
    if K > 1:
        d[-1] = 10.0 ** -log_kappa
    if repeated:
        d[: K // 2 + 1] = d[0]
    d[: min(n_zero, K - 1)] = 0.0
    G = (Q * d) @ Q.T
    G = (G + G.T) / 2
    y = rng.standard_normal(K)
    return G, y, 10.0 ** log_c * float(np.max(d))


def _step(d, prefix):
    (s,) = [s for s in d.steps if s.justification.startswith(prefix)]
    return s


# --- the derivation --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def derivation():
    return kkt_derivation()


def test_derivation_is_well_formed_data(derivation):
    assert derivation.id == "mobahi2020.closed_form"
    assert derivation.provenance == "paper"
    assert len(derivation.steps) >= 15
    for i, s in enumerate(derivation.steps, 1):
        assert s.relation in RELATIONS, (i, s.relation)
        assert s.source.strip() and s.justification.strip(), i
        assert sp.latex(s.lhs) and sp.latex(s.rhs), i
        # definitions and hypotheses carry no check; every derived "=" / "=>" step does
        if s.relation in {":=", "<="} or s.justification.startswith("Green's function"):
            assert s.verify is None, i
        else:
            assert s.verify is not None, (i, s.justification)


def test_derivation_latex_exact(derivation):
    cf = _step(derivation, "closed form")
    assert sp.latex(cf.rhs) == r"g_{x}^{T} \left(c \mathbb{I} + G\right)^{-1} y"
    S = _step(derivation, "(S)")
    assert sp.latex(S.lhs) == r"\left\|c \left(c \mathbb{I} + G\right)^{-1} y\right\|^{2}"
    assert sp.latex(S.rhs) == r"K \epsilon"
    dL = _step(derivation, "functional derivative")
    assert sp.latex(dL.rhs) == (
        r"2 \int f{\left(x' \right)} u{\left(x,x' \right)}\, dx' + \frac{2 \lambda "
        r"\sum_{k=1}^{K} \left(f{\left({x}_{k} \right)} - {y}_{k}\right) "
        r"\delta\left(x - {x}_{k}\right)}{K}")


def test_derivation_verifies(derivation):
    results = derivation.verify()
    n_checked = sum(s.verify is not None for s in derivation.steps)
    assert results == [True] * n_checked and n_checked >= 12


G_, gx_, y_, c_, I_ = kkt.G, kkt.g_x, kkt.yv, kkt.c, kkt.I_K
MUTANTS = [
    # spec §5 mutants of the closed_form claim
    ("(S)", "rhs", kkt.eps, "(S) with ε in place of Kε"),
    ("closed form", "rhs", kkt.K * gx_.T * (c_ * I_ + G_).I * y_, "g_x without its 1/K"),
    # plausible slips in the other steps
    ("functional derivative", "rhs",
     2 * sp.Integral(kkt.u(kkt.x, kkt.xp) * kkt.f(kkt.xp), kkt.xp)
     + kkt.lam / kkt.K * sp.Sum((kkt.f(kkt.xk[kkt.k]) - kkt.yk[kkt.k])
                                * sp.DiracDelta(kkt.x - kkt.xk[kkt.k]), (kkt.k, 1, kkt.K)),
     "data term without its factor 2"),
    ("substitute the representer", "rhs", sp.Eq((c_ * I_ + G_) * kkt.beta_p, kkt.K * y_),
     "linear system with Ky on the right"),
    ("fitted values", "rhs", (c_ * I_ + G_).I * G_ * G_ * y_, "fitted values G²(cI+G)^{-1}y"),
    ("residual", "rhs", G_ * (c_ * I_ + G_).I * y_, "residual G(cI+G)^{-1}y"),
    ("secular function", "rhs",
     sp.Sum(c_ * kkt.z_k**2 / (c_ + kkt.d_k)**2, (kkt.k, 1, kkt.K)), "secular term c z²/(c+d)²"),
    ("collapse", "lhs", sp.Le(sp.Sum(kkt.yk[kkt.k]**2, (kkt.k, 1, kkt.K)), kkt.K**2 * kkt.eps),
     "collapse threshold K²ε"),
]


@pytest.mark.parametrize("prefix, side, value, name", MUTANTS, ids=[m[3] for m in MUTANTS])
def test_derivation_refutes_mutant(derivation, prefix, side, value, name):
    good = _step(derivation, prefix)
    bad = dataclasses.replace(good, **{side: value})
    # (the unmutated steps pass: test_derivation_verifies)
    assert bad.verify(bad) is False, f"mutant {name!r} passed the check of step {prefix!r}"
    with pytest.raises(DerivationError, match="failed its check"):
        Derivation("mutant", name, "test", "derived", (bad,)).verify()


# --- the K = 2 finite KKT system, solved symbolically -----------------------------------------

@pytest.fixture(scope="module")
def k2():
    return closed_form_k2()


# An exact rational instance with Γ symmetric positive definite (g11 g22 − g12² = 0.335 > 0).
K2_INSTANCE = {"g11": sp.Rational(1, 2), "g12": sp.Rational(1, 5), "g22": sp.Rational(3, 4),
               "y1": sp.Integer(1), "y2": sp.Rational(-1, 2), "eps": sp.Rational(1, 8)}


def _k2_subs(k2):
    return {k2.symbols[name]: v for name, v in K2_INSTANCE.items()}


def test_k2_stationarity_gives_closed_form(k2):
    assert list(k2.beta_discrepancy) == [0, 0]
    assert k2.secular_discrepancy == 0
    assert list(k2.beta_inactive) == [0, 0]  # λ = 0 branch: f ≡ 0 (the collapse candidate)


def test_k2_unique_multiplier_matches_secular_root(k2):
    """The constraint along β(λ) has exactly one positive root λ*; 1/λ* is the root of (S)."""
    subs = _k2_subs(k2)
    lam = k2.symbols["lambda"]
    poly = sp.Poly(k2.lambda_poly.as_expr().subs(subs), lam)
    pos = [r for r in sp.real_roots(poly) if r > 0]
    assert len(pos) == 1, pos
    c_exact = 1 / pos[0]
    # float64 G: 0.2 is 1/5 to half an ulp, a perturbation below the LU backward error
    # that the tolerance below already allows
    G = np.array([[0.5, 0.2], [0.2, 0.75]]) / 2
    y = np.array([1.0, -0.5])
    c_num = secular_root(G, y, 0.125)
    # Root error: |δφ| / φ'(c), |δφ| ≤ 8 K^{3/2} eps64 (1 + ||G||/c) ||y||² from the linear
    # solve (fit_tolerance, via the residual identity) plus brentq's 4 eps64 c.
    cs = k2.symbols["c"]
    dphi = float(sp.diff(k2.secular, cs).subs(subs).subs(cs, c_exact).evalf(30))
    tol = (8 * 2**1.5 * EPS64 * (1 + np.linalg.norm(G, 2) / c_num) * float(y @ y) / dphi
           + 4 * EPS64 * c_num)
    err = abs(c_num - float(sp.N(c_exact, 30)))
    assert err <= tol, f"c: brentq {c_num!r}, exact {sp.N(c_exact, 20)}, err {err:.3g} > tol {tol:.3g}"
    # and the K = 2 KKT fitted values Γβ(λ*) are the closed form's fitted values
    beta = k2.beta.subs(subs).subs(lam, pos[0])
    fit_exact = np.array([float(sp.N(v, 30)) for v in k2.gram.subs(subs) * beta])
    with np.errstate(**FPE):
        fit = kkt_fit_f64(G, y, c_num)
        xhat = np.linalg.solve(G + c_num * np.eye(2), y)
    # c_num's own error moves the fit by at most ||∂f/∂c|| |δc| ≤ ||y|| |δc| / c
    tol_fit = fit_tolerance(G, c_num, xhat) + float(np.linalg.norm(y)) * tol / c_num
    assert np.linalg.norm(fit - fit_exact) <= tol_fit, (fit, fit_exact, tol_fit)


def test_k2_refutes_mutants(k2):
    subs = _k2_subs(k2)
    lam, cs = k2.symbols["lambda"], k2.symbols["c"]
    eps = k2.symbols["eps"]
    # (S) with ε in place of Kε is not the active constraint ...
    mutant_secular = k2.secular + 2 * eps - eps
    assert sp.cancel(2 * k2.constraint - mutant_secular.subs(cs, 1 / lam)) != 0
    # ... and its root is not 1/λ* (numerically far apart on the instance)
    G = np.array([[0.5, 0.2], [0.2, 0.75]]) / 2
    y = np.array([1.0, -0.5])
    c_true = secular_root(G, y, 0.125)
    c_mut = secular_root(G, y, 0.125 / 2)  # ||c(cI+G)^{-1}y||² = ε  ⇔  K·(ε/K)
    assert abs(c_mut - c_true) > 0.1 * c_true, (c_true, c_mut)
    # g_x without its 1/K: K G (cI+G)^{-1} y is not Γβ(λ)
    Gs = k2.gram / 2
    A = cs * sp.eye(2) + Gs
    Y = sp.Matrix([k2.symbols["y1"], k2.symbols["y2"]])
    mutant_fit = 2 * Gs * A.adjugate() * Y / A.det()
    true_fit = k2.gram * k2.beta
    diff = (true_fit - mutant_fit.subs(cs, 1 / lam)).applyfunc(sp.cancel)
    assert any(v != 0 for v in diff)
    assert all(sp.cancel(v.subs(subs).subs(lam, 3)) != 0 for v in diff)


# --- problem (P) discretised and solved by a generic constrained optimiser --------------------

ELL, L_HALF = 1.0, 10.0
X_DATA = np.array([-1.5, -0.5, 0.3, 1.0])
Y_DATA = np.array([1.0, -0.4, 0.8, 0.3])
K_DATA = X_DATA.size
EPS_DATA = 0.3 * float(Y_DATA @ Y_DATA) / K_DATA
GRIDS = (200, 400, 800)  # h/ℓ = 0.1, 0.05, 0.025
WINDOW = 2.0             # compare on |x| ≤ WINDOW, away from the free ends at ±L
# The free ends reflect each Green's function bump: at |x| ≤ W the image of the bump at x_k
# has relative size e^{−(2L − W − |x_k|)/ℓ} (6.8e-8 here).
TRUNCATION = math.exp(-(2 * L_HALF - WINDOW - np.max(np.abs(X_DATA))) / ELL)


def closed_form_on(grid, c):
    G = green_h1(X_DATA[:, None] - X_DATA[None, :], ELL) / K_DATA
    gx = green_h1(grid[:, None] - X_DATA[None, :], ELL) / K_DATA
    return kkt_predict_f64(gx, G, Y_DATA, c)


@pytest.fixture(scope="module")
def study():
    """Closed form (c from (S)) and trust-constr solutions of the discrete (P) on three grids."""
    G = green_h1(X_DATA[:, None] - X_DATA[None, :], ELL) / K_DATA
    c = secular_root(G, Y_DATA, EPS_DATA)
    fits = {n: solve_constrained_f64(X_DATA, Y_DATA, EPS_DATA, 1.0, ELL**2, L_HALF, n)
            for n in GRIDS}
    return G, c, fits


def _window_error(fit, c, mutant=None):
    w = np.abs(fit.grid) <= WINDOW
    ref = closed_form_on(fit.grid, c) if mutant is None else mutant(fit.grid)
    return float(np.max(np.abs(fit.f[w] - ref[w])) / np.max(np.abs(ref[w])))


def test_optimiser_converges_to_closed_form_at_order_two(study):
    G, c, fits = study
    errs = [_window_error(fits[n], c) for n in GRIDS]
    for n in GRIDS:
        fit = fits[n]
        # the optimiser solved its own problem far below the discretisation error
        assert fit.kkt_residual < 1e-3 * errs[-1], (n, fit.kkt_residual)
        assert abs(fit.constraint - EPS_DATA) < 1e-3 * errs[-1] * EPS_DATA, (n, fit.constraint)
    # the error is real discretisation error, well above the floors ...
    assert errs[-1] > 100 * TRUNCATION, (errs, TRUNCATION)
    # ... and falls 4x per halving of h: e = C h²(1 + O(h²)), and (h/ℓ)² ≤ 1% here, so the
    # observed order is 2 ± 0.01 up to the truncation floor (≤ 1% of e); allow ±0.1.
    orders = [math.log2(errs[i] / errs[i + 1]) for i in range(len(errs) - 1)]
    assert all(abs(p - 2) < 0.1 for p in orders), f"errors {errs}, orders {orders}"
    # Richardson: (4 f_{h/2} − f_h)/3 cancels the h² term, leaving O(h⁴) + truncation
    coarse, fine = fits[GRIDS[-2]], fits[GRIDS[-1]]
    rich = (4 * fine.f[::2] - coarse.f) / 3
    w = np.abs(coarse.grid) <= WINDOW
    ref = closed_form_on(coarse.grid, c)
    err_rich = float(np.max(np.abs(rich[w] - ref[w])) / np.max(np.abs(ref[w])))
    assert err_rich < errs[-1] / 16, (err_rich, errs)


def test_optimiser_fitted_values_and_multiplier(study):
    G, c, fits = study
    with np.errstate(**FPE):
        fX = kkt_fit_f64(G, Y_DATA, c)
    e_fit = [float(np.max(np.abs(fits[n].f[fits[n].data_index] - fX))) for n in GRIDS]
    e_lam = [abs(fits[n].multiplier * c - 1) for n in GRIDS]  # λ_h → λ = 1/c
    for errs in (e_fit, e_lam):
        orders = [math.log2(errs[i] / errs[i + 1]) for i in range(len(errs) - 1)]
        assert all(abs(p - 2) < 0.1 for p in orders), f"errors {errs}, orders {orders}"


def test_optimiser_refutes_mutants(study):
    G, c, fits = study
    fit = fits[GRIDS[-1]]
    err_true = _window_error(fit, c)
    # g_x without its 1/K while G keeps it
    gx_mut = lambda grid: kkt_predict_f64(green_h1(grid[:, None] - X_DATA[None, :], ELL), G,
                                          Y_DATA, c)
    # (S) with ε in place of Kε
    c_mut = secular_root(G, Y_DATA, EPS_DATA / K_DATA)
    s_mut = lambda grid: closed_form_on(grid, c_mut)
    for name, mut in (("g_x without 1/K", gx_mut), ("(S) with ε", s_mut)):
        err_mut = _window_error(fit, c, mut)
        assert err_mut > 1000 * err_true, f"mutant {name}: error {err_mut:.3g} vs true {err_true:.3g}"


def test_optimiser_collapse():
    """||y||² ≤ Kε: the optimiser finds f ≡ 0 and (S) has no root (its residual stays < 0)."""
    eps = 1.1 * float(Y_DATA @ Y_DATA) / K_DATA
    n = 200
    fit = solve_constrained_f64(X_DATA, Y_DATA, eps, 1.0, ELL**2, L_HALF, n)
    h = 2 * L_HALF / n
    # Barrier methods stop within (number of inequalities)·μ of the optimum R = 0, and
    # μ < barrier_tol = 2^-40 R_h(f0) with R_h(f0) = (a0 h + 2 a1/h) ||y||² at the start.
    bound = kkt._OPT_RTOL * (h + 2 * ELL**2 / h) * float(Y_DATA @ Y_DATA)
    assert 0 <= fit.objective <= bound, (fit.objective, bound)
    G = green_h1(X_DATA[:, None] - X_DATA[None, :], ELL) / K_DATA
    for cc in np.logspace(-6, 12, 10):
        assert secular_residual_f64(G, Y_DATA, cc, eps) < 0, cc


# --- float64 engines against references ------------------------------------------------------

@given(seed=st.integers(0, 2**32 - 1), K=st.integers(1, 6), log_kappa=st.floats(0, 10),
       n_zero=st.integers(0, 2), repeated=st.booleans(), log_c=st.floats(-6, 2))
@example(seed=1, K=1, log_kappa=0.0, n_zero=0, repeated=False, log_c=0.0)     # tiny K
@example(seed=2, K=6, log_kappa=10.0, n_zero=0, repeated=False, log_c=-6.0)   # κ(G) = 1e10, c ≪ d
@example(seed=3, K=5, log_kappa=4.0, n_zero=2, repeated=True, log_c=-3.0)     # singular, repeated
@example(seed=4, K=4, log_kappa=2.0, n_zero=0, repeated=True, log_c=2.0)      # c ≫ d: near collapse
def test_fit_matches_mp_reference(seed, K, log_kappa, n_zero, repeated, log_c):
    # examples per the Hypothesis profile of tests/conftest.py (derandomized by default)
    G, y, c = gram_instance(seed, K, log_kappa, n_zero, repeated, log_c)
    with np.errstate(**FPE):
        fit = kkt_fit_f64(G, y, c)
        xhat = np.linalg.solve(G + c * np.eye(K), y)
    # reference: 40 digits, confirmed at 60 (STYLE rule 7)
    ref40 = kkt_fit_mp(make_context(40), G, y, c)
    ref60 = kkt_fit_mp(make_context(60), G, y, c)
    tol = fit_tolerance(G, c, xhat)
    ref_gap = float(np.linalg.norm(to_f64([a - b for a, b in zip(ref40, ref60)])))
    assert ref_gap <= 1e-6 * tol, f"mp reference not confirmed: 40 vs 60 digits differ by {ref_gap}"
    err = float(np.linalg.norm(fit - to_f64(ref60)))
    assert np.all(np.isfinite(fit)) and err <= tol, (
        f"G eigenvalues {np.linalg.eigvalsh(G)}, c {c}: f64 {fit}, mp {to_f64(ref60)}, "
        f"err {err:.3g} > tol {tol:.3g} (8 K^1.5 eps64 (||A|| + ||G||) ||x||, LU backward error)")
    # the secular residual is the squared residual norm minus Kε (residual identity)
    eps = 0.25 * float(y @ y) / K
    s64 = secular_residual_f64(G, y, c, eps)
    smp = float(secular_residual_mp(make_context(40), G, y, c, eps))
    tol_s = secular_tolerance(G, y, c, eps)
    assert abs(s64 - smp) <= tol_s, (s64, smp, tol_s)


def test_fit_matches_generated_twin():
    """kkt_fit_f64 (hand-written) vs the lambdified derivation expression (STYLE rule 4).

    The reference is the generated expression evaluated exactly in rationals at the
    float64 inputs; the lambdified twin's own error is bounded a priori by the running
    bound γ_m (Ñ + |N| D̃/|D|)/|D| for N/D evaluated term by term (m = degree + terms),
    Ñ, D̃ the polynomials with absolute coefficients at absolute inputs.
    """
    n = 3
    fe = fitted_values_expr(n)
    G, y, c = gram_instance(7, n, 2.0, 0, False, -1.0)
    value = {fe.G[a, b]: G[a, b] for a in range(n) for b in range(n)}  # G exactly symmetric
    value.update({fe.y[a]: y[a] for a in range(n)})
    value[fe.c] = c
    syms = sorted(value, key=str)
    vals = [value[s] for s in syms]
    exact_subs = {s: sp.Rational(float(v)) for s, v in zip(syms, vals)}
    abs_subs = {s: abs(v) for s, v in exact_subs.items()}
    with np.errstate(**FPE):
        fit = kkt_fit_f64(G, y, c)
        xhat = np.linalg.solve(G + c * np.eye(n), y)
    tol_hand = fit_tolerance(G, c, xhat)
    for i in range(n):
        N, D = sp.fraction(sp.together(fe.expr[i]))
        N, D = sp.Poly(sp.expand(N), *syms), sp.Poly(sp.expand(D), *syms)
        exact = N.as_expr().xreplace(exact_subs) / D.as_expr().xreplace(exact_subs)
        num_f = sp.lambdify(syms, N.as_expr(), "numpy")
        den_f = sp.lambdify(syms, D.as_expr(), "numpy")
        twin = num_f(*vals) / den_f(*vals)
        Nt = sum(abs(cf) * sp.Mul(*[v**e for v, e in zip(syms, mon)]) for mon, cf in N.terms())
        Dt = sum(abs(cf) * sp.Mul(*[v**e for v, e in zip(syms, mon)]) for mon, cf in D.terms())
        m = max(N.total_degree() + len(N.terms()), D.total_degree() + len(D.terms())) + 1
        Dv = abs(D.as_expr().xreplace(exact_subs))
        bound = m * EPS64 * (Nt.xreplace(abs_subs) + abs(N.as_expr().xreplace(exact_subs))
                             * Dt.xreplace(abs_subs) / Dv) / Dv
        assert abs(twin - float(exact)) <= 1.01 * float(bound), (i, twin, exact, bound)
        assert abs(fit[i] - float(exact)) <= tol_hand, (i, fit[i], exact, tol_hand)
        assert abs(fit[i] - twin) <= tol_hand + 1.01 * float(bound)


def test_residual_identity_by_eigendecomposition():
    """y − G(cI+G)^{-1}y = c(cI+G)^{-1}y, the right side by numpy.linalg.eigh (a different algorithm)."""
    G, y, c = gram_instance(11, 5, 3.0, 0, False, -1.0)
    with np.errstate(**FPE):
        fit = kkt_fit_f64(G, y, c)
        d, V = np.linalg.eigh(G)
        resid = V @ (c / (c + d) * (V.T @ y))
        xhat = np.linalg.solve(G + c * np.eye(5), y)
    # eigh is backward stable: the computed pair is exact for G + ΔG, ||ΔG|| ≲ K eps64 ||G||,
    # and ||∂/∂G c(cI+G)^{-1}y|| ≤ ||x|| (c(cI+G)^{-1} is a contraction); V's loss of
    # orthogonality adds K eps64 ||y||; 8 covers the constants.
    tol = fit_tolerance(G, c, xhat) + 8 * 5 * EPS64 * (np.linalg.norm(G, 2) * np.linalg.norm(xhat)
                                                       + np.linalg.norm(y))
    assert np.linalg.norm((y - fit) - resid) <= tol


def test_predict_at_training_points_and_multiclass():
    G, y, c = gram_instance(5, 4, 2.0, 0, False, -0.5)
    Y = np.column_stack([y, -2 * y, np.arange(4.0)])
    with np.errstate(**FPE):
        fit = kkt_fit_f64(G, y, c)
        pred = kkt_predict_f64(G, G, y, c)  # g_{x_j} = G[j, :]
        fitY = kkt_fit_f64(G, Y, c)
        xhat = np.linalg.solve(G + c * np.eye(4), Y)
    assert pred.shape == (4,) and fitY.shape == (4, 3)
    tol = fit_tolerance(G, c, xhat)
    assert np.linalg.norm(pred - fit) <= tol
    for col in range(3):
        assert np.linalg.norm(fitY[:, col] - kkt_fit_f64(G, Y[:, col], c)) <= tol
    # multiclass (S) is the Frobenius norm, one c for all columns
    s = secular_residual_f64(G, Y, c, 0.1)
    cols = [secular_residual_f64(G, Y[:, i], c, 0.1) + 4 * 0.1 for i in range(3)]
    assert abs(s - (sum(cols) - 4 * 0.1)) <= 3 * 4 * EPS64 * sum(cols)


def test_secular_residual_is_monotone_with_limits():
    """φ(c) − Kε increases from −Kε (c → 0+) to ||y||² − Kε (c → ∞), G non-singular."""
    K = 5
    G, y, _ = gram_instance(13, K, 4.0, 0, False, 0.0)
    eps = 0.2 * float(y @ y) / K
    d = np.linalg.eigvalsh(G)
    ny2 = float(y @ y)
    cs = np.logspace(-12, 12, 200)
    with np.errstate(**FPE):
        s = np.array([secular_residual_f64(G, y, cc, eps) for cc in cs])
    tol = np.array([secular_tolerance(G, y, cc, eps) for cc in cs])
    assert np.all(np.diff(s) >= -(tol[1:] + tol[:-1])), "not monotone beyond round-off"
    # (c/(c+d))² ≤ (c/d_min)² at the small end; ≥ 1 − 2 d_max/c at the large end
    assert abs(s[0] + K * eps) <= (cs[0] / d[0])**2 * ny2 + tol[0]
    assert abs(s[-1] - (ny2 - K * eps)) <= 2 * d[-1] / cs[-1] * ny2 + tol[-1]


# --- errors ----------------------------------------------------------------------------------

GOOD_G = np.array([[1.0, 0.5], [0.5, 1.0]])
GOOD_Y = np.array([1.0, -1.0])


@pytest.mark.parametrize("call, match", [
    (lambda: kkt_fit_f64(np.ones((2, 3)), GOOD_Y, 1.0), "square"),
    (lambda: kkt_fit_f64(np.zeros((0, 0)), [], 1.0), "square"),
    (lambda: kkt_fit_f64([[1.0, np.nan], [np.nan, 1.0]], GOOD_Y, 1.0), "not finite"),
    (lambda: kkt_fit_f64([[1.0, 0.5], [0.4, 1.0]], GOOD_Y, 1.0), "not symmetric"),
    (lambda: kkt_fit_f64([[-1.0, 0.0], [0.0, 1.0]], GOOD_Y, 1.0), "positive semi-definite"),
    (lambda: kkt_fit_f64([[0.0, 1.0], [1.0, 0.0]], GOOD_Y, 1.0), "singular"),
    (lambda: kkt_fit_f64(GOOD_G, [1.0, 2.0, 3.0], 1.0), "shape"),
    (lambda: kkt_fit_f64(GOOD_G, [1.0, np.inf], 1.0), "not finite"),
    (lambda: kkt_fit_f64(GOOD_G, GOOD_Y, 0.0), "c = 0.0"),
    (lambda: kkt_fit_f64(GOOD_G, GOOD_Y, -1.0), "c = -1.0"),
    (lambda: kkt_fit_f64(GOOD_G, GOOD_Y, np.nan), "c = nan"),
    (lambda: kkt_fit_f64(GOOD_G, GOOD_Y, "abc"), "c must be a real number"),
    (lambda: kkt_predict_f64(GOOD_G[0], GOOD_G, GOOD_Y, 1.0), "g_x"),
    (lambda: kkt_predict_f64(np.ones((3, 3)), GOOD_G, GOOD_Y, 1.0), "g_x"),
    (lambda: secular_residual_f64(GOOD_G, GOOD_Y, 1.0, 0.0), "eps = 0.0"),
    (lambda: kkt_fit_mp(make_context(20), [[1, 0.5], [0.4, 1]], [1, 1], 1), "not symmetric"),
    (lambda: kkt_fit_mp(make_context(20), GOOD_G, GOOD_Y, 0), "c = 0"),
    (lambda: solve_constrained_f64([0.05], [1.0], 0.1, 1.0, 1.0, 5.0, 10), "not an interior node"),
    (lambda: solve_constrained_f64([5.0], [1.0], 0.1, 1.0, 1.0, 5.0, 10), "not an interior node"),
    (lambda: solve_constrained_f64([0.0, 0.0], [1.0, 1.0], 0.1, 1.0, 1.0, 5.0, 10), "distinct"),
    (lambda: solve_constrained_f64([0.0], [0.0], 0.1, 1.0, 1.0, 5.0, 10), "y = 0"),
    (lambda: solve_constrained_f64([0.0], [1.0], 0.1, 1.0, 0.0, 5.0, 10), "a1 = 0.0"),
    (lambda: solve_constrained_f64([0.0], [1.0, 2.0], 0.1, 1.0, 1.0, 5.0, 10), "shape"),
    (lambda: solve_constrained_f64([0.0], [1.0], 0.1, 1.0, 1.0, 5.0, 1.5), "integer"),
    (lambda: fitted_values_expr(0), "integer >= 1"),
])
def test_input_errors(call, match):
    with pytest.raises(InputError, match=match):
        call()
