"""Counterexample search: Hypothesis over the spectral parametrisation of a claim's instances.

A claim's fixed domain is a finite list; a false statement whose counterexamples lie between
its points survives it.  The search draws further instances from a *spectral
parametrisation*.  For the eps-constrained self-distillation engine (:class:`SearchPoint`):

* K (the problem size, first, so that shrinking minimises it);
* how the eigenvectors are laid out (:data:`proofs_check.domains.MIXINGS`: diagonal,
  Householder, alpha I + beta J, a random rotation);
* 1-4 eigenvalue levels 2^-e (e up to the domain's kappa), their multiplicities, or a
  cluster of relative width 2^-40; exactly repeated eigenvalues are exact in G;
* the alignment of y (:data:`proofs_check.domains.ALIGNMENTS`) and the number of classes;
* eps: a relative budget K eps/||y||^2, or the threshold of round n (n = 1..6) moved by a
  relative offset (1e-9 to 1e-3) to either side (:func:`~proofs_check.domains.round_threshold`).

For any other engine (fixed ridge, kernel gradient descent, ...) the claim's domain says how
its instances are made: each carries a search tag naming a :class:`~proofs_check.domains.Recipe`
and its parameter values.  A :class:`RecipePoint` draws K, the eigenvector layout, the levels
and multiplicities (or, for a design, squared singular values at powers of four), the
alignment (within what the recipe's hypothesis allows), then every parameter of the recipe
inside the range the domain's tags span (:class:`RecipeEnvelope`), and the recipe builds
the instance.  A claim whose domain has neither (networks, data sets, or a hypothesis that
fixes the family) is not searched, and ``proofs-check domains`` says why.

Every drawn instance lies inside the *envelope* of the claim's fixed domain (its range of K,
condition number, relative budget and classes: a claim whose domain stops at kappa = 1e4
has a reason), and is decided by the checker's own rule (float64, then mp).  Hypothesis
steers the search towards small margins (``hypothesis.target``), and when an instance fails
(confirmed in mp) it *shrinks* it: smallest K first, then the simplest spectrum (diagonal,
fewest levels, smallest kappa), generic targets, one class.  The result is printed with
code that rebuilds the instance.  A claim the search cannot break *survived N searched
instances*; a search never proves anything.

Two entry points:

* :func:`search_claim` (``proofs-check search ID --budget SECONDS --seed N``): a time budget,
  float64-inconclusive instances decided in mp, a report (:func:`render_search`);
* :func:`search_instances` (the default run's small search): a fixed number of examples
  (:data:`DEFAULT_RUN_EXAMPLES`), deterministic under the seed, returning the instances
  worth appending to the fixed domain (a counterexample, else the smallest margins seen).

The search needs Hypothesis (``pip install hypothesis``).

>>> point = SearchPoint(K=2, mixing="diagonal", levels=(2.0**-20, 1.0), mults=(1, 1))
>>> inst = point.build()
>>> inst.K, inst.family, float(inst.G[0, 0]) == 2.0**-21
(2, 'search', True)
"""

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from theory.errors import InputError, ProofsCheckError

from .claim import Instance
from .domains import (ALIGNMENTS, FAMILIES, Recipe, SearchTag, spectral_design,
                      spectral_problem)

__all__ = ["SearchPoint", "RecipePoint", "SearchResult", "Envelope", "RecipeEnvelope",
           "search_claim", "search_instances", "render_search", "domains_listing",
           "envelope_of", "DEFAULT_BUDGET_SECONDS", "DEFAULT_RUN_EXAMPLES", "SEARCH_MAX_K",
           "SEARCH_ENGINES"]

#: Default time budget of ``proofs-check search`` (seconds).
DEFAULT_BUDGET_SECONDS = 30.0
#: Examples the default run's search draws per claim (fixed, so that the run is
#: deterministic under --seed; ~0.2-0.5 s of CPU per claim on the fast tier).
DEFAULT_RUN_EXAMPLES = 10
#: Instances the default run appends per claim when no counterexample is found (the
#: smallest margin seen, or one float64 could not decide: the checker then decides it with
#: its full rule, in mp when needed).
DEFAULT_RUN_KEEP = 1
#: Largest K the search draws (small instances shrink fast and mp confirms them cheaply).
SEARCH_MAX_K = 8
#: Largest exponent e of a level 2^-e (kappa up to 2^47 ~ 1.4e14).
SEARCH_MAX_EXP = 47
#: Calls Hypothesis may spend shrinking a counterexample (deterministic cap).
SHRINK_CALLS = 150
#: After a counterexample at K = k, a new search restricted to K <= k - 1 draws this many
#: examples (Hypothesis' shrinker can stall at a K whose smaller neighbours need a different
#: spectrum); repeated until no smaller K fails.
DESCENT_EXAMPLES = 40
#: Engines whose instances the search builds itself (G, y, eps); any other engine is searched
#: through the :class:`~proofs_check.domains.Recipe` its claim's domain tags instances with.
SEARCH_ENGINES = ("self_distill",)
#: Points of the 65-point grid over a linear or logarithmic parameter range (both ends).
PARAM_GRID = 64

_CLUSTER = 2.0 ** -40
_OFFSETS = (-1e-9, 1e-9, -1e-6, 1e-6, -1e-3, 1e-3)


@dataclass(frozen=True)
class SearchPoint:
    """One point of the spectral parametrisation (see the module docstring).

    ``levels``: relative eigenvalue levels, ascending, the largest 1 (ignored for mixing
    ``ab``, which uses ``kappa_exp``: kappa = 1 + 2^kappa_exp); ``mults``: multiplicities;
    ``eps_mode``: ``rel`` (``eps_value`` = K eps/||y||^2) or ``round`` (``eps_value`` = n: the
    threshold of round n times 1 + ``offset``); ``classes``: 1 for a vector y.
    """

    K: int
    mixing: str = "diagonal"
    levels: tuple = (1.0,)
    mults: tuple = (1,)
    kappa_exp: int = 0
    alignment: str = "generic"
    classes: int = 1
    eps_mode: str = "rel"
    eps_value: float = 0.3
    offset: float = 0.0
    seed: int = 0

    def problem(self):
        m = None if self.classes == 1 else self.classes
        if self.mixing == "ab":
            return spectral_problem("ab", self.K, kappa_exp=self.kappa_exp,
                                    alignment=self.alignment, seed=self.seed, m=m)
        return spectral_problem(self.mixing, self.K, self.levels, self.mults,
                                alignment=self.alignment, seed=self.seed, m=m)

    def key(self):
        lv = ",".join(f"{v!r}" for v in self.levels)
        return (f"K{self.K}-{self.mixing}-L[{lv}]-M{'+'.join(map(str, self.mults))}"
                f"-e{self.kappa_exp}-{self.alignment}-m{self.classes}-{self.eps_mode}"
                f"{self.eps_value!r}{self.offset:+g}-s{self.seed}")

    def build(self):
        """The :class:`~proofs_check.claim.Instance` (family ``search``)."""
        p = self.problem()
        K = self.K
        sq = float(np.sum(np.asarray(p.y, float) ** 2))
        if self.eps_mode == "rel":
            eps = self.eps_value * sq / K
        elif self.eps_mode == "round":
            from .domains import round_threshold
            eps = round_threshold(p.G, p.y, int(self.eps_value)) * (1 + self.offset)
        else:
            raise ValueError(f"eps_mode {self.eps_mode!r} must be 'rel' or 'round'")
        params = tuple(p.params) + (("eps_mode", self.eps_mode), ("eps_value", self.eps_value),
                                    ("offset", self.offset), ("eps_rel", eps * K / sq))
        return Instance(id=f"search:{self.key()}", family="search", G=p.G, y=p.y, eps=eps,
                        params=params)

    def region(self):
        """The coarse region of the parametrisation this point lies in (for coverage)."""
        p = self.problem()
        kappa = p.kappa
        return {"K": self.K, "mixing": self.mixing,
                "levels": 2 if self.mixing == "ab" else len(self.levels),
                "kappa_decade": 0 if kappa <= 1 else int(math.floor(math.log10(kappa))),
                "alignment": self.alignment, "classes": self.classes,
                "eps": "rel" if self.eps_mode == "rel" else f"round{int(self.eps_value)}",
                "exact_repeat": (self.mixing != "rotation"
                                 and (self.mixing == "ab" and self.K > 2
                                      or max(self.mults) > 1))}


def _recipe_ref(recipe):
    """``"module:NAME"`` of a :class:`~proofs_check.domains.Recipe` defined at module level
    (the module of its ``build`` function)."""
    import sys
    mod = getattr(recipe.build, "__module__", None)
    for name, val in vars(sys.modules.get(mod, object())).items():
        if val is recipe:
            return f"{mod}:{name}"
    raise InputError(f"recipe {recipe.name!r} is not a module-level name of {mod}: the search "
                     f"rebuilds instances from 'module:NAME'")


def _resolve_recipe(ref):
    import importlib
    mod, name = ref.split(":")
    return getattr(importlib.import_module(mod), name)


def _edge(value, lo, hi):
    return "edge" if value in (lo, hi) else "inner"


@dataclass(frozen=True)
class RecipePoint:
    """One point of a recipe's parametrisation: the spectrum (as :class:`SearchPoint`:
    ``levels`` with multiplicities ``mults``, or ``kappa_exp`` for ``ab``; for a design
    recipe the levels are the squared singular values and K is the rank), the alignment,
    and the recipe's own parameter ``values`` (``((name, value), ...)``), built by the
    recipe ``"module:NAME"`` (:class:`~proofs_check.domains.Recipe`).

    >>> p = RecipePoint(2, "proofs_check.papers.borup2021.domains:GRAM_RECIPE",
    ...                 levels=(2.0**-20, 1.0), mults=(1, 1),
    ...                 values=(("alpha", 0.5), ("lam_rel", 1.0), ("steps", 3)))
    >>> inst = p.build()
    >>> inst.K, inst.family, len(inst.xi), float(inst.lam) == 0.5
    (2, 'search', 3, True)
    """

    K: int
    recipe: str
    mixing: str = "diagonal"
    levels: tuple = (1.0,)
    mults: tuple = (1,)
    kappa_exp: int = 0
    alignment: str = "generic"
    values: tuple = ()
    seed: int = 0

    def recipe_object(self):
        return _resolve_recipe(self.recipe)

    def problem(self):
        """The :class:`~proofs_check.domains.SpectralProblem` (recipe kind ``gram``) or
        :class:`~proofs_check.domains.SpectralDesign` (kind ``design``)."""
        if self.recipe_object().kind == "design":
            extra = int(dict(self.values).get("extra", 0))
            return spectral_design(self.mixing, self.K, self.levels, self.mults, extra=extra,
                                   alignment=self.alignment, seed=self.seed)
        if self.mixing == "ab":
            return spectral_problem("ab", self.K, kappa_exp=self.kappa_exp,
                                    alignment=self.alignment, seed=self.seed)
        return spectral_problem(self.mixing, self.K, self.levels, self.mults,
                                alignment=self.alignment, seed=self.seed)

    def key(self):
        lv = ",".join(f"{v!r}" for v in self.levels)
        vals = ",".join(f"{n}={v!r}" for n, v in self.values)
        return (f"K{self.K}-{self.mixing}-L[{lv}]-M{'+'.join(map(str, self.mults))}"
                f"-e{self.kappa_exp}-{self.alignment}-{self.recipe.split(':')[1]}[{vals}]"
                f"-s{self.seed}")

    def build(self):
        """The Instance (family ``search``), built by the recipe."""
        return self.recipe_object().build(self.problem(), dict(self.values), self.seed,
                                          f"search:{self.key()}")

    def region(self):
        """The coarse region of the parametrisation this point lies in (for coverage)."""
        kappa = self.problem().kappa
        out = {"K": self.K, "mixing": self.mixing,
               "levels": 2 if self.mixing == "ab" else len(self.levels),
               "kappa_decade": 0 if kappa <= 1 else int(math.floor(math.log10(kappa))),
               "alignment": self.alignment,
               "exact_repeat": (self.mixing != "rotation"
                                and (self.mixing == "ab" and self.K > 2 or max(self.mults) > 1))}
        return out


def _code(inst, point):
    """Python source that rebuilds ``inst`` without the search (exact float literals)."""
    def arr(a):
        return "np.array(" + repr(np.asarray(a, float).tolist()) + ")"
    if isinstance(point, RecipePoint):
        M = inst.G if inst.G is not None else getattr(inst, "X", None)
        name = "G" if inst.G is not None else "X"
        return "\n".join([
            "from proofs_check.search import RecipePoint",
            f"point = RecipePoint(**{asdict(point)!r})",
            "inst = point.build()",
            f"# {name} = {arr(M)}" if M is not None else "# (no matrix)",
            f"# y = {arr(inst.y)}" if inst.y is not None else "# (no targets)",
        ])
    return "\n".join([
        "import numpy as np",
        "from proofs_check.claim import Instance",
        f"G = {arr(inst.G)}",
        f"y = {arr(inst.y)}",
        f"inst = Instance({inst.id!r}, 'search', G=G, y=y, eps={float(inst.eps)!r})",
        "# or: from proofs_check.search import SearchPoint",
        f"#     inst = SearchPoint(**{asdict(point)!r}).build()",
    ])


@dataclass(frozen=True)
class Envelope:
    """The ranges of the claim's fixed domain that the search stays inside."""

    K_min: int
    K_max: int
    exp_max: int       # levels 2^-e with e <= exp_max (kappa <= 2^exp_max)
    rel_min: float
    rel_max: float
    classes: tuple

    def contains(self, inst):
        K = inst.K
        sq = float(np.sum(np.asarray(inst.y, float) ** 2))
        rel = float(inst.eps) * K / sq if sq > 0 else math.inf
        return self.K_min <= K <= self.K_max and self.rel_min <= rel <= self.rel_max


@dataclass(frozen=True)
class RecipeEnvelope:
    """The ranges of a claim's fixed domain for a recipe's search: K, the condition number
    (levels 2^-e, e <= ``exp_max``), and each parameter's ``(name, scale, size, lo, hi,
    observed values)``."""

    recipe: str
    K_min: int
    K_max: int
    exp_max: int
    ranges: tuple

    def contains(self, inst):
        return self.K_min <= inst.K <= self.K_max


def _tags(domain):
    return [inst.data["search"] for inst in domain
            if getattr(inst, "data", None) and isinstance(inst.data.get("search"), SearchTag)]


def _kappa_of(inst, design):
    """The condition number of the instance's Gram matrix (``G``, or a kernel matrix ``H``
    in its data), or of X^T X on its range (a design, or a Gram twin X X^T); inf when none
    is there to read."""
    data = getattr(inst, "data", None) or {}
    M = inst.G if inst.G is not None else data.get("H")
    if M is None and data.get("X") is not None:
        s = np.linalg.svd(np.asarray(data["X"], float), compute_uv=False)
        d = np.sort(s[s > s.max() * max(np.shape(data["X"])) * 2.0 ** -52] ** 2)
    elif M is not None:
        M = np.asarray(M, float)
        d = np.linalg.eigvalsh(0.5 * (M + M.T))
        if design:  # a Gram twin X X^T: its non-zero eigenvalues
            d = d[d > d[-1] * d.size * 2.0 ** -52]
    else:
        return math.inf
    return d[-1] / d[0] if d.size and d[0] > 0 else math.inf


def _recipe_envelope(domain, tags):
    from collections import Counter
    counts = Counter(t.recipe.name for t in tags if t.recipe is not None)
    name = min(counts, key=lambda n: (-counts[n], n))
    recipe = next(t.recipe for t in tags if t.recipe is not None and t.recipe.name == name)
    design = recipe.kind == "design"
    Ks, kappas, obs = [], [], {p.name: [] for p in recipe.params}
    for inst in domain:
        tag = getattr(inst, "data", None) and inst.data.get("search")
        if not isinstance(tag, SearchTag) or tag.recipe is None or tag.recipe.name != name:
            continue
        Ks.append(inst.K)
        kappas.append(_kappa_of(inst, design))
        for pname, val in tag.values:
            obs[pname] += list(val) if isinstance(val, tuple) else [val]
    ranges = []
    for prm in recipe.params:
        cast = {"linear": float, "log": float, "int": int}.get(prm.scale, lambda v: v)
        vals = sorted({cast(v) for v in obs[prm.name]}, key=lambda v: (str(type(v)), v))
        if not vals:  # a vector parameter that is always empty (size 0)
            ranges.append((prm.name, "choice", prm.size, 0.0, 0.0, (0.0,)))
            continue
        scale = prm.scale
        if scale == "log" and not vals[0] > 0:
            scale = "linear"
        lo, hi = (vals[0], vals[-1]) if scale != "choice" else (None, None)
        ranges.append((prm.name, scale, prm.size, lo, hi, tuple(vals)))
    kmax = max(kappas)
    exp_max = SEARCH_MAX_EXP if not math.isfinite(kmax) else \
        max(0, min(SEARCH_MAX_EXP, int(math.floor(math.log2(max(kmax, 1.0))))))
    return RecipeEnvelope(_recipe_ref(recipe), max(1, min(Ks)),
                          max(1, min(max(Ks), SEARCH_MAX_K)), exp_max, tuple(ranges))


def envelope_of(domain):
    """The envelope of a fixed domain: a :class:`RecipeEnvelope` when its instances carry
    a recipe's search tags (the most frequent recipe), else the :class:`Envelope` of its
    kernel instances (G, y, eps); InputError (with the reason) when neither."""
    tags = _tags(domain)
    if any(t.recipe is not None for t in tags):
        return _recipe_envelope(domain, tags)
    if tags:
        raise InputError(tags[0].reason)
    Ks, kappas, rels, classes = [], [], [], set()
    for inst in domain:
        if getattr(inst, "G", None) is None or inst.y is None or inst.eps is None:
            continue
        G = np.asarray(inst.G, float)
        y = np.asarray(inst.y, float)
        d = np.linalg.eigvalsh(0.5 * (G + G.T))
        kappas.append(d[-1] / d[0] if d[0] > 0 else math.inf)
        Ks.append(G.shape[0])
        sq = float(np.sum(y * y))
        if sq > 0:
            rels.append(float(inst.eps) * G.shape[0] / sq)
        classes.add(1 if y.ndim == 1 else y.shape[1])
    if not Ks or not rels:
        if not any(getattr(i, "G", None) is not None
                   or any(k in (getattr(i, "data", None) or {}) for k in ("H", "X"))
                   for i in domain):
            raise InputError("its instances hold no Gram matrix, kernel matrix or design "
                             "(data sets, networks, point sets): there is no spectrum for the "
                             "spectral parametrisation to draw")
        raise InputError("its instances carry no spectral recipe (a rule that rebuilds them "
                         "from a drawn spectrum, proofs_check.domains.Recipe) and are not "
                         "kernel instances (G, y, eps) of the eps-constrained engine")
    kmax = max(kappas)
    exp_max = SEARCH_MAX_EXP if not math.isfinite(kmax) else \
        max(0, min(SEARCH_MAX_EXP, int(math.floor(math.log2(max(kmax, 1.0))))))
    return Envelope(max(1, min(Ks)), max(1, min(max(Ks), SEARCH_MAX_K)), exp_max,
                    min(rels), max(rels), tuple(sorted(classes)))


def _draw_spectrum(draw, st, K, exp_max, mixings, simple=False, even=False):
    """(mixing, levels, mults, kappa_exp) drawn for size K: the layouts ``mixings`` allows at
    this K, 1-4 levels 2^-e (e <= exp_max; ``even``: even e only, so that a design's
    singular values are exact; ``simple``: K distinct levels), their multiplicities, or a
    cluster of width 2^-40 at the top."""
    allowed = [m for m in ("diagonal", "ab", "householder", "rotation") if m in mixings
               and (m != "ab" or (K >= 2 and exp_max >= 1 and not (simple and K > 2)))
               and (m != "householder" or K >= 4)]
    mixing = draw(st.sampled_from(allowed))
    levels, mults, kexp = (1.0,), (K,), 0
    step = 2 if even else 1
    top = exp_max // step
    if mixing == "ab":
        return mixing, levels, (K - 1, 1), draw(st.integers(1, max(1, exp_max)))
    n = K if simple else draw(st.integers(1, min(4, K)))
    if n > 1 and top >= n - 1:
        exps = sorted(draw(st.lists(st.integers(1, top), min_size=n - 1, max_size=n - 1,
                                    unique=True)), reverse=True)
        levels = tuple(2.0 ** -(step * e) for e in exps) + (1.0,)
        if not even and draw(st.booleans()):  # the top two levels a cluster of width 2^-40
            levels = levels[:-2] + (1.0 - _CLUSTER, 1.0)
        if simple:
            mults = (1,) * n
        else:
            cuts = sorted(draw(st.lists(st.integers(1, K - 1), min_size=n - 1, max_size=n - 1,
                                        unique=True)))
            mults = tuple(b - a for a, b in zip([0] + cuts, cuts + [K]))
    elif simple and K > 1:
        from hypothesis import assume
        assume(False)  # K distinct levels do not fit below kappa 2^exp_max
    return mixing, levels, mults, kexp


def _strategy(env):
    """Hypothesis strategy of :class:`SearchPoint` inside ``env``; draws are ordered so that
    shrinking minimises K first, then the spectrum, the alignment, the classes and eps."""
    from hypothesis import strategies as st
    if isinstance(env, RecipeEnvelope):
        return _recipe_strategy(env)

    @st.composite
    def points(draw):
        K = draw(st.integers(env.K_min, env.K_max))
        mixing, levels, mults, kexp = _draw_spectrum(draw, st, K, env.exp_max,
                                                     ("diagonal", "ab", "householder",
                                                      "rotation"))
        alignment = draw(st.sampled_from(ALIGNMENTS))
        classes = draw(st.sampled_from(env.classes))
        eps_mode = draw(st.sampled_from(("rel", "round")))
        if eps_mode == "rel":
            # a log grid of 65 budgets from the domain's largest (few rounds: the simplest,
            # where shrinking goes) to its smallest
            u = draw(st.integers(0, 64))
            value, offset = env.rel_max * (env.rel_min / env.rel_max) ** (u / 64), 0.0
        else:
            value = float(draw(st.integers(1, 6)))
            offset = draw(st.sampled_from(_OFFSETS))
        seed = draw(st.integers(0, 3))
        return SearchPoint(K, mixing, levels, mults, kexp, alignment, classes, eps_mode, value,
                           offset, seed)

    return points()


def _draw_value(draw, st, scale, lo, hi, observed):
    """One parameter value: one of the domain's own values (where shrinking goes), or a
    point of the 65-point grid over [lo, hi] (``linear``/``log``), or any integer of the
    range (``int``)."""
    if scale == "choice" or lo == hi or not draw(st.booleans()):
        return draw(st.sampled_from(observed))
    if scale == "int":
        return draw(st.integers(int(lo), int(hi)))
    u = draw(st.integers(0, PARAM_GRID))
    if u in (0, PARAM_GRID):
        return lo if u == 0 else hi
    if scale == "log":
        return float(lo * (hi / lo) ** (u / PARAM_GRID))
    return float(lo + (hi - lo) * u / PARAM_GRID)


def _recipe_strategy(env):
    """Hypothesis strategy of :class:`RecipePoint` inside ``env``: K, the spectrum (within the
    layouts, simplicity and alignments the recipe allows), the alignment, then every
    parameter inside the domain's range (vectors: their length first)."""
    from hypothesis import strategies as st
    recipe = _resolve_recipe(env.recipe)
    design = recipe.kind == "design"

    @st.composite
    def points(draw):
        K = draw(st.integers(1 if design else env.K_min, env.K_max))
        mixing, levels, mults, kexp = _draw_spectrum(draw, st, K, env.exp_max, recipe.mixings,
                                                     simple=recipe.simple, even=design)
        alignment = draw(st.sampled_from([a for a in ALIGNMENTS if a in recipe.alignments]))
        values = {}
        for name, scale, size, lo, hi, observed in env.ranges:
            if size is None:
                values[name] = _draw_value(draw, st, scale, lo, hi, observed)
            else:
                values[name] = tuple(_draw_value(draw, st, scale, lo, hi, observed)
                                     for _ in range(int(values[size])))
        seed = draw(st.integers(0, 3))
        return RecipePoint(K, env.recipe, mixing, levels, mults, kexp, alignment,
                           tuple(values.items()), seed)

    return points()


@dataclass
class SearchResult:
    """What a search found: a counterexample (``status == "refuted"``) or the coverage of
    the instances it survived (``"survived"``)."""

    claim_id: str
    status: str
    seed: int
    budget_seconds: float = None
    max_examples: int = None
    seconds: float = 0.0
    searched: int = 0
    rejected: int = 0
    skipped: int = 0
    undecided: int = 0
    errors: int = 0
    regions: dict = field(default_factory=dict)
    envelope: dict = None
    worst_margin: float = None
    worst: dict = None
    counterexample: dict = None
    first_failure_K: int = None
    instances: list = field(default_factory=list, repr=False)


class _Failure(Exception):
    """Raised inside the Hypothesis property when an instance fails (mp-confirmed)."""

    def __init__(self, point):
        super().__init__(point.key())
        self.point = point


class _Stop(BaseException):
    """The time budget ran out before any failure (BaseException: Hypothesis lets it pass)."""


def _require_hypothesis():
    try:
        import hypothesis  # noqa: F401
    except ImportError as exc:
        raise InputError("the counterexample search needs Hypothesis: pip install "
                         "hypothesis (or the 'test' extra)") from exc


class _Searcher:
    def __init__(self, claim, env, dps, mp_inconclusive, deadline, res):
        from .check import ResultCache
        self.claim, self.env, self.dps = claim, env, dps
        self.mp_inconclusive, self.deadline, self.res = mp_inconclusive, deadline, res
        self.cache = ResultCache(dps)
        self.memo = {}          # point -> margin (None: not decided) or "fail"
        self.first_fail = None
        self.after_fail = 0
        self.seen = []          # (margin, point) of decided instances

    def _count(self, point):
        for k, v in point.region().items():
            self.res.regions.setdefault(k, {})
            key = str(v)
            self.res.regions[k][key] = self.res.regions[k].get(key, 0) + 1

    def evaluate(self, point):
        """'fail', a float margin, or None (rejected, skipped, undecided, error)."""
        from hypothesis import assume
        from .check import Skipped, Undecided, _evaluate, decide_instance
        try:
            inst = point.build()
        except (ValueError, ArithmeticError, ProofsCheckError):
            self.res.rejected += 1  # not exact in float64, no threshold, ...
            assume(False)
        if not self.env.contains(inst):
            self.res.rejected += 1
            assume(False)
        self.res.searched += 1
        self._count(point)
        claim, engine = self.claim, self.claim.engine
        what = f"{claim.id} on {inst.id}"
        try:
            try:
                f_res = self.cache.get(engine, inst, None)
                out, holds, conclusive = _evaluate(claim.evaluate, engine, inst, f_res, what)
                margin = float(out.margin)
            except Undecided:
                holds, conclusive, margin = True, False, None
            except Skipped:
                raise
            except ProofsCheckError:
                if not engine.has_mp:
                    raise
                holds, conclusive, margin = True, False, None
            if conclusive and holds:
                return margin
            if conclusive or self.mp_inconclusive:
                result, out = decide_instance(claim, inst, self.cache, self.dps,
                                              force_mp=not (conclusive and holds))
                if not result.holds:
                    return "fail"
                return float(result.margin)
            # inconclusive in float64, and mp is left to the run: a candidate to append
            self.seen.append((-math.inf, point))
            return None
        except Skipped:
            self.res.skipped += 1
        except Undecided:
            self.res.undecided += 1
        except ProofsCheckError:
            self.res.errors += 1
        return None

    def __call__(self, point):
        from hypothesis import target
        if point in self.memo:
            val = self.memo[point]
        else:
            if self.first_fail is None:
                if self.deadline is not None and time.monotonic() > self.deadline:
                    raise _Stop()
            else:
                self.after_fail += 1
                if self.after_fail > SHRINK_CALLS:
                    return  # enough shrinking: a new candidate counts as passing
            val = self.evaluate(point)
            self.memo[point] = val
        if val == "fail":
            if self.first_fail is None:
                self.first_fail = point
            raise _Failure(point)
        if val is not None:
            self.seen.append((val, point))
            target(max(-1e6, min(1e6, -val)), label="smallness of the margin")


def _run(claim, env, seed, max_examples, deadline, dps, mp_inconclusive, res):
    _require_hypothesis()
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hseed
    searcher = _Searcher(claim, env, dps, mp_inconclusive, deadline, res)

    @hseed(int(seed))
    @settings(max_examples=max_examples, database=None, deadline=None, derandomize=False,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
              phases=(Phase.generate, Phase.target, Phase.shrink), print_blob=False,
              verbosity=Verbosity.quiet)
    @given(_strategy(env))
    def prop(point):
        searcher(point)

    from hypothesis.errors import HypothesisException, Unsatisfiable
    failure = None
    try:
        prop()
    except _Failure as exc:
        failure = exc.point
    except _Stop:
        pass
    except Unsatisfiable:
        pass  # no draw fell inside the claim's domain: nothing searched (res.searched says so)
    except HypothesisException as exc:  # e.g. Flaky: the search itself misbehaved
        raise InputError(f"the counterexample search of {claim.id} failed: "
                         f"{type(exc).__name__}: {exc}") from exc
    return searcher, failure


_ENVELOPES = {}


def _claim_envelope(claim, tier, seed):
    """The envelope of the claim's fixed domain (memoised per domain function, tier, seed:
    a dozen claims share one domain)."""
    from .check import claim_domain
    try:
        key = (claim.domain, tier, seed)
        hash(key)
    except TypeError:
        key = None
    if key is None or key not in _ENVELOPES:
        try:
            env = _engine_envelope(claim, claim_domain(claim, tier, seed))
        except InputError as exc:
            env = InputError(f"{claim.id}: the search is {exc}")
        if key is None:
            if isinstance(env, InputError):
                raise env
            return env
        _ENVELOPES[key] = env
    env = _ENVELOPES[key]
    if isinstance(env, InputError):
        raise InputError(str(env))
    return env


def _engine_envelope(claim, domain):
    """The envelope the search draws in for ``claim``: its domain's recipe, or the built-in
    parametrisation of the eps-constrained engine; InputError saying why neither applies."""
    name = claim.engine.name
    try:
        env = envelope_of(domain)
    except InputError as exc:
        raise InputError(f"not available for the engine {name!r}: {exc}") from exc
    if isinstance(env, Envelope) and name not in SEARCH_ENGINES:
        raise InputError(f"not available for the engine {name!r}: its instances carry no "
                         f"spectral recipe (proofs_check.domains.Recipe); the search builds "
                         f"instances of {', '.join(SEARCH_ENGINES)} itself and of other "
                         f"engines only through a recipe")
    return env


def _descend(claim, env, seed, failure, searcher, dps, mp_inconclusive, res, deadline):
    """Smallest K: after a counterexample at K = k, search K <= k - 1 (DESCENT_EXAMPLES draws,
    until ``deadline`` if given); a failure there is shrunk in turn."""
    import dataclasses
    while failure is not None and failure.K > env.K_min:
        sub = dataclasses.replace(env, K_max=failure.K - 1)
        s2, f2 = _run(claim, sub, seed * 31 + failure.K, DESCENT_EXAMPLES, deadline, dps,
                      mp_inconclusive, res)
        searcher.seen += s2.seen
        if f2 is None:
            break
        failure = f2
    return failure


def _finish(claim, res, searcher, failure, dps, t0):
    from .check import decide_instance
    res.seconds = time.monotonic() - t0
    decided = [(m, s) for m, s in searcher.seen if m != -math.inf]
    if decided:
        m, s = min(decided, key=lambda x: x[0])
        res.worst_margin, res.worst = m, {"point": asdict(s), "id": s.build().id}
    if failure is None:
        res.status = "survived"
        return res
    inst = failure.build()
    # confirm the shrunk counterexample in mp (whatever decided it during the search)
    result, out = decide_instance(claim, inst, searcher.cache, dps, force_mp=True)
    res.status = "refuted" if not result.holds else "survived"
    res.first_failure_K = searcher.first_fail.K if searcher.first_fail else None
    res.counterexample = {"point": asdict(failure), "instance": inst.describe(),
                          "margin": result.margin, "decided_by": result.decided_by,
                          "detail": result.detail, "code": _code(inst, failure)}
    res.instances = [inst]
    return res


def search_claim(claim, budget_seconds=DEFAULT_BUDGET_SECONDS, seed=0, *, tier="fast",
                 dps=None, max_examples=10**6):
    """Search for a counterexample to ``claim`` for about ``budget_seconds`` (plus the time
    to shrink and confirm one), deterministic in ``seed`` up to where the budget stops it.
    Returns a :class:`SearchResult`; instances float64 cannot decide are decided in mp."""
    from .check import DEFAULT_DPS
    dps = DEFAULT_DPS if dps is None else dps
    if not budget_seconds > 0:
        raise InputError(f"budget {budget_seconds!r}: give a positive number of seconds")
    env = _claim_envelope(claim, tier, seed)
    t0 = time.monotonic()
    res = SearchResult(claim.id, "survived", seed, budget_seconds=float(budget_seconds),
                       envelope=asdict(env))
    searcher, failure = _run(claim, env, seed, max_examples, t0 + float(budget_seconds), dps,
                             True, res)
    first = searcher.first_fail
    failure = _descend(claim, env, seed, failure, searcher, dps, True, res,
                       time.monotonic() + max(5.0, 0.25 * float(budget_seconds)))
    searcher.first_fail = first
    return _finish(claim, res, searcher, failure, dps, t0)


_INSTANCE_MEMO = {}
_SEARCHING = False


def search_instances(claim, tier="fast", seed=0, max_examples=DEFAULT_RUN_EXAMPLES,
                     keep=DEFAULT_RUN_KEEP, dps=None):
    """The default run's search: ``max_examples`` Hypothesis examples (no time limit, so the
    result depends on ``seed`` only), returning Instances to append to the claim's fixed
    domain: the shrunk counterexample if one was found (mp-confirmed), else the ``keep``
    instances with the smallest margins and those float64 could not decide.

    Returns [] for a claim the search cannot draw instances of (an engine without a recipe
    in its domain).  Memoised per (claim id, tier, seed, max_examples) in this process
    (forked workers inherit it).
    """
    from .check import DEFAULT_DPS
    global _SEARCHING
    dps = DEFAULT_DPS if dps is None else dps
    if _SEARCHING:
        return []  # (re-entered through a claim_domain that appends the search: no recursion)
    key = (claim.id, tier, seed, max_examples, keep)
    if key in _INSTANCE_MEMO:
        return list(_INSTANCE_MEMO[key])
    _SEARCHING = True
    try:
        try:
            env = _claim_envelope(claim, tier, seed)
        except InputError:
            _INSTANCE_MEMO[key] = []
            return []
        res = SearchResult(claim.id, "survived", seed, max_examples=max_examples)
        searcher, failure = _run(claim, env, seed * 7919 + 1, max_examples, None, dps, False,
                                 res)
        failure = _descend(claim, env, seed * 7919 + 1, failure, searcher, dps, False, res, None)
    finally:
        _SEARCHING = False
    if failure is not None:
        out = [failure.build()]
    else:
        ranked = sorted(searcher.seen, key=lambda x: (x[0], x[1].key()))
        out, ids = [], set()
        for m, s in ranked:
            inst = s.build()
            if inst.id not in ids:
                out.append(inst)
                ids.add(inst.id)
            if len(out) >= keep:
                break
    _INSTANCE_MEMO[key] = out
    return list(out)


def render_search(res):
    """Plain-text report of a :class:`SearchResult`."""
    lines = []
    if res.status == "refuted":
        ce = res.counterexample
        lines.append(f"REFUTED  {res.claim_id}: counterexample after {res.searched} searched "
                     f"instances in {res.seconds:.1f} s"
                     + (f" (first failure at K = {res.first_failure_K}, shrunk to K = "
                        f"{ce['instance']['K']})" if res.first_failure_K is not None else ""))
        inst = ce["instance"]
        lines.append(f"  instance: {inst['id']}")
        what = (f"eps = {inst.get('eps')!r}" if "values" not in ce["point"] else
                ", ".join(f"{n} = {_short(v)}" for n, v in ce["point"]["values"]))
        lines.append(f"  K = {inst['K']}, {what}, mixing {inst.get('mixing')}, "
                     f"multiplicities {inst.get('mults')}, kappa = {inst.get('kappa', 1):.6g}, "
                     f"targets {inst.get('align')}")
        lines.append(f"  margin {ce['margin']:.6g} (decided by {ce['decided_by']}): {ce['detail']}")
        lines.append("  rebuild it with:")
        lines += ["    " + ln for ln in ce["code"].splitlines()]
    else:
        lines.append(f"survived {res.searched} searched instances in {res.seconds:.1f} s "
                     f"(seed {res.seed}); not a proof, only no counterexample found")
        if res.worst_margin is not None:
            lines.append(f"  smallest margin {res.worst_margin:.3g} at {res.worst['id']}")
    if res.envelope:
        lines.append(f"  searched inside the claim's domain: {_envelope_text(res.envelope)}")
    for name, counts in sorted(res.regions.items()):
        cells = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(),
                                                         key=lambda kv: _natural(kv[0])))
        lines.append(f"  {name:<13} {cells}")
    extra = [f"{n} {what}" for n, what in ((res.rejected, "rejected draws"),
                                           (res.skipped, "skipped (outside the hypothesis)"),
                                           (res.undecided, "undecided"),
                                           (res.errors, "errors")) if n]
    if extra:
        lines.append("  " + ", ".join(extra))
    return "\n".join(lines) + "\n"


def _short(v):
    if isinstance(v, (tuple, list)):
        return "(" + ", ".join(_short(x) for x in v) + ")"
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def _envelope_text(e):
    """The envelope (as a dict) in words."""
    if "recipe" in e:
        parts = [f"recipe {_resolve_recipe(e['recipe']).name}", f"K {e['K_min']}-{e['K_max']}",
                 f"kappa <= 2^{e['exp_max']}"]
        for name, scale, size, lo, hi, observed in e["ranges"]:
            if scale == "choice" or lo == hi:
                vals = ", ".join(_short(v) for v in observed[:6]) + (", ..." if len(observed) > 6
                                                                      else "")
                parts.append(f"{name} in {{{vals}}}")
            else:
                parts.append(f"{name} in [{_short(lo)}, {_short(hi)}] ({scale})")
            if size is not None:
                parts[-1] += f" x {size}"
        return ", ".join(parts)
    return (f"K {e['K_min']}-{e['K_max']}, kappa <= 2^{e['exp_max']}, K eps/||y||^2 in "
            f"[{e['rel_min']:.3g}, {e['rel_max']:.3g}], classes {list(e['classes'])}")


def _natural(s):
    try:
        return (0, float(s), "")
    except ValueError:
        return (1, 0.0, s)


# ------------------------------------------------------------------ domains listing
def _ranges(insts):
    Ks = sorted({i.K for i in insts})
    kap, rels, classes, rounds = [], [], set(), set()
    for i in insts:
        p = dict(i.params)
        if "kappa" in p:
            kap.append(float(p["kappa"]))
        elif (getattr(i, "G", None) is not None
              or any(k in (i.data or {}) for k in ("H", "X"))):
            kap.append(_kappa_of(i, False))
        if "eps_rel" in p:
            rels.append(float(p["eps_rel"]))
        if i.y is not None:
            classes.add(1 if np.ndim(i.y) == 1 else np.shape(i.y)[1])
        if "round" in p:
            rounds.add(int(p["round"]))
    parts = [f"K {Ks[0]}-{Ks[-1]}" if len(Ks) > 1 else f"K {Ks[0]}"]
    if kap:
        parts.append(f"kappa {min(kap):.3g}-{max(kap):.3g}")
    if rels:
        parts.append(f"K eps/||y||^2 {min(rels):.3g}-{max(rels):.3g}")
    if classes and classes != {1}:
        parts.append(f"classes {sorted(classes)}")
    if rounds:
        parts.append(f"round thresholds {sorted(rounds)}")
    return ", ".join(parts)


def domains_listing(claims, tier="fast", seed=0):
    """Text: for each claim, its domain's families with their instance counts and parameter
    ranges, what each family covers (:data:`proofs_check.domains.FAMILIES`), and where the
    counterexample search draws."""
    from .check import claim_domain
    out = []
    for claim in claims:
        try:
            dom = claim_domain(claim, tier, seed)
        except ProofsCheckError as exc:
            out.append(f"{claim.id}: the domain could not be built: {exc}\n")
            continue
        out.append(f"{claim.id}  ({tier} tier, seed {seed}): {len(dom)} instances")
        fams = {}
        for inst in dom:
            fams.setdefault(inst.family, []).append(inst)
        for fam, insts in fams.items():
            out.append(f"  {fam:<10} {len(insts):>4}  {_ranges(insts)}")
            if fam in FAMILIES:
                out.append(f"  {'':<10}       covers: {FAMILIES[fam].covers}")
        try:
            env = _engine_envelope(claim, dom)
            out.append(f"  search     draws {_envelope_text(asdict(env))}")
            if isinstance(env, RecipeEnvelope):
                out.append(f"  {'':<10}       builds: {_resolve_recipe(env.recipe).covers}")
        except InputError as exc:
            out.append(f"  search     {exc}")
        out.append("")
    return "\n".join(out)
