"""Instance domains of the Mobahi et al. 2020 claims: the shared kernel and spectral
families (:mod:`proofs_check.domains`) crossed with data-fit budgets eps.

Budgets eps = rel ||y||^2 / K run from just below the collapse threshold (rel = 1 - 1e-3)
down to rel = 1.2e-4 (fast tier) or 1e-7 (full tier) (docs/theory/mobahi2020.md §5).  The
spectral families (exact repeats, few levels at kappa up to 1.4e14, K = 1..3, aligned
targets) get one budget each on the fast tier, never so small that an ill-conditioned
problem needs hundreds of rounds.  Besides the budgets, eps is placed next to the threshold
of a later round (:func:`~proofs_check.domains.round_threshold`, re-exported here): just
below eps*_n the trajectory lasts n rounds and its last norm ||y_{n-1}||^2 exceeds K eps by
a relative 1e-9 (c_{n-1} is then ~1e9 times its size at earlier rounds); just above, it
lasts n - 1 rounds and its last norm lands just under K eps.  The fast tier is about 80 to
115 instances per claim, ordered so that the small, few-round ones (which the mp engine
re-checks) come first; the full tier is thousands.

>>> inst = standard_domain("fast", 0)
>>> len(inst) >= 20, len({i.id for i in inst}) == len(inst)
(True, True)
"""

import functools

import numpy as np

from ...claim import Instance
from ...domains import (check_tier, kernel_bases, rotated_spectrum, round_threshold,
                        spectral_bases, spectrum)

__all__ = ["standard_domain", "multiclass_domain", "threshold_domain", "budgets",
           "round_threshold", "THRESHOLD_OFFSET"]

#: Relative distance of the budgets placed at a later round's threshold: far above float64
#: rounding of well-conditioned problems (so that the side is known), close enough that the
#: last round's c_t is ~1/THRESHOLD_OFFSET times the earlier ones.
THRESHOLD_OFFSET = 1e-9


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


def _threshold_instances(family, label, G, y, params, rounds, sides):
    out = []
    for n in rounds:
        try:
            e = round_threshold(G, y, n)
        except (ValueError, ArithmeticError):  # e.g. G singular: no threshold found
            continue
        sq = float(np.sum(np.asarray(y, float) ** 2))
        for side in sides:
            eps = e * (1 + side * THRESHOLD_OFFSET)
            rel = eps * G.shape[0] / sq
            tag = "below" if side < 0 else "above"
            out.append(Instance(id=f"{label}-round{n}-{tag}", family=family, G=G, y=y,
                                eps=eps, params=tuple(params) + (("round", n), ("side", tag),
                                                                 ("eps_rel", rel))))
    return out


def _spectral_rels(i, family, kappa, tier):
    """Budgets of the i-th spectral base: one (fast) or five to seven (full), cycling through
    the tier's budgets, never so small that an ill-conditioned problem needs hundreds of
    rounds in mp."""
    rels = budgets(tier)
    rels = tuple(r for r in rels if r >= (1.2e-2 if kappa >= 2.0**27 else 1e-3))
    if tier == "fast":
        return (rels[i % len(rels)],)
    return rels[: 5 + i % 3]


def _sort_key(inst):
    return (inst.K > 12, dict(inst.params)["eps_rel"] < 5e-2, inst.K, inst.id)


def standard_domain(tier="fast", seed=0):
    """All kernel and spectral families crossed with the tier's budgets, plus budgets at the
    thresholds of rounds 2 and 3 (fast; up to 10 on full); small few-round instances first.

    Built once per (tier, seed) in a process (a dozen claims share it; the runner's forked
    workers inherit it); each call returns a new list of the same frozen instances."""
    check_tier(tier)
    return list(_standard(tier, int(seed)))


@functools.lru_cache(maxsize=4)
def _standard(tier, seed):
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
    spectral = spectral_bases(tier, seed)
    for i, (fam, label, G, y, params) in enumerate(spectral):
        for rel in _spectral_rels(i, fam, dict(params)["kappa"], tier):
            insts.append(_instance(fam, label, G, y, rel, params))
    # later rounds' thresholds: on every fourth spectral base one round (2 or 3) and one
    # side (fast); rounds 2, 3, 5, 10 on both sides of every base (full)
    for i, (fam, label, G, y, params) in enumerate(spectral):
        if tier == "full":
            insts += _threshold_instances(fam, label, G, y, params, (2, 3, 5, 10), (-1, 1))
        elif i % 4 == 0:
            insts += _threshold_instances(fam, label, G, y, params, (2 + (i // 8) % 2,),
                                          (-1 if (i // 4) % 2 == 0 else 1,))
    return tuple(sorted(insts, key=_sort_key))


def multiclass_domain(tier="fast", seed=0):
    """Targets of shape (K, m), m = 3 on the kernel families, m = 2 or 3 on the spectral
    ones (several classes, one shared c_t); a few budgets at round thresholds."""
    check_tier(tier)
    insts = []
    for fam, label, G, y, params in kernel_bases(tier, seed, m=3):
        for rel in (0.3, 1e-2) if tier == "fast" else budgets(tier):
            insts.append(_instance(fam, label + "-m3", G, y, rel, params))
    if tier == "fast":
        insts = insts[::2]
    spectral = spectral_bases(tier, seed, m=2)[::2] + spectral_bases(tier, seed, m=3)[1::2]
    for i, (fam, label, G, y, params) in enumerate(spectral):
        rels = (0.3, 1.2e-2) if tier == "fast" else budgets(tier)[:6]
        for rel in (rels[i % 2],) if tier == "fast" else rels:
            insts.append(_instance(fam, label, G, y, rel, params))
        if i % 5 == 0:
            insts += _threshold_instances(fam, label, G, y, params, (2,), (-1,))
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
    step = 4 if tier == "fast" else 1
    for fam, label, G, y, params in (kernel_bases(tier, seed)[::step]
                                     + spectral_bases(tier, seed)[::step]):
        K = G.shape[0]
        for rel in (1 + 1e-6, 1 - 1e-6, 2.0, 1.0 / K if K > 1 else 0.5):
            out.append(_instance(fam, label, G, y, rel, params))
    return sorted(out, key=lambda i: (i.K > 12, i.K, i.id))
