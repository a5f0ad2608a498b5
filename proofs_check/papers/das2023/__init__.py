"""Das & Sanghavi 2023, "Understanding Self-Distillation in the Presence of Label Noise"
(ICML 2023, arXiv 2301.13304), ridge-regression part, with two abstract statements of Dang,
Patil & Rinaldo 2026 (arXiv 2602.17565): one fixed-ridge self-distillation step, its exact
risk identity, the optimal imitation weight and when it exceeds 1.  Mathematics:
docs/theory/das2023.md.

>>> PAPER.id, len(PAPER.claims())
('das2023', 8)
"""

from ...paper import Paper, lazy


PAPER = Paper(
    id="das2023",
    title="Understanding Self-Distillation in the Presence of Label Noise",
    authors="Das & Sanghavi", year=2023, arxiv="2301.13304",
    contains="one fixed-ridge self-distillation step under label noise: exact Taylor and "
             "risk identities, the optimal weight xi* and its sign, xi* > 1 in high noise, "
             "no gain at the teacher's optimum or on isotropic designs (8 claims)",
    claims=lazy(__name__ + ".claims", "CLAIMS"),
    derivations=lazy(__name__ + ".derivations", "DERIVATIONS"), docs="docs/theory/das2023.md")
