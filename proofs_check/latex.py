r"""The one LaTeX printer of the project, and a derivation rendered as LaTeX or Markdown.

STYLE rule 11: a derivation is data (:class:`theory.derivation.Derivation`, a list of steps
``lhs  relation  rhs`` with justification and source); this module is the only place that
turns it into text.  Three parts:

**The printer.**  :class:`ProofsLatexPrinter` is a ``sympy`` ``LatexPrinter`` with the
project's notation: ``epsilon`` prints as ``\varepsilon``; subscripts ``min``/``max`` as
``\min``/``\max``; a symbol whose name already is LaTeX prints verbatim; ``Indexed``
objects as plain subscripts (``z[t, k]`` -> ``z_{t,k}``); applied undefined functions as
``f(x)``; transpose as ``^{\top}``, the identity as ``I``, relations as ``\le``/``\ge``;
:class:`Norm` and :class:`Inner` as ``\left\|v\right\|`` and ``\left\langle u, v\right\rangle``.

**The prose.**  Justifications, titles and sources are plain text with plain-text
mathematics in it (``each filter entry: c/(c + d) decreases in d and d_k <= d_max``).
:func:`tex_text` and :func:`markdown_text` find the mathematics by a small grammar (see
:func:`prose_pieces`) and set it as inline maths (``$c/(c + d)$``), with symbols printed by
the printer above (so ``ε``, ``d_min``, ``V^T`` read ``\varepsilon``, ``d_{\min}``,
``V^{\top}`` in prose as in the displays).  References to steps (``steps 2-4``) become
``\eqref`` links in LaTeX.

**The layout.**  :func:`derivation_latex` writes one ``align`` environment, one row per
step: ``lhs & rel rhs && justification``, labelled ``\label{<id>:step<n>}`` and numbered
by the host document's equation counter (no ``\tag``).  ``fragment=True`` leaves out the
preamble and ``\maketitle`` (for ``\input`` into a paper that loads ``amsmath``); the
standalone document adds them.  Each step states how it was checked in a few words
(:func:`check_summary`: ``definition``, ``symbolic``, ``checked on N trajectories``);
``verbose=True`` adds the full description (:func:`check_description`) and the step's
source.  Wide steps are broken across lines (between terms of a sum, factors of a product,
inside brackets) to fit the justification column beside them on the default ``article``
text width (345 pt), from an estimate of the typeset width (:func:`math_width`).  A
derivation whose displays need more room than that (a step over
:data:`MAX_COLUMN_LINES` lines), and every ``verbose`` rendering, sets each justification
above its step instead (``\intertext``), and the maths at full width.
:func:`derivation_markdown` writes the same content as one Markdown page with one heading,
a ``$$`` display per step (``\tag{n}``) and inline ``$...$`` maths in the prose.  Both
open with the generated-file banner of :data:`proofs_check._io.BANNER`.

Source: STYLE rules 11-12.
Domain: sympy expressions; derivations whose text is ASCII or uses the characters of
:data:`GREEK`, :data:`OPERATORS`, :data:`TEXT_CHARS` and the Unicode super/subscripts
(anything else raises :class:`ValueError` naming the character).

>>> import sympy as sp
>>> latex(sp.Symbol("epsilon") * sp.Symbol("K") / sp.Symbol("d_min"))
'\\frac{K \\varepsilon}{d_{\\min}}'
>>> tex_text("each filter entry: c/(c + d) decreases in d and d_k <= d_max")
'each filter entry: $c/(c + d)$ decreases in $d$ and $d_{k} \\le d_{\\max}$'
"""

from theory.symbols import Inner, Norm

from ._io import BANNER
from ._latex_layout import (JUSTIFICATION_WIDTH, MAX_COLUMN_LINES, TEXT_WIDTH, _cell_lines,
                            _step_cells, layout, math_width, maths_budget, step_rows)
from ._latex_printer import ProofsLatexPrinter, latex, relation_latex
from ._prose import _code_latex, markdown_text, prose_pieces, tex_text
from ._prose_lex import GREEK, OPERATORS, TEXT_CHARS

__all__ = ["ProofsLatexPrinter", "Norm", "Inner", "latex", "relation_latex",
           "check_description", "check_summary", "prose_pieces", "tex_text",
           "markdown_text", "math_width", "maths_budget", "step_rows", "layout",
           "step_label", "derivation_latex", "derivation_markdown", "GREEK", "OPERATORS",
           "TEXT_CHARS", "TEXT_WIDTH", "JUSTIFICATION_WIDTH", "MAX_COLUMN_LINES"]


# ======================================================================== checks

def check_description(step):
    """How ``step`` was machine-checked, in full (one line of plain text).

    The check's ``describe()`` if it has one, else the first paragraph of its docstring;
    ``definition`` / ``hypothesis`` for steps without a check.

    Source: :class:`theory.derivation.Step`.  Domain: any step.

    >>> import sympy as sp
    >>> from theory.derivation import Step, symbolic_equal
    >>> check_description(Step(sp.Integer(1), sp.Integer(1), "=", "", "", verify=symbolic_equal))
    'Check step.lhs - step.rhs simplifies to zero (for relation =).'
    """
    fn = step.verify
    if fn is None:
        return "definition (no check needed)" if step.relation == ":=" else \
            "hypothesis (stated, not checked)"
    describe = getattr(fn, "describe", None)
    if callable(describe):
        return describe()
    target = getattr(fn, "func", fn)  # functools.partial
    doc = (getattr(target, "__doc__", None) or "").strip()
    if not doc or getattr(target, "__name__", "") == "<lambda>":
        return "machine-checked (the check does not describe itself)"
    text = " ".join(doc.split("\n\n")[0].split())
    return text.replace("``", "")


def check_summary(step):
    """How ``step`` was checked, in a few words: ``definition``, ``hypothesis``,
    ``symbolic``, ``checked on N trajectories`` or ``numeric`` (a numeric check that has
    not reported how many trajectories it evaluated), ``machine-checked`` (a check that
    does not say which kind it is).

    A check states its kind by a ``kind`` attribute (``"symbolic"`` or ``"numeric"``) or
    by the word opening its ``describe()`` (``symbolic: ...``, ``numeric: ...``); a
    numeric check reports ``summary["runs"]`` after it ran.

    Source: :class:`theory.derivation.Step`.  Domain: any step.

    >>> import sympy as sp
    >>> from theory.derivation import Step
    >>> check_summary(Step(sp.Symbol("a"), sp.Integer(1), ":=", "notation", ""))
    'definition'
    """
    fn = step.verify
    if fn is None:
        return "definition" if step.relation == ":=" else "hypothesis"
    kind = getattr(fn, "kind", None)
    if kind is None:
        describe = getattr(fn, "describe", None)
        if callable(describe):
            kind = describe().split(":", 1)[0].strip()
    if kind == "symbolic":
        return "symbolic"
    if kind == "numeric":
        summary = getattr(fn, "summary", None)
        runs = summary.get("runs") if isinstance(summary, dict) else None
        if runs:
            return f"checked on {runs} trajectories" if runs != 1 else "checked on 1 trajectory"
        return "numeric"
    return "machine-checked"


# ======================================================================== documents

def step_label(did, number):
    """The ``\\label`` key of step ``number`` of derivation ``did``: ``<did>:step<n>``.

    >>> step_label("mobahi2020.c_bounds", 3)
    'mobahi2020.c_bounds:step3'
    """
    return f"{did}:step{number}"


_PREFACE = ("Every step was machine-checked by proofs-check before this file was written: "
            "symbolic steps by exact computer algebra, numeric ones in float64 on the "
            "trajectories counted, with derived tolerances; definitions and hypotheses are "
            "stated, not checked.")

_PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{amssymb}
"""


def _sentence(s):
    s = str(s).strip()
    return s if not s or s[-1] in ".!?" else s + "."


def _justification_tex(step, did, verbose):
    text = tex_text(_sentence(step.justification), lambda n: step_label(did, n))
    text += r" \emph{(%s)}" % tex_text(check_summary(step))
    if verbose:
        text += r" \emph{Check:} %s \emph{Source:} %s" % (
            tex_text(_sentence(check_description(step))), tex_text(_sentence(step.source)))
    return text


def derivation_latex(derivation, fragment=False, verbose=False):
    r"""``derivation`` as LaTeX: a standalone ``article`` (``amsmath``, ``amssymb``), or with
    ``fragment=True`` the body alone, for ``\input`` into a paper that loads them.

    First line: ``% generated by proofs-check from claim <id>; do not edit``.  Then the
    title (``\maketitle`` in the document, a bold run-in heading in the fragment), the id,
    source and provenance, one sentence on how the steps were checked, and one ``align``:
    per step ``lhs & rel rhs && justification``, ``\label{<id>:step<n>}``, numbered by the
    document's equation counter (no ``\tag``); references between steps are ``\eqref``.
    Each justification ends with :func:`check_summary` in italics; ``verbose=True`` adds
    :func:`check_description` and the step's source.

    Source: STYLE rules 11-12.  Domain: a :class:`theory.derivation.Derivation` (it is
    rendered as given; :func:`proofs_check.derive.render` verifies before rendering).

    >>> import sympy as sp
    >>> from theory.derivation import Derivation, Step
    >>> d = Derivation("demo.id", "Demo", "nowhere", "derived",
    ...                (Step(sp.Symbol("a"), sp.Integer(1), ":=", "def", "here"),))
    >>> text = derivation_latex(d, fragment=True)
    >>> text.splitlines()[0]
    '% generated by proofs-check from claim demo.id; do not edit'
    >>> "\\label{demo.id:step1}" in text, "\\tag" in text, "\\documentclass" in text
    (True, False, False)
    """
    did = derivation.id
    head = (r"Derivation %s. Source: %s Provenance: %s."
            % (_code_latex(did), tex_text(_sentence(derivation.source)),
               tex_text(derivation.provenance)))
    lines = ["% " + BANNER.format(claim_id=did)]
    if fragment:
        lines += [r"% for \input into a document that loads amsmath and amssymb",
                  r"\begingroup\sloppy",
                  r"\par\noindent\textbf{%s}" % tex_text(_sentence(derivation.title)),
                  head]
    else:
        lines += [_PREAMBLE.rstrip("\n"), r"\title{%s}" % tex_text(derivation.title),
                  r"\date{}", r"\begin{document}", r"\maketitle", r"\begingroup\sloppy",
                  head]
    lines += [tex_text(_PREFACE), r"\allowdisplaybreaks", r"\begin{align}"]
    cells = layout(derivation.steps)
    column = not verbose and max(_cell_lines(r) for _, r in cells) <= MAX_COLUMN_LINES
    if not column:
        cells = layout(derivation.steps, width=maths_budget(with_justification=False))
    rows = []
    for n, (step, (left, right)) in enumerate(zip(derivation.steps, cells), start=1):
        key = step_label(did, n)
        just = _justification_tex(step, did, verbose)
        if column:
            rows.append("  %s&%s\n    && \\parbox[t]{%s\\linewidth}{\\raggedright\\small %s}"
                        "\\label{%s}" % (left + " " if left else "", right,
                                          _fmt(JUSTIFICATION_WIDTH), just, key))
        else:
            rows.append("  \\intertext{\\small\\eqref{%s}\\enspace %s}\n  %s&%s\\label{%s}"
                        % (key, just, left + " " if left else "", right, key))
    lines.append("\\\\\n".join(rows))
    lines += [r"\end{align}", r"\endgroup"]
    if not fragment:
        lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"


def _fmt(x):
    return ("%.2f" % x).rstrip("0")


def derivation_markdown(derivation, verbose=False):
    r"""``derivation`` as one Markdown page: one heading, then per step a paragraph (its
    justification with inline ``$...$`` maths, and how it was checked) and a ``$$``
    display tagged with the step number.

    First line: ``<!-- generated by proofs-check from claim <id>; do not edit -->``; the
    same content as :func:`derivation_latex`, for documentation sites (MathJax/KaTeX).

    Source: STYLE rules 11-12.  Domain: a :class:`theory.derivation.Derivation`.

    >>> import sympy as sp
    >>> from theory.derivation import Derivation, Step
    >>> d = Derivation("demo.id", "Demo", "nowhere", "derived",
    ...                (Step(sp.Symbol("a"), sp.Integer(1), ":=", "def", "here"),))
    >>> print(derivation_markdown(d).split("\n\n", 4)[4])
    **Step 1.** def. *(definition)*
    <BLANKLINE>
    $$
    a \mathrel{:=} 1 \tag{1}
    $$
    <BLANKLINE>
    """
    lines = ["<!-- " + BANNER.format(claim_id=derivation.id) + " -->", "",
             "# " + markdown_text(derivation.title), "",
             "**Derivation** `%s`. **Source:** %s **Provenance:** %s." %
             (derivation.id, markdown_text(_sentence(derivation.source)),
              markdown_text(derivation.provenance)),
             "", markdown_text(_PREFACE), ""]
    width = maths_budget(with_justification=False)
    for n, step in enumerate(derivation.steps, start=1):
        para = "**Step %d.** %s *(%s)*" % (n, markdown_text(_sentence(step.justification)),
                                           check_summary(step))
        if verbose:
            para += " *Check:* %s *Source:* %s" % (
                markdown_text(_sentence(check_description(step))),
                markdown_text(_sentence(step.source)))
        _, right = _step_cells(step, 0.0, width)
        # KaTeX and MathJax set aligned without the [t] of the LaTeX layout
        body = "\n".join(ln.strip() for ln in right.replace("{aligned}[t]", "{aligned}")
                         .split("\n"))
        lines += [para, "", "$$", "%s \\tag{%d}" % (body, n), "$$", ""]
    return "\n".join(lines)

