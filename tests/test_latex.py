"""Tests of :mod:`proofs_check.latex`: the printer, the prose, the fit and the documents.

* the printer and the prose converter against exact strings (STYLE rule 11), including
  every defect the converter it replaces had (norms as ``$|$$|$``, ``(k-1)!\\^{}\\{-1\\}``,
  ``y]\\_k``, ``V^T``, maths in roman type);
* properties of the prose of every derivation: no operator, script or lone letter is left
  in running text; every formula is balanced;
* the width estimate against pdflatex's own measurement of every line of every derivation
  (the independent oracle), and the layout's lines within their budget by that estimate;
* the documents: exact strings for a small derivation (standalone, fragment, Markdown);
  for every derivation, the fragment has no preamble, no ``\\maketitle``, no ``\\tag``, one
  ``align``, one ``\\label{<id>:step<n>}`` per step, every ``\\eqref`` resolvable, and the
  checking details only with ``verbose``;
* pdflatex compiles every derivation standalone (default and verbose) and as a fragment
  ``\\input`` into a minimal host document, with zero overfull boxes and no undefined
  reference (skipped without pdflatex, a failure under ``CI=true``).

The derivations are built, not verified, here (fast); tests/test_derive.py verifies them and
checks the rendering of verified derivations.
"""

import concurrent.futures
import os
import re
import shutil
import subprocess

import pytest
import sympy as sp

from proofs_check import _latex_layout as LL, derive, latex as L
from proofs_check._io import BANNER
from proofs_check.steps import Identity
from theory.derivation import Derivation, Step
from theory.symbols import Inner, Norm

IDS = list(derive.derivations())

K = sp.Symbol("K", integer=True, positive=True)
t, k = sp.symbols("t k", integer=True)
a = sp.Symbol("a", positive=True)
z_t = sp.MatrixSymbol("z_t", K, 1)
D, V = sp.MatrixSymbol("D", K, K), sp.MatrixSymbol("V", K, K)
c = sp.IndexedBase("c")


@pytest.fixture(scope="module")
def built():
    return {did: derive.build(did) for did in IDS}


def _texts(d):
    """Every piece of prose of a derivation: title, source, and per step justification,
    source and full check description."""
    out = [d.title, d.source]
    for s in d.steps:
        out += [s.justification, s.source, L.check_description(s)]
    return out


# ---------------------------------------------------------------- the printer (golden)

@pytest.mark.parametrize("expr, expected", [
    (sp.Symbol("epsilon") * K, r"K \varepsilon"),
    (sp.Symbol("eps"), r"\varepsilon"),
    (sp.Symbol("kappa"), r"\kappa"),
    (sp.Symbol("d_max") / sp.Symbol("d_min"), r"\frac{d_{\max}}{d_{\min}}"),
    (sp.Symbol(r"\underline{c}"), r"\underline{c}"),
    (sp.IndexedBase("z")[t, k], r"z_{t,k}"),
    (c[t], r"c_{t}"),
    (sp.IndexedBase("d")[k] ** 2, r"d_{k}^{2}"),
    (sp.IndexedBase("g_x")[k], r"\left(g_{x}\right)_{k}"),
    (Norm(z_t), r"\left\|z_{t}\right\|"),
    (Norm(z_t) ** 2, r"\left\|z_{t}\right\|^{2}"),
    (Norm(z_t) - a, r"\left\|z_{t}\right\| - a"),
    (sp.Symbol("r") - sp.Symbol("kappa"), r"r - \kappa"),
    (Inner(z_t, z_t), r"\left\langle z_{t}, z_{t}\right\rangle"),
    (V.T * D * (c[t] * sp.Identity(K) + D).I * V,
     r"V^{\top} D \left(c_{t} I + D\right)^{-1} V"),
    (sp.Function("f")(sp.Symbol("x")), "f(x)"),
    (sp.Le(a, sp.Symbol("b")), r"a \le b"),
    (sp.Ge(a, 1), r"a \ge 1"),
    (sp.ceiling(sp.Symbol("r_0") - 1), r"\left\lceil{r_{0}}\right\rceil - 1"),
])
def test_printer_golden(expr, expected):
    assert L.latex(expr) == expected


def test_norm_is_a_real_scalar():
    """A norm of a matrix expression is commutative, real and non-negative (it can enter
    sympy inequalities)."""
    n = Norm(z_t)
    assert n.is_commutative and n.is_extended_real and n.is_extended_nonnegative
    assert L.latex(sp.Le(c[t] * n / (c[t] + 1), a)) == \
        r"\frac{\left\|z_{t}\right\| c_{t}}{c_{t} + 1} \le a"


@pytest.mark.parametrize("rel, expected", [
    ("=", "="), ("<=", r"\le"), (">=", r"\ge"), ("<", "<"), (">", ">"),
    (":=", r"\mathrel{:=}"), ("=>", r"\implies")])
def test_relations(rel, expected):
    assert L.relation_latex(rel) == expected


def test_unknown_relation_is_refused():
    with pytest.raises(ValueError, match="unknown step relation '~'"):
        L.relation_latex("~")


# ---------------------------------------------------------------- the prose (golden)

def _ref(n):
    return f"d:step{n}"


@pytest.mark.parametrize("text, expected", [
    # norms, scripts, Greek and relations from the printer's notation
    ("solve step 7 for c_t (||z_t|| > a while t < T)",
     r"solve \eqref{d:step7} for $c_{t}$ ($\|z_{t}\| > a$ while $t < T$)"),
    ("with ‖z_t‖ = a r_t and d_max = κ d_min",
     r"with $\|z_{t}\| = a r_{t}$ and $d_{\max} = \kappa d_{\min}$"),
    ("each filter entry: c/(c + d) decreases in d and d_k <= d_max",
     r"each filter entry: $c/(c + d)$ decreases in $d$ and $d_{k} \le d_{\max}$"),
    # factorials, inverse powers, brackets with a subscript
    ("Res of order k = (k-1)!^{-1} d^{k-1}/dω^{k-1} [(ω - ω_j)^k e^{iωr}/P(ω)] at ω_j",
     r"$\operatorname{Res}$ of order $k = (k-1)!^{-1} d^{k-1}/d\omega^{k-1} "
     r"[(\omega - \omega_{j})^{k} e^{i\omega r}/P(\omega)]$ at $\omega_{j}$"),
    ("(λ/K)[(cI + G)β' − y]_k, c = 1/λ",
     r"$(\lambda/K)[(cI + G)\beta' - y]_{k}$, $c = 1/\lambda$"),
    # the transpose is \top, as in the displays
    ("V^T V = I: c_t I + G = V^T (c_t I + D) V",
     r"$V^{\top} V = I$: $c_{t} I + G = V^{\top} (c_{t} I + D) V$"),
    # labels, parenthetical remarks, named operators, lists, one-sided limits, ordinals
    ("(S): the residual has norm a = sqrt(K ε)",
     r"(S): the residual has norm $a = \sqrt{K \varepsilon}$"),
    ("the difference is κ(κ - 1)/(r_t - 1 + κ) >= 0 (κ >= 1, r_t > 1)",
     r"the difference is $\kappa(\kappa - 1)/(r_{t} - 1 + \kappa) \ge 0$ "
     r"($\kappa \ge 1$, $r_{t} > 1$)"),
    ("eigendecomposition of G: V orthogonal, D = diag(d_1, ..., d_K), d_k >= 0",
     r"eigendecomposition of $G$: $V$ orthogonal, $D = \operatorname{diag}(d_{1}, \dots, "
     r"d_{K})$, $d_{k} \ge 0$"),
    ("rounds 0, ..., T - 1 fit non-zero functions", r"rounds $0, \dots, T - 1$ fit non-zero "
                                                    r"functions"),
    ("φ(∞) = Σ z_k² = ||y||² and φ(0+) = 0", r"$\phi(\infty) = \sum z_{k}^{2} = \|y\|^{2}$ "
                                             r"and $\phi(0^{+}) = 0$"),
    ("A_t is diagonal (D is): its k-th entry",
     r"$A_{t}$ is diagonal ($D$ is): its $k$-th entry"),
    ("jumps by 2 g^(3)(0+) = (-1)^M / a_M at x = t",
     r"jumps by $2 g^{(3)}(0^{+}) = (-1)^{M} / a_{M}$ at $x = t$"),
    ("conjugate poles ±α + iβ: their sum is 2 Re, e^{-βr}(p(r) cos αr + q(r) sin αr)",
     r"conjugate poles $\pm\alpha + i\beta$: their sum is $2 \operatorname{Re}$, "
     r"$e^{-\beta r}(p(r) \cos \alpha r + q(r) \sin \alpha r)$"),
    # the article a, and the quantity a
    ("with a general rotation V; divided by a", r"with a general rotation $V$; divided by $a$"),
    ("Pythagoras; a from step 1", r"Pythagoras; $a$ from \eqref{d:step1}"),
    # merged subscripts; a quantity written out left of =
    ("β_def_k", r"$\beta_{\mathrm{def},k}$"),
    ("1 - ratio = c_t(d_j - d_k)", r"$1 - \mathrm{ratio} = c_{t}(d_{j} - d_{k})$"),
    # references to steps: of this derivation, of another one
    ("steps 2-4 and 6", r"\eqref{d:step2}--\eqref{d:step4} and \eqref{d:step6}"),
    ("steps 2 and 4, divided by a", r"\eqref{d:step2} and \eqref{d:step4}, divided by $a$"),
    ("(derivation mobahi2020.recursion, steps 11-13)",
     r"(derivation \texttt{mobahi2020.\allowbreak{}recursion}, steps 11--13)"),
    # paths, names, specials of running text
    ("see docs/theory/x_y.md §4 & 50% of standard_domain('fast', 0)",
     r"see \texttt{docs/\allowbreak{}theory/\allowbreak{}x\_\allowbreak{}y.\allowbreak{}md} "
     r"\S{}4 \& 50\% of \texttt{standard\_\allowbreak{}domain('fast', 0)}"),
    ("Mobahi, Farajtabar & Bartlett 2020, §4-§5", r"Mobahi, Farajtabar \& Bartlett 2020, "
                                                  r"\S{}4--\S{}5"),
    ("lhs − rhs vanishes", r"lhs $-$ rhs vanishes"),
    ("cond = r_{t}**2", r"$\mathrm{cond} = r_{t}^{2}$"),
])
def test_tex_text(text, expected):
    assert L.tex_text(text, label=_ref) == expected


@pytest.mark.parametrize("text, expected", [
    ("solve step 7 for c_t (||z_t|| > a while t < T)",
     r"solve step 7 for $c_{t}$ ($\|z_{t}\| > a$ while $t < T$)"),
    ("(derivation mobahi2020.recursion, steps 11-13)",
     "(derivation `mobahi2020.recursion`, steps 11–13)"),
    ("c_t * [x] is `odd` (see docs/theory/x.md §4)",
     r"$c_{t} \cdot [x]$ is \`odd\` (see `docs/theory/x.md` §4)"),
])
def test_markdown_text(text, expected):
    assert L.markdown_text(text) == expected


def test_without_labels_step_references_stay_text():
    assert L.tex_text("steps 2-4") == "steps 2--4"
    assert L.tex_text("step 3 for every component") == "step 3 for every component"


def test_unknown_characters_are_refused_by_name():
    with pytest.raises(ValueError, match=r"U\+2603.*GREEK, OPERATORS or TEXT_CHARS"):
        L.tex_text("snow ☃")
    with pytest.raises(ValueError, match=r"U\+2603"):
        L.markdown_text("snow ☃")


def test_prose_of_every_derivation_leaves_no_mathematics_in_the_text(built):
    """Operators, relations, scripts, brackets of formulas and single-letter symbols are
    all inside inline maths; every formula has balanced braces and brackets."""
    for did, d in built.items():
        for text in _texts(d):
            for piece in L.prose_pieces(text):
                if piece[0] == "text":
                    body = piece[1]
                    assert not re.search(r"[<>=|^_+*/\\≤≥≠‖∞Σ]", body), (did, text, body)
                    assert not re.search(r"(^|\s)[b-zB-HJ-Z](\s|$|[,.;:)])", body), \
                        (did, text, body)
                    assert not re.search(r"[\u0370-\u03ff]", body), (did, text, body)
                elif piece[0] == "math":
                    body = piece[1]
                    assert body.count("{") == body.count("}"), (did, text, body)
                    assert body.count("(") == body.count(")"), (did, text, body)
                    assert "$" not in body, (did, text, body)


def test_prose_latex_has_no_escaped_mathematics(built):
    """The defects of the old converter never come back: norms split into $|$, escaped
    carets and braces, escaped subscripts outside code."""
    for did, d in built.items():
        for text in _texts(d):
            tex = L.tex_text(text, label=lambda n: f"{did}:step{n}")
            assert "$|$" not in tex and r"\^{}" not in tex and r"\{" not in tex, (did, tex)
            assert "V^{T}" not in tex and "^T" not in tex, (did, tex)
            outside_code = re.sub(r"\\texttt\{(?:[^{}]|\{\})*\}", "", tex)
            assert r"\_" not in outside_code, (did, tex)
            assert outside_code.count("$") % 2 == 0, (did, tex)


# ---------------------------------------------------------------- checks

def test_check_summaries(built):
    """The words of each kind of check, from the checks of a real derivation; a numeric
    check counts the trajectories it evaluated (set here as a run would set it)."""
    s = built["mobahi2020.c_bounds"].steps
    assert [L.check_summary(x) for x in s[:3]] == ["definition", "numeric", "symbolic"]
    numeric = s[1].verify
    numeric.summary = {"points": 1234, "runs": 77, "worst_slack": 0.0}
    try:
        assert L.check_summary(s[1]) == "checked on 77 trajectories"
    finally:
        numeric.summary = None
    assert L.check_description(s[0]) == "definition (no check needed)"
    assert L.check_description(s[1]).startswith("numeric: evaluated in float64 on every round")
    assert L.check_description(s[2]).startswith("symbolic: the slack has the claimed sign")
    assert "cond = r_{t}/(r_{t} - 1)" in L.check_description(s[10])


def test_check_summary_of_undeclared_and_unverified_checks():
    def bare(step):
        return True

    class Numeric:
        kind = "numeric"
        summary = None

    one = sp.Integer(1)
    assert L.check_summary(Step(one, one, "=", "", "", verify=bare)) == "machine-checked"
    assert L.check_summary(Step(one, one, "=", "", "", verify=Numeric())) == "numeric"
    assert L.check_summary(Step(one, one, "<=", "", "")) == "hypothesis"
    assert L.check_summary(Step(one, one, "=", "", "", verify=Identity())) == "symbolic"


# ---------------------------------------------------------------- fitting the maths

def test_math_width_follows_computer_modern():
    """Exact sums of glyph widths and TeX's spacing for small formulas (TeXbook ch. 18)."""
    assert L.math_width("a") == pytest.approx(5.0)
    assert L.math_width("a + b") == pytest.approx(5 + 7.8 + 8 * 10 / 18 + 5)
    assert L.math_width("a = b") == pytest.approx(5 + 7.8 + 10 * 10 / 18 + 5)
    # a fraction is as wide as its wider part (one style down), plus the null delimiters
    assert L.math_width(r"\frac{a}{b + c}") == pytest.approx(L.math_width("b + c", 1) + 2.4)
    # scripts one style down; sub- and superscripts stacked
    assert L.math_width("x_{k}^{2}") == pytest.approx(5.0 + 0.7 * 5.0)
    # limits over a big operator in display style are stacked, not beside it
    assert L.math_width(r"\sum_{k=1}^{K}") == pytest.approx(14.4 + 1.7)


def _wide_sum():
    x = sp.symbols("x0:12")
    return sp.Add(*[sp.exp(v) / (1 + v ** 2) for v in x])


def test_a_wide_sum_is_cut_between_terms():
    wide = _wide_sum()
    lines = LL._Breaker().lines(wide, 150)
    assert len(lines) >= 4
    assert all(L.math_width(ln) <= 150 for ln in lines)
    assert " ".join(lines) == L.latex(wide)  # nothing lost, nothing reordered


def test_a_wide_quotient_is_cut_between_the_factors_of_its_denominator():
    w = sp.Symbol("omega")
    poles = [sp.Rational(1, 2) + sp.sqrt(3) * sp.I / 2, -sp.Rational(1, 2) + sp.sqrt(3) * sp.I / 2,
             sp.Rational(1, 2) - sp.sqrt(3) * sp.I / 2]
    quotient = sp.exp(sp.I * w) / sp.Mul(*[w - p for p in poles])
    brk = LL._Breaker()
    pieces = brk._pieces(quotient)
    assert sp.simplify(sp.Mul(*[f ** p for _, f, p in pieces]) - quotient) == 0
    assert sum(p < 0 for _, _, p in pieces) == 3
    lines = brk.lines(quotient, 120)
    assert len(lines) >= 2 and all(L.math_width(ln) <= 120 for ln in lines)
    assert sum(ln.count("^{-1}") for ln in lines) == 3


def test_a_wide_step_breaks_after_the_lhs():
    step = Step(sp.Symbol("S"), _wide_sum(), "=", "", "")
    left, right = L.step_rows(step, lhs_room=0.0, width=200)
    assert left == ""
    lines = right.split("\n")
    assert lines[0] == r"\begin{aligned}[t]" and lines[-1].strip() == r"\end{aligned}"
    assert lines[1].strip() == r"&S\\"
    assert lines[2].strip().startswith(r"&\quad = ")
    assert len(lines) >= 6


def _lines_of(cell):
    """The lines of an ``aligned`` cell: split at its own ``\\\\`` only, not at the row
    separators of a matrix inside a line."""
    if "\\begin{aligned}" not in cell:
        return [cell]
    body = cell.split("\n", 1)[1].rsplit("\n", 1)[0]
    lines, depth, cur, i = [], 0, "", 0
    while i < len(body):
        if body.startswith("\\begin{", i):
            depth += 1
        elif body.startswith("\\end{", i):
            depth -= 1
        if depth == 0 and body.startswith("\\\\", i):
            lines.append(cur)
            cur, i = "", i + 2
            continue
        cur += body[i]
        i += 1
    lines.append(cur)
    return [ln.strip().lstrip("&") for ln in lines]


@pytest.mark.parametrize("did", IDS)
def test_every_line_fits_its_column(did, built):
    """By the width estimate: the widest left cell plus any line of a right cell fits the
    room beside the justification column (or, for a derivation that needs more than
    MAX_COLUMN_LINES lines for a step there, the full text width); each line balanced."""
    steps = built[did].steps
    cells = L.layout(steps)
    width = L.maths_budget()
    if max(LL._cell_lines(r) for _, r in cells) > L.MAX_COLUMN_LINES:
        width = L.maths_budget(with_justification=False)
        cells = L.layout(steps, width=width)
    left = max(L.math_width(lc) for lc, _ in cells)
    for n, (_, right) in enumerate(cells, start=1):
        for line in _lines_of(right):
            assert left + L.math_width(line) <= width + 1e-9, (did, n, line)
            assert line.count("{") == line.count("}"), (did, n, line)
            assert line.count(r"\left") == line.count(r"\right"), (did, n, line)


def _pdflatex():
    exe = shutil.which("pdflatex")
    if exe is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("pdflatex is not installed, and CI must compile the derivations: "
                        "install texlive-latex-base and texlive-latex-recommended")
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base "
                    "texlive-latex-recommended); CI runs this test")
    return exe


def _run_pdflatex(exe, workdir, name, runs=1):
    for _ in range(runs):
        proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", name + ".tex"],
                              cwd=workdir, capture_output=True, text=True, errors="replace",
                              timeout=120)
    with open(os.path.join(workdir, name + ".log"), encoding="latin-1") as fh:
        log = fh.read()
    return proc.returncode, log


def test_math_width_against_pdflatex(built, tmp_path):
    """The estimate against pdflatex's measurement of every line the layout produces: wide
    lines (> 100 pt, the ones that decide a break) are never underestimated by more than
    the margin the budgets keep (:data:`proofs_check._latex_layout._ESTIMATE_MARGIN`), and no line
    is overestimated by more than 30 %."""
    exe = _pdflatex()
    pieces = []
    for d in built.values():
        for width in (None, L.maths_budget(with_justification=False)):
            for left, right in L.layout(d.steps, width=width):
                pieces += [left] + _lines_of(right)
    pieces = [p for p in dict.fromkeys(pieces) if p.strip()]
    body = [r"\setbox0\hbox{$\displaystyle %s$}\typeout{WIDTH %d \the\wd0}" % (p, i)
            for i, p in enumerate(pieces)]
    (tmp_path / "w.tex").write_text("\\documentclass{article}\\usepackage{amsmath,amssymb}"
                                    "\\begin{document}\n" + "\n".join(body)
                                    + "\n\\end{document}\n", encoding="utf-8")
    code, log = _run_pdflatex(exe, tmp_path, "w")
    assert code == 0, log[-2000:]
    real = {int(m[1]): float(m[2]) for m in re.finditer(r"^WIDTH (\d+) ([\d.]+)pt", log, re.M)}
    assert len(real) == len(pieces)
    for i, p in enumerate(pieces):
        est, got = L.math_width(p), real[i]
        if got > 100:
            assert est * LL._ESTIMATE_MARGIN >= got, (p, est, got)
        if got > 20:
            assert est <= 1.3 * got, (p, est, got)


# ---------------------------------------------------------------- the documents

def _demo():
    x = sp.Symbol("x")
    return Derivation("demo.two_steps", "A demo: x_1 ≥ 0", "nowhere", "derived", (
        Step(a, sp.sqrt(x), ":=", "notation", "here"),
        Step(sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1), "=", "Pythagoras; a from step 1",
             "prior work", verify=Identity()),
    ))


_DEMO_BODY = r"""\begingroup\sloppy
%s
Derivation \texttt{demo.\allowbreak{}two\_\allowbreak{}steps}. Source: nowhere. Provenance: derived.
Every step was machine-checked by proofs-check before this file was written: symbolic steps by exact computer algebra, numeric ones in float64 on the trajectories counted, with derived tolerances; definitions and hypotheses are stated, not checked.
\allowdisplaybreaks
\begin{align}
  a &\mathrel{:=} \sqrt{x}
    && \parbox[t]{0.3\linewidth}{\raggedright\small notation. \emph{(definition)}}\label{demo.two_steps:step1}\\
  &\sin^{2}{\left(x \right)} + \cos^{2}{\left(x \right)} = 1
    && \parbox[t]{0.3\linewidth}{\raggedright\small Pythagoras; $a$ from \eqref{demo.two_steps:step1}. \emph{(symbolic)}}\label{demo.two_steps:step2}
\end{align}
\endgroup
"""

DEMO_LATEX = (r"""% generated by proofs-check from claim demo.two_steps; do not edit
\documentclass{article}
\usepackage{amsmath}
\usepackage{amssymb}
\title{A demo: $x_{1} \ge 0$}
\date{}
\begin{document}
\maketitle
""" + _DEMO_BODY % "" + "\\end{document}\n").replace("\\begingroup\\sloppy\n\n", "\\begingroup\\sloppy\n")

DEMO_FRAGMENT = r"""% generated by proofs-check from claim demo.two_steps; do not edit
% for \input into a document that loads amsmath and amssymb
""" + _DEMO_BODY % r"\par\noindent\textbf{A demo: $x_{1} \ge 0$.}"

DEMO_MARKDOWN = r"""<!-- generated by proofs-check from claim demo.two_steps; do not edit -->

# A demo: $x_{1} \ge 0$

**Derivation** `demo.two_steps`. **Source:** nowhere. **Provenance:** derived.

Every step was machine-checked by proofs-check before this file was written: symbolic steps by exact computer algebra, numeric ones in float64 on the trajectories counted, with derived tolerances; definitions and hypotheses are stated, not checked.

**Step 1.** notation. *(definition)*

$$
a \mathrel{:=} \sqrt{x} \tag{1}
$$

**Step 2.** Pythagoras; $a$ from step 1. *(symbolic)*

$$
\sin^{2}{\left(x \right)} + \cos^{2}{\left(x \right)} = 1 \tag{2}
$$
"""


def test_document_golden():
    assert L.derivation_latex(_demo()) == DEMO_LATEX


def test_fragment_golden():
    assert L.derivation_latex(_demo(), fragment=True) == DEMO_FRAGMENT


def test_markdown_golden():
    assert L.derivation_markdown(_demo()) == DEMO_MARKDOWN


def test_verbose_adds_the_check_and_the_source():
    text = L.derivation_latex(_demo(), verbose=True)
    assert (r"\emph{(symbolic)} \emph{Check:} symbolic: lhs $-$ rhs reduces to 0 exactly. "
            r"\emph{Source:} prior work.") in text
    assert r"\intertext{\small\eqref{demo.two_steps:step2}\enspace Pythagoras" in text
    md = L.derivation_markdown(_demo(), verbose=True)
    assert "*(symbolic)* *Check:* symbolic: lhs $-$ rhs reduces to 0 exactly. " \
           "*Source:* prior work." in md


_DETAILS = ("standard\\_", "tolerance tol", "float64 on every", "theory.", "accuracy",
            "Check:")


@pytest.mark.parametrize("did", IDS)
def test_fragment_is_made_for_a_paper(did, built):
    d = built[did]
    n = len(d.steps)
    text = L.derivation_latex(d, fragment=True)
    assert text.splitlines()[0] == "% " + BANNER.format(claim_id=did)
    for word in (r"\documentclass", r"\usepackage", r"\begin{document}", r"\maketitle",
                 r"\title", r"\tag", r"\section"):
        assert word not in text, (did, word)
    assert text.count(r"\begin{align}") == 1 and text.count(r"\end{align}") == 1
    labels = re.findall(r"\\label\{([^}]*)\}", text)
    assert labels == [f"{did}:step{m}" for m in range(1, n + 1)]
    assert set(re.findall(r"\\eqref\{([^}]*)\}", text)) <= set(labels)
    assert text.count("{") == text.count("}")
    for word in _DETAILS:  # the checking details are for verbose output only
        assert word not in text, (did, word)
    summaries = re.findall(r"\\emph\{\(([^)]*)\)\}", text)
    assert len(summaries) == n
    assert all(re.fullmatch(r"definition|hypothesis|symbolic|numeric|machine-checked|"
                            r"checked on \d+ trajector(y|ies)", s) for s in summaries), summaries
    verbose = L.derivation_latex(d, fragment=True, verbose=True)
    assert "Check:" in verbose and verbose.count(r"\intertext") == n


@pytest.mark.parametrize("did", IDS)
def test_standalone_is_the_fragment_in_an_article(did, built):
    d = built[did]
    text = L.derivation_latex(d)
    frag = L.derivation_latex(d, fragment=True)
    packages = re.findall(r"\\usepackage\{([^}]*)\}", text)
    assert packages == ["amsmath", "amssymb"]
    body = lambda s: s[s.index(r"\allowdisplaybreaks"):s.index(r"\endgroup")]  # noqa: E731
    assert body(text) == body(frag)
    assert r"\maketitle" in text and text.rstrip().endswith(r"\end{document}")


@pytest.mark.parametrize("did", IDS)
def test_markdown_page(did, built):
    d = built[did]
    n = len(d.steps)
    text = L.derivation_markdown(d)
    assert text.splitlines()[0] == "<!-- " + BANNER.format(claim_id=did) + " -->"
    headings = [ln for ln in text.splitlines() if ln.startswith("#")]
    assert len(headings) == 1 and headings[0].startswith("# ")  # one heading, not one per step
    assert text.count("\n$$\n") == 2 * n
    assert re.findall(r"\\tag\{(\d+)\}", text) == [str(m) for m in range(1, n + 1)]
    paragraphs = [ln for ln in text.splitlines() if ln.startswith("**Step ")]
    assert [int(re.match(r"\*\*Step (\d+)\.", p).group(1)) for p in paragraphs] == \
        list(range(1, n + 1))
    for p in paragraphs:
        prose = re.sub(r"\$[^$]*\$|`[^`]*`", "", p)  # outside inline maths and code
        assert prose.count("$") == 0 and not re.search(r"(?<!\\)[_^]", prose), p
    assert "[t]" not in text  # KaTeX/MathJax: plain aligned


# ---------------------------------------------------------------- compiled by pdflatex

_HOST = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{amssymb}
\begin{document}
A paper's own text, with an equation of its own:
\begin{equation} x = 1 \label{host} \end{equation}
and a reference to the appendix, \eqref{%s:step1}.
\input{fragment}
\end{document}
"""


@pytest.fixture(scope="module")
def compiled(built, tmp_path_factory):
    """Every derivation compiled standalone (default and verbose, one run each) and as a
    fragment in :data:`_HOST` (two runs, so that references resolve), two at a time."""
    exe = _pdflatex()
    root = tmp_path_factory.mktemp("pdflatex")
    jobs = []
    for did, d in built.items():
        for kind in ("standalone", "verbose", "host"):
            work = root / f"{did}-{kind}"
            work.mkdir()
            if kind == "host":
                (work / "fragment.tex").write_text(L.derivation_latex(d, fragment=True),
                                                   encoding="utf-8")
                (work / "doc.tex").write_text(_HOST % did, encoding="utf-8")
            else:
                (work / "doc.tex").write_text(L.derivation_latex(d, verbose=kind == "verbose"),
                                              encoding="utf-8")
            jobs.append((did, kind, work))
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda j: _run_pdflatex(exe, j[2], "doc", 2 if j[1] == "host" else 1),
                           jobs)
        return {(did, kind): res for (did, kind, _), res in zip(jobs, results)}


@pytest.mark.parametrize("kind", ["standalone", "verbose", "host"])
@pytest.mark.parametrize("did", IDS)
def test_latex_compiles_without_overfull_boxes(did, kind, compiled):
    code, log = compiled[(did, kind)]
    assert code == 0, log[-3000:]
    overfull = re.findall(r"Overfull \\[hv]box \(([\d.]+)pt too wide\).*", log)
    assert overfull == [], (did, kind, re.findall(r"Overfull .*", log))
    if kind == "host":
        assert "undefined" not in log.lower(), re.findall(r".*undefined.*", log)
        assert "multiply defined" not in log.lower()


def test_all_is_honest():
    assert all(hasattr(L, name) for name in L.__all__)
