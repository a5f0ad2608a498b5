"""Exception types raised by :mod:`theory`.

Every error names the offending value and a remedy; callers (the CLI, the checker)
catch these by type.  They subclass the matching built-in so generic handlers still work.

>>> issubclass(InputError, ValueError)
True
"""

__all__ = ["ProofsCheckError", "InputError", "PrecisionError", "InfeasibleError",
           "RoundsExceededError", "ResourceError"]


class ProofsCheckError(Exception):
    """Base class of every error raised deliberately by proofs-check."""


class InputError(ProofsCheckError, ValueError):
    """Input outside the mathematical domain (shape, symmetry, definiteness, NaN, eps <= 0...)."""


class PrecisionError(ProofsCheckError, ArithmeticError):
    """A result did not hold up when the working precision was raised (STYLE rule 7)."""


class InfeasibleError(ProofsCheckError, ValueError):
    """Problem (P) has no feasible point: G is singular and y has too much mass in its null space."""


class RoundsExceededError(ProofsCheckError, RuntimeError):
    """The collapse round T exceeds ``max_rounds``; the message carries the bound on T."""


class ResourceError(ProofsCheckError, MemoryError):
    """The input would exceed the documented time/memory budget (pass ``force=True`` to override)."""
