"""The claim registry: the built-in catalogue plus claims loaded from users' files.

>>> ids = [c.id for c in catalogue()]
>>> len(ids), ids[0]
(15, 'mobahi2020.collapse_threshold')
>>> [c.id for c in select(["mobahi2020.c_"])]
['mobahi2020.c_bounds', 'mobahi2020.c_increasing']
"""

import importlib.util
import os
import sys

from theory.errors import InputError

from .claim import Claim

__all__ = ["catalogue", "select", "load_claims_file", "UnknownClaimError", "ClaimsFileError"]


class UnknownClaimError(InputError):
    """An id or prefix matches no claim."""


class ClaimsFileError(InputError):
    """A user claims file is missing, does not import, or defines no claims."""


def catalogue():
    """All built-in claims, in catalogue order."""
    from .claims import mobahi2020
    return list(mobahi2020.CLAIMS)


def select(patterns, claims=None):
    """Claims whose id equals or starts with one of ``patterns`` (all claims if none given).

    Raises :class:`UnknownClaimError` naming a pattern that matches nothing.
    """
    claims = catalogue() if claims is None else list(claims)
    if not patterns:
        return claims
    chosen = []
    for p in patterns:
        hits = [c for c in claims if c.id == p or c.id.startswith(p)]
        if not hits:
            known = ", ".join(c.id for c in claims[:5])
            raise UnknownClaimError(f"no claim matches {p!r}; ids look like {known}, ...; run "
                                    f"'proofs-check list' to see them all")
        chosen += [c for c in hits if c not in chosen]
    return chosen


def load_claims_file(path):
    """Import a user's Python file and return the :class:`Claim` objects it defines.

    The file lists its claims in a module-level ``CLAIMS`` sequence, or else every
    module-level :class:`Claim` is taken.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ClaimsFileError(f"claims file {path!r} does not exist; pass the path of a Python "
                              f"file that defines CLAIMS")
    name = "proofs_check_user_" + os.path.splitext(os.path.basename(path))[0].replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    try:
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(name, None)
        raise ClaimsFileError(f"claims file {path!r} failed to import: {type(exc).__name__}: "
                              f"{exc}") from exc
    found = getattr(module, "CLAIMS", None)
    if found is None:
        found = [v for v in vars(module).values() if isinstance(v, Claim)]
    found = list(found)
    if not found or not all(isinstance(c, Claim) for c in found):
        raise ClaimsFileError(f"claims file {path!r} defines no claims; define CLAIMS = [Claim(...)]"
                              f" (see docs/guide.md#writing-your-own-claim)")
    return found
