"""Borup & Andersen 2021, "Even your Teacher Needs Guidance: Ground-Truth Targets Dampen
Regularization Imposed by Self-Distillation" (NeurIPS 2021, arXiv 2102.13088): fixed-ridge
self-distillation with a ground-truth weight alpha.  Mathematics: docs/theory/borup2021.md.

>>> PAPER.id, len(PAPER.claims())
('borup2021', 10)
"""

from ...paper import Paper, lazy


PAPER = Paper(
    id="borup2021",
    title="Even your Teacher Needs Guidance: Ground-Truth Targets Dampen Regularization "
          "Imposed by Self-Distillation",
    authors="Borup & Andersen", year=2021, arxiv="2102.13088",
    contains="fixed-ridge self-distillation with ground-truth weight alpha: closed form from "
             "the first fit, limit = ridge with lam/alpha, linear rate, dampening, "
             "sparsification bounds, a refuted reading of the README, the official toy "
             "numbers (10 claims)",
    claims=lazy(__name__ + ".claims", "CLAIMS"),
    derivations=lazy(__name__ + ".derivations", "DERIVATIONS"),
    reproductions=lazy(__name__ + ".reproductions", "REPRODUCTIONS"),
    docs="docs/theory/borup2021.md")
