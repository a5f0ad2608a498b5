r"""Multi-view data: k classes, two views per class, a few patches per sample.

The views of class i are the standard basis vectors v_{i,0} = e_{2i}, v_{i,1} = e_{2i+1}
of R^D, D = 2k + n_noise (2k feature coordinates, then n_noise noise coordinates).  A
sample X = (x_1, ..., x_P) of class y is

* multi-view (probability 1 - mu): v_{y,0} and v_{y,1} each in its own patch with weight
  U[1, 1.2]; each of the 2(k-1) other views, independently with probability
  off_mean / (2(k-1)), at weight U[0.3, 0.5] in one of the remaining P - 2 patches;
* single-view (probability mu): one own view (chosen uniformly) at U[1, 1.2], the other
  own view at weight 0.05, the off-target views drawn as above but at weight 0.05;

and every patch carries feature noise U[0, 0.01] on the 2k feature coordinates plus
Gaussian noise N(0, s^2 I) on the noise coordinates, s = noise_norm / sqrt(n_noise), so
that its norm is about noise_norm.  With a test set half single-view, the error on its
single-view part ("sv-err") estimates test error / mu, the multi-view error being ~ 0.

Patches are placed by a uniformly random permutation of the P patches per sample: view 0
of the own class in the first, view 1 in the second, each off-target view in one of the
other P - 2, uniformly.

Source: Allen-Zhu & Li 2020 (arXiv 2012.09816), the multi-view data model [paper, abstract];
the concrete constants, a scaled-down simulator, are ours: docs/theory/allenzhu_li2020.md §2
[derived].
Domain: k >= 2, P >= 3, n_noise >= 0, 0 <= mu <= 1, n >= 1.

>>> d = sample_multiview(8, mu=0.5, seed=0)
>>> d.X.shape, d.labels.shape, d.k
((8, 4, 320), (8,), 10)
>>> bool(np.all(d.shown_view[~d.single_view] == -1))
True
"""

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from .errors import InputError

__all__ = ["MultiViewParams", "MultiViewData", "sample_multiview", "multiview_train_test",
           "view_coordinate", "error_rates", "sv_error", "mv_error", "sv_error_by_view"]


@dataclass(frozen=True)
class MultiViewParams:
    """Constants of the multi-view distribution (defaults: docs/theory/allenzhu_li2020.md §2).

    ``k`` classes, ``n_noise`` noise coordinates, ``patches`` = P, ``strong`` = range of
    the own views' weights, ``off_range`` = range of the off-target weights in multi-view
    samples, ``off_mean`` = expected number of off-target views per sample, ``weak`` =
    weight of the missing own view and of the off-target views in single-view samples,
    ``feature_noise`` = upper end of the U[0, .] noise on feature coordinates,
    ``noise_norm`` = typical norm of the Gaussian noise of a patch.

    Source: docs/theory/allenzhu_li2020.md §2 [derived].  Domain: k >= 2, n_noise >= 0,
    patches >= 3, 0 <= lo <= hi for the weight ranges, 0 <= off_mean <= 2(k-1), the other
    constants finite and >= 0 (checked on construction).

    >>> MultiViewParams().dim
    320
    """

    k: int = 10
    n_noise: int = 300
    patches: int = 4
    strong: tuple = (1.0, 1.2)
    off_range: tuple = (0.3, 0.5)
    off_mean: float = 6.0
    weak: float = 0.05
    feature_noise: float = 0.01
    noise_norm: float = 1.5

    def __post_init__(self):
        _check_int(self.k, "k", 2, "two classes at least")
        _check_int(self.n_noise, "n_noise", 0, "a non-negative number of noise coordinates")
        _check_int(self.patches, "patches", 3,
                   "two patches for the own views and one at least for the off-target views")
        for name in ("strong", "off_range"):
            lo_hi = getattr(self, name)
            if not (isinstance(lo_hi, tuple) and len(lo_hi) == 2
                    and all(_is_real(v) and math.isfinite(v) for v in lo_hi)
                    and 0 <= lo_hi[0] <= lo_hi[1]):
                raise InputError(f"{name} = {lo_hi!r} must be a tuple (lo, hi) of finite reals "
                                 f"with 0 <= lo <= hi; pass e.g. (1.0, 1.2)")
        for name in ("weak", "feature_noise", "noise_norm"):
            _check_real(getattr(self, name), name, "a finite value >= 0")
        _check_real(self.off_mean, name="off_mean", what=f"a value in [0, {2 * (self.k - 1)}]")
        if self.off_mean > 2 * (self.k - 1):
            raise InputError(f"off_mean = {self.off_mean!r} exceeds the number 2(k-1) = "
                             f"{2 * (self.k - 1)} of off-target views; pass at most that")

    @property
    def dim(self):
        """D = 2k + n_noise."""
        return 2 * self.k + self.n_noise


@dataclass(frozen=True, eq=False)
class MultiViewData:
    """A sample from :func:`sample_multiview`.

    ``X`` (N, P, D) float64; ``labels`` (N,) int in [0, k); ``single_view`` (N,) bool;
    ``shown_view`` (N,) int: the own view (0 or 1) a single-view sample shows, -1 for a
    multi-view sample; ``mu`` the single-view probability it was drawn with; ``seed``.

    Source: docs/theory/allenzhu_li2020.md §2.  Domain: made by :func:`sample_multiview`
    (the arrays are read-only).

    >>> sample_multiview(3, 0.0, seed=0).shown_view.tolist()
    [-1, -1, -1]
    """

    X: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    single_view: np.ndarray = field(repr=False)
    shown_view: np.ndarray = field(repr=False)
    params: MultiViewParams
    mu: float
    seed: int

    @property
    def n(self):
        return self.X.shape[0]

    @property
    def k(self):
        return self.params.k


def view_coordinate(cls, view):
    """Coordinate of v_{cls,view} = e_{2 cls + view}.

    Source: docs/theory/allenzhu_li2020.md §2.  Domain: cls >= 0, view in {0, 1}.

    >>> view_coordinate(3, 1)
    7
    """
    return 2 * cls + view


def _is_real(v):
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _check_int(v, name, lo, what):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < lo:
        raise InputError(f"{name} = {v!r} must be an integer >= {lo} ({what})")


def _check_real(v, name, what):
    if not _is_real(v) or not math.isfinite(v) or v < 0:
        raise InputError(f"{name} = {v!r} must be a finite real >= 0 ({what})")


def _check_seed(seed):
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InputError(f"seed = {seed!r} must be a non-negative integer (the simulations are "
                         f"seeded so that every figure can be reproduced)")
    return int(seed)


def sample_multiview(n, mu, seed, params=MultiViewParams()):
    r"""Draw n samples of the multi-view distribution (see the module docstring).

    Source: docs/theory/allenzhu_li2020.md §2 [derived].
    Domain: n >= 1, 0 <= mu <= 1, seed a non-negative integer.

    >>> d = sample_multiview(5, mu=1.0, seed=1)
    >>> bool(d.single_view.all()), sorted(set(d.shown_view.tolist())) <= [0, 1]
    (True, True)
    """
    _check_int(n, "n", 1, "the number of samples")
    if not _is_real(mu) or not 0 <= mu <= 1:
        raise InputError(f"mu = {mu!r} must be a probability in [0, 1] (the single-view fraction)")
    seed = _check_seed(seed)
    if not isinstance(params, MultiViewParams):
        raise InputError(f"params = {params!r} must be a MultiViewParams")
    k, P, D = params.k, params.patches, params.dim
    rng = np.random.default_rng(seed)
    labels = rng.integers(k, size=n)
    single = rng.random(n) < mu
    shown = np.where(single, rng.integers(2, size=n), -1)
    order = np.argsort(rng.random((n, P)), axis=1)       # a uniform permutation per sample
    own = rng.uniform(*params.strong, size=(n, 2))
    rows = np.arange(n)
    # the missing own view of a single-view sample has the weak weight
    own[rows[single], 1 - shown[single]] = params.weak
    X = np.zeros((n, P, D))
    for j in (0, 1):
        X[rows, order[:, j], view_coordinate(labels, j)] = own[:, j]
    p_off = params.off_mean / (2 * (k - 1))
    include = rng.random((n, 2 * k)) < p_off
    include[rows, view_coordinate(labels, 0)] = False
    include[rows, view_coordinate(labels, 1)] = False
    weights = rng.uniform(*params.off_range, size=(n, 2 * k))
    weights[single] = params.weak
    slot = order[rows[:, None], 2 + rng.integers(P - 2, size=(n, 2 * k))]
    i_n, i_c = np.nonzero(include)
    X[i_n, slot[i_n, i_c], i_c] = weights[i_n, i_c]       # each (sample, view) at most once
    X[:, :, :2 * k] += rng.uniform(0.0, params.feature_noise, size=(n, P, 2 * k))
    if params.n_noise:
        s = params.noise_norm / math.sqrt(params.n_noise)
        X[:, :, 2 * k:] = rng.normal(0.0, s, size=(n, P, params.n_noise))
    for a in (X, labels, single, shown):
        a.flags.writeable = False
    return MultiViewData(X=X, labels=labels, single_view=single, shown_view=shown,
                         params=params, mu=float(mu), seed=seed)


def multiview_train_test(seed, n_train=500, n_test=1000, mu_train=0.06, mu_test=0.5,
                         params=MultiViewParams()):
    """A training set (single-view fraction mu_train) and a test set (mu_test, half by default).

    The two sets use the independent seeds derived from ``seed`` by
    ``numpy.random.SeedSequence(seed).spawn(2)``.

    Source: docs/theory/allenzhu_li2020.md §2 (N_train = 500, mu_train = 0.06, test set half
    single-view) [derived].  Domain: as :func:`sample_multiview`.

    >>> tr, te = multiview_train_test(0, n_train=10, n_test=4)
    >>> tr.n, te.n, te.mu
    (10, 4, 0.5)
    """
    seed = _check_seed(seed)
    s_tr, s_te = (int(c.generate_state(1)[0]) for c in np.random.SeedSequence(seed).spawn(2))
    return (sample_multiview(n_train, mu_train, s_tr, params),
            sample_multiview(n_test, mu_test, s_te, params))


def _check_logits(logits, data):
    F = np.asarray(logits)
    if F.dtype.kind not in "if" or F.ndim < 2 or F.shape[-2:] != (data.n, data.k):
        raise InputError(f"logits have shape {F.shape} (dtype {F.dtype}); expected real "
                         f"(..., {data.n}, {data.k}) = (..., samples, classes) for this data")
    if not np.isfinite(F).all():
        raise InputError("logits contain NaN or inf; the model diverged, check the step sizes")
    return F


def _error(F, labels, mask, what):
    if not mask.any():
        raise InputError(f"the data has no {what} samples, so their error is undefined; "
                         f"draw a set with some (mu strictly between 0 and 1 for both kinds)")
    return np.mean(np.argmax(F[..., mask, :], axis=-1) != labels[mask], axis=-1)


def sv_error(logits, data):
    """Error rate on the single-view samples: mean of [argmax_i F_i(X) != y] over them.

    Ties go to the lowest class index (``argmax``).  ``logits`` may carry leading axes (one
    error per model).  Source: docs/theory/allenzhu_li2020.md §2.  Domain: data with at
    least one single-view sample.

    >>> d = sample_multiview(6, mu=1.0, seed=0)
    >>> float(sv_error(np.eye(10)[d.labels], d))
    0.0
    """
    return _error(_check_logits(logits, data), data.labels, data.single_view, "single-view")


def mv_error(logits, data):
    """Error rate on the multi-view samples: mean of [argmax_i F_i(X) != y] over them.

    Source: docs/theory/allenzhu_li2020.md §2.  Domain: data with at least one multi-view
    sample.

    >>> d = sample_multiview(6, mu=0.0, seed=0)
    >>> float(mv_error(-np.eye(10)[d.labels], d))
    1.0
    """
    return _error(_check_logits(logits, data), data.labels, ~data.single_view, "multi-view")


def error_rates(logits, data):
    """(sv-err, mv-err) of ``logits`` on ``data``; see :func:`sv_error`, :func:`mv_error`.

    Source: docs/theory/allenzhu_li2020.md §2.  Domain: data with samples of both kinds.

    >>> d = sample_multiview(20, mu=0.5, seed=0)
    >>> [float(e) for e in error_rates(np.eye(10)[d.labels], d)]
    [0.0, 0.0]
    """
    F = _check_logits(logits, data)
    return (_error(F, data.labels, data.single_view, "single-view"),
            _error(F, data.labels, ~data.single_view, "multi-view"))


def sv_error_by_view(logits, data):
    """Error rate on the single-view samples of each (class i, shown view j), shape (..., k, 2).

    Entry (i, j) is NaN when the data has no single-view sample of class i showing view j.
    Source: docs/theory/allenzhu_li2020.md §3 (which view a model learned, seen in its errors).
    Domain: as :func:`sv_error`.

    >>> d = sample_multiview(200, mu=1.0, seed=0)
    >>> e = sv_error_by_view(np.eye(10)[d.labels], d)
    >>> e.shape, float(np.nanmax(e))
    ((10, 2), 0.0)
    """
    F = _check_logits(logits, data)
    wrong = np.argmax(F, axis=-1) != data.labels                      # (..., N)
    out = np.full(F.shape[:-2] + (data.k, 2), np.nan)
    for i in range(data.k):
        for j in (0, 1):
            mask = data.single_view & (data.labels == i) & (data.shown_view == j)
            if mask.any():
                out[..., i, j] = wrong[..., mask].mean(axis=-1)
    return out
