r"""Certified real numbers: Arb balls whose comparisons are decided or raise.

A :class:`Ball` ``[m ± r]`` (``m``, ``r`` exact binary numbers) stands for one real number
``x`` with ``m - r <= x <= m + r``.  Arithmetic is Arb's ball arithmetic (python-flint's
``arb``): the result of ``f(a, b)`` contains ``f(x, y)`` for every ``x`` in ``a`` and ``y``
in ``b``, so an enclosure is never wrong, only wide.

Comparisons are where plain ``arb`` is dangerous for number-type-neutral code: ``a < b`` is
``False`` both when ``a >= b`` and when the balls overlap, so ``if r > 1:`` would silently
take a branch.  Here a comparison returns a ``bool`` only when it holds (or fails) for
every point of both balls; otherwise it raises :class:`UndecidedError` carrying the
width, and a caller may retry at higher precision.  One exception, sound by construction:
a ball compared with *itself* (the same object, hence the same number) is equal.

Python ``int``/``float`` (finite), numpy scalars, ``fractions.Fraction`` and ``mpf`` mix
with balls *exactly* (a float64 is a binary number, held without rounding);
``float(ball)`` is the midpoint, for reports only.  Each ball carries the precision in bits
of the arithmetic that made it, and every operation runs at the larger of its operands'
precisions (``flint.ctx.workprec``), never at Arb's ambient default.

A ball may also carry the **exact expression** of its number (``ex``, a
:class:`theory.exact_real.Node`): exact inputs do (:meth:`Ball.exact`), engines attach one
to the numbers they can name exactly (:meth:`Ball.with_expression`), and arithmetic
propagates it while every operand has one.  Where the balls overlap, a comparison of two
such numbers, a ceiling or a floor is then decided in exact arithmetic
(:func:`theory.exact_real.sign`): an exact tie is *equal*, not undecided.  Without an
expression (or when exact arithmetic gives up, within its caps) it raises
:class:`UndecidedError` as before.

Source: F. Johansson, "Arb: efficient arbitrary-precision midpoint-radius interval
arithmetic", IEEE Trans. Computers 66 (2017) 1281-1292 [prior work].
Domain: finite real numbers; python-flint (the ``fast`` or ``test`` extra) must be
installed to make a ball (importing this module does not need it).

>>> x = Ball.exact(2, 128).sqrt()
>>> x * x > 1.999, x > 1.414, x < 1.415
(True, True, True)
>>> x * x > 2, x * x == 2   # the enclosure of sqrt(2)^2 contains 2: decided exactly
(False, True)
>>> y = Ball(x.v, 128)      # the same ball without its expression
>>> try:
...     y * y > 2
... except UndecidedError as exc:
...     print("undecided at", exc.prec, "bits")
undecided at 128 bits
"""

import math
import numbers
import operator

import numpy as np

from .errors import InputError, PrecisionError

__all__ = ["Ball", "BallContext", "UndecidedError", "require_flint", "ball_array",
           "width_of", "is_ball"]


class UndecidedError(PrecisionError):
    """A comparison (or a discrete decision built on one) that the balls cannot decide at
    their precision.  ``width``: the width of the enclosure that straddles the decision
    (inf when unbounded); ``prec``: the precision in bits; ``exact_gave_up``: exact
    arithmetic was tried and gave up for a reason more bits do not change (a cap, an
    opaque number), so only narrower balls can still decide."""

    def __init__(self, message, width=math.inf, prec=None, exact_gave_up=False):
        super().__init__(message)
        self.width = float(width)
        self.prec = prec
        self.exact_gave_up = bool(exact_gave_up)


def require_flint():
    """The ``flint`` module, or InputError naming the extra that installs it."""
    try:
        import flint
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise InputError("certified (ball) arithmetic needs python-flint: install the "
                         "'fast' extra (pip install 'proofs-check[fast]')") from exc
    return flint


def _flint():
    global _FLINT
    if _FLINT is None:
        _FLINT = require_flint()
    return _FLINT


_FLINT = None


def _arb_exact(v):
    """``v`` (a finite real scalar, not a Ball) as an arb: exact for ints, binary floats and
    mpf; correctly enclosed for other rationals.  None for types we do not mix with."""
    fl = _flint()
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{v!r} is a boolean, not a number")
    if isinstance(v, int):
        return fl.arb(fl.fmpz(v))
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            raise InputError(f"{v!r} is not finite: a certified computation only takes finite "
                             f"numbers")
        if isinstance(v, (float, np.float64, np.float32, np.float16)):
            return fl.arb(float(v))  # a binary64 number (float32/16 widen exactly): exact
        p, q = v.as_integer_ratio()  # wider floats: exact rational, q a power of two
        return fl.arb(fl.fmpz(p)) / fl.arb(fl.fmpz(q))
    if isinstance(v, np.integer):
        return fl.arb(fl.fmpz(int(v)))
    if hasattr(v, "_mpf_"):
        return fl.arb(v)
    if isinstance(v, numbers.Rational):
        return fl.arb(fl.fmpz(int(v.numerator))) / fl.arb(fl.fmpz(int(v.denominator)))
    return None


def _int_power(a, n):
    """a**n for an integer n by repeated squaring of the arb ``a`` (python-flint's ``**``
    goes through a real power, which is nan for a ball containing 0: ``arb(0 +/- r)**2``).

    >>> str(_int_power(_flint().arb(0, 1e-10), 2).mid()), str(_int_power(_flint().arb(2), -3))
    ('0', '0.125000000000000')
    """
    if n < 0:
        return 1 / _int_power(a, -n)
    out, base = _flint().arb(1), a
    while n:
        if n & 1:
            out = out * base
        base = base * base
        n >>= 1
    return out


def _arb_exact_or_none(v):
    """:func:`_arb_exact` for plain numbers; None for balls and other types."""
    if isinstance(v, (Ball, bool, np.bool_)):
        return None
    try:
        return _arb_exact(v)
    except InputError:
        return None


def _is_exact_zero(v):
    return type(v) in (int, float) and v == 0


def _is_exact_one(v):
    return type(v) in (int, float) and v == 1


def _is_inf(v):
    return isinstance(v, (float, np.floating)) and math.isinf(float(v))


class Ball:
    """A real number enclosed in an Arb ball at ``prec`` bits (see the module docstring).

    Make one with :meth:`exact` (an exact input), :meth:`hull` (the smallest ball holding
    two numbers), or from an ``arb`` with ``Ball(arb, prec)``.
    """

    __slots__ = ("v", "prec", "ex")
    __hash__ = None  # equality can be undecided

    def __init__(self, v, prec, ex=None):
        self.v = v
        self.prec = int(prec)
        self.ex = ex  # a theory.exact_real.Node for the exact value, or None

    # ------------------------------------------------------------------ construction
    @classmethod
    def exact(cls, value, prec):
        """``value`` (int, float, numpy scalar, Fraction, mpf) held exactly where binary.

        >>> Ball.exact(0.1, 64).is_exact
        True
        """
        if isinstance(value, Ball):
            return cls(value.v, max(prec, value.prec), value.ex)
        a = _arb_exact(value)
        if a is None:
            raise InputError(f"{value!r} ({type(value).__name__}) is not a real number a "
                             f"ball can hold")
        return cls(a, prec, _const_ex(value))  # its exact rational, enclosed or held

    @classmethod
    def with_expression(cls, ball, ex):
        """``ball`` (a Ball or an arb at ``ball.prec``) carrying the exact expression ``ex``
        (a :class:`theory.exact_real.Node` whose value the ball encloses)."""
        return cls(ball.v, ball.prec, ex)

    @classmethod
    def hull(cls, a, b):
        """The smallest ball (up to radius rounding) holding balls ``a`` and ``b``."""
        p = max(a.prec, b.prec)
        with _flint().ctx.workprec(p):
            return cls(a.v.union(b.v), p)

    # ------------------------------------------------------------------ inspection
    @property
    def is_exact(self):
        return bool(self.v.is_exact())

    @property
    def width(self):
        """2 r, rounded up to a float (inf when the ball is unbounded)."""
        if not self.v.is_finite():
            return math.inf
        r = self.v.rad()
        if r.is_zero():
            return 0.0
        # below the float range a radius still counts: the smallest subnormal bounds it
        return float((2 * r).upper()) or math.ulp(0.0)

    @property
    def mid(self):
        return float(self.v.mid())

    def lower(self):
        """Lower end as a float rounded down (a valid lower bound)."""
        return _f64_down(self.v.lower())

    def upper(self):
        """Upper end as a float rounded up (a valid upper bound)."""
        return -_f64_down(-self.v.upper())

    def lower_end(self):
        """The lower end as an exact ball (rounded down at the ball's precision)."""
        with _flint().ctx.workprec(self.prec):
            return Ball(self.v.lower(), self.prec)

    def upper_end(self):
        """The upper end as an exact ball (rounded up at the ball's precision)."""
        with _flint().ctx.workprec(self.prec):
            return Ball(self.v.upper(), self.prec)

    def contains(self, value):
        """True when the exact number ``value`` (or every point of a ball) lies in the ball."""
        other = value.v if isinstance(value, Ball) else _arb_exact(value)
        return bool(self.v.contains(other))

    def overlaps(self, value):
        other = value.v if isinstance(value, Ball) else _arb_exact(value)
        return bool(self.v.overlaps(other))

    def __float__(self):
        return float(self.v.mid())

    def __repr__(self):
        return f"Ball({self.v.str(20, radius=True)!r}, prec={self.prec})"

    __str__ = __repr__

    # ------------------------------------------------------------------ arithmetic
    def _binary(self, other, fn, tag=None, reflected=False):
        if isinstance(other, np.ndarray):
            return NotImplemented
        p = max(self.prec, other.prec) if isinstance(other, Ball) else self.prec
        fl = _flint()
        if fl.ctx.prec == p:
            return self._binary_at(other, fn, p, tag, reflected)
        with fl.ctx.workprec(p):  # conversions of Fractions round at this precision too
            return self._binary_at(other, fn, p, tag, reflected)

    def _binary_at(self, other, fn, p, tag, reflected):
        o = other.v if isinstance(other, Ball) else _arb_exact(other)
        if o is None:
            return NotImplemented
        out = Ball(fn(self.v, o), p)
        if self.ex is not None and tag is not None:
            oex = other.ex if isinstance(other, Ball) else _const_ex(other)
            if oex is not None:
                a, b = (oex, self.ex) if reflected else (self.ex, oex)
                out.ex = _combine(tag, a, b, self.v if reflected else o)
        return out

    def _unary(self, fn, tag=None, arg=None):
        fl = _flint()
        if fl.ctx.prec == self.prec:
            out = Ball(fn(self.v), self.prec)
        else:
            with fl.ctx.workprec(self.prec):
                out = Ball(fn(self.v), self.prec)
        if self.ex is not None and tag is not None:
            out.ex = _unary_ex(tag, self.ex, self.v, arg)
        return out

    # x + 0, x - 0, x * 1, x - x and x / x are exact identities on one number: taking them
    # exactly keeps numbers that are equal by construction equal (not just overlapping)
    def __add__(self, o):
        if _is_exact_zero(o):
            return self
        return self._binary(o, operator.add, "+")

    def __radd__(self, o):
        if _is_exact_zero(o):
            return self
        return self._binary(o, lambda a, b: b + a, "+", True)

    def __sub__(self, o):
        if _is_exact_zero(o):
            return self
        if o is self:
            return Ball(_flint().arb(0), self.prec, _const_ex(0) if self.ex is not None else None)
        return self._binary(o, operator.sub, "-")

    def __rsub__(self, o):
        return self._binary(o, lambda a, b: b - a, "-", True)

    def __mul__(self, o):
        if _is_exact_one(o):
            return self
        return self._binary(o, operator.mul, "*")

    def __rmul__(self, o):
        if _is_exact_one(o):
            return self
        return self._binary(o, lambda a, b: b * a, "*", True)

    def __truediv__(self, o):
        if _is_exact_one(o):
            return self
        if o is self and (self.v > 0 or self.v < 0):
            return Ball(_flint().arb(1), self.prec, _const_ex(1) if self.ex is not None else None)
        return self._binary(o, operator.truediv, "/")

    def __rtruediv__(self, o):
        return self._binary(o, lambda a, b: b / a, "/", True)

    def __pow__(self, o):
        if isinstance(o, (int, np.integer)) and not isinstance(o, bool):
            n = int(o)
            return self._unary(lambda a: _int_power(a, n), "pow", n)  # exact integer power
        return self._binary(o, operator.pow)

    def __rpow__(self, o):
        return self._binary(o, lambda a, b: b ** a)

    def __neg__(self):
        return self._unary(operator.neg, "neg")

    def __pos__(self):
        return self

    def __abs__(self):
        return self._unary(abs, "abs")

    def sqrt(self):
        """sqrt of the enclosed number (an unbounded ball where the ball reaches below 0)."""
        return self._unary(lambda a: a.sqrt(), "sqrt")

    # transcendental functions: enclosures only (their values carry no exact expression,
    # so a tie among them stays undecided)
    def log(self):
        """Natural logarithm (an unbounded ball where the ball reaches 0 or below)."""
        return self._unary(lambda a: a.log())

    def exp(self):
        return self._unary(lambda a: a.exp())

    def expm1(self):
        """exp(x) - 1, without the cancellation near 0."""
        return self._unary(lambda a: a.expm1())

    # ------------------------------------------------------------------ decisions
    def _undecided(self, other, sym):
        o = other if isinstance(other, Ball) else None
        w = max(self.width, o.width if o is not None else 0.0)
        raise UndecidedError(f"cannot decide {self!r} {sym} {other!r} at {self.prec} bits: "
                             f"the enclosures overlap (width {w:.3g})", w, self.prec)

    def _compare(self, other, op, sym):
        if other is self:
            return op(0, 0)
        if _is_inf(other):
            if not self.v.is_finite():
                self._undecided(other, sym)
            return op(0, float(other))  # a finite number against +-inf
        if isinstance(other, Ball):
            o = other.v
        else:
            if isinstance(other, np.ndarray):
                return NotImplemented
            o = _arb_exact(other)
            if o is None:
                return NotImplemented
        a = self.v
        if sym == "<":
            yes, no = a < o, a >= o
        elif sym == "<=":
            yes, no = a <= o, a > o
        elif sym == ">":
            yes, no = a > o, a <= o
        elif sym == ">=":
            yes, no = a >= o, a < o
        elif sym == "==":
            yes, no = a == o, a != o
        else:
            yes, no = a != o, a == o
        if yes:
            return True
        if no:
            return False
        oex = other.ex if isinstance(other, Ball) else _const_ex(other)
        if self.ex is not None and oex is not None:
            prec = max(self.prec, other.prec if isinstance(other, Ball) else 0)
            with _flint().ctx.workprec(prec):
                diff = a - o
            s = self._exact_sign(_exr().sub(self.ex, oex), diff, other, sym)
            return op(s, 0)
        self._undecided(other, sym)

    def _exact_sign(self, ex, ball, other, sym):
        """The exact sign of ``ex`` (enclosed by the arb ``ball``), or UndecidedError."""
        X = _exr()
        try:
            with _flint().ctx.workprec(self.prec):
                return X.sign(ex, ball)
        except X.ExactUndecided as exc:
            w = max(self.width, other.width if isinstance(other, Ball) else 0.0)
            raise UndecidedError(f"cannot decide {self!r} {sym} {other!r} at {self.prec} "
                                 f"bits: the enclosures overlap (width {w:.3g}) and exact "
                                 f"arithmetic gave up: {exc.reason}", w, self.prec,
                                 exc.needs_bits is None) from exc

    def __lt__(self, o):
        return self._compare(o, operator.lt, "<")

    def __le__(self, o):
        return self._compare(o, operator.le, "<=")

    def __gt__(self, o):
        return self._compare(o, operator.gt, ">")

    def __ge__(self, o):
        return self._compare(o, operator.ge, ">=")

    def __eq__(self, o):
        return self._compare(o, operator.eq, "==")

    def __ne__(self, o):
        return self._compare(o, operator.ne, "!=")

    def __bool__(self):
        return self != 0

    def ceil(self):
        """ceil(x) as a Python int, when every point of the ball has the same ceiling.

        >>> Ball.exact(3, 64).ceil(), Ball.exact(2.5, 64).ceil()
        (3, 3)
        """
        return self._unique_int(lambda a: a.ceil(), "ceil")

    def floor(self):
        """floor(x) as a Python int, when every point of the ball has the same floor."""
        return self._unique_int(lambda a: a.floor(), "floor")

    def _unique_int(self, fn, name):
        if not self.v.is_finite():
            raise UndecidedError(f"{name} of an unbounded ball {self!r}", math.inf, self.prec)
        with _flint().ctx.workprec(self.prec):
            n = fn(self.v).unique_fmpz()
        if n is None and self.ex is not None:
            n = self._exact_rounding(name)
        if n is None:
            raise UndecidedError(f"{name}({self!r}) is not decided at {self.prec} bits: the "
                                 f"ball reaches across an integer (width {self.width:.3g})",
                                 self.width, self.prec)
        return int(n)

    def _exact_rounding(self, name):
        """ceil or floor from exact comparisons with the integers in the ball (few: the
        ball is narrow), or None when the ball holds more than three."""
        with _flint().ctx.workprec(self.prec):
            lo, hi = self.v.lower().floor().unique_fmpz(), self.v.upper().ceil().unique_fmpz()
        if lo is None or hi is None or int(hi) - int(lo) > 3:
            return None
        ks = range(int(lo), int(hi) + 1)
        if name == "ceil":  # the first k with x <= k (x > k - 1 holds: decided before)
            return next((k for k in ks if self <= k), None)
        return next((k for k in reversed(ks) if self >= k), None)

    def __int__(self):
        n = self.v.unique_fmpz()
        if n is None and self.ex is not None:
            k = self._exact_rounding("floor")
            n = k if k is not None and self == k else None
        if n is None:
            raise UndecidedError(f"{self!r} is not a unique integer", self.width, self.prec)
        return int(n)


def _exr():
    from . import exact_real
    return exact_real


def _const_ex(v):
    """The exact expression of a plain number (None for what is not an exact real)."""
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (float, np.floating)) and not np.isfinite(v):
        return None
    q = _exr().as_fraction(v.item() if isinstance(v, np.generic) else v)
    return None if q is None else _exr().const(q)


def _combine(tag, a, b, divisor):
    X = _exr()
    if tag == "+":
        return X.add(a, b)
    if tag == "-":
        return X.sub(a, b)
    if tag == "*":
        return X.mul(a, b)
    return X.div(a, b, divisor)


def _unary_ex(tag, a, v, arg):
    X = _exr()
    if tag == "neg":
        return X.neg(a)
    if tag == "abs":
        return X.absolute(a, v)
    if tag == "pow":
        return X.power(a, arg)
    return X.sqrt(a)


# A ball is a real number (its validation by number-type-neutral code accepts it; it is
# never silently converted: float() is its midpoint, for reports only)
numbers.Real.register(Ball)


class BallContext:
    """The part of an mpmath context that number-type-neutral mp code uses, over balls at
    ``prec`` bits, so that such code (written for ``ctx.mpf`` numbers) runs on balls:
    ``mpf`` (a ball passes through; an exact input is held exactly, a decimal string as
    its exact rational), ``make_mpf`` (an mpf tuple, exactly), ``one``, ``zero``, ``sqrt``,
    ``log``, ``ln``, ``log10``, ``exp``, ``expm1``, ``fsum``, ``fdot``, ``prec``, ``dps``,
    ``nan`` (a ball no comparison decides); and, with numpy semantics (object arrays),
    ``solve``, ``inverse`` (:mod:`theory.ball_linalg`) and ``eigvalsh``
    (:func:`theory.eigen_ball.eigh_ball`).  ``holds_exactly``: rationals given to this
    context are held exactly (:func:`theory._mp.to_mp` does not round them).  Functions
    without a certified ball form here (root finders, mpmath's matrix type) are absent:
    code that needs them fails loudly.

    >>> ctx = BallContext(128)
    >>> x = ctx.fsum([ctx.mpf(0.5), ctx.sqrt(2), ctx.mpf("0.1")])
    >>> x > 2.014 and x < 2.015, ctx.fdot([1, 2], [3, ctx.one]), ctx.dps
    (True, Ball('5.0000000000000000000', prec=128), 38)
    >>> ctx.log10(1000) > 2.999 and ctx.log10(1000) < 3.001
    True
    """

    holds_exactly = True

    def __init__(self, prec):
        self.prec = int(prec)
        self.dps = int(self.prec * math.log10(2))
        self.one = Ball.exact(1, self.prec)
        self.zero = Ball.exact(0, self.prec)

    @property
    def nan(self):
        return Ball(_flint().arb("nan"), self.prec)

    def __repr__(self):
        return f"BallContext({self.prec})"

    def mpf(self, x):
        if isinstance(x, Ball):
            return x
        if isinstance(x, str):
            from fractions import Fraction
            x = Fraction(x)  # a decimal string: its exact rational (enclosed when not binary)
        return Ball.exact(x, self.prec)

    def make_mpf(self, tup):
        import mpmath
        return Ball.exact(mpmath.mp.make_mpf(tup), self.prec)

    def convert(self, x):
        return self.mpf(x)

    def sqrt(self, x):
        return self.mpf(x).sqrt()

    def log(self, x):
        return self.mpf(x).log()

    ln = log

    def log10(self, x):
        return self.mpf(x).log() / self.mpf(10).log()

    def exp(self, x):
        return self.mpf(x).exp()

    def expm1(self, x):
        return self.mpf(x).expm1()

    def solve(self, A, b):
        """``A^-1 b`` (object arrays; :func:`theory.ball_linalg.solve`)."""
        from .ball_linalg import solve
        return solve(self._held(A), self._held(b))

    def inverse(self, A):
        """``A^-1`` (:func:`theory.ball_linalg.inverse`)."""
        from .ball_linalg import inverse
        return inverse(self._held(A))

    def eigvalsh(self, A):
        """Enclosures of the eigenvalues (ascending) of the symmetric matrix ``A``."""
        from .eigen_ball import eigh_ball
        return list(eigh_ball(self._held(A), self.prec).values)

    def _held(self, A):
        """Plain exact numbers of an array as balls at this precision (balls, duals and
        other number types pass through)."""
        arr = np.array(A, dtype=object)
        flat = arr.reshape(-1)
        for i, v in enumerate(flat):
            if _arb_exact_or_none(v) is not None:
                flat[i] = Ball.exact(v, self.prec)
        return arr

    def fsum(self, xs):
        total = None
        for x in xs:
            total = self.mpf(x) if total is None else total + x
        return total if total is not None else self.zero

    def fdot(self, a, b):
        return self.fsum(self.mpf(x) * y for x, y in zip(a, b))


def _f64_down(x):
    """An exact arb (an Arb lower/upper end) as a float rounded towards -inf."""
    f = float(x)
    if not math.isfinite(f):
        return f
    if x < _flint().arb(f):
        f = np.nextafter(f, -np.inf)
    return float(f)


def is_ball(x):
    return isinstance(x, Ball)


def ball_array(values, prec):
    """An object ndarray of exact balls from an array-like of exact numbers."""
    arr = np.asarray(values, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    out.reshape(-1)[:] = [Ball.exact(v, prec) for v in arr.reshape(-1)]
    return out


def width_of(values):
    """The largest width among the balls in ``values`` (exact numbers count 0)."""
    flat = np.asarray(values, dtype=object).reshape(-1)
    return max((v.width for v in flat if isinstance(v, Ball)), default=0.0)
