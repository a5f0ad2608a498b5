"""A paper's record: what the registry, the CLI, the docs generator and the plugin read.

Each paper package (``proofs_check/papers/<paper_id>/__init__.py``, or a third-party
distribution's module named by the entry point group ``proofs_check.papers``) defines
``PAPER = Paper(...)``.  The claims, derivations and reproductions are loaded lazily
(``claims()`` imports the paper's modules only when asked).

>>> p = Paper("toy2024", "A toy", "A. Author", 2024, "", "toy claims", claims=lambda: ())
>>> p.citation
'A. Author (2024), "A toy"'
"""

from dataclasses import dataclass, field
from typing import Callable

from .claim import check_id

__all__ = ["Paper", "lazy"]


def lazy(module, attr):
    """A loader for ``Paper``: ``lazy("pkg.claims", "CLAIMS")()`` imports ``pkg.claims`` only
    when called and returns its ``CLAIMS``.

    >>> lazy("proofs_check.paper", "__all__")()[0]
    'Paper'
    """
    def load():
        import importlib
        return getattr(importlib.import_module(module), attr)
    load.__qualname__ = f"lazy({module!r}, {attr!r})"
    return load


def _none():
    return {}


@dataclass(frozen=True)
class Paper:
    """``id`` (the claims' id prefix), ``title``, ``authors``, ``year``, ``arxiv`` (id or
    ""), ``contains`` (one line: what the catalogue holds), ``claims()`` -> sequence of
    :class:`~proofs_check.claim.Claim`, ``derivations()`` -> {id: (title, builder)} with
    ``builder()`` -> :class:`theory.Derivation`, ``reproductions()`` -> {id:
    :class:`~proofs_check.reproduce.Reproduction`}, ``docs``: the page explaining its
    mathematics (a repository path such as ``docs/theory/<id>.md``, or a URL),
    ``distribution``: the installed distribution it came from (set by the registry)."""

    id: str
    title: str
    authors: str
    year: int
    arxiv: str
    contains: str
    claims: Callable = field(repr=False, compare=False)
    derivations: Callable = field(default=_none, repr=False, compare=False)
    reproductions: Callable = field(default=_none, repr=False, compare=False)
    docs: str = ""
    distribution: str = "proofs-check"

    def __post_init__(self):
        check_id(self.id, "paper")

    @property
    def citation(self):
        arx = f", arXiv {self.arxiv}" if self.arxiv else ""
        return f'{self.authors} ({self.year}), "{self.title}"{arx}'
