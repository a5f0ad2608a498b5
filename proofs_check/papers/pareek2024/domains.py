r"""Instance domains of the Pareek, Du & Oh 2024 claims (docs/theory/pareek2024.md §4).

Most claims are about the spectrum only, so their instances are *spectral*: a Gram matrix
``G = diag(d)`` with its entries in a seeded random order (a permuted diagonal is exactly
symmetric, and its eigenvalues are exactly the ``d_j``, repeats included), the mean
``mu`` with ``u_j^T mu = m_j = s_j theta_j`` on the eigenvector of ``d_j = s_j^2``, one noisy
target ``y = mu + sigma e``, a ridge ``lam`` and weights ``xi``.  Zero eigenvalues (the
Gram matrix of a design with n > d) carry no signal.  ``estimator_is_filter`` runs on
designs X (n >= d and n < d), where the estimator is a vector theta in R^d.

Families (docs/theory/pareek2024.md §4):

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
from fractions import Fraction

import numpy as np

from theory._mp import make_context, to_mp_array
from theory.ridge_risk import oracle_filter_mp, oracle_weights

from ...claim import Instance
from ...domains import check_tier
from . import _common as C

__all__ = ["SIGMA2", "spectral_instance", "base_spectra", "filter_domain", "inverse_domain",
           "nested_domain", "oracle_domain", "blowup_domain", "no_gain_domain",
           "separation_domain", "one_step_domain", "design_domain", "oracle_xi",
           "separation_family", "ORACLE_XI_DPS"]

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
    mu = m[perm]
    y = mu + np.sqrt(sigma2) * rng.standard_normal(d.size)
    xi = np.asarray(xi, dtype=object) if len(xi) else np.zeros(0)
    nz = d[d > 0]
    kappa = float(nz.max() / nz.min()) if nz.size else 1.0
    data = {"lam": lam, "xi": xi, "mu": mu, "sigma2": sigma2, **(extra or {})}
    return Instance(id=label, family=family, G=np.diag(d[perm]), y=y,
                    params=(("r", int(nz.size)), ("kappa", kappa), ("lam", float(lam)),
                            ("k", len(xi))) + tuple(params), data=data)


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
                params=(("signal", sig), ("snr", snr))))
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


def inverse_domain(tier="fast", seed=0):
    """Spectral instances whose weights are the inverse map of exact coefficients c with
    sum c_i = 1 (k = 1..4), including c with a partial sum 1 + 2^-20 (weights ~1e6, hard for
    float64); xi stored at 120 digits from the exact rational weights."""
    from theory.ridge_filters import weights_from_coefficients_expr
    check_tier(tier)
    ctx = make_context(ORACLE_XI_DPS)
    insts = []
    spectra = [s for s in base_spectra(tier) if s[2].size >= 2] + repeated_spectra(tier)[:2]
    if tier == "fast":
        spectra = spectra[::2]
    for i, (fam, label, d) in enumerate(spectra):
        rng = np.random.default_rng(5000 + 1000 * seed + i)
        k = 1 + i % 4
        # S_m = 1 + 2^-20 with m < k: the weight xi_{k-m} = (1 - S_{m+1})/(1 - S_m) ~ 2^20
        near = (1 + i % (k - 1), 2.0 ** -20) if i % 3 == 0 and k >= 2 else None
        while True:
            c = _exact_coefficients(k, rng, near)
            try:
                xi = weights_from_coefficients_expr(c)
                break
            except Exception:  # a partial sum hit 1 exactly: draw again
                near = None
        xi_mp = np.array([ctx.mpf(x.p) / ctx.mpf(x.q) for x in xi], dtype=object)
        lam = float(np.median(d[d > 0]))
        insts.append(spectral_instance(
            fam, f"{label}-c{i}{'-near' if near else ''}-s{seed}", d,
            _signal("gauss", d, 10.0, i), lam=lam, xi=xi_mp, seed=6000 + i,
            params=(("c", "[" + ", ".join(str(v) for v in c) + "]"),),
            extra={"c": [Fraction(int(v.p), int(v.q)) for v in c]}))
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
                                       params=(("signal", sig), ("snr", snr))))
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
                xi=oracle_xi(d, m, lam), seed=s, params=(("signal", sig), ("snr", snr))))
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


@functools.lru_cache(maxsize=8)
def _blowup_domain(tier, seed):
    insts = []
    rs = (4, 8, 12, 16) if tier == "fast" else (2, 4, 6, 8, 10, 12, 14, 16, 18, 20)
    for r in rs:
        d, m = separation_family(r)
        insts.append(spectral_instance("blowup", f"blowup:linear-r{r}", d, m, lam=1.0,
                                       xi=oracle_xi(d, m, 1.0), seed=4000 + r,
                                       params=(("signal", "vmin"), ("snr", 1000.0 * r))))
    for r, s in ((4, 1), (8, 1), (12, 1)) if tier == "fast" else \
            itertools.product((4, 8, 12), (1, 2, 3)):
        rng = np.random.default_rng(4100 + 10 * r + s + 1000 * seed)
        d = np.sort(np.exp(rng.uniform(-1, 1, r)))
        m = _signal("gauss", d, 10.0, 4200 + r + s)
        insts.append(spectral_instance("blowup", f"blowup:random-r{r}-s{s}-seed{seed}", d, m,
                                       lam=1.0, xi=oracle_xi(d, m, 1.0), seed=4300 + r + s,
                                       params=(("signal", "gauss"), ("snr", 10.0))))
    return tuple(insts)


def blowup_domain(tier="fast", seed=0):
    """The oracle weights where they blow up: s_j^2 = j with r = 4, 8, 12, 16 (theta* along
    v_1, B/sigma^2 = 1000 r, lam = 1) and random spectra in [e^-1, e^1] with r = 4, 8, 12."""
    check_tier(tier)
    return list(_blowup_domain(tier, seed))


def no_gain_domain(tier="fast", seed=0):
    """(a) isotropic spectra s^2 I with k = 0..3 weights at several lam, and the teacher at
    the optimal ridge lam* = r sigma^2/||theta*||^2 (equality); (b) equal energy
    |theta_j| = beta on distinct spectra with lam = sigma^2/beta^2 (ridge = oracle)."""
    check_tier(tier)
    insts = []
    rs = (1, 2, 4) if tier == "fast" else (1, 2, 3, 4, 6, 8)
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
                xi=xi, seed=7200 + 10 * r + k, params=(("case", "isotropic"),)))
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
    for fam, label, s in exact:
        d = s * s
        signs = np.where(np.random.default_rng(7400 + d.size).random(d.size) < 0.5, -1.0, 1.0)
        m = s * beta * signs
        insts.append(spectral_instance(
            "equal-energy", f"nogain:equal-{label}-s{seed}", d, m, lam=SIGMA2 / beta ** 2,
            xi=[], seed=7500 + d.size, params=(("case", "equal"), ("beta", beta))))
    return sorted(insts, key=lambda v: (v.K, v.id))


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
                                                  ("lam_tag", tag))))
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
                                       ("lam_tag", tag))))
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
            lamf = (1e-3, 0.1, 1.0, 10.0)[(i + 2 * j) % 4]
            lam = lamf * float(np.mean(np.sum(X * X, axis=0)))
            insts.append(Instance(
                id=f"design:{kind}-n{n}-d{d}-k{k}-lam{lamf:g}-s{seed}", family="design",
                y=y, params=(("n", n), ("d", d), ("kind", kind), ("k", k), ("lam", lam)),
                data={"X": X, "theta": theta, "lam": lam, "xi": np.array(_weights(k, s)),
                      "K": n, "sigma2": 1.0}))
    return sorted(insts, key=lambda v: (v.K, v.id))
