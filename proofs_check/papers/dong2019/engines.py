r"""Engines of the Dong et al. 2019 claims: what turns an instance into the numbers a claim reads.

Exact claims (docs/theory/dong2019.md §3-§6) run on engines with an mp form.  Each computes,
from the instance's data (a Gram matrix ``H``, labels ``y``, a step size ``eta``, step counts),
the quantity the claim states *and* an independent oracle of it, in float64 or at ``dps``
digits:

* ``dong2019.air_rate``: the eigenbasis rate ``(1 - eta lambda)^k V^T(u_0 - y)`` and
  ``exp(-eta lambda t) V^T(u_0 - y)`` against gradient descent iterated in the original basis
  (binary powering of ``I - eta H``) and the flow by a matrix exponential (scipy / mpmath
  ``expm``), plus :func:`theory.kernel_gd.kernel_gd_mp`;
* ``dong2019.distill``: the teacher at step T (:mod:`theory.kernel_gd`, and by binary
  powering of the coefficient recursion) and the student trained to convergence on the
  teacher's training outputs (a dense LU solve, and the library's ``k = inf``);
* ``dong2019.soft_limit``: the limit of the soft rule by repeated squaring of its
  ``2n x 2n`` linear map, :func:`theory.label_updates.soft_sd_limit_mp`, and a dense ridge
  solve with ridge ``a/eta``;
* ``dong2019.reanchored``: the re-anchored rule iterated literally (powering of its affine
  map) against :func:`theory.label_updates.reanchored_gd_mp`.

An mp run computes everything twice, at ``dps + g`` and ``dps + 2g`` digits (``g`` from the
instance's condition number and step counts), and is accepted only when every compared
array agrees to ``dps`` digits (STYLE rule 7); it returns the second, rounded to ``dps``.
float64 results carry ``accuracy``, a derived bound on their relative rounding error.

Qualitative claims (§7-§10) run on float64-only engines: ``dong2019.spectral_split``,
``dong2019.early_stop``, ``dong2019.hard_rule``, ``dong2019.width``; their margins compare
quantities at the 1e-3 level or above, far from float64 rounding (``accuracy`` 0).

>>> AIR_RATE.has_mp, WIDTH.has_mp
(True, False)
"""

import math
from statistics import NormalDist

import numpy as np

import functools

from theory._mp import GUARD_RETRIES, digits_of_agreement, make_context, more_guard, to_mp_array
from theory.eigen import blas_threads, eigh_mp
from theory.errors import PrecisionError

from ...engines import Engine

__all__ = ["Run", "Arith", "AIR_RATE", "DISTILL", "SOFT_LIMIT", "REANCHORED", "NTK_MC",
           "SPECTRAL_SPLIT", "EARLY_STOP", "HARD_RULE", "WIDTH", "flip_model_band",
           "isotropic_band", "bonferroni_c", "fitted_exponent"]

EPS64 = 2.0 ** -52
#: Guard digits of the first mp run above the requested ones (the second uses twice as many).
GUARD = 10


class Run:
    """An engine's result: named arrays (float64, or object arrays of mpf at ``dps`` digits),
    ``dps`` (None: float64), ``accuracy`` (float64: a derived bound on the relative rounding
    error of the compared quantities; 0 for a confirmed mp result), and for an mp result of
    an exact engine ``f64`` (the float64 arrays of the same instance, for the record) and
    ``f64_digits`` (the digits to which they agree with the mp ones)."""

    def __init__(self, dps, accuracy, values, f64_digits=None, f64=None):
        self.dps, self.accuracy, self.values = dps, float(accuracy), dict(values)
        self.f64_digits, self.f64 = f64_digits, f64

    def __getattr__(self, name):
        values = self.__dict__.get("values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(name)


class Arith:
    """The few operations the exact engines need, in float64 (``ctx`` None) or in mp.

    mp arithmetic runs on object arrays of ``ctx.mpf`` (numpy's object matmul: one rounding
    per product and per addition, covered by the guard digits and the two-precision check).
    """

    def __init__(self, ctx=None):
        self.ctx = ctx

    def arr(self, a):
        """float64 input as this arithmetic's array (exact conversion in mp)."""
        if self.ctx is None:
            return np.asarray(a, dtype=np.float64)
        return to_mp_array(self.ctx, a)

    def num(self, v):
        return float(v) if self.ctx is None else self.ctx.mpf(v)

    def mm(self, A, B):
        """A @ B; in mp one rounding per entry (``ctx.fdot``), about twice as fast as numpy's
        object matmul."""
        if self.ctx is None:
            return A @ B
        fdot = self.ctx.fdot
        if B.ndim == 1:
            return np.array([fdot(row, B) for row in A], dtype=object)
        cols = [B[:, j] for j in range(B.shape[1])]
        return np.array([[fdot(row, c) for c in cols] for row in A], dtype=object)

    def eye(self, n):
        return np.eye(n) if self.ctx is None else to_mp_array(self.ctx, np.eye(n))

    def eigh(self, H):
        """(eigenvalues ascending, orthonormal eigenvectors as columns)."""
        if self.ctx is None:
            lam, V = np.linalg.eigh(np.asarray(H, dtype=np.float64))
            return lam, V
        e = eigh_mp(self.ctx, self.arr(H))
        return e.values, e.vectors

    def solve(self, A, b):
        """A^-1 b by LU with partial pivoting (numpy / mpmath ``lu_solve``)."""
        if self.ctx is None:
            return np.linalg.solve(A, b)
        ctx = self.ctx
        x = ctx.lu_solve(ctx.matrix(A.tolist()), ctx.matrix(list(b)))
        return np.array([x[i] for i in range(len(b))], dtype=object)

    def expm(self, A):
        """exp(A) (scipy's Pade scaling-and-squaring / mpmath's Taylor scaling-and-squaring)."""
        if self.ctx is None:
            import scipy.linalg
            return scipy.linalg.expm(A)
        M = self.ctx.expm(self.ctx.matrix(A.tolist()))
        n = A.shape[0]
        return np.array([[M[i, j] for j in range(n)] for i in range(n)], dtype=object)

    def exp(self, a):
        if self.ctx is None:
            return np.exp(a)
        return np.array([self.ctx.exp(v) for v in np.asarray(a).reshape(-1)],
                        dtype=object).reshape(np.shape(a))


def _squares(A, kmax, N):
    """[A, A^2, A^4, ...] up to the bit length of kmax (binary powering)."""
    out = [A]
    for _ in range(max(int(kmax).bit_length() - 1, 0)):
        out.append(N.mm(out[-1], out[-1]))
    return out


def _apply_power(sq, k, v, N):
    """A^k v from the squares of :func:`_squares` (bits of k, least significant first)."""
    j = 0
    while k:
        if k & 1:
            v = N.mm(sq[j], v)
        k >>= 1
        j += 1
    return v


def _geometric_sum(A, T, N):
    """(S_T, A^T) with S_T = sum_{j<T} A^j, by doubling: S_2m = S_m + A^m S_m, A^2m = (A^m)^2,
    S_{m+1} = S_m + A^m (bits of T from the most significant).  No eigendecomposition."""
    n = A.shape[0]
    S, P = N.arr(np.zeros((n, n))), N.eye(n)
    for bit in bin(int(T))[2:] if T > 0 else "":
        S, P = S + N.mm(P, S), N.mm(P, P)
        if bit == "1":
            S, P = S + P, N.mm(P, A)
    return S, P


def _kappa(H):
    lam = np.linalg.eigvalsh(np.asarray(H, dtype=np.float64))
    top = max(float(lam[-1]), 0.0)
    low = max(float(lam[0]), top * EPS64)
    return top / low if top > 0 else 1.0


def _guard(H, kmax=0, extra=0):
    """GUARD + log10 cond(H) + log10(1 + kmax) + extra (digits lost to the solves, the step
    counts and the powering), each part capped at 20."""
    return (GUARD + min(20, max(0, math.ceil(math.log10(_kappa(H)))))
            + min(20, math.ceil(math.log10(1 + kmax))) + extra)


class _ExactEngine(Engine):
    """An engine whose float64 and mp results come from one ``compute(inst, arith)``.

    ``keys``: the arrays confirmed at two precisions and compared in :meth:`agreement`.
    """

    has_mp = True
    mp_limit = 40
    keys = ()

    def compute(self, inst, N):  # pragma: no cover - abstract
        raise NotImplementedError

    def accuracy_f64(self, inst):  # pragma: no cover - abstract
        raise NotImplementedError

    def guard(self, inst):
        return _guard(inst.H, self.kmax(inst))

    def kmax(self, inst):
        return 0

    def run(self, inst, dps):
        if dps is None:
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                vals = self.compute(inst, Arith())
            return Run(None, self.accuracy_f64(inst), vals)
        g = self.guard(inst)
        # confirmed at two precisions; a pair that disagrees (cancellation the guard did not
        # foresee) is rerun with more guard digits, by theory.self_distill's rule
        for attempt in range(GUARD_RETRIES + 1):
            lo = self.compute(inst, Arith(make_context(dps + g)))
            hi = self.compute(inst, Arith(make_context(dps + 2 * g)))
            agree, key = min(((digits_of_agreement(_flat(lo[k]), _flat(hi[k])), k)
                              for k in self.keys), default=(math.inf, None))
            if agree >= dps:
                break
            if attempt == GUARD_RETRIES:
                raise PrecisionError(
                    f"{self.name}: {key} at {dps + g} digits agrees with the one at "
                    f"{dps + 2 * g} digits to only {agree:.1f} digits, fewer than the {dps} "
                    f"requested; ask for fewer digits")
            g = more_guard(g, dps, agree)
        ctx = make_context(dps)
        out = {k: _round(ctx, v) for k, v in hi.items()}
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            f64 = self.compute(inst, Arith())
        digits = min(digits_of_agreement(_flat(f64[k]), _flat(out[k])) for k in self.keys)
        return Run(dps, 0.0, out, f64_digits=digits, f64=f64)

    def agreement(self, f64, mp):
        return min(digits_of_agreement(_flat(f64.values[k]), _flat(mp.values[k]))
                   for k in self.keys)


def _flat(v):
    return np.asarray(v, dtype=object).reshape(-1)


def _round(ctx, v):
    """Arrays of mpf rounded to ctx; other values (ints, step lists) unchanged."""
    if isinstance(v, np.ndarray) and v.dtype == object:
        out = np.empty(v.shape, dtype=object)
        out.reshape(-1)[:] = [ctx.mpf(x) for x in v.reshape(-1)]
        return out
    if hasattr(v, "_mpf_"):
        return ctx.mpf(v)
    return v


def _stack(rows, N, n):
    if not rows:
        return N.arr(np.zeros((0, n)))
    return np.array(rows, dtype=object if N.ctx is not None else np.float64)


# ------------------------------------------------------------------------------- air_rate

class AirRateEngine(_ExactEngine):
    """Kernel GD u_{k+1} = u_k - eta H (u_k - y) from u_0 and its flow, in the eigenbasis and
    in the original basis.  Data: H, labels, u0, eta, steps (integers), times (flow).

    Arrays: ``lam``, ``V``, ``c0 = V^T(u_0 - y)``; coefficients ``lit`` (V^T of GD iterated
    by binary powering), ``pred`` ((1 - eta lambda)^k c0), ``lib`` (V^T of
    theory.kernel_gd), and ``flow_*`` likewise (matrix exponential); ``res_*`` are the same
    residuals u - y in the original basis (basis-free: what the two precisions and float64
    are compared on, since an eigenbasis of a repeated or clustered eigenvalue is not unique).
    """

    name = "dong2019.air_rate"
    keys = ("res_lit", "res_pred", "res_lib", "res_flow_lit", "res_flow_pred", "res_flow_lib")

    def kmax(self, inst):
        return max(max(inst.steps), 1)

    def accuracy_f64(self, inst):
        # eigh: eigenvalues and vectors to ~ (n + 2) u ||H||; the predicted factor
        # (1 - eta lambda)^k moves by <= k eta |d lambda| <= k eta lambda_max (n + 2) u; the
        # powering A^k (||A|| <= 1) accumulates <= 2 log2(k) (n + 2) u; the flow, scipy's expm,
        # ~ (n + 2) u (1 + eta t lambda_max).  A factor 4 covers the constants.
        n = inst.K
        lmax = float(np.linalg.eigvalsh(inst.H)[-1])
        span = max([inst.eta * lmax * k for k in inst.steps] +
                   [inst.eta * lmax * t for t in inst.times] + [1.0])
        return 4 * (n + 2) * EPS64 * (1 + span + 2 * math.log2(1 + self.kmax(inst)))

    def compute(self, inst, N):
        from theory.kernel_gd import kernel_gd_f64, kernel_gd_mp
        n = inst.K
        eta = N.num(inst.eta)
        H, y = N.arr(inst.H), N.arr(inst.labels)
        lam, V = N.eigh(inst.H)
        Vt = V.T
        r0 = N.arr(inst.u0) - y
        c0 = N.mm(Vt, r0)
        sq = _squares(N.eye(n) - eta * H, self.kmax(inst), N)
        res_lit = [_apply_power(sq, int(k), r0, N) for k in inst.steps]
        pred = [(1 - eta * lam) ** int(k) * c0 for k in inst.steps]
        if N.ctx is None:
            U = kernel_gd_f64(inst.H, inst.labels, inst.eta, list(inst.steps), u0=inst.u0)
        else:
            U = kernel_gd_mp(N.ctx, inst.H, inst.labels, eta, list(inst.steps), u0=inst.u0)
        res_lib = [u - y for u in U]
        res_flow_lit, flow_pred, res_flow_lib = [], [], []
        if len(inst.times):
            res_flow_lit = [N.mm(N.expm(-(eta * N.num(t)) * H), r0) for t in inst.times]
            flow_pred = [N.exp(-(eta * N.num(t)) * lam) * c0 for t in inst.times]
            if N.ctx is None:
                W = kernel_gd_f64(inst.H, inst.labels, inst.eta, list(inst.times), u0=inst.u0,
                                  flow=True)
            else:
                W = kernel_gd_mp(N.ctx, inst.H, inst.labels, eta, list(inst.times),
                                 u0=inst.u0, flow=True)
            res_flow_lib = [w - y for w in W]

        def coef(rows):
            return _stack([N.mm(Vt, r) for r in rows], N, n)

        def back(rows):
            return _stack([N.mm(V, c) for c in rows], N, n)

        return {"lam": lam, "c0": c0, "eta": eta, "norm_r0": _norm(r0),
                "lit": coef(res_lit), "pred": _stack(pred, N, n), "lib": coef(res_lib),
                "flow_lit": coef(res_flow_lit), "flow_pred": _stack(flow_pred, N, n),
                "flow_lib": coef(res_flow_lib),
                "res_lit": _stack(res_lit, N, n), "res_pred": back(pred),
                "res_lib": _stack(res_lib, N, n), "res_flow_lit": _stack(res_flow_lit, N, n),
                "res_flow_pred": back(flow_pred), "res_flow_lib": _stack(res_flow_lib, N, n)}


def _norm(v):
    """Euclidean norm, float64 or mpf."""
    s = sum(x * x for x in np.asarray(v, dtype=object).reshape(-1))
    return math.sqrt(s) if isinstance(s, float) else s.context.sqrt(s) if hasattr(s, "context") \
        else math.sqrt(float(s))


# ------------------------------------------------------------------------------- distill

class DistillEngine(_ExactEngine):
    """Teacher: kernel GD from 0 on y for T steps, outputs at the training points (u_T) and
    at test points (H_cross).  Student: the same kernel trained to convergence on u_T.

    Data: H, Hx (test x train), y, eta, T; optionally H2, Hx2 (another kernel on the same
    points, for the mutant).  Arrays: teacher (library), teacher_pow (binary powering of the
    coefficient recursion), student (dense LU solve on u_T), student_lib (the library's
    k = inf on u_T), stopped (a student trained for T steps only), other (the student with
    the other kernel); each as ``*_train`` and ``*_test``.
    """

    name = "dong2019.distill"
    keys = ("teacher_train", "teacher_test", "teacher_pow_train", "teacher_pow_test",
            "student_train", "student_test", "student_lib_test")

    def kmax(self, inst):
        return inst.T

    def accuracy_f64(self, inst):
        # the filter g_T through the eigenbasis: 4 (T + 1)(n + 2) u (the bound of
        # tests/test_kernel_gd.py for the literal iteration); the student's LU solve loses
        # cond(H): 4 (n + 2) u kappa (backward stable, a factor 4 for the products around it)
        n = inst.K
        return 4 * (n + 2) * EPS64 * (inst.T + 1 + _kappa(inst.H))

    def compute(self, inst, N):
        from theory.kernel_gd import (kernel_gd_f64, kernel_gd_mp, kernel_gd_predict_f64,
                                      kernel_gd_predict_mp)
        n, T = inst.K, int(inst.T)
        eta = N.num(inst.eta)
        H, Hx, y = N.arr(inst.H), N.arr(inst.Hx), N.arr(inst.labels)
        if N.ctx is None:
            u_T = kernel_gd_f64(inst.H, inst.labels, inst.eta, T)
            f_T = kernel_gd_predict_f64(inst.H, inst.Hx, inst.labels, inst.eta, T)
            s_lib = kernel_gd_predict_f64(inst.H, inst.Hx, u_T, inst.eta, math.inf)
        else:
            u_T = kernel_gd_mp(N.ctx, inst.H, inst.labels, eta, T)
            f_T = kernel_gd_predict_mp(N.ctx, inst.H, inst.Hx, inst.labels, eta, T)
            s_lib = kernel_gd_predict_mp(N.ctx, inst.H, inst.Hx, u_T, eta, math.inf)
        A = N.eye(n) - eta * H
        S, _ = _geometric_sum(A, T, N)
        alpha = eta * N.mm(S, y)
        alpha_s = N.solve(H, u_T)
        alpha_stop = eta * N.mm(S, u_T)
        out = {"teacher_train": u_T, "teacher_test": f_T,
               "teacher_pow_train": N.mm(H, alpha), "teacher_pow_test": N.mm(Hx, alpha),
               "student_train": N.mm(H, alpha_s), "student_test": N.mm(Hx, alpha_s),
               "student_lib_test": s_lib,
               "stopped_train": N.mm(H, alpha_stop), "stopped_test": N.mm(Hx, alpha_stop),
               "y": y}
        if inst.data.get("H2") is not None:
            out["other_test"] = N.mm(N.arr(inst.Hx2), N.solve(N.arr(inst.H2), u_T))
        return out


# ------------------------------------------------------------------------------- soft limit

def _squarings(inst, digits):
    """Squarings j with mu_max^(2^j) <= 10^-(digits + 5), mu_max = max |1 - a - eta lambda|
    (float64 eigenvalues: only the count depends on them)."""
    lam = np.linalg.eigvalsh(inst.H)
    mu = float(np.max(np.abs(1.0 - inst.a - inst.eta * lam)))
    if mu < 1e-300:
        return 1
    need = (digits + 5) * math.log(10) / -math.log(mu)
    return max(1, math.ceil(math.log2(need)) + 1)


class SoftLimitEngine(_ExactEngine):
    """The soft rule u_{k+1} = u_k - eta H (u_k - y_k), y_{k+1} = (1 - a) y_k + a u_k from
    (0, y): its limit by repeated squaring of the 2n x 2n map (original basis), the library's
    eigenbasis limit, and ridge solves.  Data: H, y, eta, a."""

    name = "dong2019.soft_limit"
    keys = ("lit_u", "lit_y", "lib", "ridge")

    def guard(self, inst):
        # j squarings amplify a rounding error along the limit projector by up to 2^j
        return _guard(inst.H, extra=math.ceil(_squarings(inst, 60) * math.log10(2)))

    def accuracy_f64(self, inst):
        # squaring: 2^j (2n + 2) u times the norm of the projector (<= 1 + eta lambda_max/a);
        # ridge solve: (n + 2) u cond(H + (a/eta) I); a factor 4 for the constants
        n = inst.K
        lmax = float(np.linalg.eigvalsh(inst.H)[-1])
        j = _squarings(inst, 17)
        proj = 1 + inst.eta * lmax / inst.a
        ridge_cond = 1 + lmax * inst.eta / inst.a
        return 4 * EPS64 * ((2 ** j) * (2 * n + 2) * proj + (n + 2) * ridge_cond)

    def compute(self, inst, N):
        from theory.label_updates import soft_sd_limit_f64, soft_sd_limit_mp
        n = inst.K
        eta, a = N.num(inst.eta), N.num(inst.a)
        H, y, I = N.arr(inst.H), N.arr(inst.labels), N.eye(n)
        M = np.block([[I - eta * H, eta * H], [a * I, (1 - a) * I]])
        if N.ctx is not None:
            M = np.asarray(M, dtype=object)
        digits = 17 if N.ctx is None else N.ctx.dps
        for _ in range(_squarings(inst, digits)):
            M = N.mm(M, M)
        lim = N.mm(M, np.concatenate([N.arr(np.zeros(n)), y]))
        if N.ctx is None:
            lib = soft_sd_limit_f64(inst.H, inst.labels, inst.eta, inst.a)
        else:
            lib = soft_sd_limit_mp(N.ctx, inst.H, inst.labels, eta, a)

        def ridge(c):
            return N.mm(H, N.solve(H + c * I, y))

        return {"lit_u": lim[:n], "lit_y": lim[n:], "lib": lib, "ridge": ridge(a / eta),
                "ridge_a_eta": ridge(a * eta), "ridge_a": ridge(a), "y": y}


# ------------------------------------------------------------------------------- re-anchored

class ReanchoredEngine(_ExactEngine):
    """The re-anchored rule u_{k+1} = u_k - eta H (u_k - ((1 - beta) y + beta u_k)) iterated
    literally (binary powering of its (n+1) x (n+1) affine map) and the library's form (plain
    GD with step eta (1 - beta)), at ``steps`` and at the limit.  Data: H, y, u0, eta, beta,
    steps, limit (the limit computed independently: y, or y with its null-space part replaced
    by u0's for a diagonal singular H)."""

    name = "dong2019.reanchored"
    keys = ("lit", "lib", "lib_inf")

    def kmax(self, inst):
        return max(max(inst.steps), 1)

    def accuracy_f64(self, inst):
        # as the air_rate engine, with step eta (1 - beta)
        n = inst.K
        lmax = float(np.linalg.eigvalsh(inst.H)[-1])
        span = max(inst.eta * lmax * k for k in inst.steps)
        return 4 * (n + 2) * EPS64 * (1 + span + 2 * math.log2(1 + self.kmax(inst)))

    def compute(self, inst, N):
        from theory.kernel_gd import kernel_gd_f64, kernel_gd_mp
        from theory.label_updates import reanchored_gd_f64, reanchored_gd_mp
        n = inst.K
        eta, beta = N.num(inst.eta), N.num(inst.beta)
        H, y, u0 = N.arr(inst.H), N.arr(inst.labels), N.arr(inst.u0)
        # the rule as written: target t_k = (1 - beta) y + beta u_k, step u - eta H (u - t_k)
        B = N.eye(n) - eta * H + eta * beta * H
        c = eta * N.mm(H, (1 - beta) * y)
        aug = N.arr(np.zeros((n + 1, n + 1)))
        aug[:n, :n], aug[:n, n], aug[n, n] = B, c, N.num(1)
        sq = _squares(aug, self.kmax(inst), N)
        start = np.concatenate([u0, N.arr([1.0])])
        lit = [_apply_power(sq, int(k), start, N)[:n] for k in inst.steps]
        steps = list(inst.steps)
        if N.ctx is None:
            lib = reanchored_gd_f64(inst.H, inst.labels, inst.eta, inst.beta, steps, u0=inst.u0)
            lib_inf = reanchored_gd_f64(inst.H, inst.labels, inst.eta, inst.beta, math.inf,
                                        u0=inst.u0)
            plain = kernel_gd_f64(inst.H, inst.labels, inst.eta, steps, u0=inst.u0)
        else:
            lib = reanchored_gd_mp(N.ctx, inst.H, inst.labels, eta, beta, steps, u0=inst.u0)
            lib_inf = reanchored_gd_mp(N.ctx, inst.H, inst.labels, eta, beta, math.inf, u0=inst.u0)
            plain = kernel_gd_mp(N.ctx, inst.H, inst.labels, eta, steps, u0=inst.u0)
        ridge = N.mm(H, N.solve(H + (beta / eta) * N.eye(n), y)) if inst.beta > 0 else y
        return {"lit": _stack(lit, N, n), "lib": lib, "lib_inf": lib_inf, "plain": plain,
                "ridge_beta": ridge, "limit": N.arr(inst.limit), "y": y}


# ------------------------------------------------------------------------------- ntk (MC)

def bonferroni_c(m, alpha=1e-6):
    """c with P(max of m standard normals in absolute value > c) <= alpha (Bonferroni):
    the normal quantile of 1 - alpha/(2m), taken from the lower tail (-quantile of
    alpha/(2m)) so that 1 - alpha/(2m) is never formed (it would round away ~log10(2m/alpha)
    digits).

    >>> round(bonferroni_c(1, 0.05), 2)
    1.96
    """
    return -NormalDist().inv_cdf(alpha / (2 * m))


class NtkMcEngine(Engine):
    """Both kernels of theory.ntk in closed form and by Monte Carlo (``n_mc`` draws, seeded).
    Data: X (unit rows), n_mc, mc_seed.  float64 only (the Monte Carlo is the oracle)."""

    name = "dong2019.ntk_mc"
    has_mp = False

    def run(self, inst, dps):
        # one BLAS thread: on a shared 2-core machine more threads spin against each other
        # (eigh of 200 x 200 measured 10x slower with two under load)
        with blas_threads(1):
            return self._run(inst)

    def _run(self, inst):
        from theory.ntk import h_inf_gram, h_inf_gram_mc, ntk2_gram, ntk2_gram_mc
        X = inst.X
        h_mc, h_se = h_inf_gram_mc(X, inst.n_mc, inst.mc_seed)
        n_mc, n_se = ntk2_gram_mc(X, inst.n_mc, inst.mc_seed + 1)
        # the closed forms are accurate to a few u (theory.ntk); the Monte Carlo means sum
        # n_mc terms in chunks of 4096, rounding <= (4096 + n_mc/4096) u relative per entry:
        # both far below the statistical tolerance (>= 1e-4 at n_mc <= 1e7)
        acc = (4096 + inst.n_mc / 4096) * EPS64
        return Run(None, acc, {"h": h_inf_gram(X), "ntk2": ntk2_gram(X), "h_mc": h_mc,
                               "h_se": h_se, "ntk2_mc": n_mc, "ntk2_se": n_se})


# ------------------------------------------------------------------------------- qualitative

def _spectrum(H):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        lam, V = np.linalg.eigh(H)
    return lam, V


def _cluster_projector_norm(V_top, cluster, C):
    """||P - Q||_2: P the projector on the top-C eigenvectors, Q on the cluster indicators."""
    n = cluster.shape[0]
    Qb = np.zeros((n, C))
    for c in range(C):
        idx = cluster == c
        if idx.any():
            Qb[idx, c] = 1.0 / math.sqrt(idx.sum())
    P = V_top @ V_top.T
    Q = Qb @ Qb.T
    return float(np.linalg.norm(P - Q, 2))


def flip_model_band(sizes, rho, draws, seed, tail):
    """Quantiles (tail, 1 - tail) and mean of F_model = sum_c f_c^2/n_c / sum_c f_c with
    f_c ~ Bin(n_c, rho) independent (draws with no flip are dropped): the fraction of the
    noise energy ||xi||^2 = 4 sum_c f_c on the cluster indicators, when the top-C
    eigenvectors are exactly the normalised indicators (docs/theory/dong2019.md §7).

    >>> lo, hi, mean = flip_model_band([50, 50, 50, 50], 0.2, 20000, 0, 1e-3)
    >>> abs(mean - (0.2 + 4 * 0.8 / 200)) < 0.005, lo < 0.2 + 4 * 0.8 / 200 < hi
    (True, True)
    """
    rng = np.random.default_rng(seed)
    f = rng.binomial(np.asarray(sizes), rho, size=(draws, len(sizes))).astype(np.float64)
    tot = f.sum(axis=1)
    keep = tot > 0
    frac = (f[keep] ** 2 / np.asarray(sizes, dtype=np.float64)).sum(axis=1) / tot[keep]
    return float(np.quantile(frac, tail)), float(np.quantile(frac, 1 - tail)), float(frac.mean())


@functools.lru_cache(maxsize=64)
def isotropic_band(n, C, draws, seed, tail):
    """Quantiles (tail, 1 - tail) of ||P z||^2/||z||^2 for z ~ N(0, I_n) and P a fixed rank-C
    projector: the Beta(C/2, (n - C)/2) law of an isotropic noise's top-C fraction (mean C/n).

    >>> lo, hi = isotropic_band(200, 4, 20000, 0, 1e-3)
    >>> lo < 4 / 200 < hi < 0.1
    True
    """
    rng = np.random.default_rng(seed)
    b = rng.beta(C / 2, (n - C) / 2, size=draws)
    return float(np.quantile(b, tail)), float(np.quantile(b, 1 - tail))


#: Monte Carlo draws and two-sided tail of the statistical bands of the spectral split (the
#: 1e-4 quantile is the 10th of 100 000 ordered draws).
BAND_DRAWS, BAND_TAIL = 100_000, 1e-4


class SpectralSplitEngine(Engine):
    """Energy of y* and of the noise xi = y~ - y* in the top-C eigenvectors of the instance's
    kernel, the cluster model's band for the noise fraction at rate rho, and the isotropic
    band.  Data: D (theory.noisy_clusters.ClusterData), C, rho, kernel."""

    name = "dong2019.spectral_split"
    has_mp = False

    def run(self, inst, dps):
        # one BLAS thread: on a shared 2-core machine more threads spin against each other
        # (eigh of 200 x 200 measured 10x slower with two under load)
        with blas_threads(1):
            return self._run(inst)

    def _run(self, inst):
        from theory.kernel_gd import kernel_spectrum, top_energy_fraction
        D, C = inst.D, inst.C
        H = _kernel(inst.kernel)(D.X)
        sp = kernel_spectrum(H)
        xi = D.y_noisy - D.y_star
        sizes = [int(np.sum(D.cluster == c)) for c in range(C)]
        seed = int(inst.data.get("band_seed", 0))
        lo, hi, mean = flip_model_band(sizes, inst.rho, BAND_DRAWS, seed, BAND_TAIL)
        ilo, ihi = isotropic_band(D.X.shape[0], C, BAND_DRAWS, seed, BAND_TAIL)
        F = int(D.flipped.sum())
        model = (sum(int(np.sum(D.flipped[D.cluster == c])) ** 2 / sizes[c]
                     for c in range(C) if sizes[c]) / F) if F else 0.0
        return Run(None, 0.0, {
            "frac_clean": top_energy_fraction(sp, D.y_star, C),
            "frac_noise": top_energy_fraction(sp, xi, C) if F else 0.0,
            "band": (lo, hi), "band_mean": mean, "iso_band": (ilo, ihi),
            "misalign": _cluster_projector_norm(sp.vectors[:, -C:], D.cluster, C),
            "model_realised": model, "rho_hat": F / D.X.shape[0],
            "lam_top": sp.values[-C:], "lam_next": sp.values[-C - 1]})


def _kernel(name):
    from theory.ntk import h_inf_gram, ntk2_gram
    return {"H_inf": h_inf_gram, "NTK2": ntk2_gram}[name]


def step_grid(kmax, count):
    """0 and ``count`` log-spaced integer steps up to kmax (distinct)."""
    return np.unique(np.concatenate([[0], np.round(np.geomspace(1, kmax, count))])).astype(int)


class EarlyStopEngine(Engine):
    """Kernel GD from 0 on y~ on a log grid of steps up to the converged regime: distance
    to y*, accuracy and margin against y* at each step.  Data: D, kernel, eta_scale, kmax."""

    name = "dong2019.early_stop"
    has_mp = False

    def run(self, inst, dps):
        # one BLAS thread: on a shared 2-core machine more threads spin against each other
        # (eigh of 200 x 200 measured 10x slower with two under load)
        with blas_threads(1):
            return self._run(inst)

    def _run(self, inst):
        from theory.kernel_gd import kernel_gd_f64, kernel_spectrum
        D = inst.D
        sp = kernel_spectrum(_kernel(inst.kernel)(D.X))
        eta = inst.eta_scale / sp.values[-1]
        ks = step_grid(inst.kmax, 240)
        U = kernel_gd_f64(sp, D.y_noisy, eta, list(ks) + [math.inf])
        err = np.linalg.norm(U - D.y_star, axis=1)
        acc = np.mean(np.sign(U) == D.y_star, axis=1)
        return Run(None, 0.0, {"steps": ks, "err": err[:-1], "acc": acc[:-1],
                               "err_limit": err[-1], "acc_limit": acc[-1],
                               "err_noisy": float(np.linalg.norm(D.y_noisy - D.y_star)),
                               "rho_hat": float(D.flipped.mean()),
                               "margin": np.min(D.y_star * U[:-1], axis=1),
                               "lam_min": sp.values[0], "eta": eta})


def hard_certificate(H, y_noisy, y_star, eta, a, kmax, every=50):
    """Run the hard rule y_{k+1} = (1 - a) y_k + a sign(u_k), u_{k+1} = u_k - eta H (u_k - y_k)
    from (0, y~) for up to kmax steps; every ``every`` steps compute
    R_k = sqrt(||u_k - y*||^2 + ||y_k - y*||^2).  Returns (k_cert or None, R at the end, the
    final u, y, and the (k, R_k, margin_k) trace).

    R_k < 1 with sign(u_k) = y* and eta lambda_max <= 1 certifies u_k -> y* (docs/theory/
    dong2019.md §9): per eigen-direction the errors p = v.(u - y*), q = v.(y - y*) follow
    q' = (1 - a) q, p' = (1 - eta lambda) p + eta lambda q, so |p| never exceeds max(|p|,
    |q|) of step k, ||u_j - y*|| <= R_k < 1 for all j >= k, hence sign(u_j) = y* stays and
    the target is y* from then on.
    """
    u, y = np.zeros_like(y_noisy), y_noisy.copy()
    trace, k_cert = [], None
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for k in range(kmax + 1):
            if k % every == 0 or k == kmax:
                R = math.sqrt(float(np.sum((u - y_star) ** 2) + np.sum((y - y_star) ** 2)))
                trace.append((k, R, float(np.min(y_star * u))))
                if k_cert is None and R < 1 and np.all(np.sign(u) == y_star):
                    k_cert = k
            if k == kmax:
                break
            u, y = u - eta * (H @ (u - y)), (1 - a) * y + a * np.sign(u)
    return k_cert, trace[-1][1], u, y, trace


class HardRuleEngine(Engine):
    """The hard rule (mixing weight a, and a = 1 for the mutant) with its certificate, early
    stopping's margins, and the soft rule's limit.  Data: D, kernel, eta_scale (<= 1), a,
    kmax, a_soft."""

    name = "dong2019.hard_rule"
    has_mp = False

    def run(self, inst, dps):
        # one BLAS thread: on a shared 2-core machine more threads spin against each other
        # (eigh of 200 x 200 measured 10x slower with two under load)
        with blas_threads(1):
            return self._run(inst)

    def _run(self, inst):
        from theory.kernel_gd import kernel_gd_f64, kernel_spectrum
        from theory.label_updates import soft_sd_limit_f64
        D = inst.D
        H = _kernel(inst.kernel)(D.X)
        sp = kernel_spectrum(H)
        eta = inst.eta_scale / sp.values[-1]
        k_cert, R, u, _, trace = hard_certificate(H, D.y_noisy, D.y_star, eta, inst.a,
                                                  inst.kmax)
        k1, R1, u1, _, _ = hard_certificate(H, D.y_noisy, D.y_star, eta, 1.0, inst.kmax)
        ks = step_grid(inst.kmax, 200)
        U = kernel_gd_f64(sp, D.y_noisy, eta, list(ks))
        es_margin = np.min(D.y_star * U, axis=1)
        soft = soft_sd_limit_f64(sp, D.y_noisy, eta, inst.a_soft)
        flips = [float(np.mean(D.flipped[D.cluster == c])) for c in range(inst.C)
                 if np.any(D.cluster == c)]
        return Run(None, 0.0, {
            "k_cert": k_cert, "R": R, "margin": float(np.min(D.y_star * u)),
            "rms": float(np.sqrt(np.mean((u - D.y_star) ** 2))), "trace": trace,
            "k_cert_a1": k1, "R_a1": R1, "margin_a1": float(np.min(D.y_star * u1)),
            "es_margin_best": float(np.max(es_margin)),
            "es_k_best": int(ks[int(np.argmax(es_margin))]),
            "soft_margin": float(np.min(D.y_star * soft)),
            "soft_rms": float(np.sqrt(np.mean((soft - D.y_star) ** 2))),
            "rho_hat": float(D.flipped.mean()), "max_cluster_flip": max(flips), "eta": eta})


def fitted_exponent(widths, devs):
    """Least-squares slope of log(dev) against log(width).

    >>> round(fitted_exponent([10, 100, 1000], [1.0, 0.1, 0.01]), 6)
    -1.0
    """
    return float(np.polyfit(np.log(np.asarray(widths, float)), np.log(np.asarray(devs, float)),
                            1)[0])


class WidthEngine(Engine):
    """A paired two-layer ReLU net (theory.relu_net) trained by GD against the kernel GD
    trajectory of its own kernel (H_inf for the first layer, NTK2 for both layers) and of the
    other kernel: max over steps of ||u_net - u_kernel|| / ||y~||, per width (mean over init
    seeds).  Data: D, layers, widths, init_seeds, steps."""

    name = "dong2019.width"
    has_mp = False

    def run(self, inst, dps):
        # one BLAS thread: on a shared 2-core machine more threads spin against each other
        # (eigh of 200 x 200 measured 10x slower with two under load)
        with blas_threads(1):
            return self._run(inst)

    def _run(self, inst):
        from theory.kernel_gd import kernel_gd_f64
        from theory.ntk import h_inf_gram, ntk2_gram
        from theory.relu_net import relu_net_gd
        D = inst.D
        own, other = (h_inf_gram, ntk2_gram) if inst.layers == "first" else (ntk2_gram,
                                                                            h_inf_gram)
        H = own(D.X)
        eta = 1.0 / float(np.linalg.eigvalsh(H)[-1])
        steps = list(inst.steps)
        Uk = kernel_gd_f64(H, D.y_noisy, eta, steps)
        H2 = other(D.X)
        # the other kernel's trajectory with the same eta (its own step limit permitting)
        eta2 = min(eta, 1.0 / float(np.linalg.eigvalsh(H2)[-1]))
        Uo = kernel_gd_f64(H2, D.y_noisy, eta2, steps)
        scale = float(np.linalg.norm(D.y_noisy))
        dev, dev_other = [], []
        for m in inst.widths:
            d1, d2 = [], []
            for s in inst.init_seeds:
                run = relu_net_gd(D.X, D.y_noisy, int(m), eta, steps, seed=int(s),
                                  layers=inst.layers)
                d1.append(float(np.max(np.linalg.norm(run.outputs - Uk, axis=1))) / scale)
                d2.append(float(np.max(np.linalg.norm(run.outputs - Uo, axis=1))) / scale)
            dev.append(float(np.mean(d1)))
            dev_other.append(float(np.mean(d2)))
        return Run(None, 0.0, {"widths": list(inst.widths), "dev": dev, "dev_other": dev_other,
                               "exponent": fitted_exponent(inst.widths, dev),
                               "exponent_other": fitted_exponent(inst.widths, dev_other),
                               "eta": eta})


AIR_RATE = AirRateEngine()
DISTILL = DistillEngine()
SOFT_LIMIT = SoftLimitEngine()
REANCHORED = ReanchoredEngine()
NTK_MC = NtkMcEngine()
SPECTRAL_SPLIT = SpectralSplitEngine()
EARLY_STOP = EarlyStopEngine()
HARD_RULE = HardRuleEngine()
WIDTH = WidthEngine()
