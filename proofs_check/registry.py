"""The registry: papers (built in, or installed through the entry point group
``proofs_check.papers``), their claims, and claims loaded from users' files.

>>> ids = [c.id for c in catalogue()]
>>> ids[0]
'mobahi2020.collapse_threshold'
>>> [c.id for c in select(["mobahi2020.c_"])]
['mobahi2020.c_bounds', 'mobahi2020.c_increasing']
"""

import contextlib
import functools
import importlib
import importlib.util
import io
import os
import sys

from theory.errors import InputError

from .claim import Claim
from .paper import Paper

__all__ = ["papers", "paper", "catalogue", "select", "load_claims_file", "check_unique",
           "UnknownClaimError", "ClaimsFileError", "ENTRY_POINT_GROUP"]

#: Entry point group through which an installed distribution adds a paper.
ENTRY_POINT_GROUP = "proofs_check.papers"


class UnknownClaimError(InputError):
    """An id or prefix matches no claim."""


class ClaimsFileError(InputError):
    """A user claims file is missing, does not import, or defines no usable claims."""


def _as_paper(obj, where):
    obj = getattr(obj, "PAPER", obj)
    if not isinstance(obj, Paper):
        raise InputError(f"{where} does not define a proofs_check.paper.Paper (PAPER = Paper(...))")
    return obj


def _entry_points():
    from importlib.metadata import entry_points
    return list(entry_points(group=ENTRY_POINT_GROUP))


@functools.lru_cache(maxsize=1)
def papers():
    """All registered papers: the built-ins in catalogue order, then installed ones by id."""
    from .papers import BUILTIN
    out = [_as_paper(importlib.import_module(f"proofs_check.papers.{pid}"), pid) for pid in BUILTIN]
    seen = {p.id for p in out}
    for ep in sorted(_entry_points(), key=lambda e: e.name):
        dist = getattr(getattr(ep, "dist", None), "name", None) or "?"
        where = f"entry point {ep.name!r} of distribution {dist}"
        try:
            p = _as_paper(ep.load(), where)
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"{where} failed to load: {type(exc).__name__}: {exc}; fix or "
                             f"uninstall that distribution") from exc
        if p.id in seen:
            raise InputError(f"{where} registers paper {p.id!r}, which is already registered; "
                             f"uninstall one of them")
        seen.add(p.id)
        out.append(Paper(**{**p.__dict__, "distribution": dist}))
    return tuple(out)


def paper(pid):
    """The paper with id ``pid`` (UnknownClaimError otherwise)."""
    for p in papers():
        if p.id == pid:
            return p
    raise UnknownClaimError(f"no paper {pid!r}; registered: {', '.join(p.id for p in papers())}")


def catalogue():
    """All claims of all registered papers, in catalogue order."""
    claims = [c for p in papers() for c in p.claims()]
    check_unique(claims, "the catalogue")
    return claims


def check_unique(claims, where):
    """Raise InputError if two claims share an id."""
    seen = set()
    for c in claims:
        if c.id in seen:
            raise InputError(f"claim id {c.id!r} is defined twice in {where}; ids must be "
                             f"unique: rename one of them")
        seen.add(c.id)


def select(patterns, claims=None):
    """Claims whose id equals or starts with one of ``patterns`` (all claims if none given).

    Raises :class:`UnknownClaimError` naming a pattern that matches nothing; an empty
    pattern is refused (it would select everything by accident).
    """
    claims = catalogue() if claims is None else list(claims)
    if not patterns:
        return claims
    chosen = []
    for p in patterns:
        if not isinstance(p, str) or not p.strip() or any(ord(ch) < 32 for ch in p):
            raise UnknownClaimError(f"claim pattern {p!r} is empty or has control characters; "
                                    f"give an id or prefix such as 'mobahi2020.rounds'")
        hits = [c for c in claims if c.id == p or c.id.startswith(p)]
        if not hits:
            import difflib
            near = difflib.get_close_matches(p, [c.id for c in claims], n=3)
            hint = (f"did you mean {', '.join(near)}?" if near else
                    f"ids look like {', '.join(c.id for c in claims[:3])}, ...")
            raise UnknownClaimError(f"no claim matches {p!r}; {hint} (run 'proofs-check list' "
                                    f"to see them all)")
        chosen += [c for c in hits if c not in chosen]
    return chosen


def load_claims_file(path):
    """Import a user's Python file and return the :class:`Claim` objects it defines.

    The file lists its claims in a module-level ``CLAIMS`` sequence, or else every
    module-level :class:`Claim` is taken.  The file's code runs (as any import does); its
    prints are discarded, a ``sys.exit`` in it is an error.
    """
    path = os.fspath(path)
    remedy = "pass the path of a Python file (*.py) that defines CLAIMS = [Claim(...)]"
    if not path.endswith(".py"):
        raise ClaimsFileError(f"claims file {path!r} is not a .py file; {remedy}")
    if not os.path.isfile(path):
        raise ClaimsFileError(f"claims file {path!r} does not exist; {remedy}")
    name = "proofs_check_user_" + "".join(ch if ch.isalnum() else "_" for ch in
                                          os.path.splitext(os.path.basename(path))[0])
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    try:
        sys.modules[name] = module
        with contextlib.redirect_stdout(io.StringIO()):
            spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        sys.modules.pop(name, None)
        raise ClaimsFileError(f"claims file {path!r} failed to import: {type(exc).__name__}: "
                              f"{exc}") from None
    found = getattr(module, "CLAIMS", None)
    if found is None:
        found = [v for v in vars(module).values() if isinstance(v, Claim)]
    try:
        found = list(found)
    except TypeError:
        raise ClaimsFileError(f"claims file {path!r}: CLAIMS = {found!r} is not a sequence of "
                              f"claims; {remedy}") from None
    if not found or not all(isinstance(c, Claim) for c in found):
        raise ClaimsFileError(f"claims file {path!r} defines no claims; define CLAIMS = [Claim(...)]"
                              f" (see docs/guide.md#writing-your-own-claim)")
    check_unique(found, f"claims file {path!r}")
    return found
