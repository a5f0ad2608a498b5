"""Graded false statements about eps-constrained self-distillation (Mobahi et al. 2020) and
fixed-ridge self-distillation (Borup & Andersen 2021).

Written only through the public claims API (``Claim``, ``Outcome.compare`` /
``Outcome.identity`` / ``Outcome.skip``, :mod:`proofs_check.numbers`, the public engines of
:mod:`proofs_check.engines`, the public domains of ``proofs_check.papers.mobahi2020.domains``
and ``proofs_check.papers.borup2021.domains``), as a researcher would state a conjecture.  Every
statement here is FALSE; each is declared ``expected="refuted"``, so that
``proofs-check run --claims tests/falsification/graded_claims.py --only-user`` succeeds
(exit 0) exactly when the default run refutes every one of them with a counterexample
confirmed in mp (and refutes each one's mutant, a stronger false variant).

They are graded from easy (fails on most instances) to hard (fails only on one kind of
instance); docs/falsification.md tabulates where each fails and what it costs to refute.
None of them is in the catalogue.
"""

from proofs_check.claim import Claim, Mutant, Outcome
from proofs_check.engines import FIXED_RIDGE, SELF_DISTILL
from proofs_check.numbers import like, log, norm, sqrt
from proofs_check.papers.borup2021.domains import generic_domain
from proofs_check.papers.mobahi2020.domains import multiclass_domain, standard_domain

PAPER = "arXiv:2002.05715"
RIDGE_PAPER = "arXiv:2102.13088"


def _a(inst, traj):
    """a = sqrt(K eps) at the trajectory's precision."""
    return sqrt(inst.K * like(traj, inst.eps))


def _worst(outcomes, default="no round"):
    """The outcome with the smallest margin (a skip when there is none)."""
    outcomes = list(outcomes)
    if not outcomes:
        return Outcome.skip(default)
    return min(outcomes, key=lambda o: float(o.margin))


def _resolution(traj):
    """Relative resolution of eigenvalues and of the Gram determinants below: float64
    100 K u (eigh's accuracy with room), mp 10^(5 - dps)."""
    return 100 * traj.K * 2.0 ** -52 if traj.dps is None else 10.0 ** (5 - traj.dps)


# --------------------------------------------------------------------------- 01 (easy)
def _rounds_at_most(shift):
    """T <= ceil(r_0 - shift), i.e. T - 1 < r_0 - shift (T an integer)."""
    def evaluate(inst, traj, engine):
        r0 = traj.norms[0] / _a(inst, traj)
        T = traj.collapse_round
        return Outcome.compare(T - 1, "<", r0 - shift, scale=max(r0, 1),
                               detail=f"T = {T}, r_0 = {float(r0):.6g}")
    return evaluate


# --------------------------------------------------------------------------- 02 (easy)
def _norm_drops(k):
    """||y_{t+1}|| <= ||y_t|| - k sqrt(K eps) for every round t < T."""
    def evaluate(inst, traj, engine):
        a = _a(inst, traj)
        return _worst(Outcome.compare(traj.norms[t + 1], "<=", traj.norms[t] - k * a,
                                      scale=traj.norms[t],
                                      detail=f"t = {t}: ||y_t|| = {float(traj.norms[t]):.6g}, "
                                             f"||y_t+1|| = {float(traj.norms[t + 1]):.6g}, "
                                             f"sqrt(K eps) = {float(a):.6g}")
                      for t in range(traj.collapse_round))
    return evaluate


# --------------------------------------------------------------------------- 03 (easy)
def _sparsified_by(power):
    """At collapse, B_T[bottom]/B_T[top] <= kappa^-power."""
    def evaluate(inst, traj, engine):
        d, T = traj.eigenvalues, traj.collapse_round
        if T == 0 or not d[0] > 0 or not d[-1] - d[0] > _resolution(traj) * d[-1]:
            return Outcome.skip("needs T >= 1 and two distinct positive eigenvalues")
        kappa = d[-1] / d[0]
        return Outcome.compare(traj.B[T][0] * kappa ** power, "<=", traj.B[T][-1],
                               detail=f"T = {T}, kappa = {float(kappa):.3g}, B_T ratio "
                                      f"{float(traj.B[T][0] / traj.B[T][-1]):.6g}")
    return evaluate


# --------------------------------------------------------------------------- 04 (classes)
def _shared_c(pick):
    """The shared c_0 of several classes is at least the smallest (largest) c_0 of one class
    distilled alone with the same eps."""
    def evaluate(inst, traj, engine):
        from theory import secular_root_f64, secular_root_mp
        from proofs_check.numbers import context_of
        if traj.collapse_round == 0:
            return Outcome.skip("collapsed at round 0")
        ctx = context_of(traj.c)
        Keps = inst.K * like(traj, inst.eps)
        d, Z = traj.eigenvalues, traj.z0
        alone = []
        for j in range(Z.shape[1]):
            w2 = Z[:, j] * Z[:, j]
            if not sum(w2) > Keps:  # this class alone collapses at round 0
                continue
            alone.append(secular_root_f64(w2, d, Keps) if ctx is None
                         else secular_root_mp(ctx, w2, d, Keps, None))
        if not alone:
            return Outcome.skip("no class has a round of its own at this eps")
        return Outcome.compare(traj.c[0], ">=", pick(alone),
                               detail=f"shared c_0 = {float(traj.c[0]):.6g}, per-class c_0 = "
                                      f"{[float(c) for c in alone]}")
    return evaluate


# --------------------------------------------------------------------------- 05 (classes)
def _class_drop(share):
    """Every class's squared norm drops by at least share * K eps per round."""
    def evaluate(inst, traj, engine):
        Keps = inst.K * like(traj, inst.eps)
        m = inst.y.shape[1]
        out = []
        for t in range(traj.collapse_round):
            for j in range(m):
                n0 = norm(traj.y[t][:, j]) ** 2
                n1 = norm(traj.y[t + 1][:, j]) ** 2
                need = share(m) * Keps
                # scaled by K eps; the drop cancels n0 - n1, whose error is ~ n0 accuracy
                out.append(Outcome.compare(n0 - n1, ">=", need, scale=Keps,
                                           cond=float(n0 / Keps) + 1,
                                           detail=f"t = {t}, class {j}: drop {float(n0 - n1):.6g}"
                                                  f" < {float(need):.6g} (m = {m})"))
        return _worst(out)
    return evaluate


# --------------------------------------------------------------------------- 06 (kappa)
def _first_round_keeps(fraction):
    """If r_0 >= 2, the first round keeps at least ``fraction`` of every spectral component:
    B_1[k] >= fraction."""
    def evaluate(inst, traj, engine):
        r0 = traj.norms[0] / _a(inst, traj)
        if r0 < 2:
            return Outcome.skip("needs ||y||^2 >= 4 K eps (r_0 >= 2)")
        k = min(range(traj.K), key=lambda i: traj.B[1][i])
        d = traj.eigenvalues
        kappa = float(d[-1] / d[0]) if d[0] > 0 else float("inf")
        return Outcome.compare(traj.B[1][k], ">=", like(traj, fraction),
                               detail=f"B_1 = {float(traj.B[1][k]):.3g} at d = "
                                      f"{float(d[k]):.3g}, kappa = {kappa:.3g}")
    return evaluate


# --------------------------------------------------------------- 07, 08 (repeats, K = 2)
def _min_sine2(vectors):
    """Smallest squared sine between a vector and the span of the earlier ones (Gram-Schmidt
    on the normalised vectors, in their own number type): 0 iff they are dependent."""
    basis, worst = [], None
    for v in vectors:
        v = v / norm(v)
        for b in basis:
            v = v - sum(x * y for x, y in zip(b, v)) * b
        s2 = sum(x * x for x in v)
        worst = s2 if worst is None or s2 < worst else worst
        basis.append(v / sqrt(s2) if s2 > 0 else v)
    return worst


def _independence(inst, traj, upto, need_simple):
    """Outcome of 'y_0, ..., y_upto are linearly independent' (in the eigenbasis y_t has
    coordinates B_t z_0), on a log scale: margin >= 0 iff the smallest squared sine exceeds
    the resolution.  float64 resolves sines only down to ~1e-8; below, mp decides."""
    import numpy as np
    if np.ndim(inst.y) != 1:
        return Outcome.skip("one class only")
    z, d = traj.z0, traj.eigenvalues
    zn = norm(z)
    if min(abs(v) for v in z) < 1e-6 * zn:
        return Outcome.skip("some spectral component of y is zero (below 1e-6 ||y||)")
    res = _resolution(traj)
    if need_simple:
        gaps = [d[k + 1] - d[k] for k in range(len(d) - 1)]
        if not gaps or min(gaps) <= res * d[-1]:
            return Outcome.skip("needs a simple spectrum with kappa > 1")
    if traj.collapse_round < upto:
        return Outcome.skip(f"needs T >= {upto}")
    vecs = [np.array([traj.B[t][k] * z[k] for k in range(traj.K)], dtype=object)
            for t in range(upto + 1)]
    s2 = _min_sine2(vecs)
    detail = f"t <= {upto}: smallest squared sine {float(s2):.3g}, K = {traj.K}"
    if traj.dps is None:
        # float64 cannot tell a squared sine below ~1e-8 from 0: a wide tolerance hands it
        # to mp (a negative margin inside a tolerance wider than 1e-6 is undecided)
        return Outcome(1.0, detail=detail) if s2 > 1e-6 else Outcome(-1.0, detail=detail,
                                                                     cond=1e12)
    digits = -float(log(like(traj, res)) / log(like(traj, 10)))
    if not s2 > 0:
        return Outcome(-2.0, detail=detail)
    return Outcome((float(log(s2) / log(like(traj, 10))) + digits) / digits, detail=detail)


def _iterates_independent(count):
    """If K >= count, G is not a multiple of I and y has a component on every eigenvector,
    then y_0, ..., y_{count-1} are linearly independent whenever T >= count - 1."""
    def evaluate(inst, traj, engine):
        d = traj.eigenvalues
        if not d[-1] - d[0] > _resolution(traj) * d[-1]:
            return Outcome.skip("G is a multiple of I (kappa = 1)")
        if traj.K < count:
            return Outcome.skip(f"needs K >= {count}")
        return _independence(inst, traj, count - 1, need_simple=False)
    return evaluate


def _three_iterates(count):
    """For a simple spectrum with kappa > 1 and y on every eigenvector: y_0, ..., y_{count-1}
    are linearly independent whenever T >= count - 1."""
    def evaluate(inst, traj, engine):
        return _independence(inst, traj, count - 1, need_simple=True)
    return evaluate


# --------------------------------------------------------------------------- 09 (last round)
def _c_below(factor):
    """c_t <= factor * d_max for every round t < T."""
    def evaluate(inst, traj, engine):
        d_max = traj.eigenvalues[-1]
        return _worst(Outcome.compare(traj.c[t], "<=", factor * d_max,
                                      detail=f"t = {t} of T = {traj.collapse_round}: c_t = "
                                             f"{float(traj.c[t]):.6g}, d_max = {float(d_max):.6g}")
                      for t in range(traj.collapse_round))
    return evaluate


# --------------------------------------------------------------------------- 12 (thresholds)
def _last_fit_keeps(fraction):
    """At collapse the fit keeps at least ``fraction`` of the budget: ||y_T||^2 >= fraction K eps."""
    def evaluate(inst, traj, engine):
        if traj.collapse_round == 0:
            return Outcome.skip("collapsed at round 0")
        Keps = inst.K * like(traj, inst.eps)
        last = traj.norms[-1] ** 2
        return Outcome.compare(last, ">=", fraction * Keps, scale=fraction * Keps,
                               detail=f"T = {traj.collapse_round}: ||y_T||^2/(K eps) = "
                                      f"{float(last / Keps):.3g}")
    return evaluate


# --------------------------------------------------------------------------- 10 (1e-12)
def _flat_closed_form(use_max):
    """If d_max <= (1 + 1e-9) d_min (G a multiple of I to 1e-9), then c_t (r_t - 1) = d_max
    (d_min) for every round: the kappa = 1 closed form c_t = d/(r_t - 1)."""
    def evaluate(inst, traj, engine):
        d = traj.eigenvalues
        if not (d[0] > 0 and d[-1] <= (1 + like(traj, 1e-9)) * d[0]):
            return Outcome.skip("G is not a multiple of I to 1e-9")
        a = _a(inst, traj)
        ref = d[-1] if use_max else d[0]
        out = []
        for t in range(traj.collapse_round):
            r = traj.norms[t] / a
            out.append(Outcome.identity(traj.c[t] * (r - 1), ref, cond=float(r / (r - 1)),
                                        detail=f"t = {t}: c_t (r_t - 1) = "
                                               f"{float(traj.c[t] * (r - 1))!r}, d = {float(ref)!r}"))
        return _worst(out)
    return evaluate


# --------------------------------------------------------------------------- 11 (alignment)
def _turns(threshold):
    """If kappa >= 2, the first round turns the targets: ||y_1/||y_1|| - y/||y|| || >= threshold."""
    def evaluate(inst, traj, engine):
        d = traj.eigenvalues
        if traj.collapse_round == 0 or not d[0] > 0 or d[-1] < 2 * d[0]:
            return Outcome.skip("needs T >= 1 and kappa >= 2")
        import numpy as np
        z = np.asarray(traj.z0, dtype=object).reshape(traj.K, -1)
        v0 = z / norm(z)
        v1 = np.array([[traj.B[1][k] * x for x in z[k]] for k in range(traj.K)], dtype=object)
        v1 = v1 / norm(v1)
        turn = norm(v1 - v0)
        return Outcome.compare(turn, ">=", like(traj, threshold),
                               detail=f"||y_1/||y_1|| - y/||y|| || = {float(turn):.3g}, kappa = "
                                      f"{float(d[-1] / d[0]):.3g}")
    return evaluate


# --------------------------------------------------------------- 13, 14 (fixed ridge)
def _log_sine_margin(traj, s2, detail):
    """'s2 > 0' read on a log scale at the trajectory's resolution (as :func:`_independence`):
    float64 resolves squared sines only down to ~1e-8 and hands smaller ones to mp."""
    if traj.dps is None:
        return Outcome(1.0, detail=detail) if s2 > 1e-6 else Outcome(-1.0, detail=detail,
                                                                     cond=1e12)
    res = 10.0 ** (5 - traj.dps)
    digits = -float(log(like(traj.a[0], res)) / log(like(traj.a[0], 10)))
    if not s2 > 0:
        return Outcome(-2.0, detail=detail)
    return Outcome((float(log(s2) / log(like(traj.a[0], 10))) + digits) / digits, detail=detail)


def _ridge_resolution(traj):
    return 100 * len(traj.eigenvalues) * 2.0 ** -52 if traj.dps is None else 10.0 ** (5 - traj.dps)


def _ridge_independent(count):
    """Fixed ridge, weight 1 - alpha with alpha <= 1/2: if K >= count, G is not a multiple of
    I and y has a component on every eigenvector, then y, yhat_1, ..., yhat_{count-1} are
    linearly independent (in the eigenbasis yhat_t has coordinates f_{t-1}(a_j) z_j)."""
    def evaluate(inst, traj, tools):
        import numpy as np
        d, z = traj.eigenvalues, traj.z
        if float(inst.alpha) > 0.5:
            return Outcome.skip("needs alpha <= 1/2 (alpha = 1 repeats the teacher)")
        if len(d) < count:
            return Outcome.skip(f"needs K >= {count}")
        if not d[-1] - d[0] > _ridge_resolution(traj) * d[-1]:
            return Outcome.skip("G is a multiple of I (kappa = 1)")
        if min(abs(v) for v in z) < 1e-6 * norm(z):
            return Outcome.skip("some spectral component of y is zero (below 1e-6 ||y||)")
        vecs = [np.array(list(z), dtype=object)] + [
            np.array([traj.filters[t][j] * z[j] for j in range(len(z))], dtype=object)
            for t in range(count - 1)]
        s2 = _min_sine2(vecs)
        return _log_sine_margin(traj, s2, f"y, yhat_1..yhat_{count - 1}: smallest squared "
                                          f"sine {float(s2):.3g}, K = {len(d)}, kappa = "
                                          f"{float(d[-1] / d[0]):.3g}")
    return evaluate


def _student_turns(threshold):
    """Fixed ridge, 1e-3 <= alpha <= 1/2, kappa >= 2: the first student turns the teacher's
    fit, ||yhat_2/||yhat_2|| - yhat_1/||yhat_1|| ||^2 > ``threshold`` (None: > 0, read at
    the trajectory's resolution)."""
    def evaluate(inst, traj, tools):
        import numpy as np
        d, z = traj.eigenvalues, traj.z
        if not 1e-3 <= float(inst.alpha) <= 0.5:
            return Outcome.skip("needs 1e-3 <= alpha <= 1/2")
        if not (d[0] > 0 and d[-1] >= 2 * d[0]):
            return Outcome.skip("needs kappa >= 2")
        v1 = np.array([traj.filters[0][j] * z[j] for j in range(len(z))], dtype=object)
        v2 = np.array([traj.filters[1][j] * z[j] for j in range(len(z))], dtype=object)
        w = v2 / norm(v2) - v1 / norm(v1)
        turn2 = sum(x * x for x in w)
        detail = (f"||yhat_2/||yhat_2|| - yhat_1/||yhat_1|| ||^2 = {float(turn2):.3g}, kappa = "
                  f"{float(d[-1] / d[0]):.3g}, alpha = {float(inst.alpha):.3g}")
        if threshold is None:
            return _log_sine_margin(traj, turn2, detail)
        return Outcome.compare(turn2, ">=", like(turn2, threshold), detail=detail)
    return evaluate


def _domain(kind):
    return {"multi": multiclass_domain, "single": standard_domain, "ridge": _ridge_domain}[kind]


def _ridge_domain(tier, seed):
    """The Borup & Andersen kernel and spectral families with 12 students."""
    return generic_domain(tier, seed, steps=12)


_GRADED = [
    # id, summary, statement, evaluate, mutant (statement, evaluate), domain
    ("g01_rounds_at_most_r0", "T <= ceil(r_0): at most r_0 rounds", r"T \le \lceil r_0\rceil",
     _rounds_at_most(0), (r"$T \le \lceil r_0 - 1\rceil$", _rounds_at_most(1)), "single"),
    ("g02_norm_drops_by_a", "each round shortens y by at least sqrt(K eps)",
     r"\|y_{t+1}\| \le \|y_t\| - \sqrt{K\varepsilon}", _norm_drops(1),
     (r"by at least $2\sqrt{K\varepsilon}$", _norm_drops(2)), "single"),
    ("g03_sparsified_by_kappa", "at collapse B_T[bottom]/B_T[top] <= 1/kappa",
     r"B_T[k_{\min}]/B_T[k_{\max}] \le \kappa^{-1}", _sparsified_by(1),
     (r"$\le \kappa^{-2}$", _sparsified_by(2)), "single"),
    ("g04_shared_c_at_least_class_c", "several classes: shared c_0 >= min over classes alone",
     r"c_0 \ge \min_j c_0^{(j)}", _shared_c(min),
     (r"$c_0 \ge \max_j c_0^{(j)}$", _shared_c(max)), "multi"),
    ("g05_class_norms_drop", "several classes: each class loses >= K eps/m per round",
     r"\|y^{(j)}_t\|^2 - \|y^{(j)}_{t+1}\|^2 \ge K\varepsilon/m", _class_drop(lambda m: 1 / m),
     (r"each class loses $\ge K\varepsilon$", _class_drop(lambda m: 1)), "multi"),
    ("g06_first_round_keeps_1e-8", "r_0 >= 2: B_1[k] >= 1e-8 for every k",
     r"r_0 \ge 2 \implies B_1[k] \ge 10^{-8}", _first_round_keeps(1e-8),
     (r"$B_1[k] \ge 10^{-4}$", _first_round_keeps(1e-4)), "single"),
    ("g07_iterates_independent", "K >= 3, kappa > 1, z_k != 0: y_0, y_1, y_2 independent",
     r"K \ge 3,\ \kappa > 1,\ z_{0,k} \ne 0 \implies y_0, y_1, y_2 \text{ independent}",
     _iterates_independent(3),
     (r"$K \ge 4$: $y_0, \dots, y_3$ independent", _iterates_independent(4)), "single"),
    ("g08_three_iterates", "simple spectrum, kappa > 1: y_0, y_1, y_2 independent",
     r"d_1 < \dots < d_K,\ z_{0,k} \ne 0 \implies y_0, y_1, y_2 \text{ independent}",
     _three_iterates(3), (r"$y_0, \dots, y_3$ independent", _three_iterates(4)), "single"),
    ("g09_c_at_most_1000_dmax", "c_t <= 1000 d_max at every round",
     r"c_t \le 1000\, d_{\max}", _c_below(1000), (r"$c_t \le d_{\max}$", _c_below(1)), "single"),
    ("g10_flat_closed_form", "kappa <= 1 + 1e-9: c_t (r_t - 1) = d_max",
     r"\kappa \le 1 + 10^{-9} \implies c_t (r_t - 1) = d_{\max}", _flat_closed_form(True),
     (r"$= d_{\min}$", _flat_closed_form(False)), "single"),
    ("g11_first_round_turns", "kappa >= 2: the first round turns y by >= 1e-6",
     r"\kappa \ge 2 \implies \left\|\hat y_1 - \hat y_0\right\| \ge 10^{-6}", _turns(1e-6),
     (r"turns by $\ge 10^{-2}$", _turns(1e-2)), "single"),
    ("g12_last_fit_keeps_1e-9", "at collapse ||y_T||^2 >= 1e-9 K eps",
     r"\|y_T\|^2 \ge 10^{-9} K\varepsilon", _last_fit_keeps(1e-9),
     (r"$\|y_T\|^2 \ge 10^{-3} K\varepsilon$", _last_fit_keeps(1e-3)), "single"),
    ("g13_ridge_iterates_independent", "fixed ridge, K >= 3, kappa > 1, alpha <= 1/2, z_j != 0: "
     "y, yhat_1, yhat_2 independent",
     r"K \ge 3,\ \kappa > 1,\ \alpha \le \tfrac12,\ z_j \ne 0 \implies y, \hat y_1, "
     r"\hat y_2 \text{ independent}", _ridge_independent(3),
     (r"$K \ge 4$: $y, \hat y_1, \hat y_2, \hat y_3$ independent", _ridge_independent(4)),
     "ridge"),
    ("g14_student_turns_fit", "fixed ridge, kappa >= 2, 1e-3 <= alpha <= 1/2: the first student "
     "turns the teacher's fit",
     r"\kappa \ge 2,\ 10^{-3} \le \alpha \le \tfrac12 \implies \hat y_2 \not\parallel "
     r"\hat y_1", _student_turns(None),
     (r"turns by $\|\hat y_2/\|\hat y_2\| - \hat y_1/\|\hat y_1\|\|^2 \ge 10^{-4}$",
      _student_turns(1e-4)), "ridge"),
]

CLAIMS = [
    Claim(id=f"graded.{gid}", paper=PAPER if kind != "ridge" else RIDGE_PAPER,
          where="graded false statement (docs/falsification.md)",
          provenance="derived", summary=summary, statement=statement, domain=_domain(kind),
          evaluate=fn, expected="refuted",
          engine=FIXED_RIDGE if kind == "ridge" else SELF_DISTILL,
          mutants=(Mutant(f"graded.{gid}~stronger", mstatement, mfn),))
    for gid, summary, statement, fn, (mstatement, mfn), kind in _GRADED
]
