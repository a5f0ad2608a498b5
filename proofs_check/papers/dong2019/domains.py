"""Instance domains of the Dong et al. 2019 claims (docs/theory/dong2019.md, "Instance domains").

Exact claims run on small problems (n <= 16, so that every instance can be re-checked in
mp) that cover the hard regions:

* clustered data (theory.noisy_clusters) with both kernels of theory.ntk, at spread
  sigma = 0.2 (well conditioned) and sigma = 1e-6 (near-duplicate points: eigenvalues down
  to ~3e-8 of the largest, kappa ~ 1e8);
* prescribed spectra Q diag(d) Q^T (a seeded rotation): geometric with kappa up to 1e14 and
  few-level spectra (2-3 levels); exactly repeated eigenvalues as a diagonal H with its
  entries permuted; a singular diagonal H; n = 1, 2, 3;
* the shared spectral families of :func:`proofs_check.domains.core_problems` (exact
  repeats under Householder mixing and alpha I + beta J, few levels at kappa up to 1.8e13,
  n = 1, 2, 3, a cluster of width 2^-40, labels on the top eigenvector), H exact;
* step sizes eta lambda_max from 0.5 to 1.99 (the oscillating edge of convergence), step
  counts from 0 to 5000, flow times with eta lambda_max t up to 40.

The exact claims' instances carry search tags (:data:`AIR_RECIPE`, :data:`DISTILL_RECIPE`,
:data:`SOFT_RECIPE`, :data:`REANCHORED_RECIPE`): ``proofs-check search`` draws further
spectra and step parameters inside the ranges of a claim's domain.

Qualitative claims run on the cluster data of docs/theory/dong2019.md §1: n = 200 points in
d = 20, C = 4 clusters, noise rates rho = 0.1..0.4, several seeds, both kernels; the full tier
adds seeds, C = 10, n = 400 and (finite width) widths up to 1e5.

>>> [len(air_rate_domain("fast", 0)) >= 8, len(distill_domain("fast", 0)) >= 6]
[True, True]
"""

import numpy as np

from theory.noisy_clusters import noisy_clusters
from theory.ntk import h_inf_gram, ntk2_gram

from ...claim import Instance
from ...domains import (Param, Recipe, check_tier, core_problems, no_search, search_tag,
                        spread)

__all__ = ["RHOS", "air_rate_domain", "distill_domain", "soft_limit_domain",
           "reanchored_domain", "ntk_domain", "split_domain", "early_stop_domain",
           "hard_domain", "width_domain", "AIR_RECIPE", "DISTILL_RECIPE", "SOFT_RECIPE",
           "REANCHORED_RECIPE"]

#: The noise rates of the qualitative claims.
RHOS = (0.1, 0.2, 0.3, 0.4)
_KERNELS = {"H_inf": h_inf_gram, "NTK2": ntk2_gram}


def _lmax(H):
    return float(np.linalg.eigvalsh(H)[-1])


# ------------------------------------------------------------------------------- bases

def _cluster_base(n, d, C, sigma, seed, kernel, n_test=0):
    D = noisy_clusters(n, d, C, sigma, 0.2, seed, n_test=n_test)
    k = _KERNELS[kernel]
    other = ntk2_gram if kernel == "H_inf" else h_inf_gram
    base = {"H": k(D.X), "labels": D.y_noisy, "K": n, "kernel": kernel}
    if n_test:
        base.update(Hx=k(D.X_test, D.X), H2=other(D.X), Hx2=other(D.X_test, D.X))
    return (f"clusters:{kernel}-n{n}-d{d}-C{C}-sigma{sigma:g}-s{seed}", base,
            (("kernel", kernel), ("n", n), ("sigma", sigma), ("seed", seed)))


def _spectrum_base(values, seed, label, n_test=0, permute=False):
    """Q diag(values) Q^T (Q a seeded rotation, or a permutation when ``permute``: exact),
    targets +-1 (seeded); test rows B diag(values) Q^T (a PSD joint kernel)."""
    values = np.asarray(values, dtype=np.float64)
    n = values.size
    rng = np.random.default_rng(seed + 17)
    if permute:
        Q = np.eye(n)[:, rng.permutation(n)]
        H = (Q * values) @ Q.T  # a permuted diagonal: exact
    else:  # the seeded rotation of proofs_check.domains.rotated_spectrum
        Q, R = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
        Q = Q * np.sign(np.diag(R))
        H = (Q * values) @ Q.T
        H = 0.5 * (H + H.T)
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    base = {"H": H, "labels": y, "K": n, "kernel": label}
    if n_test:
        B = rng.standard_normal((n_test, n)) / np.sqrt(n)
        base["Hx"] = (B * values) @ Q.T
    return (f"spectrum:{label}-n{n}-s{seed}", base,
            (("kernel", label), ("n", n), ("kappa", float(values.max() / values.min())
                                           if values.min() > 0 else float("inf"))))


def _problem_base(label, p, seed, n_test=0):
    """A base from a shared spectral problem (:func:`proofs_check.domains.spectral_problems`):
    H = its G (exact), labels = its targets (with their alignment), test rows B H with B a
    seeded n_test x n Gaussian / sqrt(n) (the joint kernel [I; B] H [I, B^T] is PSD)."""
    H = p.G
    n = H.shape[0]
    base = {"H": H, "labels": np.asarray(p.y, dtype=float), "K": n, "kernel": label}
    if n_test:
        B = np.random.default_rng(seed + 23).standard_normal((n_test, n)) / np.sqrt(n)
        base["Hx"] = B @ H
    return (label, base, tuple(p.params))


def _spectral_bases(tier, seed, n_test=0):
    """(family, base) of the shared spectral families the exact claims add: on the fast tier
    the first 8 of :data:`proofs_check.domains.CORE_PROBLEMS` (an exact repeat under
    Householder mixing at kappa 2^13, four levels at 1.8e13, K = 1, K = 2 at kappa 1.3e8,
    three levels at K = 3 and kappa 1.1e12, labels on the top eigenvector, alpha I + beta J,
    a cluster of width 2^-40); every spectral problem on the full tier."""
    return [(fam, _problem_base(label, p, 1000 * seed + 700 + i, n_test))
            for i, (fam, label, p) in enumerate(core_problems(tier, seed, 8))]


def _inst(label, base, params, family=None, **extra):
    data = {**base, **extra}
    tag = "-".join(f"{k}{v}" for k, v in extra.items() if k in ("eta_scale", "a", "beta", "T"))
    return Instance(id=f"{label}-{tag}" if tag else label,
                    family=family or label.split(":")[0],
                    params=tuple(params) + tuple((k, extra[k]) for k in
                                                 ("eta_scale", "a", "beta", "T") if k in extra),
                    data=data)


def _with_eta(base, scale):
    return {"eta": scale / _lmax(base["H"]), "eta_scale": scale}


# ------------------------------------------------------------------------------- air_rate

def air_rate_domain(tier="fast", seed=0):
    """Kernel GD from u_0 (0 or seeded) with step counts up to 5000 and flow times, on cluster
    kernels (both), near-duplicate points (kappa ~ 1e8), geometric spectra to kappa = 1e14,
    repeated eigenvalues (exact, diagonal), n = 1, 2, 3, and eta lambda_max in [0.5, 1.99]."""
    check_tier(tier)
    s = 1000 * seed
    out = []

    def add(base, scale, u0_seed=None, times=(), family=None):
        label, b, params = base
        out.append(_air_instance(label, b, params, scale, u0_seed, times, family))

    add(_cluster_base(10, 20, 3, 0.2, s + 1, "H_inf"), 1.0, times=(3.0,))
    add(_cluster_base(12, 5, 3, 1e-6, s + 1, "NTK2"), 1.9, u0_seed=s + 3)
    add(_spectrum_base([1.0, 1.0, 0.25, 0.25, 1e-6, 1e-6], s + 4, "diag-repeated",
                       permute=True), 1.5, times=(0.5,))
    add(_spectrum_base(np.geomspace(1e-14, 1.0, 6), s + 5, "geometric-1e14"), 1.99,
        u0_seed=s + 6, times=(40.0,))
    add(_spectrum_base([1e-8, 1e-8, 1e-4, 1.0, 1.0], s + 7, "3-level-1e8"), 0.5,
        times=(3.0,))
    add(_spectrum_base([0.5], s + 8, "n1"), 1.0, times=(2.0,))
    add(_spectrum_base([1.0, 1e-2], s + 9, "2-level-1e2"), 1.8, u0_seed=s + 10)
    add(_spectrum_base([1.0, 1e-14, 1e-14], s + 11, "2-level-1e14"), 1.0)
    if tier == "full":
        for sd in (2, 3):
            add(_cluster_base(16, 5, 3, 1e-6, s + sd, "H_inf"), 1.0, times=(1.0, 10.0))
            add(_cluster_base(16, 20, 4, 0.2, s + sd, "NTK2"), 1.5, u0_seed=s + sd)
        add(_spectrum_base(np.geomspace(1e-10, 1.0, 12), s + 12, "geometric-1e10"), 1.0)
    for i, (fam, base) in enumerate(_spectral_bases(tier, seed)):
        add(base, spread(_ETA_SCALES, i), u0_seed=s + 800 + i if i % 2 else None,
            times=(spread(_TAUS, i, 1),), family=fam)
    return out


#: Step sizes eta lambda_max of the spectral families, edge-first (0.5 to the oscillating
#: edge 1.99), and flow times eta lambda_max t.
_ETA_SCALES = (0.5, 1.0, 1.5, 1.9, 1.99)
_TAUS = (0.5, 3.0, 40.0)
_AIR_STEPS = (0, 1, 7, 100, 2000, 5000)


def _air_instance(label, b, params, scale, u0_seed, times, family=None):
    n = b["K"]
    u0 = (np.zeros(n) if u0_seed is None
          else np.random.default_rng(u0_seed).standard_normal(n))
    tag = search_tag(AIR_RECIPE, eta_scale=scale, u0=int(u0_seed is not None),
                     tau=float(times[0]) if times else 0.0)
    return _inst(label, b, params, family, u0=u0, steps=_AIR_STEPS,
                 times=tuple(tau / scale for tau in times), search=tag, **_with_eta(b, scale))


def _build_air(p, values, seed, label):
    """A search instance of :data:`AIR_RECIPE`: H and labels of a drawn spectral problem."""
    tau = float(values["tau"])
    return _air_instance(label, _problem_base(label, p, seed)[1], p.params,
                         float(values["eta_scale"]), seed if int(values["u0"]) else None,
                         (tau,) if tau > 0 else (), "search")


#: Kernel GD from u_0 on a Gram matrix H, its steps and flow (:func:`air_rate_domain`).
AIR_RECIPE = Recipe("dong2019.air_rate", _build_air,
                    (Param("eta_scale", "linear"), Param("u0", "choice"),
                     Param("tau", "choice")),
                    covers="H and the labels of a drawn spectrum; eta lambda_max, u_0 = 0 or "
                           "random, a flow time over the domain's ranges")


# ------------------------------------------------------------------------------- distill

def distill_domain(tier="fast", seed=0):
    """Teacher at T (10 to 5000) and the converged student, at training and 4 test points:
    cluster kernels (both; the other kernel for the mutant), near-duplicate points
    (kappa ~ 1e8) at T = 5000, a geometric joint kernel with kappa = 1e12, repeated
    eigenvalues (diagonal), n = 1."""
    check_tier(tier)
    s = 1000 * seed
    out = []

    def add(base, scale, T, family=None):
        label, b, params = base
        out.append(_distill_instance(label, b, params, scale, T, family))

    add(_cluster_base(12, 20, 3, 0.2, s + 1, "H_inf", n_test=4), 1.0, 10)
    add(_cluster_base(12, 20, 3, 0.2, s + 2, "NTK2", n_test=4), 1.5, 200)
    add(_cluster_base(12, 5, 3, 1e-3, s + 3, "NTK2", n_test=4), 1.0, 1000)
    add(_cluster_base(16, 5, 3, 1e-6, s + 1, "H_inf", n_test=4), 1.0, 5000)
    add(_spectrum_base(np.geomspace(1e-12, 1.0, 6), s + 4, "geometric-1e12", n_test=3), 1.9,
        3000)
    add(_spectrum_base([1.0, 1.0, 1e-3, 1e-3, 1e-3], s + 5, "diag-repeated", n_test=3,
                       permute=True), 1.0, 500)
    add(_spectrum_base([0.7], s + 6, "n1", n_test=2), 0.5, 3)
    if tier == "full":
        for sd in (7, 8):
            add(_cluster_base(16, 5, 3, 1e-6, s + sd, "NTK2", n_test=4), 1.0, 5000)
            add(_cluster_base(14, 20, 4, 0.2, s + sd, "H_inf", n_test=4), 1.99, 2000)
        add(_spectrum_base(np.geomspace(1e-14, 1.0, 4), s + 9, "geometric-1e14", n_test=3),
            1.0, 5000)
    for i, (fam, base) in enumerate(_spectral_bases(tier, seed, n_test=3)):
        add(base, spread(_ETA_SCALES, i, 2), spread((3, 5000, 10, 1000, 200), i), family=fam)
    return out


def _distill_instance(label, b, params, scale, T, family=None):
    return _inst(label, b, params, family, T=T,
                 search=search_tag(DISTILL_RECIPE, eta_scale=scale, T=T), **_with_eta(b, scale))


def _build_distill(p, values, seed, label):
    """A search instance of :data:`DISTILL_RECIPE` (three test points)."""
    return _distill_instance(label, _problem_base(label, p, seed, n_test=3)[1], p.params,
                             float(values["eta_scale"]), int(values["T"]), "search")


#: The teacher at step T and the converged student (:func:`distill_domain`).
DISTILL_RECIPE = Recipe("dong2019.distill", _build_distill,
                        (Param("eta_scale", "linear"), Param("T", "choice")),
                        covers="H, the labels and three test rows of a drawn spectrum; eta "
                               "lambda_max and T over the domain's ranges")


# ------------------------------------------------------------------------------- soft limit

def soft_limit_domain(tier="fast", seed=0):
    """The soft rule's limit for a in [0.05, 1.2] with eta lambda_max + a < 2 (up to 1.95:
    the oscillating edge), cluster kernels, near-duplicate points, a singular diagonal H
    with repeated eigenvalues, a geometric spectrum with kappa = 1e10, n = 1, 2."""
    check_tier(tier)
    s = 1000 * seed
    out = []

    def add(base, scale, a, family=None):
        label, b, params = base
        out.append(_soft_instance(label, b, params, scale, a, family))

    add(_cluster_base(10, 20, 3, 0.2, s + 1, "H_inf"), 1.0, 0.1)
    add(_cluster_base(10, 20, 3, 0.2, s + 2, "NTK2"), 0.5, 1.2)
    add(_cluster_base(10, 5, 3, 1e-6, s + 3, "H_inf"), 1.9, 0.05)
    add(_spectrum_base([2.0, 2.0, 0.5, 0.0, 0.0], s + 4, "diag-singular", permute=True), 0.7,
        0.3)
    add(_spectrum_base(np.geomspace(1e-10, 1.0, 6), s + 5, "geometric-1e10"), 1.0, 0.5)
    add(_spectrum_base([3.0], s + 6, "n1"), 0.4, 0.9)
    add(_spectrum_base([1.0, 1e-3], s + 7, "2-level-1e3"), 1.5, 0.45)
    if tier == "full":
        for sd in (8, 9):
            add(_cluster_base(12, 5, 3, 1e-4, s + sd, "NTK2"), 1.0, 0.3)
            add(_cluster_base(12, 20, 4, 0.2, s + sd, "H_inf"), 0.2, 1.7)
    for i, (fam, base) in enumerate(_spectral_bases(tier, seed)):
        a = spread((0.05, 1.2, 0.3, 0.9), i)
        add(base, min(spread(_ETA_SCALES, i, 1), 1.95 - a), a, family=fam)
    return out


def _soft_instance(label, b, params, scale, a, family=None):
    if not (a > 0 and scale + a < 2):
        raise ValueError(f"eta lambda_max = {scale}, a = {a}: the soft rule converges for "
                         f"a > 0 and eta lambda_max + a < 2")
    return _inst(label, b, params, family, a=a,
                 search=search_tag(SOFT_RECIPE, eta_scale=scale, a=a), **_with_eta(b, scale))


def _build_soft(p, values, seed, label):
    """A search instance of :data:`SOFT_RECIPE` (ValueError outside eta lambda_max + a < 2)."""
    return _soft_instance(label, _problem_base(label, p, seed)[1], p.params,
                          float(values["eta_scale"]), float(values["a"]), "search")


#: The soft rule's limit (:func:`soft_limit_domain`): a > 0, eta lambda_max + a < 2.
SOFT_RECIPE = Recipe("dong2019.soft_limit", _build_soft,
                     (Param("eta_scale", "linear"), Param("a", "linear")),
                     covers="H and the labels of a drawn spectrum; eta lambda_max and a over the "
                            "domain's ranges with eta lambda_max + a < 2")


# ------------------------------------------------------------------------------- re-anchored

def reanchored_domain(tier="fast", seed=0):
    """The re-anchored rule for beta in [0, 0.9] with steps up to 5000 and its limit: cluster
    kernels, near-duplicate points, a singular diagonal H (limit: y~ on the range of H),
    n = 1."""
    check_tier(tier)
    s = 1000 * seed
    out = []

    def add(base, scale, beta, u0_seed=None, limit=None, family=None):
        label, b, params = base
        out.append(_reanchored_instance(label, b, params, scale, beta, u0_seed, limit, family))

    def diag_limit(b, u0):  # H diagonal: coordinates with H_ii = 0 never move
        return np.where(np.diag(b["H"]) > 0, b["labels"], u0)

    add(_cluster_base(12, 20, 3, 0.2, s + 1, "H_inf"), 1.0, 0.5)
    add(_cluster_base(12, 20, 3, 0.2, s + 2, "NTK2"), 1.9, 0.9, u0_seed=s + 2)
    add(_cluster_base(10, 5, 3, 1e-3, s + 3, "H_inf"), 1.0, 0.3)
    add(_spectrum_base([1.0, 0.5, 0.5, 0.0], s + 4, "diag-singular", permute=True), 1.5, 0.6,
        u0_seed=s + 4, limit=diag_limit)
    add(_spectrum_base([0.8], s + 5, "n1"), 1.0, 0.0)
    if tier == "full":
        for sd in (6, 7):
            add(_cluster_base(14, 20, 4, 0.2, s + sd, "H_inf"), 1.2, 0.25, u0_seed=s + sd)
    for i, (fam, base) in enumerate(_spectral_bases(tier, seed)):
        add(base, spread(_ETA_SCALES, i, 3), spread((0.0, 0.9, 0.3, 0.6), i),
            u0_seed=s + 900 + i if i % 2 == 0 else None, family=fam)
    return out


_REANCHORED_STEPS = (0, 1, 13, 400, 5000)


def _reanchored_instance(label, b, params, scale, beta, u0_seed, limit=None, family=None):
    n = b["K"]
    u0 = (np.zeros(n) if u0_seed is None
          else np.random.default_rng(u0_seed).standard_normal(n))
    lim = b["labels"] if limit is None else limit(b, u0)
    # a singular H's limit depends on u0 (the domain's own rule): not drawn by the search
    tag = search_tag(REANCHORED_RECIPE, eta_scale=scale, beta=beta,
                     u0=int(u0_seed is not None)) if limit is None else None
    extra = {"search": tag} if tag is not None else {}
    return _inst(label, b, params, family, beta=beta, u0=u0, steps=_REANCHORED_STEPS,
                 limit=lim, **extra, **_with_eta(b, scale))


def _build_reanchored(p, values, seed, label):
    """A search instance of :data:`REANCHORED_RECIPE` (H positive definite: the limit is the
    labels)."""
    return _reanchored_instance(label, _problem_base(label, p, seed)[1], p.params,
                                float(values["eta_scale"]), float(values["beta"]),
                                seed if int(values["u0"]) else None, None, "search")


#: The re-anchored rule and its limit on a positive definite H (:func:`reanchored_domain`).
REANCHORED_RECIPE = Recipe("dong2019.reanchored", _build_reanchored,
                           (Param("eta_scale", "linear"), Param("beta", "linear"),
                            Param("u0", "choice")),
                           covers="H and the labels of a drawn spectrum; eta lambda_max, beta, "
                                  "u_0 = 0 or random over the domain's ranges")




# ------------------------------------------------------------------------------- ntk MC

def _circle(P):
    """P unit vectors in R^2 at angles j pi/(P-1): every angle in [0, pi] between pairs,
    including exactly opposite directions (angle pi)."""
    th = np.arange(P) * np.pi / (P - 1)
    return np.stack([np.cos(th), np.sin(th)], axis=1)


def _special(d, seed):
    """Identical, near-identical (angle 1e-4), opposite and near-opposite points."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(d)
    a /= np.linalg.norm(a)
    b = rng.standard_normal(d)
    b -= (b @ a) * a
    b /= np.linalg.norm(b)
    pts = [a, a, np.cos(1e-4) * a + np.sin(1e-4) * b, -a, -np.cos(1e-3) * a + np.sin(1e-3) * b, b]
    X = np.array(pts)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def ntk_domain(tier="fast", seed=0):
    """Closed forms of both kernels against their Monte Carlo estimates: clustered points in
    d = 20 and d = 3, a half circle in R^2 (every angle, opposite points), identical and
    near-identical, opposite and near-opposite points."""
    check_tier(tier)
    s = 1000 * seed
    n_mc = 200_000 if tier == "fast" else 2_000_000
    sets = [("clusters-d20", noisy_clusters(10, 20, 3, 0.2, 0.2, s + 1).X),
            ("clusters-d3", noisy_clusters(10, 3, 3, 0.5, 0.2, s + 2).X),
            ("circle-R2", _circle(9)),
            ("special-d5", _special(5, s + 3))]
    if tier == "full":
        sets += [("clusters-d20-b", noisy_clusters(20, 20, 4, 0.3, 0.2, s + 4).X),
                 ("circle-R2-fine", _circle(25)), ("special-d50", _special(50, s + 5))]
    why = no_search("the statement is about the kernel functions on point sets (closed forms "
                    "against Monte Carlo), not about a spectrum")
    return [Instance(id=f"points:{name}-P{X.shape[0]}", family="points",
                     params=(("points", name), ("P", X.shape[0]), ("n_mc", n_mc)),
                     data={"X": X, "K": X.shape[0], "n_mc": n_mc, "mc_seed": s + 11 * i,
                           "search": why})
            for i, (name, X) in enumerate(sets)]


# ------------------------------------------------------------------------------- qualitative

def _clusters(n, C, sigma, rho, seed, d=20, n_test=0):
    return noisy_clusters(n, d, C, sigma, rho, seed, n_test=n_test)


def _q_inst(prefix, kernel, n, C, sigma, rho, seed, **extra):
    D = _clusters(n, C, sigma, rho, seed)
    params = (("kernel", kernel), ("n", n), ("C", C), ("sigma", sigma), ("rho", rho),
              ("seed", seed)) + tuple(extra.get("show", ()))
    extra.pop("show", None)
    return Instance(id=f"{prefix}:{kernel}-n{n}-C{C}-sigma{sigma:g}-rho{rho:g}-s{seed}",
                    family="clusters", params=params,
                    data={"D": D, "K": n, "C": C, "rho": rho, "kernel": kernel,
                          "search": _CLUSTERS_NO_SEARCH, **extra})


_CLUSTERS_NO_SEARCH = no_search(
    "the statement is about noisy cluster data (n points in C clusters, label noise rho) and "
    "the NTK Gram matrices of its points: a drawn spectrum does not make such a data set")


def split_domain(tier="fast", seed=0):
    """rho = 0.1..0.4, both kernels, sigma = 0.15 and 0.2 (the range where the clean
    fraction stays above 0.99; sigma = 0.3 is documented in docs/theory/dong2019.md §7),
    n = 200, C = 4 (and C = 10; full tier: n = 400, more seeds)."""
    check_tier(tier)
    out = []
    for kernel in ("H_inf", "NTK2"):
        for i, rho in enumerate(RHOS):
            seeds = (i,) if tier == "fast" else tuple(range(6))
            for sd in seeds:
                out.append(_q_inst("split", kernel, 200, 4, 0.2 if (sd + i) % 2 == 0 else 0.15,
                                   rho, 1000 * seed + sd, band_seed=sd))
        out.append(_q_inst("split", kernel, 200, 10, 0.15, 0.2, 1000 * seed + 7, band_seed=7))
        if tier == "full":
            for rho in RHOS:
                out.append(_q_inst("split", kernel, 400, 4, 0.2, rho, 1000 * seed + 8,
                                   band_seed=8))
    return out


def early_stop_domain(tier="fast", seed=0):
    """rho = 0.1..0.4, both kernels, n = 200, C = 4, sigma = 0.2, eta lambda_max = 1, steps
    up to 1e8 (far into the memorising regime)."""
    check_tier(tier)
    seeds = (0, 1) if tier == "fast" else tuple(range(12))
    return [_q_inst("early", kernel, 200, 4, 0.2, rho, 1000 * seed + sd, eta_scale=1.0,
                    kmax=10 ** 8)
            for kernel in ("H_inf", "NTK2") for rho in RHOS for sd in seeds]


def hard_domain(tier="fast", seed=0):
    """rho = 0.1..0.3 (the range where it holds; rho = 0.35-0.4 fails on some seeds, see
    docs/theory/dong2019.md §9), H_inf with a = 0.2 and NTK2 with a = 0.05, eta lambda_max =
    0.99, n = 200, C = 4, sigma = 0.2."""
    check_tier(tier)
    seeds = (0, 1) if tier == "fast" else tuple(range(10))
    out = []
    for kernel, a in (("H_inf", 0.2), ("NTK2", 0.05)):
        for rho in (0.1, 0.2, 0.3):
            for sd in seeds:
                out.append(_q_inst("hard", kernel, 200, 4, 0.2, rho, 1000 * seed + sd,
                                   eta_scale=0.99, a=a, a_soft=a, kmax=3000,
                                   show=(("a", a),)))
    return out


def width_domain(tier="fast", seed=0):
    """A paired two-layer ReLU net (first layer trained: H_inf; both layers: NTK2) on n = 40
    cluster points, widths 256..16384 (full tier: to 1e5 and 100 steps), 2 init seeds."""
    check_tier(tier)
    out = []
    if tier == "fast":
        cases = [("first", "H_inf", 0.2, 20, (256, 1024, 4096, 16384)),
                 ("both", "NTK2", 0.3, 20, (256, 1024, 4096, 16384))]
    else:
        cases = [(layers, kern, rho, T, (256, 1024, 4096, 16384, 65536, 100000))
                 for layers, kern in (("first", "H_inf"), ("both", "NTK2"))
                 for rho in RHOS for T in (20, 100)]
    for layers, kernel, rho, T, widths in cases:
        D = _clusters(40, 4, 0.2, rho, 1000 * seed + 5)
        out.append(Instance(
            id=f"width:{kernel}-{layers}-n40-rho{rho:g}-T{T}-m{widths[-1]}", family="relu_net",
            params=(("kernel", kernel), ("layers", layers), ("rho", rho), ("T", T),
                    ("widths", f"{widths[0]}..{widths[-1]}")),
            data={"D": D, "K": 40, "layers": layers, "kernel": kernel, "widths": widths,
                  "init_seeds": (1000 * seed, 1000 * seed + 1), "steps": tuple(range(T + 1)),
                  "rho": rho, "search": no_search(
                      "finite-width ReLU networks trained on cluster data: there is no "
                      "spectrum to draw")}))
    return out
