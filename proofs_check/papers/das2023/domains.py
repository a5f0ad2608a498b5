r"""Instance domains of the Das & Sanghavi 2023 claims (docs/theory/das2023.md §4).

An instance is a design X (n x d; n >= d and n < d), a ground truth theta*, a noise level
sigma^2, one noise draw e (y = X theta* + e), a ridge lam, one weight xi (the engine runs the
teacher and this student) and a weighting M of the risk ||M(theta_hat - theta*)||^2:
``I`` (parameter error), ``insample`` (X/sqrt(n)) or ``random`` ((d + 2) x d Gaussian).

* designs: Gaussian; Gaussian with column scales e^U(-2, 2); prescribed singular values
  e^U(-3, 3) with random orthogonal factors; exactly isotropic designs (X^T X = s^2 I in
  binary: a scaled Hadamard matrix, or a scaled signed permutation, n = 1..8); the shared
  spectral designs of :func:`proofs_check.domains.spectral_designs` (exactly repeated
  singular values with kappa(X^T X) > 1, few levels at kappa up to 1.8e13, rank 1, 2, 3,
  n < d and n > d, theta* on one right singular vector or off a singular space), one
  setting of (xi, lam, sigma^2, M) each;
* signals: Gaussian, heavy-tailed (Gaussian times e^U(-2, 2)), along one v_j;
* sigma^2 from 1e-3 to 1e3, and sigma_c^2(lam) (1 +- 1e-6) for the threshold claim;
* lam / mean column norm^2 from 1e-4 to 1e2; xi from -4 to 6.

Every instance but the isotropic ones carries a search tag (:data:`IDENTITY_RECIPE`,
:data:`THRESHOLD_RECIPE`, :data:`OPTIMUM_RECIPE`): ``proofs-check search`` draws further
designs and parameters inside the ranges of a claim's domain.

>>> len(identity_domain("fast", 0)) >= 12
True
"""

import functools
import itertools

import numpy as np

from theory.ridge_risk import noise_threshold_f64

from ...claim import Instance
from ...domains import (DESIGN_MIXINGS, Param, Recipe, check_tier, no_search, search_tag,
                        spectral_designs)

__all__ = ["design_bases", "identity_domain", "risk_domain", "threshold_domain",
           "optimum_domain", "isotropic_domain", "make_instance", "M_KINDS", "IDENTITY_RECIPE",
           "THRESHOLD_RECIPE", "OPTIMUM_RECIPE"]

M_KINDS = ("I", "insample", "random")
_XIS = (-4.0, -1.5, -0.5, 0.25, 0.75, 1.0, 1.5, 3.0, 6.0)
_LAMS = (1e-4, 1e-2, 1.0, 1e2)
_SIGMA2 = (1e-3, 1e-1, 1.0, 10.0, 1e3)


def _design(kind, n, d, rng):
    if kind == "gauss":
        return rng.standard_normal((n, d))
    if kind == "scaled":
        return rng.standard_normal((n, d)) * np.exp(rng.uniform(-2, 2, d))
    r = min(n, d)
    s = np.exp(rng.uniform(-3, 3, r))
    Q1 = np.linalg.qr(rng.standard_normal((n, r)))[0]
    Q2 = np.linalg.qr(rng.standard_normal((d, r)))[0]
    return (Q1 * s) @ Q2.T


def _signal(kind, X, rng):
    d = X.shape[1]
    if kind == "gauss":
        return rng.standard_normal(d)
    if kind == "heavy":
        return rng.standard_normal(d) * np.exp(rng.uniform(-2, 2, d))
    Vt = np.linalg.svd(X, full_matrices=False)[2]  # along one right singular vector
    return 1.5 * Vt[rng.integers(Vt.shape[0])]


@functools.lru_cache(maxsize=4)
def design_bases(tier, seed):
    """(label, X, theta*, family) of the tier: three design kinds x shapes x three signal
    kinds (family ``design``), then the shared spectral designs
    (:func:`proofs_check.domains.spectral_designs`: exact repeated singular values,
    kappa(X^T X) up to 1.8e13, rank 1, 2, 3, n < d and n > d, theta* along one singular
    vector or off a singular space)."""
    shapes = ((8, 3), (3, 5), (12, 6), (5, 1), (20, 10), (2, 4)) if tier == "fast" else \
        tuple(itertools.product((2, 5, 12, 25, 40), (1, 3, 8, 15, 30)))
    out = []
    for i, (n, d) in enumerate(shapes):
        for j, kind in enumerate(("gauss", "scaled", "prescribed")):
            if tier == "fast" and (i + j) % 2:
                continue
            rng = np.random.default_rng(20000 + 1000 * seed + 10 * i + j)
            X = _design(kind, n, d, rng)
            sig = ("gauss", "heavy", "aligned")[(i + j) % 3]
            out.append((f"{kind}-n{n}-d{d}-{sig}", X, _signal(sig, X, rng), "design"))
    for fam, label, D in spectral_designs(tier, seed):
        out.append((label, D.X, D.theta, fam))
    return tuple(out)


def make_instance(label, X, theta, *, lam, xi, sigma2, M_kind, seed, family="design",
                  params=(), search=None):
    """An instance with one noise draw and the weighting matrix M of ``M_kind``;
    ``search``: its search tag (:func:`proofs_check.domains.search_tag`)."""
    rng = np.random.default_rng(seed)
    n, d = X.shape
    e = np.sqrt(sigma2) * rng.standard_normal(n)
    M = (np.eye(d) if M_kind == "I" else X / np.sqrt(n) if M_kind == "insample"
         else rng.standard_normal((d + 2, d)))
    data = {"X": X, "theta": theta, "lam": float(lam), "xi": np.array([xi]),
            "sigma2": float(sigma2), "M": M, "M_kind": M_kind, "K": n}
    if search is not None:
        data["search"] = search
    return Instance(id=label, family=family, y=X @ theta + e,
                    params=(("n", n), ("d", d), ("lam", float(lam)), ("xi", float(xi)),
                            ("sigma2", float(sigma2)), ("M", M_kind)) + tuple(params),
                    data=data)


def _build_identity(D, values, seed, label):
    """A search instance of :data:`IDENTITY_RECIPE` on a drawn design."""
    X = D.X
    lamf = float(values["lam_factor"])
    return make_instance(label, X, D.theta, lam=lamf * _scale(X), xi=float(values["xi"]),
                         sigma2=float(values["sigma2"]), M_kind=values["M_kind"], seed=seed,
                         family="search", params=D.params,
                         search=_identity_tag(float(values["xi"]), lamf,
                                              float(values["sigma2"]), values["M_kind"], X))


def _identity_tag(xi, lamf, sigma2, M_kind, X):
    return search_tag(IDENTITY_RECIPE, xi=xi, lam_factor=lamf, sigma2=sigma2, M_kind=M_kind,
                      extra=X.shape[1] - X.shape[0])


#: A design, one noise draw, a teacher and one student with weight xi, a weighting M
#: (:func:`identity_domain`, :func:`risk_domain`).
IDENTITY_RECIPE = Recipe("das2023.identity", _build_identity,
                         (Param("xi", "linear"), Param("lam_factor", "log"),
                          Param("sigma2", "log"), Param("M_kind", "choice"),
                          Param("extra", "int")),
                         kind="design", mixings=DESIGN_MIXINGS,
                         covers="a design X with drawn singular values and theta* along the "
                                "drawn alignment; xi, lam over the mean column norm^2, "
                                "sigma^2 and M over the domain's ranges")


def _build_threshold(D, values, seed, label):
    """A search instance of :data:`THRESHOLD_RECIPE`: sigma^2 = rel x sigma_c^2(lam)."""
    X, theta = D.X, D.theta
    lamf, rel = float(values["lam_factor"]), float(values["rel"])
    s2, th = _spectral(X, theta)
    lam = lamf * _scale(X)
    sc = noise_threshold_f64(s2, th, lam, np.ones(s2.size))
    return make_instance(label, X, theta, lam=lam, xi=1.0, sigma2=sc * rel, M_kind="I",
                         seed=seed, family="search",
                         params=tuple(D.params) + (("sigma2_over_sigma_c2", rel),),
                         search=search_tag(THRESHOLD_RECIPE, lam_factor=lamf, rel=rel,
                                           extra=X.shape[1] - X.shape[0]))


#: sigma^2 placed relative to the threshold sigma_c^2(lam), M = I (:func:`threshold_domain`).
THRESHOLD_RECIPE = Recipe("das2023.threshold", _build_threshold,
                          (Param("lam_factor", "log"), Param("rel", "choice"),
                           Param("extra", "int")),
                          kind="design", mixings=DESIGN_MIXINGS,
                          covers="a design X with drawn singular values; lam, and sigma^2 at "
                                 "the domain's multiples of sigma_c^2(lam)")


def _build_optimum(D, values, seed, label):
    """A search instance of :data:`OPTIMUM_RECIPE` (the claim finds lam_T* itself)."""
    X = D.X
    return make_instance(label, X, D.theta, lam=_scale(X), xi=0.5,
                         sigma2=float(values["sigma2"]), M_kind=values["M_kind"], seed=seed,
                         family="search", params=D.params,
                         search=search_tag(OPTIMUM_RECIPE, sigma2=float(values["sigma2"]),
                                           M_kind=values["M_kind"],
                                           extra=X.shape[1] - X.shape[0]))


#: The teacher's optimal lam found by the claim (:func:`optimum_domain`).
OPTIMUM_RECIPE = Recipe("das2023.optimum", _build_optimum,
                        (Param("sigma2", "log"), Param("M_kind", "choice"),
                         Param("extra", "int")),
                        kind="design", mixings=DESIGN_MIXINGS,
                        covers="a design X with drawn singular values; sigma^2 and M over the "
                               "domain's ranges")


def _scale(X):
    """Mean squared column norm (the unit of lam)."""
    return float(np.mean(np.sum(X * X, axis=0)))


@functools.lru_cache(maxsize=8)
def _identity_domain(tier, seed):
    insts = []
    for i, (label, X, theta, fam) in enumerate(design_bases(tier, seed)):
        # two settings per design on the fast tier (one per shared spectral design)
        combos = ([(i, 0), (i + 3, 1)][: 2 if fam == "design" else 1] if tier == "fast" else
                  [(i + q, q) for q in range(6)])
        for a, b in combos:
            xi = _XIS[(a + b) % len(_XIS)]
            lamf = _LAMS[(a + 2 * b) % len(_LAMS)]
            s2 = _SIGMA2[(2 * a + b) % len(_SIGMA2)]
            Mk = M_KINDS[(a + b) % 3]
            insts.append(make_instance(
                f"{label}-xi{xi:g}-lam{lamf:g}-sigma2_{s2:g}-M{Mk}-seed{seed}", X, theta,
                lam=lamf * _scale(X), xi=xi, sigma2=s2, M_kind=Mk, seed=30000 + 7 * i + b,
                family=fam, search=_identity_tag(xi, lamf, s2, Mk, X)))
    return tuple(sorted(insts, key=lambda v: (v.K, v.id)))


def identity_domain(tier="fast", seed=0):
    """Every design base with two (fast) or six (full) settings of (xi, lam, sigma^2, M):
    xi in [-4, 6], lam / mean column norm^2 in [1e-4, 1e2], sigma^2 in [1e-3, 1e3]."""
    check_tier(tier)
    return list(_identity_domain(tier, seed))


def risk_domain(tier="fast", seed=0):
    """The identity domain (same instances, shared engine results).  Its lam / mean column
    norm^2 = 1e-4 instances make R_S - R_T ~ lam^2 Q as small as ~1e-11 of R, which float64
    cannot resolve and mp decides."""
    return identity_domain(tier, seed)


def _spectral(X, theta):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    keep = s > s.max() * X.shape[0] * 2.0 ** -52
    return (s[keep] ** 2), Vt[keep] @ theta


def threshold_domain(tier="fast", seed=0):
    """M = I, at fixed lam: sigma^2 at sigma_c^2(lam)(1 - 1e-6), (1 + 1e-6), and over
    [1e-3, 1e3] x sigma_c^2 (the threshold computed in float64 from the SVD)."""
    check_tier(tier)
    insts = []
    for i, (label, X, theta, fam) in enumerate(design_bases(tier, seed)):
        s2, th = _spectral(X, theta)
        for lamf in ((_LAMS[i % 4],) if tier == "fast" else _LAMS):
            lam = lamf * _scale(X)
            sc = noise_threshold_f64(s2, th, lam, np.ones(s2.size))
            rels = (1 - 1e-6, 1 + 1e-6, 1e-3, 1e3) if tier == "fast" else \
                (1 - 1e-6, 1 + 1e-6, 1e-3, 0.1, 0.5, 2.0, 10.0, 1e3)
            if tier == "fast" and fam != "design":  # the spectral designs: two sides each
                rels = (rels[i % 2], rels[2 + i % 2])
            for q, rel in enumerate(rels):
                insts.append(make_instance(
                    f"threshold:{label}-lam{lamf:g}-rel{rel:.7g}-seed{seed}", X, theta, lam=lam,
                    xi=1.0, sigma2=sc * rel, M_kind="I", seed=40000 + 10 * i + q,
                    family="threshold" if fam == "design" else fam,
                    params=(("sigma2_over_sigma_c2", rel),),
                    search=search_tag(THRESHOLD_RECIPE, lam_factor=lamf, rel=rel,
                                      extra=X.shape[1] - X.shape[0])))
    return sorted(insts, key=lambda v: (v.K, v.id))


def optimum_domain(tier="fast", seed=0):
    """M = I and in-sample, sigma^2 from 1e-3 to 1e3 (high noise included); the claim finds
    the teacher's optimal lam itself."""
    check_tier(tier)
    insts = []
    for i, (label, X, theta, fam) in enumerate(design_bases(tier, seed)):
        for q, Mk in enumerate(("I", "insample") if tier == "full" else (M_KINDS[i % 2],)):
            s2 = _SIGMA2[(i + q) % len(_SIGMA2)]
            insts.append(make_instance(f"optimum:{label}-sigma2_{s2:g}-M{Mk}-seed{seed}", X, theta,
                                       lam=_scale(X), xi=0.5, sigma2=s2, M_kind=Mk,
                                       seed=50000 + 10 * i + q,
                                       family="optimum" if fam == "design" else fam,
                                       search=search_tag(OPTIMUM_RECIPE, sigma2=s2, M_kind=Mk,
                                                         extra=X.shape[1] - X.shape[0])))
    return sorted(insts, key=lambda v: (v.K, v.id))


def _hadamard(n):
    H = np.array([[1.0]])
    while H.shape[0] < n:
        H = np.block([[H, H], [H, -H]])
    return H


def isotropic_domain(tier="fast", seed=0):
    """X^T X = s^2 I exactly in binary: X = c H[:, :d] (Sylvester-Hadamard, n = 4, 8) or
    X = s P[:, :d] (signed permutation), with dyadic c, theta* and sigma^2; several lam."""
    check_tier(tier)
    insts = []
    cases = [("hadamard", 4, 2, 0.5), ("hadamard", 8, 5, 1.5), ("perm", 3, 3, 2.0),
             ("perm", 6, 4, 0.25), ("perm", 1, 1, 1.5), ("hadamard", 2, 2, 0.75)]
    if tier == "full":
        cases += [("hadamard", 8, 8, 0.75), ("hadamard", 4, 1, 1.0), ("perm", 10, 7, 3.0)]
    for i, (kind, n, d, cval) in enumerate(cases):
        rng = np.random.default_rng(60000 + 10 * i + 1000 * seed)
        if kind == "hadamard":
            X = cval * _hadamard(n)[:, :d]
        else:
            P = np.eye(n)[rng.permutation(n)] * np.where(rng.random(n) < 0.5, -1.0, 1.0)
            X = cval * P[:, :d]
        theta = np.round(rng.standard_normal(d) * 16) / 16
        if not np.any(theta):
            theta[0] = 1.0
        for q, (lamf, s2) in enumerate(((0.1, 0.25), (3.0, 4.0)) if tier == "fast" else
                                       ((0.01, 0.0625), (0.1, 0.25), (1.0, 1.0), (3.0, 4.0),
                                        (30.0, 16.0))):
            lam = lamf * _scale(X)
            insts.append(make_instance(
                f"isotropic:{kind}-n{n}-d{d}-c{cval:g}-lam{lamf:g}-sigma2_{s2:g}-seed{seed}", X, theta,
                lam=lam, xi=0.5, sigma2=s2, M_kind="I", seed=61000 + 10 * i + q,
                family="isotropic", params=(("s2_design", float(cval * cval * (n if kind == "hadamard" else 1))),),
                search=no_search("the hypothesis X^T X = s^2 I (kappa = 1) fixes the spectrum; "
                                 "the domain's designs are exactly isotropic in binary")))
    return sorted(insts, key=lambda v: (v.K, v.id))
