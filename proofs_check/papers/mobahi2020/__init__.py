"""Mobahi, Farajtabar & Bartlett 2020, "Self-Distillation Amplifies Regularization in Hilbert
Space" (arXiv 2002.05715): eps-constrained refits in a Hilbert space, collapse, B_t
sparsification.  Mathematics: docs/theory/mobahi2020.md.

>>> PAPER.id, len(PAPER.claims())
('mobahi2020', 15)
"""

from ...paper import Paper, lazy


PAPER = Paper(
    id="mobahi2020",
    title="Self-Distillation Amplifies Regularization in Hilbert Space",
    authors="Mobahi, Farajtabar & Bartlett", year=2020, arxiv="2002.05715",
    contains="eps-constrained self-distillation in a Hilbert space: KKT closed form, "
             "collapse, rounds before collapse, sparsification of B_t (15 claims)",
    claims=lazy(__name__ + ".claims", "CLAIMS"),
    derivations=lazy(__name__ + ".derivations", "DERIVATIONS"),
    reproductions=lazy(__name__ + ".reproductions", "REPRODUCTIONS"),
    docs="docs/theory/mobahi2020.md")
