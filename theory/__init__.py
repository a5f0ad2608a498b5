"""theory: the mathematics of self-distillation (sympy derivations, mpmath and float64 engines).

Pure mathematics, no I/O; never imports ``proofs_check`` (STYLE rule 1).
"""

from .derivation import Derivation, DerivationError, Step
from .distill import Trajectory, self_distill, trajectory_agreement
from .eigen import MpEigh, eigh_mp
from .errors import (InfeasibleError, InputError, PrecisionError, ProofsCheckError,
                     ResourceError, RoundsExceededError)
from .secular import secular_root_f64, secular_root_mp

__all__ = [
    "Derivation", "DerivationError", "Step",
    "Trajectory", "self_distill", "trajectory_agreement",
    "MpEigh", "eigh_mp",
    "InfeasibleError", "InputError", "PrecisionError", "ProofsCheckError",
    "ResourceError", "RoundsExceededError",
    "secular_root_f64", "secular_root_mp",
]
