"""Instance domains of the Mobahi et al. 2020 claims: the shared kernel families
(:mod:`proofs_check.domains`) crossed with data-fit budgets eps.

Budgets eps = rel ||y||^2 / K run from just below the collapse threshold (rel = 1 - 1e-3)
down to rel = 1.2e-4 (fast tier) or 1e-7 (full tier) (docs/theory/mobahi2020.md §5).  The
fast tier is a few dozen instances per claim, ordered so that the small, few-round ones
(which the mp engine re-checks) come first; the full tier is thousands.

>>> inst = standard_domain("fast", 0)
>>> len(inst) >= 20, len({i.id for i in inst}) == len(inst)
(True, True)
"""

import numpy as np

from ...claim import Instance
from ...domains import check_tier, kernel_bases, rotated_spectrum, spectrum

__all__ = ["standard_domain", "multiclass_domain", "threshold_domain", "budgets"]


def budgets(tier):
    """Relative budgets rel = K eps / ||y||^2 of the tier.

    No budget makes r_0 = rel^(-1/2) an integer: with kappa = 1, r_t = r_0 - t, so an
    integer r_0 puts ||y_T||^2 exactly on K eps, undecidable at any precision (that hard
    point is pinned deliberately in :func:`threshold_domain` instead).
    """
    return ((1 - 1e-3, 0.3, 5e-2, 1.2e-2, 1e-3, 1.2e-4) if tier == "fast"
            else (1 - 1e-3, 0.5, 0.3, 0.1, 5e-2, 1.2e-2, 3e-3, 1e-3, 1.2e-4, 1e-5, 1.2e-6, 1e-7))


def _instance(family, label, G, y, rel, params):
    eps = rel * float(np.sum(np.asarray(y) ** 2)) / G.shape[0]
    return Instance(id=f"{label}-eps{rel:.6g}", family=family, G=G, y=y, eps=eps,
                    params=tuple(params) + (("eps_rel", rel),))


def standard_domain(tier="fast", seed=0):
    """All kernel families crossed with the tier's budgets; small few-round instances first."""
    check_tier(tier)
    insts = []
    for fam, label, G, y, params in kernel_bases(tier, seed):
        rels = budgets(tier)
        if tier == "fast":  # a deterministic third of the budgets per base problem
            k = sum(map(ord, label)) % 3
            rels = rels[k::3]
            if G.shape[0] >= 30:  # ~100-200 rounds: the mp re-checks would dominate the run
                rels = tuple(b for b in rels if b > 1.2e-4) or (1e-3,)
        for rel in rels:
            insts.append(_instance(fam, label, G, y, rel, params))
    return sorted(insts, key=lambda i: (i.K > 12, i.params[-1][1] < 5e-2, i.K, i.id))


def multiclass_domain(tier="fast", seed=0):
    """Targets of shape (K, m), m = 3 (several classes, one shared c_t)."""
    check_tier(tier)
    insts = []
    for fam, label, G, y, params in kernel_bases(tier, seed, m=3):
        for rel in (0.3, 1e-2) if tier == "fast" else budgets(tier):
            insts.append(_instance(fam, label + "-m3", G, y, rel, params))
    if tier == "fast":
        insts = insts[::2]
    return sorted(insts, key=lambda i: (i.K > 12, i.K, i.id))


def threshold_domain(tier="fast", seed=0):
    """Budgets on both sides of and exactly at the collapse threshold ||y||^2 = K eps.

    The exact instance uses y = (1/2, ..., 1/2), K = 4, eps = 1/4 (all exact in binary).
    """
    check_tier(tier)
    out = []
    G = rotated_spectrum(spectrum("geometric", 4, 10.0), seed) / 4
    y = np.full(4, 0.5)
    out.append(Instance("threshold:exact-K4", "threshold", G, y, 0.25, (("eps_rel", 1.0),)))
    for fam, label, G, y, params in kernel_bases(tier, seed)[:: (4 if tier == "fast" else 1)]:
        K = G.shape[0]
        for rel in (1 + 1e-6, 1 - 1e-6, 2.0, 1.0 / K if K > 1 else 0.5):
            out.append(_instance(fam, label, G, y, rel, params))
    return sorted(out, key=lambda i: (i.K > 12, i.K, i.id))
