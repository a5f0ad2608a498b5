r"""Exact models of the certified engines: the names and relations behind a ball trajectory.

A ball trajectory (:func:`theory.certified.self_distill_ball`,
:func:`theory.certified_ridge.fixed_ridge_ball`) encloses every number; an *exact model*
also names each one by an expression (:mod:`theory.exact_real`), so that ties the balls
cannot separate are decided exactly.  The inputs are exact rationals (float64 entries of
``G`` and ``y``, the float ``eps``).

**Spectrum** (:func:`exact_spectrum`).  For a diagonal ``G`` the eigenvalues are its
diagonal entries; otherwise (``K <=`` :data:`MAX_EXACT_K`) the characteristic polynomial of
``G`` is computed and factored over Q.  When it splits into linear factors the eigenvalues
are rationals ``lambda_1 < ... < lambda_L`` with multiplicities, and the projections of
``y`` on the eigenspaces are exact:

.. math::

    P_\lambda y = \prod_{\mu \ne \lambda} \frac{G - \mu I}{\lambda - \mu}\, y,\qquad
    W_\lambda = \|P_\lambda y\|^2 \in \mathbb{Q}.

Otherwise the eigenvalues are *opaque* names (nothing but their enclosures is known, so
only identities that hold for every value of them are found).

**Self-distillation** (:class:`SelfDistillModel`, docs/theory/mobahi2020.md §4).  With
``B_0 = 1`` and ``B_{t+1}[lambda] = B_t[lambda] lambda/(c_t + lambda)`` (0 for lambda =
0), ``||y_t||^2 = S_t = sum_lambda W_lambda B_t[lambda]^2``, and ``c_t`` the root of

.. math::

    \sum_\lambda W_\lambda B_t[\lambda]^2 \Big(\frac{c}{c + \lambda}\Big)^2 = K\varepsilon .

When ``y`` has weight on a single positive level (kappa = 1, or targets aligned with one
eigenspace), the root is explicit: ``c/(c + lambda) = a/(u B_t)`` with ``u = sqrt(W)``,
``a = sqrt(K eps)``, so ``c_t = lambda a/(u B_t - a)`` and ``||y_t|| = u B_t``: every
number lies in ``Q(u, a)``, whatever the number of rounds.  Otherwise ``c_t`` is a name
whose relation is the secular equation above (cleared of denominators); deciding through
several rounds of it multiplies degrees, and :data:`theory.exact_real.MAX_DEGREE` caps it.
Without an exact spectrum the ``c_t`` are opaque.

**Fixed ridge** (:class:`FixedRidgeModel`, docs/theory/pareek2024.md §1): the eigenvalues
as above, the eigenvectors exact for a diagonal ``G`` (coordinate vectors) and opaque
otherwise; ``a_j``, the filters and everything after them follow by arithmetic.

Source: docs/theory/mobahi2020.md §4, docs/theory/pareek2024.md §1 (the recursions)
[paper/derived]; the single-level closed form [derived here, from the secular equation].
Domain: G symmetric positive semi-definite with float64 entries, y one float64 vector,
eps > 0.

>>> import numpy as np
>>> sp = exact_spectrum(np.diag([0.5, 0.25, 0.5]))
>>> [str(v) for v in sp.values], sp.rational
(['1/4', '1/2', '1/2'], True)
>>> m = SelfDistillModel(np.eye(2) * 0.5, np.array([1.0, 1.0]), 0.125)
>>> m.single_level, [str(w) for w in m.weights.values()]
(True, ['2'])
"""

from fractions import Fraction

import numpy as np

from . import exact_real as X

__all__ = ["ExactSpectrum", "exact_spectrum", "SelfDistillModel", "FixedRidgeModel",
           "MAX_EXACT_K"]

#: Largest non-diagonal G whose characteristic polynomial is factored over Q.  Beyond it
#: the eigenvalues are opaque names (the factorisation of a degree-K polynomial with
#: coefficients of K * 60 bits grows fast; diagonal G has no limit).
MAX_EXACT_K = 16

class _Positive:
    """Stands for the enclosure of a divisor that the model knows is positive (c + lambda
    with c > 0, lambda > 0; u B_t - a while the rounds run): the conversion accepts it."""

    def __gt__(self, other):
        return other == 0

    def __lt__(self, other):
        return False

    def is_finite(self):
        return True


_POS = _Positive()


def _frac_matrix(G):
    """G's entries as Fractions: a float64 array held exactly, or an object array of exact
    rationals (Fractions, ints, binary floats)."""
    G = np.asarray(G)
    if G.dtype != object:
        G = np.asarray(G, dtype=np.float64)
        return [[Fraction(float(v)) for v in row] for row in G]
    out = [[X.as_fraction(v) for v in row] for row in G]
    if any(v is None for row in out for v in row):
        raise TypeError("an exact spectrum needs exact rational entries")
    return out


class ExactSpectrum:
    """The eigenvalues of a rational symmetric matrix, when rational.

    ``values``: ascending with multiplicity (Fractions), or None; ``levels``: the distinct
    ones; ``mults``; ``rational``; ``diagonal``; ``reason`` when not rational.
    """

    def __init__(self, Gq, values, diagonal, reason=""):
        self.Gq, self.values, self.diagonal, self.reason = Gq, values, diagonal, reason
        self.rational = values is not None
        self.levels = sorted(set(values)) if values is not None else []
        self.mults = [values.count(v) for v in self.levels] if values is not None else []

    def project(self, y):
        """{lambda: P_lambda y} (exact Fraction vectors) for every level."""
        yq = [Fraction(float(v)) for v in np.asarray(y, dtype=np.float64).reshape(-1)]
        K = len(yq)
        if self.diagonal:
            diag = [self.Gq[i][i] for i in range(K)]
            return {lam: [yq[i] if diag[i] == lam else Fraction(0) for i in range(K)]
                    for lam in self.levels}
        import flint
        G = flint.fmpq_mat(K, K, [flint.fmpq(v.numerator, v.denominator)
                                  for row in self.Gq for v in row])
        I = flint.fmpq_mat(K, K, [1 if i == j else 0 for i in range(K) for j in range(K)])
        yv = flint.fmpq_mat(K, 1, [flint.fmpq(v.numerator, v.denominator) for v in yq])
        out = {}
        for lam in self.levels:
            v = yv
            for mu in self.levels:
                if mu != lam:
                    fm = flint.fmpq(mu.numerator, mu.denominator)
                    v = (G - I * fm) * v * (1 / flint.fmpq((lam - mu).numerator,
                                                           (lam - mu).denominator))
            out[lam] = [Fraction(int(v[i, 0].p), int(v[i, 0].q)) for i in range(K)]
        return out


def exact_spectrum(G):
    """The :class:`ExactSpectrum` of the float64 matrix ``G`` (held exactly)."""
    Gq = _frac_matrix(G)
    K = len(Gq)
    if all(Gq[i][j] == 0 for i in range(K) for j in range(K) if i != j):
        return ExactSpectrum(Gq, sorted(Gq[i][i] for i in range(K)), True)
    if K > MAX_EXACT_K:
        return ExactSpectrum(Gq, None, False, f"G is {K} x {K} and not diagonal (the exact "
                                              f"spectrum is computed up to K = {MAX_EXACT_K})")
    import flint
    M = flint.fmpq_mat(K, K, [flint.fmpq(v.numerator, v.denominator) for row in Gq for v in row])
    _, factors = M.charpoly().factor()
    values = []
    for f, mult in factors:
        if f.degree() != 1:
            return ExactSpectrum(Gq, None, False, f"the characteristic polynomial of G has an "
                                                  f"irreducible factor of degree {f.degree()} "
                                                  f"over Q (irrational eigenvalues)")
        c0, c1 = f.coeffs()[0], f.coeffs()[1]
        r = -c0 / c1
        values += [Fraction(int(r.p), int(r.q))] * int(mult)
    return ExactSpectrum(Gq, sorted(values), False)


def _eigen_nodes(spec, K, tag):
    if spec.rational:
        return [X.const(v) for v in spec.values]
    return [X.leaf(X.Var(f"{tag}.d[{k}]")) for k in range(K)]


class SelfDistillModel:
    """Exact names of the self-distillation trajectory of (G, y, eps) (module docstring).

    ``eigenvalues``: one node per eigenvalue (ascending).  Call :meth:`round` for t = 0, 1,
    ... in order (it returns the node of c_t and advances B); :meth:`sq_norm`,
    :meth:`norm`, :meth:`B_row` and :meth:`y_row` give the nodes of round t once reached.
    ``single_level``: y has weight on one positive level only (the closed form).
    ``note``: what is opaque, for reports.
    """

    def __init__(self, G, y, eps):
        G = np.asarray(G, dtype=np.float64)
        self.K = G.shape[0]
        self.spec = exact_spectrum(G)
        self.eigenvalues = _eigen_nodes(self.spec, self.K, "G")
        self.keps = X.const(self.K * Fraction(float(eps)))
        self._B = []  # per round: {level: node}
        self._c = []
        if not self.spec.rational:
            self.weights, self.proj, self.single_level = {}, {}, False
            self.note = f"c_t opaque: {self.spec.reason}"
            return
        self.proj = self.spec.project(y)
        self.weights = {lam: sum(v * v for v in p) for lam, p in self.proj.items()
                        if any(p)}
        positive = [lam for lam in self.weights if lam > 0]
        self.single_level = len(positive) == 1 and len(self.weights) == 1
        if self.single_level:
            (lam,) = positive
            self._u = X.sqrt(X.const(self.weights[lam]))
            self._a = X.sqrt(self.keps)
            self.note = "one weighted level: c_t in closed form"
        else:
            self.note = (f"{len(self.weights)} weighted levels: c_t roots of the secular "
                         f"equation")
        self._B.append({lam: X.const(1) for lam in self.spec.levels})

    # ------------------------------------------------------------------ rounds
    def round(self, t):
        """The node of c_t (rounds in order), after which B_{t+1} is known."""
        if t != len(self._c):
            raise ValueError(f"rounds of the exact model run in order: expected {len(self._c)}, "
                             f"got {t}")
        if not self.spec.rational:
            c = X.leaf(X.Var(f"c[{t}]"))
            self._c.append(c)
            return c
        B = self._B[t]
        if self.single_level:
            (lam,) = self.weights
            d = X.const(lam)
            den = X.sub(X.mul(self._u, B[lam]), self._a)  # ||y_t|| - a > 0 while rounds run
            c = X.div(X.mul(d, self._a), den, _POS)
        else:
            npos = sum(1 for lam in self.weights if lam > 0)
            v = X.Var(f"c[{t}]", degree=2 * max(npos, 1))  # the cleared secular equation
            c = X.leaf(v)
            lhs = X.const(0)
            for lam, W in self.weights.items():
                term = X.mul(X.const(W), X.power(B[lam], 2))
                if lam > 0:  # (c/(c + lambda))^2; c + lambda > 0
                    q = X.div(c, X.add(c, X.const(lam)), _POS)
                    term = X.mul(term, X.power(q, 2))
                lhs = X.add(lhs, term)
            v.relation = X.sub(lhs, self.keps)
        self._c.append(c)
        nxt = {}
        for lam, b in B.items():
            if lam > 0:
                d = X.const(lam)
                nxt[lam] = X.mul(b, X.div(d, X.add(c, d), _POS))
            else:
                nxt[lam] = X.const(0)
        self._B.append(nxt)
        return c

    def sq_norm(self, t):
        """||y_t||^2, or None without an exact spectrum."""
        if not self.spec.rational:
            return None
        B = self._B[t]
        out = X.const(0)
        for lam, W in self.weights.items():
            out = X.add(out, X.mul(X.const(W), X.power(B[lam], 2)))
        return out

    def norm(self, t):
        """||y_t|| (u B_t with a single level, else the square root of :meth:`sq_norm`)."""
        if not self.spec.rational:
            return None
        if self.single_level:
            (lam,) = self.weights
            return X.mul(self._u, self._B[t][lam])
        return X.sqrt(self.sq_norm(t))

    def B_row(self, t):
        """Nodes of B_t[k], k in the order of the eigenvalues, or None."""
        if not self.spec.rational:
            return None
        B = self._B[t]
        return [B[v] for v in self.spec.values]

    def y_row(self, t):
        """Nodes of y_t = sum_lambda B_t[lambda] P_lambda y, or None."""
        if not self.spec.rational:
            return None
        B = self._B[t]
        out = []
        for i in range(self.K):
            e = X.const(0)
            for lam, p in self.proj.items():
                if p[i] != 0:
                    e = X.add(e, X.mul(X.const(p[i]), B[lam]))
            out.append(e)
        return out


class FixedRidgeModel:
    """Exact names of the fixed-ridge trajectory's inputs: the eigenvalues (rational or
    opaque) and the eigenvectors (exact coordinate vectors for a diagonal G, else opaque
    entries).  Everything else (a_j, the filters, the projections) follows by arithmetic.
    """

    def __init__(self, G):
        G = np.asarray(G)
        G = G if G.dtype == object else np.asarray(G, dtype=np.float64)
        self.K = G.shape[0]
        self.spec = exact_spectrum(G)
        self.eigenvalues = _eigen_nodes(self.spec, self.K, "G")
        self.note = ("exact spectrum" if self.spec.rational else
                     f"eigenvalues opaque: {self.spec.reason}")

    def basis(self, vectors):
        """Nodes of the eigenvector matrix (rows i, columns k) matching ``vectors`` (the
        engine's enclosures): exact when G is diagonal and each column is a coordinate
        vector, opaque names otherwise."""
        K = self.K
        out = np.empty((K, K), dtype=object)
        if self.spec.diagonal:
            ok = all(vectors[i, k].is_exact and float(vectors[i, k]) in (0.0, 1.0, -1.0)
                     for i in range(K) for k in range(K))
            if ok:
                for i in range(K):
                    for k in range(K):
                        out[i, k] = X.const(Fraction(float(vectors[i, k])))
                return out
        for i in range(K):
            for k in range(K):
                out[i, k] = X.leaf(X.Var(f"U[{i},{k}]"))
        return out
