"""The published numbers of Borup & Andersen's toy example, typed from their repository.

Source: ``Kennethborup/self_distillation`` at commit cb20d6c: ``toy_example.ipynb`` (the
notebook's printed output) and ``README.md`` (its results table).  These are the numbers as
published, rounded to 5 decimals there; nothing here is computed by this project.  The
data are the 11 noisy samples of sin(2 pi x) that Mobahi et al.'s example uses
(docs/theory/mobahi2020.md §6), which the notebook also uses.

>>> len(TOY_Y), NOTEBOOK_LOSSES[0.25][1]
(11, 0.1525)
"""

import numpy as np

__all__ = ["TOY_X", "TOY_Y", "TOY_GAMMA", "TOY_LAM", "TOY_GRID", "NOTEBOOK_LOSSES",
           "README_COLUMN", "README_COLUMN_LABEL", "PUBLISHED_DECIMALS", "README_RATE",
           "README_RATIO"]

#: Training inputs x = 0, 0.1, ..., 1 (k/10 is the correctly rounded double of each decimal).
TOY_X = np.arange(11) / 10
#: Targets: sin(2 pi x) plus Gaussian noise, the exact values of the notebook.
TOY_Y = np.array([
    0.38476636465198066, 1.2333967683416893, 1.33232242218057, 0.6920159488889518,
    -0.29756145531871736, -0.24189291901377769, -0.7964485769175675, -0.9616480167034174,
    -0.49672509509916934, -0.3469066003991437, 0.5589512650600734])
#: RBF kernel exp(-gamma (x - x')^2) and the ridge of the notebook (``lambd``).
TOY_GAMMA = 80.0
TOY_LAM = 0.2
#: Loss grid: mean over x = 0, 0.01, ..., 1 of (f(x) - sin(2 pi x))^2.
TOY_GRID = np.arange(101) / 100

#: The notebook's output: alpha -> (losses at steps tau = 1..6, loss of the limit).  For
#: alpha = 0 the code's limit formula alpha k(x)(alpha K + lam I)^-1 y is the zero function.
NOTEBOOK_LOSSES = {
    0.0: ((0.16477, 0.15076, 0.14915, 0.15561, 0.16735, 0.18251), 0.49505),
    0.25: ((0.16477, 0.15309, 0.14958, 0.14903, 0.14946, 0.15011), 0.15250),
}
#: The README's results column (its second): steps tau = 2..6 and the limit.  The README at
#: commit cb20d6c heads it "alpha = 0.25" (other stored versions of the README head it
#: "alpha = 0.35"); its numbers are those of alpha = 0.35 (docs/theory/borup2021.md §6).
README_COLUMN = ((0.15424, 0.15089, 0.14983, 0.14954, 0.14948), 0.14959)
README_COLUMN_LABEL = 0.25
#: Both sources print 5 decimals: a published value v stands for [v - 5e-6, v + 5e-6].
PUBLISHED_DECIMALS = 5

#: The README on the speed of convergence: "typically in 10-20 iterations".
README_RATE = (10, 20)

#: The README's sparsification example: the toy setting above with the ratio R_10 =
#: B_10/B_11 of the two smallest eigenvalues (1-based, decreasing order) at alpha = 0.25.
README_RATIO = {"alpha": 0.25, "pair": (10, 11)}
