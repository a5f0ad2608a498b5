"""Pareek, Du & Oh 2024, "Understanding the Gains from Repeated Self-Distillation" (NeurIPS
2024, arXiv 2407.04600): k fixed-ridge self-distillation steps in linear regression are
polynomial spectral filters; r steps reach the oracle; separation from ridge by a factor up
to r; the oracle weights need high precision.  Mathematics: docs/theory/pareek2024.md.

>>> PAPER.id, len(PAPER.claims())
('pareek2024', 10)
"""

from ...paper import Paper, lazy


PAPER = Paper(
    id="pareek2024",
    title="Understanding the Gains from Repeated Self-Distillation",
    authors="Pareek, Du & Oh", year=2024, arxiv="2407.04600",
    contains="repeated fixed-ridge self-distillation in linear regression: polynomial "
             "filters, the r-step oracle, separation from ridge and one step, weight "
             "blow-up (10 claims)",
    claims=lazy(__name__ + ".claims", "CLAIMS"),
    derivations=lazy(__name__ + ".derivations", "DERIVATIONS"),
    reproductions=lazy(__name__ + ".reproductions", "REPRODUCTIONS"),
    docs="docs/theory/pareek2024.md")
