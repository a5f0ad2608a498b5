"""Allen-Zhu & Li 2020, "Towards Understanding Ensemble, Knowledge Distillation and
Self-Distillation in Deep Learning" (arXiv 2012.09816; ICLR 2023): ensembles, knowledge
distillation and self-distillation of a smoothed-ReLU network on multi-view data, checked
on a scaled-down simulator.  Mathematics: docs/theory/allenzhu_li2020.md.

>>> PAPER.id, len(PAPER.claims())
('allenzhu_li2020', 6)
"""

from ...paper import Paper, lazy


PAPER = Paper(
    id="allenzhu_li2020",
    title="Towards Understanding Ensemble, Knowledge Distillation and Self-Distillation in "
          "Deep Learning",
    authors="Allen-Zhu & Li", year=2020, arxiv="2012.09816",
    contains="multi-view data simulator: the view lottery of single networks, single-view "
             "error, ensemble gain, knowledge distillation, self-distillation, random-feature "
             "ensembles (6 claims)",
    claims=lazy(__name__ + ".claims", "CLAIMS"),
    reproductions=lazy(__name__ + ".reproductions", "REPRODUCTIONS"),
    docs="docs/theory/allenzhu_li2020.md")
