r"""Instance domains of the Pareek, Du & Oh 2024 claims (docs/theory/pareek2024.md §4).

Most claims are about the spectrum only, so their instances are *spectral*: a Gram matrix
``G = diag(d)`` with its entries in a seeded random order (a permuted diagonal is exactly
symmetric, and its eigenvalues are exactly the ``d_j``, repeats included), the mean
``mu`` with ``u_j^T mu = m_j = s_j theta_j`` on the eigenvector of ``d_j = s_j^2``, one noisy
target ``y = mu + sigma e``, a ridge ``lam`` and weights ``xi``.  Zero eigenvalues (the
Gram matrix of a design with n > d) carry no signal.  ``estimator_is_filter`` runs on
designs X (n >= d and n < d), where the estimator is a vector theta in R^d.

Families (docs/theory/pareek2024.md §4), then the shared spectral families of
:mod:`proofs_check.domains` (Householder-mixed exact repeats, levels at kappa up to 1.4e14,
K = 1, 2, 3, a cluster of width 2^-40, signals on one eigenvector or off an eigenspace;
for the oracle claim only distinct eigenvalues on a diagonal G; exact spectral designs for
``estimator_is_filter``), each with k, weights, lam and snr taken edge-first:

* spectra: ``linear`` s_j^2 = j; ``geometric`` with kappa = 1e2 .. 1e14; ``clustered``
  (gaps 1e-3 .. 1e-1); ``random`` e^U(-2, 2); ``isotropic`` (one repeated value);
  ``levels`` (2-4 repeated values, kappa 1e2 .. 1e14); a few with zero eigenvalues;
* signals: along v_min, along v_max, equal energy |theta_j| = beta, Gaussian;
* sigma^2 = 1, signal-to-noise B/sigma^2 from 0.1 to 1e4, lam in {0.1, 1, 10} x the median
  s^2 (and the optimally tuned ridge where a claim needs it), weights xi in [-3, 5].

>>> len(filter_domain("fast", 0)) >= 20
True
"""

import functools
import itertools
import math
from fractions import Fraction

import numpy as np

from theory._mp import make_context, to_mp_array
from theory.ridge_risk import oracle_filter_mp, oracle_weights

from ...claim import Instance
from ...domains import (DESIGN_MIXINGS, Param, Recipe, check_tier, core_problems, no_search,
                        search_tag, select_problems, spectral_designs, spectral_problem,
                        spectral_problems, spread)
from . import _common as C

__all__ = ["SIGMA2", "spectral_instance", "base_spectra", "filter_domain", "inverse_domain",
           "nested_domain", "oracle_domain", "blowup_domain", "no_gain_domain",
           "separation_domain", "one_step_domain", "design_domain", "oracle_xi",
           "separation_family", "ORACLE_XI_DPS", "gram_instance", "problem_mean",
           "SPECTRAL_RECIPE", "INVERSE_RECIPE", "ORACLE_RECIPE", "DESIGN_RECIPE"]

#: Noise variance of every spectral instance (ratios of risks do not depend on it).
SIGMA2 = 1.0
#: Digits of the oracle weights stored in an instance (docs/theory/pareek2024.md §5): the
#: risk gap of weights accurate to D digits is ~(10^-D A)^2 for an amplification A <= 1e25,
#: far below the mp tolerance for any dps up to ~190.
ORACLE_XI_DPS = 120

_SIGNALS = ("vmin", "vmax", "equal", "gauss")
_SNRS = (0.1, 1.0, 10.0, 1e2, 1e4)
_LAM_FACTORS = (0.1, 1.0, 10.0)


# ------------------------------------------------------------------ building blocks

def spectral_instance(family, label, d, m, *, lam, xi, seed, params=(), sigma2=SIGMA2,
                      extra=None):
    """A permuted diagonal Gram instance (module docstring); ``d`` ascending or not,
    ``m[j]`` the signal on the eigenvector of ``d[j]``; ``extra``: more data entries."""
    d = np.asarray(d, dtype=float)
    m = np.asarray(m, dtype=float)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(d.size)
    return gram_instance(family, label, np.diag(d[perm]), m[perm], d, lam=lam, xi=xi,
                         rng=rng, params=params, sigma2=sigma2, extra=extra)


def gram_instance(family, label, G, mu, d, *, lam, xi, rng, params=(), sigma2=SIGMA2,
                  extra=None):
    """An instance on any Gram matrix ``G`` with eigenvalues ``d`` and mean ``mu`` (so
    m_j = u_j^T mu), one noisy target y = mu + sigma e (e from ``rng``)."""
    d = np.asarray(d, dtype=float)
    mu = np.asarray(mu, dtype=float)
    y = mu + np.sqrt(sigma2) * rng.standard_normal(mu.size)
    xi = np.asarray(xi, dtype=object) if len(xi) else np.zeros(0)
    nz = d[d > 0]
    kappa = float(nz.max() / nz.min()) if nz.size else 1.0
    data = {"lam": lam, "xi": xi, "mu": mu, "sigma2": sigma2, **(extra or {})}
    return Instance(id=label, family=family, G=G, y=y,
                    params=(("r", int(nz.size)), ("kappa", kappa), ("lam", float(lam)),
                            ("k", len(xi))) + tuple(params), data=data)


def problem_mean(problem, snr):
    """The mean mu of a shared spectral problem (:func:`proofs_check.domains.spectral_problems`)
    at signal-to-noise ``snr``: its targets (with their alignment) times the power of two that
    brings the mean energy ||mu||^2/K nearest to snr sigma^2 (a power of two keeps the
    alignment exact); returns (mu, the snr it has)."""
    y = np.asarray(problem.y, dtype=float)
    K = y.size
    scale = 2.0 ** round(0.5 * math.log2(snr * SIGMA2 * K / float(y @ y)))
    mu = y * scale
    return mu, float(mu @ mu) / (K * SIGMA2)


def _signal(kind, d, snr, seed):
    """m_j = s_j theta_j for the signal kind; B = snr sigma^2 is s_min^2 beta^2 (vmin),
    s_max^2 beta^2 (vmax), the mean of s_j^2 theta_j^2 (equal, gauss)."""
    s = np.sqrt(np.where(d > 0, d, 0.0))
    pos = np.flatnonzero(d > 0)
    m = np.zeros(d.size)
    B = snr * SIGMA2
    if kind == "vmin":
        m[pos[np.argmin(d[pos])]] = np.sqrt(B)
    elif kind == "vmax":
        m[pos[np.argmax(d[pos])]] = np.sqrt(B)
    elif kind == "equal":  # |theta_j| = beta, beta^2 mean(s^2) = B
        beta = np.sqrt(B / np.mean(d[pos]))
        signs = np.where(np.random.default_rng(seed).random(pos.size) < 0.5, -1.0, 1.0)
        m[pos] = s[pos] * beta * signs
    else:
        th = np.random.default_rng(seed).standard_normal(pos.size)
        th *= np.sqrt(B / np.mean(d[pos] * th * th))
        m[pos] = s[pos] * th
    return m


def base_spectra(tier):
    """(family, label, d) of the tier's spectra, ascending, zeros for null directions."""
    out = []
    rs = (1, 2, 3, 5, 8) if tier == "fast" else (1, 2, 3, 4, 5, 6, 8, 10, 12)
    out += [("linear", f"linear-r{r}", np.arange(1.0, r + 1)) for r in rs]
    geo = ((3, 1e2), (4, 1e6), (5, 1e14)) if tier == "fast" else \
        tuple(itertools.product((2, 3, 5, 8), (1e2, 1e6, 1e10, 1e14)))
    out += [("geometric", f"geometric-r{r}-kappa{k:.0e}", np.geomspace(1.0 / k, 1.0, r))
            for r, k in geo]
    clu = ((3, 1e-3), (4, 1e-1)) if tier == "fast" else \
        tuple(itertools.product((2, 3, 5), (1e-3, 1e-2, 1e-1)))
    out += [("clustered", f"clustered-r{r}-gap{g:.0e}", 1.0 + g * np.arange(r)) for r, g in clu]
    for r, seed in ((2, 1), (4, 2), (6, 3)) if tier == "fast" else \
            itertools.product((2, 3, 4, 6, 8), (1, 2, 3)):
        d = np.sort(np.exp(np.random.default_rng(100 + 10 * r + seed).uniform(-2, 2, r)))
        out.append(("random", f"random-r{r}-s{seed}", d))
    # the Gram matrix of a design with n > d: zero eigenvalues, no signal there
    out.append(("null", "linear-r3-n5", np.array([0.0, 0.0, 1.0, 2.0, 3.0])))
    return out


def repeated_spectra(tier):
    """(family, label, d): isotropic spectra and 2-4 repeated levels at kappa 1e2..1e14."""
    out = [("isotropic", f"isotropic-r{r}", np.full(r, 2.0))
           for r in ((2, 3, 4) if tier == "fast" else (1, 2, 3, 4, 6, 8))]
    lev = ((2, 1e2, 5), (3, 1e8, 7), (4, 1e14, 8)) if tier == "fast" else \
        tuple(itertools.product((2, 3, 4), (1e2, 1e6, 1e10, 1e14), (6, 9)))
    for L, kappa, r in lev:
        levels = np.geomspace(1.0 / kappa, 1.0, L)
        out.append(("levels", f"levels{L}-kappa{kappa:.0e}-r{r}", np.sort(levels[np.arange(r) % L])))
    return out


def _pick(seq, label, shift=0):
    """A deterministic choice from ``seq`` for a label (spreads the signal kinds, SNRs and
    ridges over the spectra without a full product)."""
    return seq[(sum(map(ord, label)) + shift) % len(seq)]


def _weights(k, seed):
    """k weights in [-3, 5] (negative and > 1 included), exact binary fractions."""
    rng = np.random.default_rng(seed)
    return list(np.round(rng.uniform(-3.0, 5.0, k) * 64) / 64)


# ------------------------------------------------------------------ claim domains

#: Weights of the spectral families' students, taken edge-first: both ends of [-3, 5].
_XI_GRID = (-3.0, -1.0, -0.25, 0.0, 0.5, 1.0, 2.5, 5.0)


def _spectral_tag(lamf, snr, xi):
    return search_tag(SPECTRAL_RECIPE, lam_factor=lamf, snr=snr, k=len(xi),
                      xi=tuple(float(v) for v in xi))


def _problem_instance(fam, label, p, *, lamf, snr, xi, seed, tag=None, xi_data=None, extra=None,
                      params=()):
    """An instance on a shared spectral problem ``p``: its G (any mixing), the mean
    :func:`problem_mean` at ``snr``, lam = lamf x the median eigenvalue."""
    mu, snr_has = problem_mean(p, snr)
    lam = lamf * float(np.median(p.d))
    tag = tag if tag is not None else _spectral_tag(lamf, snr, xi)
    return gram_instance(fam, label, p.G, mu, p.d, lam=lam,
                         xi=xi if xi_data is None else xi_data,
                         rng=np.random.default_rng(seed),
                         params=tuple(p.params) + (("snr", snr_has),) + tuple(params),
                         extra={"search": tag, **(extra or {})})


def _build_spectral(p, values, seed, label):
    """A search instance of :data:`SPECTRAL_RECIPE`."""
    return _problem_instance("search", label, p, lamf=float(values["lam_factor"]),
                             snr=float(values["snr"]), xi=list(values["xi"]), seed=seed)


#: A teacher and k students with weights xi on any Gram matrix: the filter and nested
#: claims' spectral instances.
SPECTRAL_RECIPE = Recipe("pareek2024.spectral", _build_spectral,
                         (Param("lam_factor", "log"), Param("snr", "log"), Param("k", "int"),
                          Param("xi", "linear", size="k")),
                         covers="G and the mean mu of a drawn spectrum (mu along the drawn "
                                "alignment), lam/median(d), snr, k and the weights over the "
                                "domain's ranges")


@functools.lru_cache(maxsize=8)
def _filter_domain(tier, seed):
    insts = []
    ks = (0, 1, 2, 3, 4) if tier == "fast" else (0, 1, 2, 3, 4, 5, 6)
    spectra = base_spectra(tier) + repeated_spectra(tier)
    for i, (fam, label, d) in enumerate(spectra):
        sig = _pick(_SIGNALS, label)
        snr = _pick(_SNRS, label, 1)
        lamf = _pick(_LAM_FACTORS, label, 2)
        lam = lamf * float(np.median(d[d > 0]))
        for k in (ks if tier == "full" else (ks[i % len(ks)], ks[(i + 2) % len(ks)])):
            s = 1000 * seed + 7 * i + k
            xi = _weights(k, s)
            insts.append(spectral_instance(
                fam, f"{label}-{sig}-snr{snr:g}-lam{lamf:g}-k{k}-s{seed}", d,
                _signal(sig, d, snr, s), lam=lam, xi=xi, seed=s,
                params=(("signal", sig), ("snr", snr)),
                extra={"search": _spectral_tag(lamf, snr, xi)}))
    # the shared spectral families (exact repeats under Householder mixing, levels at kappa
    # to 1.4e14, K = 1..3, a cluster, aligned signals): k, weights, lam and snr edge-first
    for i, (fam, label, p) in enumerate(core_problems(tier, seed)):
        for k in ((spread(ks, i),) if tier == "fast" else ks):
            xi = [spread(_XI_GRID, i + j, 3) for j in range(k)]
            lamf, snr = spread(_LAM_FACTORS, i, 1), spread(_SNRS, i, 2)
            insts.append(_problem_instance(
                fam, f"{label}-snr{snr:g}-lam{lamf:g}-k{k}-s{seed}", p, lamf=lamf, snr=snr,
                xi=xi, seed=1000 * seed + 900 + 7 * i + k))
    return tuple(sorted(insts, key=lambda v: (v.K, v.id)))


def filter_domain(tier="fast", seed=0):
    """Spectral instances (distinct, repeated, zero eigenvalues) with k = 0..4 weights in
    [-3, 5]; two k per spectrum in the fast tier, all k = 0..6 in the full tier."""
    check_tier(tier)
    return list(_filter_domain(tier, seed))


def _exact_coefficients(k, rng, near=None):
    """c_1..c_{k+1} (exact binary fractions) with sum c_i = 1 exactly; ``near = (m, off)``
    puts the partial sum S_m at 1 + off (a weight ~1/off)."""
    import sympy as sp
    c = [sp.Rational(int(v), 64) for v in np.round(rng.uniform(-2.0, 2.0, k) * 64)]
    if near is not None:
        m, off = near
        if m >= 1:
            c[m - 1] = 1 + sp.Rational(off) - sum(c[:m - 1], sp.Integer(0))
    c.append(1 - sum(c, sp.Integer(0)))
    return c


def _inverse_data(k, rng, near):
    """(c, xi at 120 digits, whether c has a near-1 partial sum): exact coefficients c with
    sum c_i = 1 (``near`` = (m, offset) puts S_m at 1 + offset) and their weights by the
    exact inverse map."""
    from theory.ridge_filters import weights_from_coefficients_expr
    ctx = make_context(ORACLE_XI_DPS)
    while True:
        c = _exact_coefficients(k, rng, near)
        try:
            xi = weights_from_coefficients_expr(c)
            break
        except Exception:  # a partial sum hit 1 exactly: draw again
            near = None
    xi_mp = np.array([ctx.mpf(x.p) / ctx.mpf(x.q) for x in xi], dtype=object)
    return c, xi_mp, near is not None


def _inverse_extra(c):
    return ((("c", "[" + ", ".join(str(v) for v in c) + "]"),),
            {"c": [Fraction(int(v.p), int(v.q)) for v in c]})


def _near(i, k):
    # S_m = 1 + 2^-20 with m < k: the weight xi_{k-m} = (1 - S_{m+1})/(1 - S_m) ~ 2^20
    return (1 + i % (k - 1), 2.0 ** -20) if i % 3 == 0 and k >= 2 else None


def _build_inverse(p, values, seed, label):
    """A search instance of :data:`INVERSE_RECIPE`: exact coefficients (k of them plus one,
    a partial sum at 1 + 2^-20 when ``near``) and their weights on a drawn spectrum."""
    k, near = int(values["k"]), int(values["near"])
    c, xi_mp, has_near = _inverse_data(k, np.random.default_rng(seed),
                                       (1 + seed % (k - 1), 2.0 ** -20) if near and k >= 2
                                       else None)
    params, extra = _inverse_extra(c)
    tag = search_tag(INVERSE_RECIPE, k=k, near=int(has_near), lam_factor=1.0, snr=10.0)
    return _problem_instance("search", label, p, lamf=1.0, snr=10.0, xi=[], xi_data=xi_mp,
                             seed=seed, tag=tag, extra=extra, params=params)


#: Weights from exact filter coefficients on any Gram matrix (:func:`inverse_domain`).
INVERSE_RECIPE = Recipe("pareek2024.inverse", _build_inverse,
                        (Param("k", "int"), Param("near", "choice"),
                         Param("lam_factor", "choice"), Param("snr", "choice")),
                        covers="G of a drawn spectrum; k + 1 exact coefficients with sum 1 "
                               "(a partial sum at 1 + 2^-20 or not) and their weights")


def inverse_domain(tier="fast", seed=0):
    """Spectral instances whose weights are the inverse map of exact coefficients c with
    sum c_i = 1 (k = 1..4), including c with a partial sum 1 + 2^-20 (weights ~1e6, hard for
    float64); xi stored at 120 digits from the exact rational weights."""
    check_tier(tier)
    insts = []
    spectra = [s for s in base_spectra(tier) if s[2].size >= 2] + repeated_spectra(tier)[:2]
    if tier == "fast":
        spectra = spectra[::2]
    for i, (fam, label, d) in enumerate(spectra):
        rng = np.random.default_rng(5000 + 1000 * seed + i)
        k = 1 + i % 4
        c, xi_mp, has_near = _inverse_data(k, rng, _near(i, k))
        lam = float(np.median(d[d > 0]))
        params, extra = _inverse_extra(c)
        insts.append(spectral_instance(
            fam, f"{label}-c{i}{'-near' if has_near else ''}-s{seed}", d,
            _signal("gauss", d, 10.0, i), lam=lam, xi=xi_mp, seed=6000 + i, params=params,
            extra={**extra, "search": search_tag(INVERSE_RECIPE, k=k, near=int(has_near),
                                                 lam_factor=1.0, snr=10.0)}))
    for i, (fam, label, p) in enumerate(core_problems(tier, seed, 6)):
        k = 1 + i % 4
        rng = np.random.default_rng(5500 + 1000 * seed + i)
        c, xi_mp, has_near = _inverse_data(k, rng, _near(i, k))
        params, extra = _inverse_extra(c)
        tag = search_tag(INVERSE_RECIPE, k=k, near=int(has_near), lam_factor=1.0, snr=10.0)
        insts.append(_problem_instance(
            fam, f"{label}-c{i}{'-near' if has_near else ''}-s{seed}", p, lamf=1.0, snr=10.0,
            xi=[], xi_data=xi_mp, seed=6500 + i, tag=tag, extra=extra, params=params))
    return sorted(insts, key=lambda v: (v.K, v.id))


def nested_domain(tier="fast", seed=0):
    """Spectral instances (the teacher alone; the claim optimises over the weights of every
    k = 0..r+2 itself): distinct spectra and repeated levels, every signal kind."""
    check_tier(tier)
    insts = []
    spectra = base_spectra(tier) + repeated_spectra(tier)
    for i, (fam, label, d) in enumerate(spectra):
        if d[d > 0].size > (6 if tier == "fast" else 12):
            continue
        sig = _pick(_SIGNALS, label, 3)
        snr = _pick(_SNRS, label, 4)
        lamf = _pick(_LAM_FACTORS, label, 5)
        lam = lamf * float(np.median(d[d > 0]))
        s = 2000 + 1000 * seed + i
        insts.append(spectral_instance(fam, f"{label}-{sig}-snr{snr:g}-lam{lamf:g}-s{seed}", d,
                                       _signal(sig, d, snr, s), lam=lam, xi=[], seed=s,
                                       params=(("signal", sig), ("snr", snr)),
                                       extra={"search": _spectral_tag(lamf, snr, [])}))
    for i, (fam, label, p) in enumerate(core_problems(tier, seed, 8)):
        lamf, snr = spread(_LAM_FACTORS, i, 4), spread(_SNRS, i, 3)
        insts.append(_problem_instance(fam, f"{label}-snr{snr:g}-lam{lamf:g}-s{seed}", p,
                                       lamf=lamf, snr=snr, xi=[], seed=2500 + 1000 * seed + i))
    return sorted(insts, key=lambda v: (v.K, v.id))


def oracle_xi(d, m, lam, sigma2=SIGMA2, dps=ORACLE_XI_DPS):
    """The r-step weights whose filter is the oracle p_j* on the non-zero d_j (distinct),
    confirmed to ``dps`` digits (theory.ridge_risk.oracle_weights)."""
    ctx = make_context(dps + 20)
    pos = [j for j in range(len(d)) if d[j] > 0]
    s2 = to_mp_array(ctx, [d[j] for j in pos])
    th = np.array([ctx.mpf(m[j]) / ctx.sqrt(s2[i]) for i, j in enumerate(pos)], dtype=object)
    a = np.array([v / (v + ctx.mpf(lam)) for v in s2], dtype=object)
    p = oracle_filter_mp(ctx, s2, th, sigma2)
    return oracle_weights(a, p, dps=dps).xi


def _oracle_tag(lamf, snr):
    return search_tag(ORACLE_RECIPE, lam_factor=lamf, snr=snr)


def _build_oracle(p, values, seed, label):
    """A search instance of :data:`ORACLE_RECIPE`: G = diag(d) of a drawn simple spectrum,
    the mean at ``snr``, and the r-step oracle weights at lam = lam_factor x median(d)."""
    lamf, snr = float(values["lam_factor"]), float(values["snr"])
    mu, _ = problem_mean(p, snr)
    lam = lamf * float(np.median(p.d))
    return _problem_instance("search", label, p, lamf=lamf, snr=snr, xi=[],
                             xi_data=oracle_xi(p.d, mu, lam), seed=seed,
                             tag=_oracle_tag(lamf, snr))


#: The r-step oracle weights on a diagonal G with distinct eigenvalues (the claim's
#: hypothesis; its mp check reads the exact nodes off the diagonal).
ORACLE_RECIPE = Recipe("pareek2024.oracle", _build_oracle,
                       (Param("lam_factor", "log"), Param("snr", "log")),
                       mixings=("diagonal",), simple=True,
                       covers="diag(d) of a drawn simple spectrum, the mean along the drawn "
                              "alignment, lam/median(d) and snr over the domain's ranges; the "
                              "oracle weights at 120 digits")


@functools.lru_cache(maxsize=8)
def _oracle_domain(tier, seed):
    insts = []
    for i, (fam, label, d) in enumerate(base_spectra(tier)):
        r = int((d > 0).sum())
        if r > (6 if tier == "fast" else 10):
            continue
        sig = _pick(_SIGNALS, label, 6)
        snr = _pick(_SNRS, label, 7)
        lams = _LAM_FACTORS if tier == "full" else (_pick(_LAM_FACTORS, label, 8),)
        s = 3000 + 1000 * seed + i
        m = _signal(sig, d, snr, s)
        for lamf in lams:
            lam = lamf * float(np.median(d[d > 0]))
            insts.append(spectral_instance(
                fam, f"oracle:{label}-{sig}-snr{snr:g}-lam{lamf:g}-s{seed}", d, m, lam=lam,
                xi=oracle_xi(d, m, lam), seed=s, params=(("signal", sig), ("snr", snr)),
                extra={"search": _oracle_tag(lamf, snr)}))
    # the shared spectral families the hypothesis allows (distinct eigenvalues; diagonal G,
    # whose entries are the exact nodes): K = 1..3, kappa to 1.4e14, clusters of width 2^-40
    probs = select_problems(spectral_problems(tier, seed), simple=True, mixings=("diagonal",))
    for i, (fam, label, p) in enumerate(probs):
        for lamf in ((spread(_LAM_FACTORS, i),) if tier == "fast" else _LAM_FACTORS):
            snr = spread(_SNRS, i, 1)
            mu, _ = problem_mean(p, snr)
            lam = lamf * float(np.median(p.d))
            insts.append(_problem_instance(
                fam, f"oracle:{label}-snr{snr:g}-lam{lamf:g}-s{seed}", p, lamf=lamf, snr=snr,
                xi=[], xi_data=oracle_xi(p.d, mu, lam), seed=3500 + 1000 * seed + i,
                tag=_oracle_tag(lamf, snr)))
    return tuple(sorted(insts, key=lambda v: (v.K, v.id)))


def oracle_domain(tier="fast", seed=0):
    """Distinct spectra (r <= 6 fast, <= 10 full) with the r-step oracle weights (120
    digits), every signal kind, lam in {0.1, 1, 10} x median s^2; plus the blow-up family."""
    check_tier(tier)
    return list(_oracle_domain(tier, seed)) + blowup_domain(tier, seed)


def separation_family(r, snr_per_r=1000.0):
    """s_j^2 = j (j = 1..r), theta* = beta v_1 with B = s_1^2 beta^2 = snr_per_r r sigma^2."""
    d = np.arange(1.0, r + 1)
    m = np.zeros(r)
    m[0] = np.sqrt(snr_per_r * r * SIGMA2)
    return d, m


_BLOWUP_NO_SEARCH = no_search(
    "the statement is about how the oracle weights grow with r on its own families (s_j^2 = j "
    "with r up to 16, and e^U(-1, 1) spectra): r is beyond the search's K <= 8")


@functools.lru_cache(maxsize=8)
def _blowup_domain(tier, seed):
    insts = []
    rs = (4, 8, 12, 16) if tier == "fast" else (2, 4, 6, 8, 10, 12, 14, 16, 18, 20)
    for r in rs:
        d, m = separation_family(r)
        insts.append(spectral_instance("blowup", f"blowup:linear-r{r}", d, m, lam=1.0,
                                       xi=oracle_xi(d, m, 1.0), seed=4000 + r,
                                       params=(("signal", "vmin"), ("snr", 1000.0 * r)),
                                       extra={"search": _BLOWUP_NO_SEARCH}))
    for r, s in ((4, 1), (8, 1), (12, 1)) if tier == "fast" else \
            itertools.product((4, 8, 12), (1, 2, 3)):
        rng = np.random.default_rng(4100 + 10 * r + s + 1000 * seed)
        d = np.sort(np.exp(rng.uniform(-1, 1, r)))
        m = _signal("gauss", d, 10.0, 4200 + r + s)
        insts.append(spectral_instance("blowup", f"blowup:random-r{r}-s{s}-seed{seed}", d, m,
                                       lam=1.0, xi=oracle_xi(d, m, 1.0), seed=4300 + r + s,
                                       params=(("signal", "gauss"), ("snr", 10.0)),
                                       extra={"search": _BLOWUP_NO_SEARCH}))
    return tuple(insts)


def blowup_domain(tier="fast", seed=0):
    """The oracle weights where they blow up: s_j^2 = j with r = 4, 8, 12, 16 (theta* along
    v_1, B/sigma^2 = 1000 r, lam = 1) and random spectra in [e^-1, e^1] with r = 4, 8, 12."""
    check_tier(tier)
    return list(_blowup_domain(tier, seed))


_NO_GAIN_NO_SEARCH = no_search(
    "the statement's two cases fix the family: an isotropic spectrum (kappa = 1), or equal "
    "energy |theta_j| = beta on distinct exact singular values at lam = sigma^2/beta^2")


def no_gain_domain(tier="fast", seed=0):
    """(a) isotropic spectra s^2 I with k = 0..3 weights at several lam, and the teacher at
    the optimal ridge lam* = r sigma^2/||theta*||^2 (equality); (b) equal energy
    |theta_j| = beta on distinct spectra with lam = sigma^2/beta^2 (ridge = oracle)."""
    check_tier(tier)
    insts = []
    rs = (1, 2, 3, 4) if tier == "fast" else (1, 2, 3, 4, 6, 8)
    for r in rs:
        s2 = 2.0
        d = np.full(r, s2)
        th = np.random.default_rng(7000 + r + 1000 * seed).standard_normal(r)
        m = np.sqrt(s2) * th
        lam_star = r * SIGMA2 / float(th @ th)
        for k, lam in ((0, lam_star), (1, 0.5), (2, 3.0), (3, lam_star)):
            xi = _weights(k, 7100 + 10 * r + k)
            insts.append(spectral_instance(
                "isotropic", f"nogain:isotropic-r{r}-k{k}-lam{lam:.4g}-s{seed}", d, m, lam=lam,
                xi=xi, seed=7200 + 10 * r + k, params=(("case", "isotropic"),),
                extra={"search": _NO_GAIN_NO_SEARCH}))
    # exact data: singular values s_j dyadic (so s_j^2 and m_j = s_j beta are exact in
    # binary), beta = 1/2 and lam = sigma^2/beta^2 = 4
    beta = 0.5
    exact = [("linear", f"s{r}", np.arange(1.0, r + 1)) for r in ((2, 3, 5) if tier == "fast"
                                                                 else (2, 3, 4, 5, 8))]
    exact += [("geometric", f"geo{r}", 2.0 ** (-3.0 * np.arange(r))) for r in
              ((4, 8) if tier == "fast" else (3, 5, 8))]
    for r in ((3, 6) if tier == "fast" else (2, 3, 4, 6, 8)):
        rng = np.random.default_rng(7300 + r + 1000 * seed)
        ints = rng.choice(np.arange(1, 256), size=r, replace=False)
        exact.append(("random", f"dyadic{r}", np.sort(ints) / 64.0))
    # K = 1, 2, 3 and two or three levels at kappa 2^28 (2.7e8) and 2^40 (1.1e12)
    exact += [("small", "s1", np.array([1.0])), ("small", "levels2-kappa2^28",
                                                  np.array([2.0 ** -14, 1.0])),
              ("small", "levels3-kappa2^40", np.array([2.0 ** -20, 2.0 ** -10, 1.0]))]
    for fam, label, s in exact:
        d = s * s
        signs = np.where(np.random.default_rng(7400 + d.size).random(d.size) < 0.5, -1.0, 1.0)
        m = s * beta * signs
        insts.append(spectral_instance(
            "equal-energy", f"nogain:equal-{label}-s{seed}", d, m, lam=SIGMA2 / beta ** 2,
            xi=[], seed=7500 + d.size, params=(("case", "equal"), ("beta", beta)),
            extra={"search": _NO_GAIN_NO_SEARCH}))
    return sorted(insts, key=lambda v: (v.K, v.id))


_SEPARATION_NO_SEARCH = no_search(
    "theta* lies along v_min and lam is the optimally tuned ridge (or 10^(+-1) times it): "
    "the domain's own families")

#: (family, mixing, K, levels, multiplicities) with a simple bottom level, for the
#: separation claim (theta* along v_min).
_SEPARATION_SPECTRA = [("exact", "householder", 4, (2.0**-13, 1.0), (1, 3)),
                       ("levels", "householder", 8, (2.0**-27, 2.0**-13, 1.0), (1, 3, 4)),
                       ("levels", "diagonal", 6, (2.0**-40, 2.0**-20, 1.0), (1, 2, 3)),
                       ("small", "diagonal", 1, (1.0,), (1,)),
                       ("small", "diagonal", 2, (2.0**-27, 1.0), (1, 1)),
                       ("small", "diagonal", 3, (2.0**-20, 1.0), (1, 2))]


def separation_domain(tier="fast", seed=0):
    """theta* = beta v_min on s_j^2 = j (r = 2..32), geometric and random spectra, SNR
    B/sigma^2 from 0.1 to 1e4, at the optimally tuned ridge lam* and at lam* x 10^+-1."""
    check_tier(tier)
    insts = []
    spectra = [("linear", f"linear-r{r}", np.arange(1.0, r + 1))
             for r in ((2, 4, 8, 16, 32) if tier == "fast" else (2, 3, 4, 6, 8, 12, 16, 24, 32))]
    spectra += [s for s in base_spectra(tier) if s[0] in ("geometric", "random") and s[2].size >= 2]
    snrs = (0.1, 1.0, 100.0, 1e4) if tier == "fast" else (0.1, 0.3, 1.0, 3.0, 10.0, 100.0,
                                                           1e3, 1e4)
    for i, (fam, label, d) in enumerate(spectra):
        for j, snr in enumerate(snrs):
            if tier == "fast" and (i + j) % 2:
                continue
            m = _signal("vmin", d, snr, 0)
            lam_star, _ = C.optimal_ridge(None, d, m, SIGMA2, d.size)
            if lam_star is None:  # the best ridge is lam -> inf (predict 0): a large lam
                lam_star = 1e4 * float(d.max())
            lams = (("opt", lam_star),) if tier == "fast" and (i + j) % 4 else \
                (("opt", lam_star), ("opt/10", lam_star / 10), ("opt*10", lam_star * 10))
            for tag, lam in lams:
                insts.append(spectral_instance(
                    "separation", f"separation:{label}-snr{snr:g}-lam{tag}", d, m, lam=lam,
                    xi=[], seed=8000 + i, params=(("signal", "vmin"), ("snr", snr),
                                                  ("lam_tag", tag)),
                    extra={"search": _SEPARATION_NO_SEARCH}))
    # the shared constructions with a simple bottom eigenvalue (theta* along it exactly):
    # exact repeats above it under Householder mixing, few levels at kappa 2^27 and 2^40,
    # K = 1, 2, 3
    for i, (fam, mixing, K, levels, mults) in enumerate(_SEPARATION_SPECTRA):
        p = spectral_problem(mixing, K, levels, mults, alignment="bottom", seed=8500 + i)
        snr = spread(snrs, i)
        mu, snr_has = problem_mean(p, snr)
        # mu = |mu| times the bottom eigenvector: its eigen-coordinates are (|mu|, 0, ...)
        m = np.where(np.arange(K) == 0, np.sqrt(mu @ mu), 0.0)
        lam_star, _ = C.optimal_ridge(None, p.d, m, SIGMA2, K)
        if lam_star is None:
            lam_star = 1e4 * float(p.d.max())
        for tag, lam in (("opt", lam_star), ("opt*10", lam_star * 10), ("opt/10", lam_star / 10)):
            if tier == "fast" and tag != spread(("opt", "opt*10", "opt/10"), i):
                continue
            insts.append(gram_instance(
                fam, f"separation:{fam}-{mixing}-K{K}-{dict(p.params)['mults']}-kappa"
                f"{p.kappa:.2g}-snr{snr_has:g}-lam{tag}", p.G, mu, p.d, lam=lam, xi=[],
                rng=np.random.default_rng(8600 + i), params=tuple(p.params) + (
                    ("signal", "vmin"), ("snr", snr_has), ("lam_tag", tag)),
                extra={"search": _SEPARATION_NO_SEARCH}))
    return sorted(insts, key=lambda v: (v.K, v.id))


def one_step_domain(tier="fast", seed=0):
    """s_j^2 = j, theta* = beta v_1, B/sigma^2 = 1000 r (r = 2..32), lam on a log grid over
    nine decades and at the teacher's optimum lam_T*."""
    check_tier(tier)
    insts = []
    rs = (2, 4, 8, 16, 32)
    grid = np.geomspace(1e-6, 1e2, 5 if tier == "fast" else 17)
    for r in rs:
        d, m = separation_family(r)
        lam_star, _ = C.optimal_ridge(None, d, m, SIGMA2, r)
        lams = [("opt", lam_star)] + [(f"{v:.3g}", float(v)) for v in grid]
        for tag, lam in lams:
            insts.append(spectral_instance(
                "one-step", f"onestep:linear-r{r}-lam{tag}", d, m, lam=lam, xi=[],
                seed=9000 + r, params=(("signal", "vmin"), ("snr", 1000.0 * r),
                                       ("lam_tag", tag)),
                extra={"search": no_search(
                    "the statement is numerical on one family: s_j^2 = j, theta* = beta v_1, "
                    "B/sigma^2 = 1000 r")}))
    return sorted(insts, key=lambda v: (v.K, v.id))


def _design(kind, n, d, rng):
    if kind == "gauss":
        return rng.standard_normal((n, d))
    if kind == "scaled":
        return rng.standard_normal((n, d)) * np.exp(rng.uniform(-2, 2, d))
    # prescribed singular values with repeats: e^U(-3, 3) rounded to two levels of values
    r = min(n, d)
    s = np.exp(rng.uniform(-3, 3, r))
    s[: r // 2] = s[0]  # a repeated singular value
    Q1 = np.linalg.qr(rng.standard_normal((n, r)))[0]
    Q2 = np.linalg.qr(rng.standard_normal((d, r)))[0]
    return (Q1 * s) @ Q2.T


def design_domain(tier="fast", seed=0):
    """Designs X (Gaussian, column scales e^U(-2,2), prescribed singular values with a
    repeat), n >= d and n < d, k = 0..4 weights in [-3, 5], lam from 1e-3 to 10 x the mean
    column norm^2."""
    check_tier(tier)
    insts = []
    shapes = ((6, 3), (3, 6), (10, 10), (12, 5), (4, 9)) if tier == "fast" else \
        tuple(itertools.product((2, 5, 12, 30), (1, 3, 8, 20)))
    kinds = ("gauss", "scaled", "prescribed")
    for i, (n, d) in enumerate(shapes):
        for j, kind in enumerate(kinds):
            if tier == "fast" and (i + j) % 2:
                continue
            s = 10000 + 1000 * seed + 10 * i + j
            rng = np.random.default_rng(s)
            X = _design(kind, n, d, rng)
            theta = rng.standard_normal(d)
            y = X @ theta + rng.standard_normal(n)
            k = (i + j) % 5
            lamf = _DESIGN_LAMS[(i + 2 * j) % 4]
            insts.append(_design_instance("design", f"design:{kind}-n{n}-d{d}-k{k}-lam{lamf:g}"
                                          f"-s{seed}", X, theta, y, lamf, _weights(k, s),
                                          (("kind", kind),)))
    # the shared spectral designs: exact repeated singular values, kappa(X^T X) to 1.8e13,
    # rank 1..3, n < d and n > d, theta* along one singular vector or off a singular space
    for i, (fam, label, D) in enumerate(spectral_designs(tier, seed)):
        for k in ((spread((0, 1, 2, 3, 4), i),) if tier == "fast" else (0, 1, 2, 3, 4)):
            X = D.X
            y = X @ D.theta + np.random.default_rng(10500 + 1000 * seed + i).standard_normal(
                X.shape[0])
            lamf = spread(_DESIGN_LAMS, i, 1)
            xi = [spread(_XI_GRID, i + j, 2) for j in range(k)]
            insts.append(_design_instance(fam, f"design:{label}-k{k}-lam{lamf:g}-s{seed}", X,
                                          D.theta, y, lamf, xi, D.params))
    return sorted(insts, key=lambda v: (v.K, v.id))


_DESIGN_LAMS = (1e-3, 0.1, 1.0, 10.0)


def _design_instance(family, label, X, theta, y, lamf, xi, params):
    n, d = X.shape
    lam = lamf * float(np.mean(np.sum(X * X, axis=0)))
    return Instance(
        id=label, family=family, y=y,
        params=(("n", n), ("d", d)) + tuple(params) + (("k", len(xi)), ("lam", lam)),
        data={"X": X, "theta": theta, "lam": lam, "xi": np.array(xi, dtype=float), "K": n,
              "sigma2": 1.0,
              "search": search_tag(DESIGN_RECIPE, lam_factor=lamf, k=len(xi),
                                   xi=tuple(float(v) for v in xi), extra=d - n)})


def _build_design(D, values, seed, label):
    """A search instance of :data:`DESIGN_RECIPE`: the drawn design, y = X theta* + e."""
    y = D.X @ D.theta + np.random.default_rng(seed).standard_normal(D.X.shape[0])
    return _design_instance("search", label, D.X, D.theta, y, float(values["lam_factor"]),
                            list(values["xi"]), D.params)


#: Linear ridge on a design X, a teacher and k students (:func:`design_domain`).
DESIGN_RECIPE = Recipe("pareek2024.design", _build_design,
                       (Param("lam_factor", "log"), Param("k", "int"),
                        Param("xi", "linear", size="k"), Param("extra", "int")),
                       kind="design", mixings=DESIGN_MIXINGS,
                       covers="a design X with drawn singular values and theta* along the "
                              "drawn alignment; lam over the mean column norm^2, k and the "
                              "weights over the domain's ranges")
