"""Dong, Hou, Lu & Zhang 2019, "Distillation ≈ Early Stopping? Harvesting Dark Knowledge
Utilizing Anisotropic Information Retrieval for Overparameterized Neural Network" (arXiv
1910.01255): the kernel-regime (NTK) forms of its abstract's claims.  Mathematics:
docs/theory/dong2019.md.

>>> PAPER.id, len(PAPER.claims())
('dong2019', 9)
"""

from ...paper import Paper, lazy


PAPER = Paper(
    id="dong2019",
    title="Distillation ≈ Early Stopping? Harvesting Dark Knowledge Utilizing Anisotropic "
          "Information Retrieval for Overparameterized Neural Network",
    authors="Dong, Hou, Lu & Zhang", year=2019, arxiv="1910.01255",
    contains="kernel-regime (NTK) forms of the abstract's claims: the two kernels, the "
             "anisotropic fitting rate, distillation as early stopping, soft, hard and "
             "re-anchored self-distillation, finite width (9 claims)",
    claims=lazy(__name__ + ".claims", "CLAIMS"),
    derivations=lazy(__name__ + ".derivations", "DERIVATIONS"),
    reproductions=lazy(__name__ + ".reproductions", "REPRODUCTIONS"),
    docs="docs/theory/dong2019.md")
