r"""Exact real numbers behind enclosures: expressions that decide ties a ball cannot.

A ball ``[m ± r]`` decides ``x < y`` only when the balls of ``x`` and ``y`` do not overlap,
so an exact tie (a bound attained, two margins equal by construction) stays undecided at
every precision.  Here a number also carries an **expression** (a :class:`Node`): a
rational function of exact rationals and of named real numbers (:class:`Var`), each either
*opaque* (nothing is known about it but that it is one fixed real number) or a root of a
polynomial relation over earlier names (square roots, roots of a secular equation).

The sign of an expression ``E`` whose ball ``B`` contains 0 is decided exactly:

1. ``E = a - b`` where ``a`` and ``b`` are the same operations on the same rationals and
   names (a structural identity, found by hash-consing): ``E = 0``.  Otherwise
   ``E = N/D`` as a reduced rational function of its names (python-flint's ``fmpq_mpoly``,
   gcd-reduced at every step).  ``N = 0`` identically: ``E = 0`` for every value of the
   names (an identity; opaque names allowed).
2. Otherwise the names are eliminated from ``N - x D`` by resultants with their relations,
   latest first: the result ``q(x)`` lies in the ideal of the relations, so ``q(E) = 0``
   (sound whatever the relations' other roots are).  An opaque name left in it, a zero
   resultant, or a degree above :data:`MAX_DEGREE` gives up (the caller keeps the
   instance undecided and says why).
3. With ``q = x^m q_1``, ``q_1(0) != 0``, every root of ``q_1`` has modulus at least
   ``rho = |q_1(0)|/(|q_1(0)| + max_i |c_i|)`` (Cauchy's bound of the reversed
   polynomial).  ``E`` is a root of ``q`` inside ``B``: if ``m > 0`` and ``B`` lies inside
   ``(-rho, rho)``, then ``E = 0``; otherwise the real roots of ``q`` are isolated with
   certified disjoint enclosures (Arb's ``fmpz_poly.complex_roots``) and ``E`` takes the
   sign of the roots that meet ``B``, when they all have one sign.  When roots of both
   signs (or the root 0 and another) meet ``B``, the ball is too wide:
   :class:`ExactUndecided` with ``needs_bits`` (retry with narrower balls).

Expressions are built by :class:`theory.ball.Ball` arithmetic as a side effect (only for
balls that carry one); :func:`sign` is called by its comparisons when the balls overlap.

Source: the resultant elimination and root bounds are textbook (Cox, Little & O'Shea,
*Ideals, Varieties, and Algorithms*, §3.6; Cauchy's root bound) [prior work]; Arb's
certified root isolation (F. Johansson, IEEE Trans. Computers 66 (2017)) [prior work].
Domain: expressions of +, -, *, /, integer powers, |.| and square roots over exact
rationals and names; a division's divisor must have a ball excluding 0.

>>> import flint
>>> from fractions import Fraction
>>> s = sqrt(const(Fraction(2)))          # sqrt(2), named by its relation s^2 = 2
>>> e = sub(mul(s, s), const(2))          # sqrt(2)^2 - 2: not identically 0 as a polynomial
>>> with flint.ctx.workprec(64):
...     sign(e, flint.arb(0, 1e-15))      # decided exactly: 0
0
>>> sign(add(s, const(-1)), flint.arb(0.41, 0.01))
1
"""

import itertools
import math
from fractions import Fraction

__all__ = ["Node", "Var", "ExactUndecided", "ExactInconsistency", "const", "leaf", "add",
           "sub", "mul", "div", "neg", "power", "absolute", "sqrt", "sign", "as_fraction",
           "is_const", "decisions", "clear_rings", "MAX_DEGREE", "MAX_TERMS"]

#: Largest total degree a resultant may produce (a bound from the operands' degrees,
#: checked before each elimination); beyond it the decision gives up.  At 256 the
#: univariate polynomials still isolate in well under a second.
MAX_DEGREE = 256
#: Largest number of terms of an intermediate polynomial.
MAX_TERMS = 5_000
#: ... and of the rational functions of an expression whose algebraic names could not be
#: eliminated within MAX_DEGREE anyway (only an identity can decide it then: kept cheap).
_MAX_TERMS_IDENTITY = 1_000
#: Root isolation retries at doubled precision up to this many bits.
_MAX_ROOT_BITS = 8192

_INDEX = itertools.count()
#: How many signs :func:`sign` has decided in exact arithmetic (not from the ball): a
#: diagnostic a caller reads before and after a computation (:func:`decisions`).
_DECIDED = [0]


def decisions():
    """The number of signs decided in exact arithmetic so far in this process."""
    return _DECIDED[0]


class ExactUndecided(ArithmeticError):
    """An exact decision gave up: ``reason`` says why; ``needs_bits`` is set when narrower
    balls would decide (the roots of the annihilating polynomial are closer to each
    other, or to 0, than the ball is wide)."""

    def __init__(self, reason, needs_bits=None):
        super().__init__(reason)
        self.reason = reason
        self.needs_bits = needs_bits


class _TooLarge(ExactUndecided):
    """A rational function of the expression exceeds the term cap (:data:`MAX_TERMS`)."""


class ExactInconsistency(RuntimeError):
    """The enclosure of an expression holds no root of its annihilating polynomial: the
    expression does not describe the number the ball encloses (a fault of the model that
    built it, never a verdict)."""


class Var:
    """A named real number: opaque (``relation`` None), or a root of ``relation`` (an
    expression in this name and earlier ones whose value is 0).  ``label`` is for messages;
    ``degree`` the degree of the relation in this name, when known in advance (a quick
    estimate of the cost of eliminating it).
    """

    __slots__ = ("index", "label", "relation", "degree")

    def __init__(self, label, relation=None, degree=None):
        self.index = next(_INDEX)
        self.label = label
        self.relation = relation
        self.degree = degree

    def __repr__(self):
        return f"Var({self.label!r}#{self.index})"


class Node:
    """One expression node.  ``op``: ``c`` (``aux`` a Fraction), ``v`` (``aux`` a Var),
    ``+ - * /`` (operands ``a``, ``b``; for ``/`` ``aux`` is the divisor's ball), ``neg``,
    ``pow`` (``aux`` an int), ``abs`` (``aux`` the operand's ball)."""

    __slots__ = ("op", "a", "b", "aux", "_sqrt", "_key")

    def __init__(self, op, a=None, b=None, aux=None):
        self.op, self.a, self.b, self.aux = op, a, b, aux
        self._sqrt = None
        self._key = None

    def __repr__(self):
        if self.op == "c":
            return f"Node({self.aux})"
        if self.op == "v":
            return f"Node({self.aux!r})"
        return f"Node({self.op})"


# ------------------------------------------------------------------ builders
_ZERO, _ONE = Fraction(0), Fraction(1)


def const(q):
    """An exact rational (int, Fraction, or a binary float held exactly)."""
    return Node("c", aux=as_fraction(q))


def as_fraction(q):
    """``q`` as a Fraction: exact for ints, binary floats (Python and numpy), mpf and
    rationals; None for anything else (a ball, a non-finite float, a boolean).

    >>> as_fraction(0.1) == Fraction(3602879701896397, 2 ** 55), as_fraction(True)
    (True, None)
    """
    import numbers
    import numpy as np
    if isinstance(q, Fraction):
        return q
    if isinstance(q, (bool, np.bool_)):
        return None
    if isinstance(q, (int, np.integer)):
        return Fraction(int(q))
    if isinstance(q, (float, np.floating)):
        return Fraction(*q.as_integer_ratio()) if math.isfinite(float(q)) else None
    if type(q).__name__ == "mpf" and hasattr(q, "_mpf_"):
        sign_, man, exp, _ = q._mpf_
        if not man and exp:  # inf or nan
            return None
        v = Fraction(int(man)) * (Fraction(2) ** int(exp))
        return -v if sign_ else v
    if isinstance(q, numbers.Rational):
        return Fraction(int(q.numerator), int(q.denominator))
    return None


def leaf(var):
    return Node("v", aux=var)


def is_const(n):
    return n is not None and n.op == "c"


def add(a, b):
    if is_const(a) and is_const(b):
        return Node("c", aux=a.aux + b.aux)
    if is_const(b) and b.aux == 0:
        return a
    if is_const(a) and a.aux == 0:
        return b
    return Node("+", a, b)


def sub(a, b):
    if is_const(a) and is_const(b):
        return Node("c", aux=a.aux - b.aux)
    if a is b:
        return Node("c", aux=_ZERO)
    if is_const(b) and b.aux == 0:
        return a
    return Node("-", a, b)


def mul(a, b):
    if is_const(a) and is_const(b):
        return Node("c", aux=a.aux * b.aux)
    for x, y in ((a, b), (b, a)):
        if is_const(x):
            if x.aux == 1:
                return y
            if x.aux == 0:  # 0 * (a finite real) = 0
                return x
    return Node("*", a, b)


def div(a, b, b_ball):
    """a/b; ``b_ball`` (an arb) encloses the divisor: the conversion requires it to exclude
    0, so that the quotient is defined at the true values."""
    if is_const(a) and is_const(b) and b.aux != 0:
        return Node("c", aux=a.aux / b.aux)
    if is_const(b) and b.aux == 1:
        return a
    return Node("/", a, b, b_ball)


def neg(a):
    if is_const(a):
        return Node("c", aux=-a.aux)
    return Node("neg", a)


def power(a, n):
    n = int(n)
    if is_const(a) and (a.aux != 0 or n >= 0):
        return Node("c", aux=a.aux ** n)
    if n == 1:
        return a
    return Node("pow", a, aux=n)


def absolute(a, a_ball):
    if is_const(a):
        return Node("c", aux=abs(a.aux))
    return Node("abs", a, aux=a_ball)


_SQRT_OF_RATIONAL = {}


def _isqrt_exact(n):
    r = math.isqrt(n)
    return r if r * r == n else None


def sqrt(a):
    """The non-negative square root: a rational when ``a`` is a rational square, else a
    name with relation ``s^2 - a`` (one name per rational, and per expression node)."""
    if is_const(a):
        q = a.aux
        if q < 0:
            return None
        rn, rd = _isqrt_exact(q.numerator), _isqrt_exact(q.denominator)
        if rn is not None and rd is not None:
            return Node("c", aux=Fraction(rn, rd))
        if q not in _SQRT_OF_RATIONAL:
            v = Var(f"sqrt({q})", degree=2)
            s = leaf(v)
            v.relation = sub(mul(s, s), a)
            _SQRT_OF_RATIONAL[q] = s
        return _SQRT_OF_RATIONAL[q]
    if a._sqrt is None:
        v = Var("sqrt(.)", degree=2)
        s = leaf(v)
        v.relation = sub(mul(s, s), a)
        a._sqrt = s
    return a._sqrt


# ------------------------------------------------------------------ structural identity
_INTERN = {}


def _key(node):
    """An integer equal for two nodes exactly when they are the same operations applied to
    the same rationals and names (hash-consing; memoised on the nodes).  Equal keys mean
    equal values, whatever the names' values."""
    stack = [node]
    while stack:
        n = stack[-1]
        if n._key is not None:
            stack.pop()
            continue
        kids = [k for k in _children(n) if k._key is None]
        if kids:
            stack.extend(kids)
            continue
        stack.pop()
        if n.op == "c":
            aux = ("c", n.aux)
        elif n.op == "v":
            aux = ("v", n.aux.index)
        elif n.op == "pow":
            aux = n.aux
        elif n.op == "/" and not (n.aux is not None and (n.aux > 0 or n.aux < 0)):
            aux = ("undefined?", id(n))  # a divisor not known to be non-zero: never equal
        else:
            aux = None  # the balls of "/" and "abs" are enclosures, not part of the value
        k = (n.op, n.a._key if n.a is not None else None,
             n.b._key if n.b is not None else None, aux)
        n._key = _INTERN.setdefault(k, len(_INTERN))
    return node._key


# ------------------------------------------------------------------ names of an expression
def _children(n):
    if n.op in ("c", "v"):
        return ()
    if n.b is not None:
        return (n.a, n.b)
    return (n.a,)


def _names(node):
    """Every Var the value of ``node`` depends on, with the names in their relations."""
    seen, out, stack = set(), {}, [node]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if n.op == "v":
            v = n.aux
            if v.index not in out:
                out[v.index] = v
                if v.relation is not None:
                    stack.append(v.relation)
        else:
            stack.extend(_children(n))
    return [out[i] for i in sorted(out)]


# ------------------------------------------------------------------ rational functions
def _is_square_root(v):
    """Whether name ``v``'s relation has the shape ``v*v - a`` (a square root of ``a``)."""
    r = v.relation
    return (r is not None and r.op == "-" and r.a.op == "*" and r.a.a is r.a.b
            and r.a.a.op == "v" and r.a.a.aux is v)


class _Ring:
    """Q[names, x] and the conversion of expressions to reduced fractions N/D in it."""

    def __init__(self, names, max_terms=None, fold=False):
        import flint
        self.flint = flint
        self.max_terms = MAX_TERMS if max_terms is None else max_terms
        self.names = names
        self.pos = {v.index: i for i, v in enumerate(names)}
        labels = tuple(f"v{v.index}" for v in names) + ("x",)
        self.ctx = flint.fmpq_mpoly_ctx.get(labels, "lex")
        gens = self.ctx.gens()
        self.gen = {v.index: g for v, g in zip(names, gens)}
        self.x = gens[-1]
        self.one = self.ctx.constant(1)
        self._memo = {}
        # {position of a square root's name: its radicand} (lazy; empty unless ``fold``)
        self._squares = None if fold else {}

    def constant(self, q):
        return self.ctx.constant(self.flint.fmpq(q.numerator, q.denominator))

    def _square_roots(self):
        """Names ``s`` with relation ``s*s - a``, ``a`` a polynomial in earlier names, by
        position: their squares are folded into ``a`` as soon as they appear."""
        if self._squares is None:
            self._squares = {}
            for v in self.names:
                if not _is_square_root(v):
                    continue
                A, B = self.convert(v.relation.b)
                if B.is_one() and A.degrees()[self.pos[v.index]] == 0:
                    self._squares[self.pos[v.index]] = A
        return self._squares

    def _fold(self, P, i, A):
        """P with every s^k (s the name at position i) replaced by A^(k // 2) s^(k % 2):
        equal to P at the names' values, since s^2 = A there."""
        parts = {}
        for exps, c in P.to_dict().items():
            e = list(exps)
            h, e[i] = divmod(e[i], 2)
            parts.setdefault(h, {})[tuple(e)] = c
        return sum((self.ctx.from_dict(d) * A ** h for h, d in parts.items()), self.ctx.constant(0))

    def _reduce(self, N, D):
        if N.is_zero():
            return N, self.one
        for i, A in self._square_roots().items():  # {} while they are being converted
            if N.degrees()[i] >= 2:
                N = self._fold(N, i, A)
            if D.degrees()[i] >= 2:
                D = self._fold(D, i, A)
        if N.is_zero():
            return N, self.one
        if len(N) > self.max_terms or len(D) > self.max_terms:
            raise _TooLarge(f"a rational function of the expression has more than "
                                 f"{self.max_terms} terms (the cap of exact decisions)")
        g = N.gcd(D)
        if not g.is_one():
            N, D = N / g, D / g
        lc = D.leading_coefficient()
        if lc != 1:
            N, D = N * (1 / lc), D * (1 / lc)
        return N, D

    def convert(self, node):
        """(N, D) with value(node) = N/D at the names' values and D != 0 there."""
        memo = self._memo
        stack = [(node, False)]
        while stack:
            n, ready = stack.pop()
            if id(n) in memo:
                continue
            kids = _children(n)
            if not ready and kids:
                stack.append((n, True))
                stack.extend((k, False) for k in kids if id(k) not in memo)
                continue
            memo[id(n)] = (self._convert_one(n), n)  # keep n alive: ids stay unique
        return memo[id(node)][0]

    def _get(self, n):
        return self._memo[id(n)][0]

    def _convert_one(self, n):
        op = n.op
        if op == "c":
            return self.constant(n.aux), self.one
        if op == "v":
            return self.gen[n.aux.index], self.one
        if op == "neg":
            N, D = self._get(n.a)
            return -N, D
        if op == "pow":
            N, D = self._get(n.a)
            k = n.aux
            if abs(k) * max(len(N), len(D)) > self.max_terms and (len(N) > 1 or len(D) > 1):
                raise _TooLarge(f"a power {k} of a rational function with "
                                     f"{max(len(N), len(D))} terms (the cap of exact "
                                     f"decisions)")
            if k >= 0:
                return N ** k, D ** k
            if N.is_zero():
                raise ExactUndecided("a negative power of 0")
            return self._reduce(D ** (-k), N ** (-k))
        if op == "abs":
            s = _sign_of_value(n.a, n.aux)
            N, D = self._get(n.a)
            return (-N, D) if s < 0 else (N, D)
        N1, D1 = self._get(n.a)
        N2, D2 = self._get(n.b)
        if op == "+":
            if D1 == D2:
                return self._reduce(N1 + N2, D1)
            return self._reduce(N1 * D2 + N2 * D1, D1 * D2)
        if op == "-":
            if D1 == D2:
                return self._reduce(N1 - N2, D1)
            return self._reduce(N1 * D2 - N2 * D1, D1 * D2)
        if max(len(N1), len(D1)) * max(len(N2), len(D2)) > 4 * self.max_terms:
            raise _TooLarge(f"a product of rational functions with {max(len(N1), len(D1))}"
                                 f" and {max(len(N2), len(D2))} terms (the cap of exact "
                                 f"decisions)")
        if op == "*":
            return self._reduce(N1 * N2, D1 * D2)
        if op == "/":
            ball = n.aux
            if ball is None or not (ball > 0 or ball < 0):
                raise ExactUndecided("a divisor whose enclosure contains 0")
            if N2.is_zero():
                raise ExactUndecided("a division by an expression that is identically 0")
            return self._reduce(N1 * D2, D1 * N2)
        raise ValueError(f"unknown expression node {op!r}")

    def relation(self, var):
        i = self.pos[var.index]
        squares = self._square_roots()
        if i in squares:  # s^2 - a, written out: converting it would fold s^2 into a
            return self.gen[var.index] ** 2 - squares[i]
        N, _ = self.convert(var.relation)
        return N

    def used(self, P):
        degs = P.degrees()
        return [i for i, d in enumerate(degs) if d > 0]


#: Rings by (names, term cap, folding), most recent last: decisions on one instance
#: (a margin, the comparisons that selected it) share their sub-expressions, which a ring
#: converts once.  Bounded in count and in converted nodes (the memo keeps them alive).
_RINGS = {}
_RINGS_MAX, _RING_MAX_NODES = 4, 400_000


def clear_rings():
    """Forget the conversion rings (certified mode calls this per instance: expressions of
    different instances share nothing)."""
    _RINGS.clear()


def _ring(names, max_terms, fold):
    key = (tuple(v.index for v in names), max_terms, fold)
    R = _RINGS.pop(key, None)
    if R is None or len(R._memo) > _RING_MAX_NODES:
        R = _Ring(names, max_terms, fold=fold)
    _RINGS[key] = R
    while len(_RINGS) > _RINGS_MAX:
        _RINGS.pop(next(iter(_RINGS)))
    return R


def _sign_of_value(node, ball):
    """Sign of a sub-expression (for |.|): from its ball when it excludes 0, else exactly."""
    if ball is not None and ball > 0:
        return 1
    if ball is not None and ball < 0:
        return -1
    return sign(node, ball)


# ------------------------------------------------------------------ the decision
def _annihilator(node):
    """A non-zero univariate fmpz_poly q with q(value(node)) = 0, or the int 0 when the
    expression is 0 identically, or modulo the relations of its names.

    Three attempts, cheapest first: the rational function as written; then with squares of
    square roots folded into their radicands (``theta_j = m_j / sqrt(d_j)`` keeps small
    denominators that way, but folding costs a pass over every intermediate polynomial, and
    on a high power of a root it expands a power of the radicand: the ties of
    mobahi2020.c_bounds took 2.5 s as written and over 100 s folded); then, when the
    rational function is too large to write out, on :func:`_generalise` d ``node``."""
    try:
        return _annihilator_of(node)
    except ExactUndecided as exc:
        failed = exc
    if any(_is_square_root(v) for v in _names(node)):  # else folding would repeat the above
        try:
            return _annihilator_of(node, fold=True)
        except _TooLarge as exc:
            failed = exc
    if not isinstance(failed, _TooLarge):
        raise failed
    gen, count = _generalise(node)
    if not count:
        raise failed
    try:
        return _annihilator_of(gen, fold=True)
    except ExactUndecided:
        raise failed from None


def _annihilator_of(node, fold=False):
    names = _names(node)
    estimate = 1
    for v in names:
        estimate *= v.degree or 1
    if estimate > MAX_DEGREE:  # no elimination can finish: only a plain identity decides
        N, _ = _ring(names, _MAX_TERMS_IDENTITY, fold).convert(node)
        if N.is_zero():
            return 0
        raise ExactUndecided(f"the expression involves {len(names)} names whose elimination "
                             f"could reach degree {estimate} > {MAX_DEGREE} (the cap of "
                             f"exact decisions), and it is not an identity")
    R = _ring(names, MAX_TERMS, fold)
    N, D = R.convert(node)
    if N.is_zero():
        return 0
    rels, why = {}, {}
    for v in names:
        if v.relation is None:
            continue
        try:
            rel = R.relation(v)
        except ExactUndecided as exc:  # too large to write out: as good as opaque
            why[v.index] = exc.reason
            continue
        if rel.degrees()[R.pos[v.index]] > 0:
            rels[v.index] = rel
    if rels:  # N = Q rel + N' with rel = 0 at the names' values: N vanishes iff N' does
        N = _reduce_mod(N, [rels[i] for i in sorted(rels, reverse=True)])
        if N.is_zero():
            return 0
    P = N - R.x * D
    need, stack = set(), [i for i in R.used(P) if i < len(names)]
    while stack:  # the names P depends on, with those in their relations
        i = stack.pop()
        v = names[i]
        if v.index in need:
            continue
        need.add(v.index)
        if v.index not in rels:
            extra = f" ({why[v.index]})" if v.index in why else ""
            raise ExactUndecided(f"the expression depends on {v.label}, a number known only "
                                 f"by its enclosure (no usable polynomial relation){extra}")
        stack += [j for j in R.used(rels[v.index]) if j < len(names)]
    estimate = 1  # deg_x of the result <= deg_x(P) * prod_v deg_v(rel_v)
    for idx in need:
        estimate *= rels[idx].degrees()[R.pos[idx]]
    if estimate > MAX_DEGREE:
        raise ExactUndecided(f"the expression involves {len(need)} algebraic numbers whose "
                             f"elimination could reach degree {estimate} > {MAX_DEGREE} (the "
                             f"cap of exact decisions)")
    for v in reversed(names):
        i = R.pos[v.index]
        if P.degrees()[i] == 0:
            continue
        rel = rels[v.index]
        bound = P.degrees()[i] * rel.total_degree() + rel.degrees()[i] * P.total_degree()
        if bound > MAX_DEGREE:
            raise ExactUndecided(f"eliminating {v.label} could reach degree {bound} > "
                                 f"{MAX_DEGREE} (the cap of exact decisions)")
        P = P.resultant(rel, f"v{v.index}")
        if P.is_zero():
            raise ExactUndecided(f"the elimination of {v.label} degenerated (zero resultant)")
        if len(P) > MAX_TERMS:
            raise ExactUndecided(f"an intermediate polynomial has {len(P)} terms > {MAX_TERMS}")
        P = _squarefree(P)
    return _to_univariate(R, P)


# ------------------------------------------------------------------ generalisation
def _post_order(node, leaf=lambda n: False):
    """The distinct nodes of ``node``'s expression, each after all of its children; the
    children of a node for which ``leaf`` is true are not visited (unless reached otherwise)."""
    order, stack, seen = [], [(node, False)], set()
    while stack:
        n, ready = stack.pop()
        if ready:
            order.append(n)
            continue
        if id(n) in seen:
            continue
        seen.add(id(n))
        stack.append((n, True))
        if not leaf(n):
            stack.extend((k, False) for k in _children(n) if id(k) not in seen)
    return order


def _linear_forms(node):
    """For every sub-expression of ``node`` that is a linear form in opaque names,
    ``c_0 + sum_i c_i v_i`` (built by +, -, neg and products with rationals), that form as
    ``{index or None: Fraction}`` (None: the constant); by node id.  Other nodes: absent."""
    forms = {}
    for n in _post_order(node):
        f = None
        if n.op == "c":
            f = {None: n.aux}
        elif n.op == "v" and n.aux.relation is None:
            f = {n.aux.index: _ONE}
        elif n.op in ("+", "-") and id(n.a) in forms and id(n.b) in forms:
            f, sgn = dict(forms[id(n.a)]), (1 if n.op == "+" else -1)
            for k, c in forms[id(n.b)].items():
                f[k] = f.get(k, _ZERO) + sgn * c
        elif n.op == "neg" and id(n.a) in forms:
            f = {k: -c for k, c in forms[id(n.a)].items()}
        elif n.op == "*":
            for x, y in ((n.a, n.b), (n.b, n.a)):
                if x.op == "c" and id(y) in forms:
                    f = {k: x.aux * c for k, c in forms[id(y)].items()}
                    break
        if f is not None:
            forms[id(n)] = {k: c for k, c in f.items() if c != 0}
    return forms


def _generalise(node):
    """``(node', count)``: ``node`` with each maximal linear form of two or more opaque
    names replaced by ``c_0 + s g``, ``g`` one of ``count`` fresh opaque names, one per form
    up to scale (``s`` its first coefficient), the same wherever the same form occurs.

    Sound for deciding: ``node'`` has the value of ``node`` when each fresh name takes the
    value of its form, and every decision here holds for all values of opaque names (an
    identity, or a relation eliminating only names with relations).  Deciding on ``node'``
    finds fewer identities (the forms' expansions are forgotten); it is tried only where
    ``node``'s rational function is too large to write out, e.g. projections ``u_j^T mu``
    on opaque eigenvectors ``u_j`` (K terms each) squared and multiplied together."""
    forms = _linear_forms(node)
    fresh = {}

    def name_of(f):
        terms = sorted((k, c) for k, c in f.items() if k is not None)
        s = terms[0][1]
        key = tuple((k, c / s) for k, c in terms)
        if key not in fresh:
            fresh[key] = leaf(Var("linear form of " + ", ".join(f"#{k}" for k, _ in key)))
        g = mul(const(s), fresh[key])
        return add(const(f[None]), g) if f.get(None) else g

    def replaced(n):
        f = forms.get(id(n))
        return f is not None and sum(k is not None for k in f) >= 2

    new = {}  # by node id: the rebuilt node (children first, iteratively)
    for n in _post_order(node, replaced):  # not inside a replaced form
        if replaced(n):
            out = name_of(forms[id(n)])
        elif n.op in ("c", "v"):
            out = n
        else:
            a = new[id(n.a)]
            b = new[id(n.b)] if n.b is not None else None
            out = n if (a is n.a and b is n.b) else Node(n.op, a, b, n.aux)
        new[id(n)] = out
    return new[id(node)], len(fresh)


def _reduce_mod(N, rels):
    """The remainder of N on division by the relations (repeated until it stops changing)."""
    for _ in range(4):
        before = N
        for rel in rels:
            _, N = divmod(N, rel)
            if N.is_zero():
                return N
        if N == before:
            break
    return N


def _squarefree(P):
    _, factors = P.factor_squarefree()
    out = None
    for f, _m in factors:
        out = f if out is None else out * f
    return out if out is not None else P


def _to_univariate(R, P):
    import flint
    nv = len(R.names)
    coeffs = {}
    for exps, c in P.to_dict().items():
        if any(exps[:nv]):
            raise ExactUndecided("elimination left a name in the polynomial")
        coeffs[int(exps[nv])] = c
    den = 1
    for c in coeffs.values():
        den = den * int(c.q) // math.gcd(den, int(c.q))
    deg = max(coeffs)
    vals = [0] * (deg + 1)
    for e, c in coeffs.items():
        vals[e] = int(c.p) * (den // int(c.q))
    return flint.fmpz_poly(vals)


def sign(node, ball):
    """The sign (-1, 0, 1) of the exact value of ``node``, whose value lies in ``ball`` (an
    arb).  Raises :class:`ExactUndecided` when it cannot be decided (see the module)."""
    import flint
    if ball is not None and ball > 0:
        return 1
    if ball is not None and ball < 0:
        return -1
    if node.op == "c":
        _DECIDED[0] += 1
        return (node.aux > 0) - (node.aux < 0)
    if ball is None or not ball.is_finite():
        raise ExactUndecided("the expression's enclosure is unbounded")
    if node.op == "-" and _key(node.a) == _key(node.b):  # the same computation twice
        _DECIDED[0] += 1
        return 0
    s = _sign(node, ball)
    _DECIDED[0] += 1
    return s


def _sign(node, ball):
    import flint
    q = _annihilator(node)
    if isinstance(q, int):
        return 0
    coeffs = [int(c) for c in q.coeffs()]
    m = 0
    while coeffs[m] == 0:
        m += 1
    q1 = coeffs[m:]
    a0 = abs(q1[0])
    rest = max((abs(c) for c in q1[1:]), default=0)
    if rest == 0:  # q = c x^m: the only root is 0 (none when m = 0)
        if m > 0:
            return 0
        raise ExactInconsistency("the annihilating polynomial is a non-zero constant")
    with flint.ctx.workprec(64):
        rho = flint.arb(a0) / (a0 + rest)
        inside = bool(abs(ball).upper() < rho.lower())
    if inside:
        if m > 0:
            return 0
        raise ExactInconsistency("the enclosure holds no root of the annihilating polynomial")
    return _sign_by_isolation(flint.fmpz_poly(q1), m > 0, ball, rho)


def _sign_by_isolation(q1, zero_root, ball, rho):
    import flint
    prec = max(64, flint.ctx.prec)
    while prec <= _MAX_ROOT_BITS:
        with flint.ctx.workprec(prec):
            roots = [r.real for r, _ in q1.complex_roots() if r.imag.is_zero()]
        meet = [r for r in roots if r.overlaps(ball)]
        if zero_root and ball.contains(0):
            if not meet:
                return 0
            bits = max(1, -int(math.floor(math.log2(max(float(rho.lower()), 1e-300)))))
            raise ExactUndecided("the enclosure meets 0 and another root of the annihilating "
                                 "polynomial", needs_bits=bits)
        if not meet:
            raise ExactInconsistency("the enclosure holds no root of the annihilating "
                                     "polynomial")
        if all(r > 0 for r in meet):
            return 1
        if all(r < 0 for r in meet):
            return -1
        if any(r.contains(0) for r in meet):  # a root's enclosure still reaches 0: refine it
            prec *= 2
            continue
        bits = max(1, -int(math.floor(math.log2(max(float(rho.lower()), 1e-300)))))
        raise ExactUndecided("roots of both signs meet the enclosure", needs_bits=bits)
    raise ExactUndecided(f"the roots are not isolated from 0 at {_MAX_ROOT_BITS} bits")
