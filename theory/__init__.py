"""theory: the mathematics of self-distillation (sympy derivations, mpmath and float64 engines)."""

from .derivation import Derivation, DerivationError, Step
from .eigen import MpEigh, eigh_mp
from .errors import (InfeasibleError, InputError, PrecisionError, ProofsCheckError,
                     ResourceError, RoundsExceededError)

__all__ = [
    "Derivation", "DerivationError", "Step",
    "MpEigh", "eigh_mp",
    "InfeasibleError", "InputError", "PrecisionError", "ProofsCheckError",
    "ResourceError", "RoundsExceededError",
]
