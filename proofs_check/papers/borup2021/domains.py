"""Instance domains of the Borup & Andersen 2021 claims (docs/theory/borup2021.md §7).

An instance is a Gram matrix ``G`` (or a design ``X``), targets ``y``, a fixed ridge
``lam`` and the imitation weights ``xi = (1 - alpha, ..., 1 - alpha)`` of ``steps``
students, for the fixed-ridge engine (:data:`proofs_check.engines.FIXED_RIDGE`); row t of
its trajectory is Borup's step tau = t + 1.  Families:

* ``toy``: the authors' 11-point example (RBF gamma = 80, lam = 0.2) with the 101-point
  loss grid, alpha in {0, 0.25, 0.35};
* ``green``: the Green's-function kernels of docs/theory/mobahi2020.md §3 on sorted points;
* ``rbf``, ``laplace``, ``matern32``: kernels on n = 3..25 sorted random points in [0, 1],
  with 7 test points (cross-kernel ``Kt``, truth sin(2 pi x));
* ``spectrum``: rotated prescribed spectra (kappa 10 to 1e12, three plateaus of repeated
  eigenvalues) and an exactly diagonal G with repeated eigenvalues;
* ``exact``, ``levels``, ``small``, ``aligned``: the shared spectral families of
  :func:`proofs_check.domains.spectral_problems` (exact repeats with kappa 2^7 to 2^40, 2-4
  levels at kappa 1e2 to 1.4e14, K = 1, 2, 3 with every spectral shape, targets on one
  eigenvector or orthogonal to an eigenspace), two (alpha, lam) combinations each, taken
  edge-first so that every alpha of the grid and both ends of lam/d_max occur;
* ``pair``: bare pairs a_k < a_j in (0, 1) as G = diag(d_k, d_j), lam = 1, d = a/(1 - a),
  with a near 1 (1 - 10^-U(0,8)) and alpha near 0 (10^-U(0,8)) among them, and the pinned
  pair (0.1004, 0.4873), alpha = 0.3526 that breaks the monotone reading;
* ``design``: linear ridge on X (n < d, n > d, rank deficient) and its Gram twin X X^T,
  and the shared spectral designs (:func:`proofs_check.domains.spectral_designs`: exact
  repeated singular values, kappa(X^T X) up to 1.8e13, rank 1, 2, 3, aligned).

Every instance but the toy example's carries a search tag (:data:`GRAM_RECIPE`,
:data:`DESIGN_RECIPE`): ``proofs-check search`` draws further spectra and (alpha, lam,
steps) inside the ranges of a claim's domain.

Parameters: alpha in {0, 1e-8, 1e-3, 0.25, 0.35, 0.5, 1 - 1e-8, 1} plus uniform draws;
lam/d_max in {1e-6, 1e-3, 0.1, 1, 10}; up to 10^4 steps for the rate claims.  The fast tier
gives each base problem a few (alpha, lam) combinations in rotation; the full tier all of
them.  Instances are deterministic in (tier, seed); ids encode every parameter, so two
claims asking for the same instance share one engine run.

>>> d = generic_domain("fast", 0, steps=12)
>>> len(d) > 40, len({i.id for i in d}) == len(d)
(True, True)
"""

import functools
import math

import numpy as np

from ...claim import Instance
from ...domains import (DESIGN_MIXINGS, GREEN_KERNELS, Param, Recipe, check_tier,
                        green_gram_1d, no_search, rotated_spectrum, search_tag,
                        spectral_designs, spectral_problems, spectrum, spread)
from .official import TOY_GAMMA, TOY_GRID, TOY_LAM, TOY_X, TOY_Y

__all__ = ["ALPHAS", "LAM_RELS", "PINNED_PAIR", "toy_instance", "generic_domain",
           "pair_domain", "design_domain", "toy_domain", "rbf", "laplace", "matern32",
           "GRAM_RECIPE", "DESIGN_RECIPE"]

#: The ground-truth weights every family is tried at (plus uniform draws).
ALPHAS = (0.0, 1e-8, 1e-3, 0.25, 0.35, 0.5, 1 - 1e-8, 1.0)
#: lam / d_max.
LAM_RELS = (1e-6, 1e-3, 0.1, 1.0, 10.0)
#: A bare pair that breaks "R_tau is non-decreasing": R_2 = 7.76 > R_3 = 7.20
#: (docs/theory/borup2021.md §5.8).
PINNED_PAIR = (0.1004, 0.4873, 0.3526)


def rbf(x, z, gamma):
    """exp(-gamma (x - z)^2) (the notebook's sklearn rbf_kernel), rows x, columns z."""
    return np.exp(-gamma * (np.asarray(x)[:, None] - np.asarray(z)[None, :]) ** 2)


def laplace(x, z, ell):
    """exp(-|x - z|/ell)."""
    return np.exp(-np.abs(np.asarray(x)[:, None] - np.asarray(z)[None, :]) / ell)


def matern32(x, z, ell):
    """(1 + s) exp(-s), s = sqrt(3)|x - z|/ell."""
    s = math.sqrt(3) * np.abs(np.asarray(x)[:, None] - np.asarray(z)[None, :]) / ell
    return (1 + s) * np.exp(-s)


def _green_cross(name, xt, x):
    from theory.green import green_f64
    g = green_f64(GREEN_KERNELS[name][1])
    return g(np.abs(np.asarray(xt)[:, None] - np.asarray(x)[None, :])) / len(x)


def _sym(G):
    return 0.5 * (G + G.T)


def _label(s):
    return s.replace(" ", "")


# ------------------------------------------------------------------------------ base problems
# (family, label, G, y, Kt or None, truth at the test points or None, params)

def _kernel_sizes(tier):
    if tier == "fast":
        return {"green": (("laplace", 5), ("laplace2", 12), ("sobolev3", 8)),
                "rbf": ((3, 10.0), (8, 80.0), (15, 20.0), (25, 80.0)),
                "laplace": ((6, 0.3), (20, 0.1)),
                "matern32": ((10, 0.2), (25, 0.5))}
    ns = (3, 5, 8, 12, 18, 25)
    return {"green": tuple((name, n) for name in GREEN_KERNELS for n in ns),
            "rbf": tuple((n, g) for n in ns for g in (10.0, 80.0, 300.0)),
            "laplace": tuple((n, ell) for n in ns for ell in (0.1, 0.3, 1.0)),
            "matern32": tuple((n, ell) for n in ns for ell in (0.2, 0.5))}


def _spectra(tier):
    geo = ((4, 10.0), (9, 1e4), (6, 1e8), (9, 1e12)) if tier == "fast" else tuple(
        (n, k) for n in (2, 4, 9, 16) for k in (10.0, 1e4, 1e8, 1e12))
    rep = ((9, 1e6),) if tier == "fast" else ((3, 1e2), (9, 1e6), (16, 1e10))
    return geo, rep


@functools.lru_cache(maxsize=4)
def _bases(tier, seed):
    check_tier(tier)
    out = []
    s = 1000 * seed
    sizes = _kernel_sizes(tier)
    for name, n in sizes["green"]:
        rng = np.random.default_rng(s + 11 * n + len(name))
        x = np.sort(rng.uniform(0, 1, n))
        xt = np.sort(rng.uniform(0, 1, 7))
        y = np.sin(2 * np.pi * x) + 0.3 * rng.standard_normal(n)
        out.append(("green", f"green:{name}-n{n}", green_gram_1d(name, x), y,
                    _green_cross(name, xt, x), np.sin(2 * np.pi * xt), (("kernel", name),)))
    for fam, fn, key in (("rbf", rbf, "gamma"), ("laplace", laplace, "ell"),
                         ("matern32", matern32, "ell")):
        for n, p in sizes[fam]:
            rng = np.random.default_rng(s + 13 * n + int(100 * p) + len(fam))
            x = np.sort(rng.uniform(0, 1, n))
            xt = np.sort(rng.uniform(0, 1, 7))
            y = np.sin(2 * np.pi * x) + 0.3 * rng.standard_normal(n)
            out.append((fam, f"{fam}:{key}{p:g}-n{n}", _sym(fn(x, x, p)), y, fn(xt, x, p),
                        np.sin(2 * np.pi * xt), ((key, p),)))
    geo, rep = _spectra(tier)
    for n, kappa in geo:
        rng = np.random.default_rng(s + 17 * n + int(math.log10(kappa)))
        out.append(("spectrum", f"spectrum:geometric-kappa{kappa:.0e}-n{n}",
                    rotated_spectrum(spectrum("geometric", n, kappa), s + n), rng.standard_normal(n),
                    None, None, (("spectrum", "geometric"), ("kappa", kappa))))
    for n, kappa in rep:
        rng = np.random.default_rng(s + 19 * n)
        out.append(("spectrum", f"spectrum:repeated-kappa{kappa:.0e}-n{n}",
                    rotated_spectrum(spectrum("repeated", n, kappa), s + n + 1),
                    rng.standard_normal(n), None, None,
                    (("spectrum", "repeated"), ("kappa", kappa))))
    # exactly repeated eigenvalues: a diagonal G (and a permutation of it) is exact
    d = np.array([1.0, 1e-3, 0.3, 1.0, 0.3, 0.3])
    rng = np.random.default_rng(s + 23)
    out.append(("spectrum", "spectrum:diagonal-repeated-n6", np.diag(d), rng.standard_normal(6),
                None, None, (("spectrum", "diagonal, repeated"), ("kappa", 1e3))))
    # the shared spectral families (exact repeats, few levels at large kappa, K = 1..3,
    # aligned targets): G exact, so repeats stay repeats for both engines
    for fam, label, p in spectral_problems(tier, seed):
        out.append((fam, label, p.G, p.y, None, None, p.params))
    return tuple(out)


#: The families of :func:`proofs_check.domains.spectral_problems`.
_SPECTRAL = ("exact", "levels", "small", "aligned")


def _alpha_draws(label, seed, count):
    rng = np.random.default_rng(sum(map(ord, label)) + 7919 * seed)
    return [float(v) for v in rng.uniform(0, 1, count)]


def _instance(family, label, G, y, lam, lam_rel, alpha, steps, params, **data):
    xi = [1.0 - alpha] * steps
    iid = f"{label}-lam{lam_rel:.0e}-a{alpha:.10g}-k{steps}"
    data.setdefault("search", search_tag(GRAM_RECIPE, alpha=alpha, lam_rel=lam_rel,
                                         steps=steps))
    return Instance(iid, family, G=G, y=y,
                    params=tuple(params) + (("lam/d_max", lam_rel), ("alpha", alpha),
                                            ("steps", steps)),
                    data={"lam": lam, "xi": xi, "alpha": alpha, **data})


def _build_gram(problem, values, seed, label):
    """A search instance of :data:`GRAM_RECIPE`: G and y of the drawn spectral problem,
    lam = lam_rel d_max, ``steps`` students with weight 1 - alpha."""
    lam_rel = float(values["lam_rel"])
    return _instance("search", label, problem.G, problem.y, lam_rel * float(problem.d[-1]),
                     lam_rel, float(values["alpha"]), int(values["steps"]), problem.params)


def _design_instance(label, X, y, G, rel, a, steps, params, extra, family="design"):
    """Linear ridge on X (``G`` None) or its Gram twin X X^T (``G`` given), phi = X."""
    n, d = X.shape
    d_max = float(np.linalg.eigvalsh(_sym(X @ X.T))[-1])
    twin = G is not None
    params = tuple(params) + (("n", n), ("d", d), ("lam/d_max", rel), ("alpha", a),
                              ("steps", steps))
    base = {"lam": rel * d_max, "xi": [1.0 - a] * steps, "alpha": a, "phi": X, "K": n,
            "search": search_tag(DESIGN_RECIPE, alpha=a, lam_rel=rel, steps=steps,
                                 extra=d - n, twin=int(twin))}
    tag = "design-gram" if twin else "design"
    iid = f"{tag}:{label}-lam{rel:.0e}-a{a:.10g}-k{steps}"
    if twin:
        return Instance(iid, family, G=G, y=y, params=params, data=base)
    return Instance(iid, family, params=params, data={**base, "X": X}, y=y)


def _build_design(design, values, seed, label):
    """A search instance of :data:`DESIGN_RECIPE`: the drawn design X, y = X theta plus
    seeded noise, and (``twin`` = 1) its Gram twin X X^T instead of X."""
    X = design.X
    y = X @ design.theta + 0.5 * np.random.default_rng(seed).standard_normal(X.shape[0])
    G = _sym(X @ X.T) if int(values["twin"]) else None
    return _design_instance(label, X, y, G, float(values["lam_rel"]), float(values["alpha"]),
                            int(values["steps"]), design.params, int(values["extra"]), "search")


#: Kernel ridge teacher and students with weight 1 - alpha on (G, y): every family of
#: :func:`generic_domain` and :func:`pair_domain` (not the toy example, whose claims are
#: about its published numbers).
GRAM_RECIPE = Recipe("borup2021.gram", _build_gram,
                     (Param("alpha", "linear"), Param("lam_rel", "log"),
                      Param("steps", "choice")),
                     covers="G and y of a drawn spectrum; alpha, lam/d_max and the number of "
                            "students over the domain's ranges")
#: Linear ridge on a design X, or its Gram twin X X^T (:func:`design_domain`).
DESIGN_RECIPE = Recipe("borup2021.design", _build_design,
                       (Param("alpha", "linear"), Param("lam_rel", "log"),
                        Param("steps", "choice"), Param("extra", "int"),
                        Param("twin", "choice")),
                       kind="design", mixings=DESIGN_MIXINGS,
                       covers="a design X with drawn singular values (or X X^T); alpha, "
                              "lam/d_max over the domain's ranges")


def toy_instance(alpha, steps):
    """The official toy example at ground-truth weight alpha with ``steps`` students."""
    K = _sym(rbf(TOY_X, TOY_X, TOY_GAMMA))
    Kt = rbf(TOY_GRID, TOY_X, TOY_GAMMA)
    d_max = float(np.linalg.eigvalsh(K)[-1])
    return _instance("toy", "toy", K, TOY_Y.copy(), TOY_LAM, TOY_LAM / d_max, alpha, steps,
                     (("gamma", TOY_GAMMA),), Kt=Kt, truth=np.sin(2 * np.pi * TOY_GRID),
                     report_pair=(0, 1),
                     search=no_search("the official toy example (RBF gamma = 80 on its 11 "
                                      "points, lam = 0.2): the published numbers concern "
                                      "this one problem"))


def toy_domain(tier="fast", seed=0, steps=5, alphas=(0.0, 0.25, 0.35)):
    """The toy example at the notebook's and the README's weights."""
    check_tier(tier)
    return [toy_instance(a, steps) for a in alphas]


def generic_domain(tier="fast", seed=0, steps=12, alpha_ok=lambda a: True, test_points=False):
    """Kernel and spectrum families crossed with (alpha, lam/d_max); the toy example first.

    ``alpha_ok`` filters the weights (a claim's hypotheses); ``test_points``: only base
    problems with test points.  Small problems first (the mp engine re-checks the first few).
    """
    check_tier(tier)
    out = [toy_instance(a, steps) for a in (0.0, 0.25, 0.35) if alpha_ok(a)]
    k = 0
    for b, (fam, label, G, y, Kt, truth, params) in enumerate(_bases(tier, seed)):
        if test_points and Kt is None:
            continue
        d_max = float(np.linalg.eigvalsh(G)[-1])
        alphas = list(ALPHAS) + _alpha_draws(label, seed, 1 if tier == "fast" else 3)
        if fam in _SPECTRAL:
            # two combinations each on the fast tier, edge-first over the spectral problems:
            # every alpha of the grid and both ends of lam/d_max occur
            combos = ([(spread(ALPHAS, k + q), spread(LAM_RELS, k + q, 2)) for q in (0, 1)]
                      if tier == "fast" else [(a, r) for a in ALPHAS for r in LAM_RELS])
            k += 2
        elif tier == "fast":
            h = sum(map(ord, label))
            picks = [alphas[(h + 3 * i) % len(ALPHAS)] for i in range(3)] + [alphas[-1]]
            combos = [(a, LAM_RELS[(h + i) % len(LAM_RELS)]) for i, a in enumerate(picks)]
        else:
            combos = [(a, r) for a in alphas for r in LAM_RELS]
        for a, rel in combos:
            if alpha_ok(a):
                data = {"Kt": Kt, "truth": truth} if Kt is not None else {}
                out.append(_instance(fam, label, G, y, rel * d_max, rel, a, steps, params,
                                     **data))
    head, rest = out[:3], out[3:]
    return head + sorted(rest, key=lambda i: (i.K > 12, i.K, i.id))


def _pair_instance(a_k, a_j, alpha, steps, tag):
    d = np.array([a_k / (1 - a_k), a_j / (1 - a_j)])
    label = f"pair:{tag}"
    inst = _instance("pair", label, np.diag(d), np.ones(2), 1.0, 1.0 / d[1], alpha, steps,
                     (("a_k", a_k), ("a_j", a_j)))
    return inst


def pair_domain(tier="fast", seed=0, steps=40, alpha_ok=lambda a: True, pinned=True):
    """Bare pairs a_k < a_j in (0, 1) with their alpha: the pinned pair first, then the
    grid weights on a few fixed pairs, then random pairs (a near 1 and alpha near 0 in a
    third of the draws each)."""
    check_tier(tier)
    out = []
    if pinned and alpha_ok(PINNED_PAIR[2]):
        out.append(_pair_instance(*PINNED_PAIR, steps, "pinned"))
    fixed = ((0.2, 0.9), (0.5, 0.5 + 1e-6), (1 - 1e-4, 1 - 1e-8))
    for i, (ak, aj) in enumerate(fixed):
        for a in ALPHAS[i::3] if tier == "fast" else ALPHAS:
            if alpha_ok(a):
                out.append(_pair_instance(ak, aj, a, steps, f"fixed{i}"))
    rng = np.random.default_rng(4242 + seed)
    count = 12 if tier == "fast" else 400
    for i in range(count):
        kind = i % 3
        if kind == 0:
            ak, aj = np.sort(rng.uniform(0, 1, 2))
        elif kind == 1:
            aj = 1 - 10.0 ** -rng.uniform(0, 8)
            ak = aj * rng.uniform(0, 1)
        else:
            aj = 1 - 10.0 ** -rng.uniform(0, 8)
            ak = 1 - (1 - aj) * (1 + 10.0 ** rng.uniform(-3, 2))
            ak = max(ak, aj * 1e-3)
        alpha = float(10.0 ** -rng.uniform(0, 8)) if i % 2 else float(rng.uniform(0, 1))
        if not (0 < ak < aj < 1) or not alpha_ok(alpha):
            continue
        out.append(_pair_instance(float(ak), float(aj), alpha, steps, f"r{i}"))
    return out


def design_domain(tier="fast", seed=0, steps=3):
    """Linear ridge on designs X (n x d) and, for each, the Gram twin X X^T (``phi`` = X):
    n < d, n > d, square rank-deficient; entries are integers in [-8, 8] times column
    scales 2^-3..2^3, so that X X^T is exact; then the shared spectral designs
    (:func:`proofs_check.domains.spectral_designs`, X X^T exact)."""
    check_tier(tier)
    shapes = ((6, 11), (11, 4), (7, 7), (9, 5)) if tier == "fast" else (
        (3, 8), (6, 11), (11, 4), (7, 7), (9, 5), (20, 6), (5, 25))
    out = []
    for i, (n, d) in enumerate(shapes):
        rng = np.random.default_rng(31 * n + d + 1000 * seed)
        # small integers times powers of two: every product and sum in X X^T is exact in
        # float64, so the Gram twin is exactly Phi Phi^T (the oracle's factor)
        X = rng.integers(-8, 9, (n, d)) * 2.0 ** rng.integers(-3, 4, d)
        if n == d:
            X[:, -1] = X[:, 0]  # rank deficient: one zero singular value
        y = rng.standard_normal(n)
        G = _sym(X @ X.T)
        d_max = float(np.linalg.eigvalsh(G)[-1])
        combos = ([(ALPHAS[(i + 2 * j) % len(ALPHAS)], LAM_RELS[(i + j) % len(LAM_RELS)])
                   for j in range(3)] if tier == "fast" else
                  [(a, r) for a in ALPHAS for r in LAM_RELS])
        for a, rel in combos:
            out.append(_design_instance(f"n{n}-d{d}", X, y, None, rel, a, steps, (), d - n))
            out.append(_design_instance(f"n{n}-d{d}", X, y, G, rel, a, steps, (), d - n))
    # the shared spectral designs: exact repeated singular values, kappa(X^T X) up to 1.8e13,
    # rank 1..3, n < d and n > d, aligned signals; one (alpha, lam) each, edge-first
    for k, (fam, label, D) in enumerate(spectral_designs(tier, seed)):
        X = D.X
        y = X @ D.theta + 0.5 * np.random.default_rng(1000 * seed + 77 + k).standard_normal(
            X.shape[0])
        G = _sym(X @ X.T)
        combos = ([(spread(ALPHAS, k), spread(LAM_RELS, k, 2))] if tier == "fast" else
                  [(a, r) for a in ALPHAS for r in LAM_RELS])
        for a, rel in combos:
            extra = X.shape[1] - X.shape[0]
            out.append(_design_instance(label, X, y, None, rel, a, steps, D.params, extra, fam))
            out.append(_design_instance(label, X, y, G, rel, a, steps, D.params, extra, fam))
    return sorted(out, key=lambda i: (i.K, i.id))
