r"""The one LaTeX printer of the project, and a derivation rendered as LaTeX or Markdown.

STYLE rule 11: a derivation is data (:class:`theory.derivation.Derivation`, a list of steps
``lhs  relation  rhs`` with justification and source); this module is the only place that
turns it into text.  :class:`ProofsLatexPrinter` is a ``sympy`` ``LatexPrinter`` with the
project's notation:

* ``epsilon``/``eps`` print as ``\varepsilon``; subscripts ``min``/``max`` as ``\min``/``\max``
  (``d_min`` -> ``d_{\min}``); a symbol whose name already is LaTeX (contains ``\`` or ``{``)
  prints verbatim;
* ``Indexed`` objects print as plain subscripts (``d[k]`` -> ``d_{k}``, ``z[t, k]`` ->
  ``z_{t,k}``), applied undefined functions as ``f(x)``;
* transpose as ``^\top``, the identity matrix as ``I``, relations as ``\le``/``\ge``;
* :class:`Norm` and :class:`Inner` print as ``\left\|v\right\|`` and
  ``\left\langle u, v\right\rangle``.

:func:`derivation_latex` writes a standalone document (``article``, ``amsmath`` and
``amssymb`` only), one ``align`` environment per step, tagged with the step number and
preceded by its justification, source and how it was machine-checked.
:func:`derivation_markdown` writes the same content with ``$$`` display math.  Both open
with the generated-file banner of :data:`proofs_check._io.BANNER`.

Source: STYLE rules 11-12; notation of docs/theory/mobahi2020.md §1-§5.
Domain: sympy expressions; derivations whose text is ASCII or uses the symbols of
:data:`TEXT_SYMBOLS` (anything else raises :class:`ValueError` naming the character).

>>> import sympy as sp
>>> latex(sp.Symbol("epsilon") * sp.Symbol("K") / sp.Symbol("d_min"))
'\\frac{K \\varepsilon}{d_{\\min}}'
"""

import re

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter

from theory.symbols import Inner, Norm

from ._io import BANNER

__all__ = ["ProofsLatexPrinter", "Norm", "Inner", "latex", "relation_latex", "step_latex",
           "check_description", "tex_text", "derivation_latex", "derivation_markdown",
           "TEXT_SYMBOLS"]


#: Symbol names printed specially (project notation).
_NAMES = {"epsilon": r"\varepsilon", "eps": r"\varepsilon"}
_SUBSCRIPT_WORDS = {"min": r"\min", "max": r"\max"}


class ProofsLatexPrinter(LatexPrinter):
    r"""``sympy``'s LaTeX printer with the project's notation (see the module docstring).

    Source: STYLE rule 11.  Domain: any sympy expression.

    >>> import sympy as sp
    >>> t, k = sp.symbols("t k")
    >>> ProofsLatexPrinter().doprint(sp.IndexedBase("z")[t, k] <= sp.Symbol("kappa"))
    'z_{t,k} \\le \\kappa'
    """

    printmethod = "_latex"

    def _print_Symbol(self, expr, style="plain"):
        name = expr.name
        if name in _NAMES:
            return _NAMES[name]
        if "\\" in name or "{" in name:  # already LaTeX: print verbatim
            return name
        base, _, sub = name.partition("_")
        if sub in _SUBSCRIPT_WORDS:
            return "%s_{%s}" % (super()._print_Symbol(sp.Symbol(base), style),
                                _SUBSCRIPT_WORDS[sub])
        return super()._print_Symbol(expr, style)

    def add_terms(self, expr, order=None):
        """The printed terms of a sum, each with its sign (the first without ``+``);
        positive terms first: ``||z_t|| - a``, not ``-a + ||z_t||``."""
        terms = self._as_ordered_terms(expr, order=order)
        terms = ([x for x in terms if not x.could_extract_minus_sign()]
                 + [x for x in terms if x.could_extract_minus_sign()])
        out = []
        for n, term in enumerate(terms):
            sign = ""
            if n and term.could_extract_minus_sign():
                sign, term = "- ", -term
            elif n:
                sign = "+ "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = r"\left(%s\right)" % term_tex
            out.append(sign + term_tex)
        return out

    def _print_Add(self, expr, order=None):
        return " ".join(self.add_terms(expr, order))

    def _print_Relational(self, expr):
        ops = {"==": "=", ">": ">", "<": "<", ">=": r"\ge", "<=": r"\le", "!=": r"\ne"}
        return "%s %s %s" % (self._print(expr.lhs), ops[expr.rel_op], self._print(expr.rhs))

    def _print_Transpose(self, expr):
        arg = expr.arg
        s = self._print(arg)
        if not isinstance(arg, sp.MatrixSymbol) or "^" in s:
            s = r"\left(%s\right)" % s
        return s + r"^{\top}"

    def _print_Identity(self, expr):
        return "I"

    def _print_Indexed(self, expr):
        base = self._print(expr.base)
        if "_" in base or "^" in base:  # the base has its own subscript: bracket it
            base = r"\left(%s\right)" % base
        return "%s_{%s}" % (base, ",".join(self._print(i) for i in expr.indices))

    def _print_Function(self, expr, exp=None):
        if isinstance(expr, AppliedUndef):
            body = "%s(%s)" % (self._print(sp.Symbol(expr.func.__name__)),
                               ", ".join(self._print(a) for a in expr.args))
            return body if exp is None else r"%s^{%s}" % (body, exp)
        return super()._print_Function(expr, exp)


def latex(expr, **settings):
    r"""LaTeX of ``expr`` by :class:`ProofsLatexPrinter` (the one printer; STYLE rule 11).

    Source: STYLE rule 11.  Domain: sympy expressions (Python numbers are sympified).

    >>> import sympy as sp
    >>> latex(sp.MatrixSymbol("V", 2, 2).T * sp.Identity(2))
    'V^{\\top}'
    """
    return ProofsLatexPrinter(settings).doprint(sp.sympify(expr))


_RELATIONS = {"=": "=", "<=": r"\le", ">=": r"\ge", "<": "<", ">": ">",
              ":=": r"\mathrel{:=}", "=>": r"\implies"}


def relation_latex(relation):
    r"""LaTeX of a step relation: ``=``, ``<=``, ``>=``, ``<``, ``>``, ``:=``, ``=>``.

    Source: :class:`theory.derivation.Step`.  Domain: those seven strings.

    >>> relation_latex("<="), relation_latex(":=")
    ('\\le', '\\mathrel{:=}')
    """
    try:
        return _RELATIONS[relation]
    except KeyError:
        raise ValueError(f"unknown step relation {relation!r}; use one of "
                         f"{', '.join(_RELATIONS)}") from None


#: Steps wider than this (estimated characters on the page) break after the lhs.
_BREAK_AT = 80


def _visible_length(tex):
    """A rough width of LaTeX math in characters: commands count one, sizing and braces
    nothing, a fraction its wider part."""
    tex = re.sub(r"\\(left|right|mathrel|limits|displaystyle)\b|\\[,;!: ]|[{}]", "", tex)
    tex = re.sub(r"\\[A-Za-z]+", "x", tex)
    return len(tex.replace(" ", ""))


def _pieces(expr, text, printer):
    """``text`` (the LaTeX of ``expr``) cut between the terms of a top-level sum into
    pieces no wider than :data:`_BREAK_AT` (a single wide term stays whole)."""
    if not isinstance(expr, sp.Add) or _visible_length(text) <= _BREAK_AT:
        return [text]
    pieces, cur = [], ""
    for term in printer.add_terms(expr):
        if cur and _visible_length(cur + term) > _BREAK_AT:
            pieces.append(cur)
            cur = ""
        cur = (cur + " " + term) if cur else term
    return pieces + [cur]


def _step_lines(step):
    """The lines of a step: one ``lhs rel rhs``, or, when wide, the lhs and then
    ``rel rhs`` on lines of their own (sums cut between terms)."""
    printer = ProofsLatexPrinter()
    lhs, rhs = printer.doprint(sp.sympify(step.lhs)), printer.doprint(sp.sympify(step.rhs))
    rel = relation_latex(step.relation)
    if _visible_length(lhs) + _visible_length(rhs) <= _BREAK_AT:
        return [(lhs, rel, rhs)]
    lines = [("", p) for p in _pieces(sp.sympify(step.lhs), lhs, printer)]
    rp = _pieces(sp.sympify(step.rhs), rhs, printer)
    lines = [(r"\qquad " if n else "", p) for n, (_, p) in enumerate(lines)]
    lines.append((r"\quad %s " % rel, rp[0]))
    lines += [(r"\qquad ", p) for p in rp[1:]]
    return lines


def step_latex(step, number):
    r"""The ``align`` body of one step: ``lhs &rel rhs \tag{number}``; a wide step puts its
    sides on lines of their own (``\notag`` on all but the last).

    Source: STYLE rule 11.  Domain: a :class:`theory.derivation.Step`.

    >>> import sympy as sp
    >>> from theory.derivation import Step
    >>> step_latex(Step(sp.Symbol("a"), sp.Symbol("b"), "<=", "why", "where"), 3)
    'a &\\le b \\tag{3}'
    """
    lines = _step_lines(step)
    if len(lines) == 1 and len(lines[0]) == 3:
        lhs, rel, rhs = lines[0]
        return "%s &%s %s \\tag{%d}" % (lhs, rel, rhs, number)
    body = " \\notag\\\\\n  ".join("&%s%s" % (ind, text) for ind, text in lines)
    return body + " \\tag{%d}" % number


def _step_markdown(step, number):
    lines = _step_lines(step)
    if len(lines) == 1 and len(lines[0]) == 3:
        return "%s %s %s \\tag{%d}" % (*lines[0], number)
    body = " \\\\ ".join("&%s%s" % (ind, text) for ind, text in lines)
    return "\\begin{aligned}%s\\end{aligned} \\tag{%d}" % (body, number)


def check_description(step):
    """How ``step`` was machine-checked, in one line of plain text.

    The check's ``describe()`` if it has one, else the first sentence of its docstring;
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
        return "machine-checked by a sympy computation"
    text = " ".join(doc.split("\n\n")[0].split())
    return text.replace("``", "")


#: Non-ASCII characters allowed in justifications, with their LaTeX (pdflatex, amssymb).
TEXT_SYMBOLS = {
    "α": r"$\alpha$", "β": r"$\beta$", "γ": r"$\gamma$", "δ": r"$\delta$", "ε": r"$\varepsilon$",
    "κ": r"$\kappa$", "λ": r"$\lambda$", "μ": r"$\mu$", "π": r"$\pi$", "ρ": r"$\rho$",
    "σ": r"$\sigma$", "τ": r"$\tau$", "φ": r"$\phi$", "ω": r"$\omega$", "θ": r"$\theta$",
    "η": r"$\eta$", "Σ": r"$\Sigma$", "Π": r"$\Pi$", "Δ": r"$\Delta$", "Γ": r"$\Gamma$",
    "ℓ": r"$\ell$", "ℝ": r"$\mathbb{R}$",
    "²": r"$^2$", "³": r"$^3$", "⁴": r"$^4$", "⁻": r"$^-$", "¹": r"$^1$", "₀": r"$_0$",
    "₁": r"$_1$", "₂": r"$_2$", "ₖ": r"$_k$", "ₜ": r"$_t$",
    "−": "$-$", "–": "--", "—": "---", "…": r"\dots{}", "·": r"$\cdot$", "×": r"$\times$",
    "±": r"$\pm$", "∞": r"$\infty$", "∫": r"$\int$", "∑": r"$\sum$", "∂": r"$\partial$",
    "√": r"$\surd$", "≠": r"$\neq$", "≡": r"$\equiv$", "≈": r"$\approx$", "≤": r"$\le$",
    "≥": r"$\ge$", "≪": r"$\ll$", "≫": r"$\gg$", "→": r"$\to$", "↦": r"$\mapsto$",
    "⇒": r"$\Rightarrow$", "⇔": r"$\Leftrightarrow$", "∈": r"$\in$", "⊂": r"$\subset$",
    "∀": r"$\forall$", "∃": r"$\exists$", "⟨": r"$\langle$", "⟩": r"$\rangle$",
    "‖": r"$\|$", "⌈": r"$\lceil$", "⌉": r"$\rceil$", "⌊": r"$\lfloor$", "⌋": r"$\rfloor$",
    "∘": r"$\circ$", "′": "$'$", "§": r"\S{}", "é": r"\'e", "ä": r'\"a', "ö": r'\"o',
    "ü": r'\"u', "’": "'", "“": "``", "”": "''",
}

# <, >, | and \ in math mode: their text-mode forms need the TS1 (textcomp) fonts, which
# a minimal TeX installation has only as METAFONT sources (slow bitmap generation)
_TEX_SPECIAL = {"\\": r"$\backslash$", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\~{}", "^": r"\^{}",
                "<": "$<$", ">": "$>$", "|": r"$|$"}


# A short name with sub- or superscripts (r_t, d_min, y_{t+1}, ω^{2m}, g^(3)) is set as
# mathematics; a longer identifier (standard_domain) stays text.
_SCRIPT = r"(?:[_^](?:\{[^{}]*\}|\([^()]*\)|[A-Za-z0-9]+))"
_MATH_TOKEN = re.compile(r"(?<![\w.])([A-Za-z\u0370-\u03ff]{1,2}'?)(%s+)|(?<=[)|])(\^(?:\{[^{}]*\}|[A-Za-z0-9]+))"
                         % _SCRIPT)
_SCRIPT_PART = re.compile(r"([_^])(\{[^{}]*\}|\([^()]*\)|[A-Za-z0-9]+)")
_WORDS = {"min": r"\min", "max": r"\max"}


def _math_chars(s):
    """Characters of a short formula in math mode (Greek and symbols mapped)."""
    out = []
    for ch in s:
        if ch in TEXT_SYMBOLS and TEXT_SYMBOLS[ch].startswith("$"):
            out.append(TEXT_SYMBOLS[ch].strip("$") + " ")
        elif ord(ch) < 128 and ch not in "\\$%&#~":
            out.append(ch)
        else:
            raise ValueError(f"character {ch!r} (U+{ord(ch):04X}) in {s!r} has no LaTeX "
                             f"mapping; add it to proofs_check.latex.TEXT_SYMBOLS")
    return "".join(out).rstrip()


def _math_token(base, scripts):
    subs, sups = [], []
    for kind, arg in _SCRIPT_PART.findall(scripts):
        inner = arg[1:-1] if arg.startswith("{") else arg
        (subs if kind == "_" else sups).append(_WORDS.get(inner, _math_chars(inner)))
    out = _math_chars(base)
    if subs:  # beta_def_k -> beta_{def,k}
        out += "_{%s}" % ",".join(subs)
    if sups:
        out += "^{%s}" % ",".join(sups)
    return "$" + out + "$"


def _text_chars(s):
    out = []
    for ch in s:
        if ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif ord(ch) < 128:
            out.append(ch)
        elif ch in TEXT_SYMBOLS:
            out.append(TEXT_SYMBOLS[ch])
        else:
            raise ValueError(f"character {ch!r} (U+{ord(ch):04X}) in {s!r} has no LaTeX "
                             f"mapping; add it to proofs_check.latex.TEXT_SYMBOLS")
    return "".join(out)


def tex_text(s):
    r"""Plain text as LaTeX text-mode source: specials escaped, symbols of
    :data:`TEXT_SYMBOLS` mapped, short names with sub/superscripts (``r_t``, ``d_min``,
    ``y_{t+1}``) set in math mode; any other non-ASCII character raises ``ValueError``.

    Source: STYLE rule 14 (a character pdflatex cannot typeset fails here, by name).
    Domain: strings.

    >>> tex_text("c_t >= 0 & 50% of standard_domain")
    '$c_{t}$ $\\ge$ 0 \\& 50\\% of standard\\_domain'
    """
    s = str(s).replace(">=", "≥").replace("<=", "≤").replace("=>", "⇒").replace("->", "→")
    out, pos = [], 0
    for m in _MATH_TOKEN.finditer(s):
        out.append(_text_chars(s[pos:m.start()]))
        if m.group(1):
            out.append(_math_token(m.group(1), m.group(2)))
        else:
            out.append(_math_token("", m.group(3)))
        pos = m.end()
    out.append(_text_chars(s[pos:]))
    return "".join(out)


def _md_text(s):
    """Plain text for Markdown: characters that start emphasis, code, math or HTML escaped."""
    return re.sub(r"([\\`*_$<\[\]|])", r"\\\1", str(s))


_PREFACE = ("proofs-check ran the check of every step below before writing this file; each "
            "step says how it was checked. Definitions and hypotheses are stated, not checked.")

_PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{amssymb}
\setlength{\textwidth}{6.3in}
\setlength{\oddsidemargin}{0.1in}
\setlength{\evensidemargin}{0.1in}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6em}
"""


def derivation_latex(derivation):
    r"""``derivation`` as a standalone LaTeX document (``article``; ``amsmath``, ``amssymb``).

    First line: ``% generated by proofs-check from claim <id>; do not edit``.  Then the
    title, id, source and provenance, and per step: its justification, source and check,
    and an ``align`` environment holding ``lhs rel rhs`` tagged with the step number.

    Source: STYLE rules 11-12.  Domain: a :class:`theory.derivation.Derivation` (it is
    rendered as given; :func:`proofs_check.derive.render` verifies before rendering).

    >>> import sympy as sp
    >>> from theory.derivation import Derivation, Step
    >>> d = Derivation("demo.id", "Demo", "nowhere", "derived",
    ...                (Step(sp.Symbol("a"), sp.Integer(1), ":=", "def", "here"),))
    >>> text = derivation_latex(d)
    >>> text.splitlines()[0]
    '% generated by proofs-check from claim demo.id; do not edit'
    >>> "a &\\mathrel{:=} 1 \\tag{1}" in text
    True
    """
    lines = ["% " + BANNER.format(claim_id=derivation.id), _PREAMBLE.rstrip("\n"),
             r"\title{%s}" % tex_text(derivation.title), r"\date{}", r"\begin{document}",
             r"\maketitle", "",
             r"\textbf{Derivation} \texttt{%s}. \textbf{Source:} %s. \textbf{Provenance:} %s."
             % (tex_text(derivation.id), tex_text(derivation.source),
                tex_text(derivation.provenance)),
             "", tex_text(_PREFACE), ""]
    for n, step in enumerate(derivation.steps, start=1):
        lines += [r"\textbf{Step %d.} %s \emph{Source:} %s. \emph{Check:} %s"
                  % (n, tex_text(_sentence(step.justification)), tex_text(step.source),
                     tex_text(_sentence(check_description(step)))),
                  r"\begin{align}", "  " + step_latex(step, n), r"\end{align}", ""]
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"


def derivation_markdown(derivation):
    r"""``derivation`` as Markdown with ``$$`` display math (one block per step).

    First line: ``<!-- generated by proofs-check from claim <id>; do not edit -->``; the
    same content as :func:`derivation_latex`, for documentation sites (MathJax/KaTeX).

    Source: STYLE rules 11-12.  Domain: a :class:`theory.derivation.Derivation`.

    >>> import sympy as sp
    >>> from theory.derivation import Derivation, Step
    >>> d = Derivation("demo.id", "Demo", "nowhere", "derived",
    ...                (Step(sp.Symbol("a"), sp.Integer(1), ":=", "def", "here"),))
    >>> print(derivation_markdown(d).split("## ")[1])
    Step 1
    <BLANKLINE>
    def. *Source:* here. *Check:* definition (no check needed).
    <BLANKLINE>
    $$
    a \mathrel{:=} 1 \tag{1}
    $$
    <BLANKLINE>
    <BLANKLINE>
    """
    lines = ["<!-- " + BANNER.format(claim_id=derivation.id) + " -->", "",
             "# " + _md_text(derivation.title), "",
             "**Derivation** `%s`. **Source:** %s. **Provenance:** %s." %
             (derivation.id, _md_text(derivation.source), _md_text(derivation.provenance)),
             "", _md_text(_PREFACE), ""]
    for n, step in enumerate(derivation.steps, start=1):
        body = _step_markdown(step, n)
        lines += ["## Step %d" % n, "",
                  "%s *Source:* %s. *Check:* %s" % (_md_text(_sentence(step.justification)),
                                                    _md_text(step.source),
                                                    _md_text(_sentence(check_description(step)))),
                  "", "$$", body, "$$", ""]
    return "\n".join(lines) + "\n"


def _sentence(s):
    s = str(s).strip()
    return s if not s or s[-1] in ".!?" else s + "."
