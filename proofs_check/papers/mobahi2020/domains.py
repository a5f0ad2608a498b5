"""Instance domains of the Mobahi et al. 2020 claims: the shared kernel and spectral
families (:mod:`proofs_check.domains`) crossed with data-fit budgets eps.

Budgets eps = rel ||y||^2 / K run from just below the collapse threshold (rel = 1 - 1e-3)
down to rel = 1.2e-4 (fast tier) or 1e-7 (full tier) (docs/theory/mobahi2020.md §5).  The
spectral families (exact repeats, few levels at kappa up to 1.4e14, K = 1..3, aligned
targets) get a few budgets each, never so small that an ill-conditioned problem needs
hundreds of rounds.  Besides the budgets, eps is placed next to the threshold of a later
round (:func:`round_threshold`): just below eps*_n the trajectory lasts n rounds and its
last norm ||y_{n-1}||^2 exceeds K eps by a relative 1e-9 (c_{n-1} is then ~1e9 times its
size at earlier rounds); just above, it lasts n - 1 rounds and its last norm lands just
under K eps.  The fast tier is a few dozen to a hundred and fifty instances per claim,
ordered so that the small, few-round ones (which the mp engine re-checks) come first; the
full tier is thousands.

>>> inst = standard_domain("fast", 0)
>>> len(inst) >= 20, len({i.id for i in inst}) == len(inst)
(True, True)
"""

import functools
import math

import numpy as np

from ...claim import Instance
from ...domains import (check_tier, kernel_bases, rotated_spectrum, spectral_bases, spectrum)

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


def _squared_norm_after(d, w2, Keps, rounds):
    """||y_rounds||^2 after ``rounds`` rounds of the eigenbasis recursion (float64)."""
    from theory import secular_root_f64
    for _ in range(rounds):
        c = secular_root_f64(w2, d, Keps)
        a = d / (c + d)
        w2 = w2 * a * a
    return float(np.sum(w2))


def round_threshold(G, y, n):
    """eps*_n: the budget at which the collapse round T moves from n - 1 to n (T >= n iff
    eps < eps*_n), located in float64 to ~1e-13 relative for a well-conditioned G.

    eps*_1 = ||y||^2/K (the collapse threshold); for n >= 2, eps*_n is the root of
    ||y_{n-1}(eps)||^2 = K eps between ||y||^2/(K (n + 1)^2) (where T >= ceil(r_0 - 1) >= n)
    and eps*_{n-1} (docs/theory/mobahi2020.md §5).  Several classes: Frobenius norms.

    >>> G = np.eye(2) * 0.5
    >>> y = np.array([1.0, 1.0])
    >>> e2 = round_threshold(G, y, 2)   # kappa = 1: r_t = r_0 - t, so r_0 = 2 exactly
    >>> abs(float(np.sum(y ** 2)) / (2 * e2) - 4) < 1e-12
    True
    """
    from scipy.optimize import brentq
    Gf, yf = np.asarray(G, float), np.asarray(y, float)
    K = Gf.shape[0]
    d, Q = np.linalg.eigh(Gf)
    d = np.maximum(d, 0.0)
    z = Q.T @ yf
    w2 = z * z if z.ndim == 1 else np.sum(z * z, axis=1)
    sq = float(np.sum(yf * yf))
    w2 = w2 * (sq / float(np.sum(w2)))  # ||z|| = ||y|| exactly, as the engine does
    hi = sq / K
    for k in range(2, n + 1):
        lo = sq / (K * (k + 1) ** 2)

        def g(log_eps, k=k):
            eps = math.exp(log_eps)
            return _squared_norm_after(d, w2, K * eps, k - 1) / (K * eps) - 1

        top = math.log(hi) + math.log1p(-1e-12)
        hi = math.exp(brentq(g, math.log(lo), top, xtol=1e-15, rtol=1e-15))
    return hi


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
    spec = spectral_bases(tier, seed, m=2)[::2] + spectral_bases(tier, seed, m=3)[1::2]
    for i, (fam, label, G, y, params) in enumerate(spec):
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
