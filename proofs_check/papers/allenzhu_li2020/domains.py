"""Instance domain of the Allen-Zhu & Li 2020 claims: data seeds of the multi-view simulator.

One instance is one data seed at the tier's size (:data:`.engines.SIZES`): a training set
and a test set drawn from the multi-view distribution, and every model trained on them
(:func:`.engines.simulate`).  All claims share these instances and the one engine, so the
checker's cache trains each data seed once per process.  The data seeds of run seed s are
``N_SEEDS[tier] * s + i``, i = 0, 1, ...: consecutive, never chosen by their outcome
(docs/theory/allenzhu_li2020.md §4).

>>> [i.id for i in seed_domain("fast", 0)]
['multiview:N200-L3-T300-S1000-M100-seed0', 'multiview:N200-L3-T300-S1000-M100-seed1', 'multiview:N200-L3-T300-S1000-M100-seed2']
"""

from ...claim import Instance
from ...domains import check_tier
from .engines import SIZES

__all__ = ["seed_domain", "N_SEEDS", "data_seeds"]

#: Data seeds per tier.  fast: about 11 s of training per seed on one core; the checker's
#: workers share no memory, so each may train every seed: 3 seeds keep the catalogue
#: within a minute on 2 cores.  full: 5-10 min per seed (estimated; students 10,000 steps).
N_SEEDS = {"fast": 3, "full": 3}


def data_seeds(tier, seed=0):
    """The data seeds of a tier for run seed ``seed``: N_SEEDS[tier] * seed + i."""
    n = N_SEEDS[check_tier(tier)]
    return [n * int(seed) + i for i in range(n)]


def seed_domain(tier="fast", seed=0):
    """One instance per data seed at the tier's size (N, L, steps, student steps, M)."""
    size = SIZES[check_tier(tier)]
    return [Instance(id=f"multiview:{size.label}-seed{s}", family="multiview",
                     params=(("data_seed", s), ("N", size.n_train), ("n_test", size.n_test),
                             ("L", size.L), ("steps", size.steps),
                             ("student_steps", size.student_steps), ("M", size.rf_M)),
                     data={"size": size, "seed": s, "K": 10})
            for s in data_seeds(tier, seed)]
