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

import functools
import re

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter

from theory.symbols import Inner, Norm

from ._io import BANNER

__all__ = ["ProofsLatexPrinter", "Norm", "Inner", "latex", "relation_latex",
           "check_description", "check_summary", "prose_pieces", "tex_text",
           "markdown_text", "math_width", "maths_budget", "step_rows", "layout",
           "step_label", "derivation_latex", "derivation_markdown", "GREEK", "OPERATORS",
           "TEXT_CHARS", "TEXT_WIDTH", "JUSTIFICATION_WIDTH", "MAX_COLUMN_LINES"]


# ======================================================================== the printer

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
        return [sign + tex for sign, tex, _ in self.signed_terms(expr, order)]

    def signed_terms(self, expr, order=None):
        """``(sign, tex, term)`` of each term of a sum in printed order; ``sign`` is ``""``
        for the first, else ``"+ "`` or ``"- "`` (and ``term`` then the negated term)."""
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
            out.append((sign, term_tex, term))
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


# ======================================================================== the prose

#: Greek letters (and ℓ) of plain-text mathematics -> the symbol name the printer sets.
GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu",
    "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi",
    "χ": "chi", "ψ": "psi", "ω": "omega", "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta",
    "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega", "ℓ": "ell",
}

#: Operators, relations and delimiters of plain-text mathematics -> LaTeX (math mode).
OPERATORS = {
    ":=": r"\mathrel{:=}", "<=": r"\le", ">=": r"\ge", "=>": r"\Rightarrow", "->": r"\to",
    "!=": r"\ne", "||": r"\|", "...": r"\dots",
    "=": "=", "<": "<", ">": ">", "+": "+", "-": "-", "*": r"\cdot", "/": "/", "!": "!",
    "|": "|", "−": "-", "≤": r"\le", "≥": r"\ge", "≠": r"\ne", "≡": r"\equiv",
    "≈": r"\approx", "≪": r"\ll", "≫": r"\gg", "→": r"\to", "↦": r"\mapsto",
    "⇒": r"\Rightarrow", "⇔": r"\Leftrightarrow", "∈": r"\in", "⊂": r"\subset",
    "·": r"\cdot", "×": r"\times", "±": r"\pm", "∞": r"\infty", "∫": r"\int", "Σ": r"\sum",
    "∑": r"\sum", "∏": r"\prod", "∂": r"\partial", "∀": r"\forall", "∃": r"\exists",
    "⟨": r"\langle", "⟩": r"\rangle", "‖": r"\|", "⌈": r"\lceil", "⌉": r"\rceil",
    "⌊": r"\lfloor", "⌋": r"\rfloor", "∘": r"\circ", "…": r"\dots", "√": r"\surd",
}

#: Relations among :data:`OPERATORS` (a free-standing bracket holding one at its top level
#: is a parenthetical remark: ``(κ >= 1, r_t > 1)`` keeps text brackets).
_RELATION_OPS = {"=", "<", ">", ":=", "<=", ">=", "=>", "->", "!=", "≤", "≥", "≠", "≡",
                 "≈", "≪", "≫", "→", "↦", "⇒", "⇔", "∈", "⊂"}

#: Named operators of plain-text mathematics (``sqrt(x)`` is set as ``\sqrt{x}``).
_OPERATOR_NAMES = {
    "sqrt": r"\sqrt", "diag": r"\operatorname{diag}", "Res": r"\operatorname{Res}",
    "Re": r"\operatorname{Re}", "Im": r"\operatorname{Im}", "deg": r"\deg", "cos": r"\cos",
    "sin": r"\sin", "tan": r"\tan", "exp": r"\exp", "log": r"\log", "det": r"\det",
    "lim": r"\lim", "tr": r"\operatorname{tr}",
}

_SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
                 "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-", "⁺": "+", "ᵀ": "T"}
_SUBSCRIPTS = {"₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6",
               "₇": "7", "₈": "8", "₉": "9", "ₖ": "k", "ₜ": "t", "ᵢ": "i", "ⱼ": "j",
               "ₘ": "m", "ₙ": "n"}

#: Characters of running text -> LaTeX text mode (pdflatex with amsmath/amssymb only).
TEXT_CHARS = {
    "\\": r"$\backslash$", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"$\{$", "}": r"$\}$", "~": r"\~{}", "^": r"\^{}", "<": "$<$", ">": "$>$",
    "|": "$|$", "§": r"\S{}", "–": "--", "—": "---", "’": "'", "‘": "`", "“": "``",
    "”": "''", "é": r"\'e", "è": r"\`e", "ä": r'\"a', "ö": r'\"o', "ü": r'\"u',
    "…": r"\dots{}",
}

#: Two-letter English words; a capitalised two-letter run not listed is mathematics (Gy).
_TWO_LETTER_WORDS = {"am", "an", "as", "at", "be", "by", "do", "go", "he", "if", "in", "is",
                     "it", "me", "my", "no", "of", "on", "or", "so", "to", "up", "us", "we"}

#: English words that may stand just left of ``=`` in prose (any other word there is a
#: quantity written out: ``1 - ratio = ...``, ``cond = ...``).
_LEFT_OF_EQUALS = {"is", "are", "be", "was", "were", "and", "or", "with", "where", "when",
                   "if", "then", "so", "since", "thus", "hence", "that", "let", "set", "iff",
                   "gives", "means", "holds", "equals"}

#: Words that never follow the article "a" (so "a from step 1" is the quantity a).
_NOT_AFTER_ARTICLE = {"and", "or", "is", "are", "was", "be", "has", "have", "from", "to", "of",
                      "in", "on", "at", "by", "for", "with", "as", "so", "if", "iff", "then",
                      "than", "while", "when", "where", "into", "over", "per", "via", "equals"}

_GREEK_CLASS = "".join(GREEK)
_OPS_PATTERN = "|".join(re.escape(o) for o in sorted(OPERATORS, key=len, reverse=True))
_SCRIPT_ARG = r"(?:\{[^{}]*\}|\([^()]*\)|[A-Za-z0-9]+|[%s]|[-+]?[0-9]+)" % _GREEK_CLASS

_TOKEN = re.compile(r"""
  (?P<space>\s+)
| (?P<steps>\b[Ss]teps?[ ]+[0-9]+(?:[ ]*(?:-|–|,|and)[ ]*[0-9]+)*\b)
| (?P<code>[A-Za-z]{2,}(?:/[A-Za-z0-9_.-]+)+\.[A-Za-z]+             # a path: docs/x/y.md
         | [A-Za-z][A-Za-z0-9_]+(?:\.[A-Za-z_][A-Za-z0-9_]+)+        # a dotted name
         | [A-Za-z]{2,}[A-Za-z0-9]*_[A-Za-z0-9_]+)                  # a long identifier
| (?P<word>[A-Za-z]+[0-9]*(?:-[A-Za-z]+|'s\b)*)
| (?P<num>[0-9]+(?:\.[0-9]+)?)
| (?P<greek>[%(greek)s])
| (?P<script>(?:[_^]|\*\*)%(arg)s)
| (?P<sup>[%(sup)s]+)
| (?P<sub>[%(sub)s]+)
| (?P<open>[(\[{])
| (?P<close>[)\]}])
| (?P<op>%(ops)s)
| (?P<punct>[,;:.?'"])
| (?P<other>.)
""" % {"greek": _GREEK_CLASS, "arg": _SCRIPT_ARG, "sup": "".join(_SUPERSCRIPTS),
       "sub": "".join(_SUBSCRIPTS), "ops": _OPS_PATTERN}, re.X | re.S)

_CROSS_REF = re.compile(r"derivation\s+[A-Za-z0-9_.]+,\s*$")
_PAIRS = {"(": ")", "[": "]", "{": "}"}


class _Tok:
    """One token: ``kind`` (a group of :data:`_TOKEN`), ``text``, ``sp`` (whitespace
    before it); ``role`` ``M`` (mathematics) or ``T`` (text) once classified."""

    __slots__ = ("kind", "text", "sp", "role", "items", "close", "attached", "style")

    def __init__(self, kind, text, sp=False):
        self.kind, self.text, self.sp = kind, text, sp
        self.role, self.items, self.close, self.attached, self.style = None, None, None, False, None

    def __repr__(self):
        return f"{self.kind}:{self.text!r}:{self.role}"


def _lex(text):
    out, space = [], False
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "space":
            space = True
            continue
        if kind == "other" and ord(m.group()) >= 128 and m.group() not in TEXT_CHARS:
            raise ValueError(f"character {m.group()!r} (U+{ord(m.group()):04X}) in {text!r} "
                             f"has no LaTeX mapping; add it to proofs_check.latex.GREEK, "
                             f"OPERATORS or TEXT_CHARS")
        tok = _Tok(kind, m.group(), space)
        if kind == "script" and tok.text.startswith("**"):  # a Python power: r**2
            tok.text = "^" + tok.text[2:]
        if kind == "steps":
            tok.attached = bool(_CROSS_REF.search(text[:m.start()]))  # another derivation's
        out.append(tok)
        space = False
    return out


def _group(tokens):
    """Nest balanced brackets into group tokens (``kind == "group"``, ``items`` inside);
    an unbalanced bracket stays a plain character."""
    stack = [[]]
    opens = []
    for tok in tokens:
        if tok.kind == "open":
            opens.append(tok)
            stack.append([])
        elif tok.kind == "close" and opens and _PAIRS[opens[-1].text] == tok.text:
            items = stack.pop()
            grp = opens.pop()
            grp.kind, grp.items, grp.close = "group", items, tok
            stack[-1].append(grp)
        else:
            if tok.kind in ("open", "close"):
                tok.kind = "other"
            stack[-1].append(tok)
    while opens:  # unclosed brackets: flatten back
        items = stack.pop()
        grp = opens.pop()
        grp.kind = "other"
        stack[-1].extend([grp] + items)
    return stack[0]


def _is_word_text(tok):
    """A word of running English (not a mathematical name)."""
    w = tok.text
    if w in _OPERATOR_NAMES or len(w) == 1:
        return False
    if re.fullmatch(r"[a-z]+[0-9]*(?:-[a-z]+|'s)*", w):
        return True
    if re.fullmatch(r"[A-Z][a-z]+[0-9]*(?:-[A-Za-z]+|'s)*", w):
        return len(w) > 2 or w.lower() in _TWO_LETTER_WORDS
    if re.fullmatch(r"[A-Z]{3,}[0-9]*", w):  # an acronym: KKT
        return True
    return bool(re.search(r"[0-9]|-|'", w))


def _classify(items, math_context=False):
    """Set ``role`` (``M``/``T``) on every item of a sequence (recursively in groups)."""
    n = len(items)

    def nxt(i):
        return items[i + 1] if i + 1 < n else None

    def prv(i):
        return items[i - 1] if i > 0 else None

    for i, tok in enumerate(items):
        k = tok.kind
        if k in ("greek", "script", "sup", "sub", "op"):
            tok.role = "M"
        elif k in ("code", "other", "steps"):
            tok.role = "T"
        elif k == "word":
            tok.role = "T" if _is_word_text(tok) else "M"
            if re.fullmatch(r"[A-Za-z]-th", tok.text):
                tok.role, tok.style = "M", "ordinal"  # k-th
            elif tok.role == "T":
                after = nxt(i)
                if after is not None and not after.sp and (
                        after.kind in ("script", "sup", "sub")
                        or (after.kind == "punct" and after.text == "'")):
                    tok.role, tok.style = "M", "juxtapose"  # dx', cos^2
                elif (after is not None and after.kind == "op" and after.text == "="
                      and tok.text.lower() not in _LEFT_OF_EQUALS and tok.text.islower()):
                    tok.role, tok.style = "M", "mathrm"  # 1 - ratio = ...
        elif k == "num":
            tok.role = "M" if math_context else None  # decided by its neighbours below
        elif k == "punct":
            before = prv(i)
            if tok.text == "'" and before is not None and not tok.sp and before.role == "M":
                tok.role = "M"  # a prime
            else:
                tok.role = "M" if (math_context and tok.text == ",") else "T"
        elif k == "group":
            _classify_group(tok, prv(i), math_context)
    # the article "a": after text and before a word that may follow an article
    for i, tok in enumerate(items):
        if tok.kind == "word" and tok.text in ("a", "A") and tok.role == "M":
            before, after = prv(i), nxt(i)
            if (after is not None and after.kind == "word" and after.role == "T"
                    and after.sp and after.text.lower() not in _NOT_AFTER_ARTICLE
                    and (before is None or before.role == "T" or before.kind == "group")):
                tok.role = "T"
    # a minus glued between text or numbers is a range ("§4-§5", an en dash)
    for i, tok in enumerate(items):
        if tok.kind == "op" and tok.text in ("-", "−") and not math_context:
            before, after = prv(i), nxt(i)
            if (before is not None and after is not None and not tok.sp and not after.sp
                    and before.role in ("T", None) and after.role in ("T", None)):
                tok.role, tok.text = "T", "–"
    # numbers: mathematics next to mathematics ("K = 2", "2 Re"), else text ("order 3")
    for i, tok in enumerate(items):
        if tok.role is None:
            tok.role = "M" if any(x is not None and x.role == "M"
                                  for x in (prv(i), nxt(i))) else "T"
    # a list "0, ..., T - 1" is one formula
    for i, tok in enumerate(items):
        if tok.kind == "op" and tok.text in ("...", "…"):
            if i >= 2 and items[i - 1].text == "," and i + 2 < n and items[i + 1].text == ",":
                for x in (items[i - 2], items[i - 1], items[i + 1], items[i + 2]):
                    x.role = "M"
            elif not any(x is not None and x.role == "M" for x in (prv(i), nxt(i))):
                tok.role = "T"
    return items


def _content_has_text(items):
    for tok in items:
        if tok.kind == "group":
            if _content_has_text(tok.items):
                return True
        elif tok.kind in ("code", "steps") or (tok.kind == "word" and _is_word_text(tok)
                                               and tok.text not in ("a", "A")):
            return True
        elif tok.kind == "punct" and tok.text in (";", ":", "?", '"'):
            return True
    return False


def _classify_group(grp, before, math_context):
    inner = grp.items
    attached = (before is not None and not grp.sp and before.role == "M"
                and before.kind != "op") or (before is not None and not grp.sp
                                             and before.kind == "op"
                                             and before.text in ("!", "'"))
    if (before is not None and not grp.sp and before.kind == "word"
            and before.text in _OPERATOR_NAMES):
        attached = True
    grp.attached = attached
    if _content_has_text(inner):
        grp.role = "T"
        _classify(inner, False)
        return
    if (len(inner) == 1 and inner[0].kind == "word" and re.fullmatch(r"[A-Z]", inner[0].text)
            and not attached and grp.text == "("):
        grp.role, grp.style = "T", "label"  # an equation label: (S), (P)
        inner[0].role = "T"
        return
    top_relation = any(t.kind == "op" and t.text in _RELATION_OPS for t in inner)
    top_comma = any(t.kind == "punct" and t.text in (",", ";") for t in inner)
    if attached or math_context or not (top_relation or top_comma):
        grp.role = "M"
        _classify(inner, True)
        for t in inner:  # everything inside a mathematical bracket is mathematics
            _force_math(t)
    else:
        grp.role = "T"  # a parenthetical remark: (κ >= 1, r_t > 1)
        _classify(inner, False)


def _force_math(tok):
    tok.role = "M"
    if tok.kind == "word" and _is_word_text(tok) and tok.style is None:
        tok.style = "mathrm"
    for t in tok.items or ():
        _force_math(t)


# ---------------------------------------------------------------- rendering the maths

_PRINTER = ProofsLatexPrinter()


def _symbol_tex(name):
    return _PRINTER._print_Symbol(sp.Symbol(name))


def _script_tex(arg):
    """LaTeX of a sub/superscript argument (``min``, ``{t+1}``, ``(3)``, ``jk``)."""
    if arg.startswith("{"):
        arg = arg[1:-1]
    elif arg.startswith("("):
        return "(" + _math_string(arg[1:-1]) + ")"
    if arg in _SUBSCRIPT_WORDS:
        return _SUBSCRIPT_WORDS[arg]
    if re.fullmatch(r"[A-Za-z]{3,}", arg):
        return r"\mathrm{%s}" % arg
    if re.fullmatch(r"[A-Za-z0-9]+", arg):
        return arg
    return _math_string(arg, script=True)


def _math_string(text, script=False):
    """A piece of plain-text mathematics (a script's argument) as LaTeX."""
    items = _group(_lex(text))
    _classify(items, True)
    for t in items:
        _force_math(t)
        if script and t.kind == "word" and t.style == "mathrm" and len(t.text) < 3:
            t.style = "juxtapose"
    return _join_math(items)


def _math_tex(tok):
    """LaTeX of one mathematical token (scripts are handled by :func:`_join_math`)."""
    k, s = tok.kind, tok.text
    if k == "word":
        if s in _OPERATOR_NAMES:
            return _OPERATOR_NAMES[s]
        if tok.style == "mathrm":
            return r"\mathrm{%s}" % s
        if tok.style == "ordinal":
            return s[0]
        if len(s) == 1:
            return _symbol_tex(s)
        return s  # juxtaposed letters: cI, Gy, dx
    if k == "greek":
        return _symbol_tex(GREEK[s])
    if k == "num":
        return s
    if k == "op":
        return OPERATORS[s]
    if k == "punct":
        return s
    if k == "group":
        inner = _join_math(tok.items)
        if tok.style == "sqrt":
            return r"\sqrt{%s}" % inner
        left, right = (r"\{", r"\}") if tok.text == "{" else (tok.text, tok.close.text)
        return left + inner + right
    if s in _TEXT_IN_MATH:
        return _TEXT_IN_MATH[s]
    if ord(s[0]) >= 128:
        raise ValueError(f"character {s!r} (U+{ord(s[0]):04X}) cannot stand in a formula; "
                         f"add it to proofs_check.latex.OPERATORS")
    return s


_TEXT_IN_MATH = {"&": r"\&", "%": r"\%", "#": r"\#", "~": r"\sim"}


def _scripts(toks):
    """Sub- and superscripts of consecutive script tokens, merged: ``_def_k`` -> ``_{def,k}``."""
    subs, sups = [], []
    for t in toks:
        if t.kind == "sup":
            sups.append("".join(_SUPERSCRIPTS[c] for c in t.text))
        elif t.kind == "sub":
            subs.append("".join(_SUBSCRIPTS[c] for c in t.text))
        elif t.text[0] == "_":
            subs.append(_script_tex(t.text[1:]))
        else:
            arg = t.text[1:]
            sups.append(r"\top" if arg == "T" else _script_tex(arg))
    out = ""
    if subs:
        out += "_{%s}" % ",".join(subs)
    if sups:
        out += "^{%s}" % ",".join(sups)
    return out


def _join_math(items):
    """LaTeX of a run of mathematical items: spaces kept where the source has them (and
    wherever a control word would run into a letter), scripts glued to their base."""
    out = ""
    i, n = 0, len(items)
    while i < n:
        tok = items[i]
        if tok.kind in ("script", "sup", "sub"):
            j = i
            while j < n and items[j].kind in ("script", "sup", "sub") and (j == i or not items[j].sp):
                j += 1
            out += _scripts(items[i:j])
            i = j
            continue
        if tok.kind == "word" and tok.text == "sqrt" and i + 1 < n and items[i + 1].kind == "group":
            items[i + 1].style = "sqrt"  # sqrt(x) -> \sqrt{x}
            i += 1
            piece = _math_tex(items[i])
        elif tok.kind == "op" and tok.text == "+" and _is_one_sided_plus(items, i):
            out += "^{+}"
            i += 1
            continue
        else:
            piece = _math_tex(tok)
        if out and (tok.sp or (re.search(r"\\[A-Za-z]+$", out) and re.match(r"[A-Za-z0-9]", piece))):
            out += " "
        out += piece
        i += 1
    return out


def _is_one_sided_plus(items, i):
    """``0+`` (a one-sided limit): a ``+`` glued to a number, followed by nothing, a closing
    bracket, a comma or a space."""
    before = items[i - 1] if i else None
    after = items[i + 1] if i + 1 < len(items) else None
    return (before is not None and before.kind == "num" and not items[i].sp
            and (after is None or after.sp or after.kind == "punct"))


# ---------------------------------------------------------------- pieces of prose

def prose_pieces(text):
    r"""``text`` cut into ``(kind, value)`` pieces: ``("text", str)`` running text,
    ``("math", latex)`` inline mathematics, ``("code", str)`` a file path, dotted name or
    long identifier, ``("steps", [numbers], separators, other)`` a reference to steps of
    this derivation (``other`` True: of another derivation, named just before).

    The grammar (documented so that it can be maintained): single letters, Greek letters,
    operators and relations (``<=``, ``≤``, ``||``, ``/`` ...), numbers next to them,
    sub/superscripts (``d_min``, ``y_{t+1}``, ``ω^{2m}``, ``z_k²``; ``^T`` is the
    transpose), named operators (``sqrt``, ``diag``, ``cos``, ``Res`` ...) and brackets
    attached to any of these are mathematics; English words (lower-case, capitalised,
    acronyms), punctuation and code are text.  The article ``a`` is text between text and
    a word.  A free-standing bracket holding a relation or a comma at its top level is a
    parenthetical remark (text brackets), ``(S)`` an equation label; ``0, ..., T - 1`` is
    one formula; a word just left of ``=`` that is not an English connective is a quantity
    written out (``\mathrm{ratio}``).

    Source: STYLE rules 11 and 14.  Domain: strings over the characters of the module
    docstring.

    >>> prose_pieces("solve step 7 for c_t (||z_t|| > a while t < T)")
    [('text', 'solve '), ('steps', [7], [], False), ('text', ' for '), ('math', 'c_{t}'), ('text', ' ('), ('math', '\\|z_{t}\\| > a'), ('text', ' while '), ('math', 't < T'), ('text', ')')]
    """
    items = _group(_lex(str(text)))
    _classify(items, False)
    pieces = []
    _emit(items, pieces)
    return _merge(pieces)


def _emit(items, pieces):
    i, n = 0, len(items)
    while i < n:
        tok = items[i]
        if tok.role == "M":
            j = i + 1
            while j < n and items[j].role == "M" and items[j - 1].style != "ordinal":
                j += 1
            if tok.sp and pieces:
                pieces.append(("text", " "))
            pieces.append(("math", _join_math(items[i:j])))
            if items[j - 1].kind == "word" and items[j - 1].style == "ordinal":
                pieces.append(("text", items[j - 1].text[1:]))
            i = j
            continue
        if tok.sp and pieces:
            pieces.append(("text", " "))
        if tok.kind == "group":
            pieces.append(("text", tok.text))
            _emit(tok.items, pieces)
            pieces.append(("text", tok.close.text))
        elif tok.kind == "code":
            j = i + 1
            code = tok.text
            if j < n and items[j].kind == "group" and not items[j].sp and items[j].text == "(":
                code += _source(items[j])  # a call: standard_domain('fast', 0)
                i += 1
            pieces.append(("code", code))
        elif tok.kind == "steps":
            nums = [int(x) for x in re.findall(r"[0-9]+", tok.text)]
            seps = re.findall(r"[0-9]+\s*(-|–|,|and)\s*(?=[0-9])", tok.text)
            pieces.append(("steps", nums, seps, tok.attached))
        else:
            pieces.append(("text", tok.text))
        i += 1


def _source(tok):
    """The source text of a token (a group with its contents)."""
    if tok.kind != "group":
        return tok.text
    out = tok.text
    for t in tok.items:
        out += (" " if t.sp else "") + _source(t)
    return out + tok.close.text


def _merge(pieces):
    out = []
    for p in pieces:
        if p[0] == "text" and out and out[-1][0] == "text":
            out[-1] = ("text", out[-1][1] + p[1])
        else:
            out.append(p)
    return out


def _latex_chars(s):
    out = []
    for ch in s:
        if ch in TEXT_CHARS:
            out.append(TEXT_CHARS[ch])
        elif ord(ch) < 128:
            out.append(ch)
        else:
            raise ValueError(f"character {ch!r} (U+{ord(ch):04X}) in {s!r} has no LaTeX "
                             f"mapping; add it to proofs_check.latex.TEXT_CHARS")
    return "".join(out)


def _code_latex(s):
    """A path or dotted name in typewriter type, breakable after ``/``, ``.`` and ``_``."""
    body = _latex_chars(s).replace(r"\_", r"\_\allowbreak{}")
    body = re.sub(r"([./])(?=\S)", r"\1\\allowbreak{}", body)
    return r"\texttt{%s}" % body


def _steps_text(nums, seps, dash):
    if len(nums) == 1:
        return f"step {nums[0]}"
    out = f"steps {nums[0]}"
    for sep, num in zip(seps, nums[1:]):
        out += {"-": dash, "–": dash, ",": ", ", "and": " and "}[sep] + str(num)
    return out


def tex_text(text, label=None):
    r"""``text`` (plain prose with plain-text mathematics) as LaTeX text-mode source.

    Mathematics becomes inline ``$...$`` set by the project's printer (see
    :func:`prose_pieces` for what counts as mathematics), paths and dotted names
    ``\texttt``, running text is escaped.  With ``label`` (a function of a step number
    returning its ``\label`` key), references to this derivation's steps become
    ``\eqref`` (``steps 2-4`` -> ``\eqref{..2}--\eqref{..4}``), since the host document
    numbers the rows; references to another derivation's steps stay text.

    Source: STYLE rules 11 and 14 (a character pdflatex cannot typeset fails here, by
    name).  Domain: strings.

    >>> tex_text("c_t >= 0 & 50% of standard_domain")
    '$c_{t} \\ge 0$ \\& 50\\% of \\texttt{standard\\_\\allowbreak{}domain}'
    >>> tex_text("steps 2-3, divided by a", label=lambda n: f"d:step{n}")
    '\\eqref{d:step2}--\\eqref{d:step3}, divided by $a$'
    """
    out = []
    for piece in prose_pieces(text):
        kind = piece[0]
        if kind == "text":
            out.append(_latex_chars(piece[1]))
        elif kind == "math":
            out.append("$%s$" % piece[1])
        elif kind == "code":
            out.append(_code_latex(piece[1]))
        else:
            _, nums, seps, other = piece
            if label is None or other:
                out.append(_steps_text(nums, seps, "--"))
            else:
                refs = [r"\eqref{%s}" % label(m) for m in nums]
                body = refs[0]
                for sep, ref in zip(seps, refs[1:]):
                    body += {"-": "--", "–": "--", ",": ", ", "and": " and "}[sep] + ref
                out.append(body)
    return "".join(out)


def _md_escape(s):
    """Plain text for Markdown: characters that start emphasis, code, math or HTML escaped."""
    return re.sub(r"([\\`*_$<\[\]|])", r"\\\1", str(s))


def markdown_text(text):
    r"""``text`` (plain prose with plain-text mathematics) as Markdown: mathematics as
    inline ``$...$`` (the LaTeX of :func:`tex_text`), paths and names as code, running
    text escaped; step references stay text (the displays carry ``\tag{n}``).

    Source: STYLE rule 11.  Domain: strings.

    >>> markdown_text("solve step 7 for c_t (see docs/theory/x.md §4)")
    'solve step 7 for $c_{t}$ (see `docs/theory/x.md` §4)'
    """
    out = []
    for piece in prose_pieces(text):
        kind = piece[0]
        if kind == "text":
            out.append(_md_escape(piece[1]))
        elif kind == "math":
            out.append("$%s$" % piece[1])
        elif kind == "code":
            out.append("`%s`" % piece[1])
        else:
            out.append(_steps_text(piece[1], piece[2], "–"))
    return "".join(out)


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


# ======================================================================== fitting the maths

# Widths of 10 pt Computer Modern (cmr10, cmmi10, cmsy10, cmex10), in pt, and the math
# spacing of the TeXbook (ch. 18): 4mu around binary operators and 5mu around relations
# in display and text style, none in script styles (1 mu = 10/18 pt).
_MU = 10.0 / 18.0
_SIZES = (1.0, 1.0, 0.7, 0.5)  # display, text, script, scriptscript
_GLYPHS = {  # commands -> glyph width at 10 pt
    r"\infty": 10.0, r"\partial": 5.7, r"\|": 5.0, r"\langle": 3.9, r"\rangle": 3.9,
    r"\lceil": 4.4, r"\rceil": 4.4, r"\lfloor": 4.4, r"\rfloor": 4.4, r"\top": 7.8,
    r"\dots": 13.4, r"\ldots": 13.4, r"\cdots": 13.4, r"\ell": 4.2, r"\{": 5.0,
    r"\}": 5.0, r"\surd": 8.3, r"\forall": 5.6, r"\exists": 5.6, r"\prime": 2.8,
}
_BINARY = {r"\cdot": 2.8, r"\pm": 7.8, r"\times": 7.8, r"\circ": 5.0}
_REL = {r"\le": 7.8, r"\ge": 7.8, r"\ne": 7.8, r"\to": 10.0, r"\implies": 17.8,
        r"\Rightarrow": 10.0, r"\Leftrightarrow": 10.0, r"\equiv": 7.8, r"\in": 6.7,
        r"\approx": 7.8, r"\ll": 10.0, r"\gg": 10.0, r"\mapsto": 10.0, r"\subset": 7.8}
_BIG_OPS = {r"\sum": (14.4, 10.6), r"\prod": (12.8, 9.4), r"\int": (11.1, 5.6),
            r"\iint": (19.4, 10.0)}  # (display, text) widths
_SPACES = {r"\,": 3 * _MU * 10 / 10, r"\;": 5 * _MU, r"\:": 4 * _MU, r"\!": -3 * _MU,
           r"\quad": 10.0, r"\qquad": 20.0}
_ZERO = {r"\left", r"\right", r"\limits", r"\displaystyle", r"\notag", r"\nonumber",
         r"\biggl", r"\biggr", r"\Bigl", r"\Bigr", r"\bigl", r"\bigr", r"\vphantom"}
_DELIM_GROW = {r"\left": 1.5, r"\right": 1.5, r"\biggl": 2.6, r"\biggr": 2.6,
               r"\Bigl": 1.9, r"\Bigr": 1.9, r"\bigl": 1.2, r"\bigr": 1.2}
_FUNCTION_WORDS = {"sin", "cos", "tan", "exp", "log", "ln", "lim", "min", "max", "deg",
                   "det", "sup", "inf"}
_WIDE_LETTERS = set("ABCDEFGHKMNOPQRSTUVWXYZmw")


def _read_group(tex, i):
    """(content, end) of the ``{...}`` group starting at ``tex[i] == "{"``."""
    depth, j = 0, i
    while j < len(tex):
        if tex[j] == "\\":
            j += 2
            continue
        if tex[j] == "{":
            depth += 1
        elif tex[j] == "}":
            depth -= 1
            if depth == 0:
                return tex[i + 1:j], j + 1
        j += 1
    raise ValueError(f"unbalanced braces in {tex!r}")


def _read_arg(tex, i):
    """(argument, end) of a macro argument at ``i``: a group or a single token."""
    while i < len(tex) and tex[i] == " ":
        i += 1
    if i >= len(tex):
        return "", i
    if tex[i] == "{":
        return _read_group(tex, i)
    if tex[i] == "\\":
        m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
        return m.group(), i + m.end()
    return tex[i], i + 1


@functools.lru_cache(maxsize=8192)
def math_width(tex, style=0):
    r"""An estimate of the typeset width, in pt, of maths ``tex`` at 10 pt in ``style``
    (0 display, 1 text, 2 script, 3 scriptscript).

    A small reading of the printer's output with the widths of Computer Modern: glyphs
    (capitals wider), operators and relations with their spacing (none in script styles),
    fractions (their wider part, one style down), scripts (one style down, sub- and
    superscript stacked), big operators with their limits stacked in display style,
    ``\sqrt``, ``\left``/``\right`` delimiters.  Within about 20 % of pdflatex on the
    derivations of the project; the tests compile every derivation and assert that no
    line overflows.

    Source: TeXbook ch. 17-18 and appendix G; the metrics of cmr10, cmmi10, cmsy10.
    Domain: the LaTeX this module prints.

    >>> round(math_width(r"a + b"))  # pdflatex: 21.8 pt
    22
    """
    size = _SIZES[style]
    spaced = style < 2
    down = {0: 1, 1: 2, 2: 3, 3: 3}[style]     # fraction parts
    script = {0: 2, 1: 2, 2: 3, 3: 3}[style]   # sub- and superscripts
    total, i, n = 0.0, 0, len(tex)
    last_big = None  # a big operator whose limits may follow
    while i < n:
        ch = tex[i]
        if ch in " &":
            i += 1
            continue
        if ch == "{":
            inner, i = _read_group(tex, i)
            total += math_width(inner, style)
            last_big = None
            continue
        if ch in "_^":
            arg, i = _read_arg(tex, i + 1)
            w = math_width(arg, script)
            if i < n and tex[i] in "_^" and tex[i] != ch:
                arg2, i = _read_arg(tex, i + 1)
                w = max(w, math_width(arg2, script))
            if last_big is not None and style == 0:  # limits stacked over the operator
                total += max(0.0, w - last_big)
            else:
                total += w
            last_big = None
            continue
        last_big = None
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            cmd = m.group()
            i += m.end()
            if cmd in (r"\frac", r"\dfrac", r"\tfrac"):
                num, i = _read_arg(tex, i)
                den, i = _read_arg(tex, i)
                total += max(math_width(num, down), math_width(den, down)) + 2.4 * size
            elif cmd == r"\sqrt":
                arg, i = _read_arg(tex, i)
                total += math_width(arg, style) + 8.3 * size
            elif cmd in (r"\mathrm", r"\operatorname", r"\text", r"\mathcal", r"\mathbb",
                         r"\mathbf", r"\underline", r"\overline", r"\mathrel", r"\mathbin"):
                arg, i = _read_arg(tex, i)
                if cmd == r"\mathrel":
                    total += math_width(arg, 2 if style < 2 else style) / 0.7 * size \
                        + (10 * _MU if spaced else 0)
                else:
                    total += math_width(arg, style) + (1.7 * size if cmd == r"\operatorname" else 0)
            elif cmd == r"\substack":
                arg, i = _read_arg(tex, i)
                total += max(math_width(line, style) for line in arg.split(r"\\"))
            elif cmd in (r"\begin", r"\end", r"\vphantom"):
                _, i = _read_arg(tex, i)
            elif cmd in _DELIM_GROW:
                d, i = _read_arg(tex, i)
                if d not in (".", ""):
                    total += (3.9 if d in "()[]|" else 5.0) * size * _DELIM_GROW[cmd]
            elif cmd in _ZERO:
                pass
            elif cmd in _BIG_OPS:
                w = _BIG_OPS[cmd][0 if style == 0 else 1] * size
                total += w + (1.7 * size if spaced else 0)
                last_big = w if (style == 0 and (cmd != r"\int" or tex[i:].lstrip().startswith(r"\limits"))) else None
                if last_big is not None and tex[i:].lstrip().startswith(r"\limits"):
                    i = tex.index(r"\limits", i) + len(r"\limits")
            elif cmd in _BINARY:
                total += _BINARY[cmd] * size + (8 * _MU if spaced else 0)
            elif cmd in _REL:
                total += _REL[cmd] * size + (10 * _MU if spaced else 0)
            elif cmd in _SPACES:
                total += _SPACES[cmd] * size
            elif cmd in _GLYPHS:
                total += _GLYPHS[cmd] * size
            elif cmd[1:] in _FUNCTION_WORDS:
                total += (len(cmd) - 1) * 4.6 * size + 1.7 * size
            elif len(cmd) == 2:  # \& \% \#
                total += 7.0 * size
            else:  # a Greek letter or another symbol
                total += 6.0 * size
            continue
        if ch in "+-":
            total += 7.8 * size + (8 * _MU if spaced else 0)
        elif ch in "=<>":
            total += 7.8 * size + (10 * _MU if spaced else 0)
        elif ch in "()[]":
            total += 3.9 * size
        elif ch in "|":
            total += 2.8 * size
        elif ch in ",;":
            total += 2.8 * size + (3 * _MU if spaced else 0)
        elif ch in ".'!:":
            total += 2.8 * size
        elif ch in _WIDE_LETTERS:
            total += 7.6 * size
        elif ch.isalpha():
            total += 5.0 * size
        else:
            total += 5.0 * size
        i += 1
    return total


#: Text width of the standard ``article`` class at 10 pt (the host the layout is made for).
TEXT_WIDTH = 345.0
#: The justification column, as a fraction of ``\linewidth``.
JUSTIFICATION_WIDTH = 0.3
#: Room kept free beside the maths: the equation number with its separation (30 pt), the
#: space between the maths and the justification column (12 pt).
_NUMBER_ROOM, _COLUMN_GAP = 30.0, 12.0
#: :func:`math_width` underestimates wide formulas by up to 10 % (measured against pdflatex
#: on every line of every derivation): budgets are divided by this.
_ESTIMATE_MARGIN = 1.12
#: A derivation whose steps need more lines than this beside the justification column
#: is laid out with each justification above its step (``\intertext``), at full width.
MAX_COLUMN_LINES = 3


def maths_budget(with_justification=True):
    """Room (pt) for the maths of a step on the ``article`` text width: beside the
    justification column and the equation number, or (Markdown) beside the number only.

    >>> maths_budget() < maths_budget(with_justification=False) < TEXT_WIDTH
    True
    """
    room = TEXT_WIDTH - _NUMBER_ROOM
    if with_justification:
        room -= JUSTIFICATION_WIDTH * TEXT_WIDTH + _COLUMN_GAP
    return room / _ESTIMATE_MARGIN


def _delimiter_size(lines):
    r"""A fixed delimiter size for a bracket broken across ``lines`` (``\left``/``\right``
    cannot span lines): ``\bigg`` around nested fractions, ``\Big`` around fractions and
    big operators, ``\big`` otherwise."""
    text = " ".join(lines)
    if re.search(r"\\frac\{[^{}]*\\(frac|sqrt)", text) or re.search(r"\\frac\{[^}]*\}\{[^}]*\\frac", text):
        return "bigg"
    if re.search(r"\\(frac|sum|int|prod|iint)", text):
        return "Big"
    return "big"


def _bracketed(lines, left="(", right=")", suffix=""):
    r"""Lines of a bracketed expression: the opening delimiter on the first, the closing one
    (and ``suffix``, e.g. ``^{-1}``) on the last, both of one fixed size."""
    size = _delimiter_size(lines)
    out = list(lines)
    out[0] = r"\%sl%s %s" % (size, left, out[0])
    out[-1] = r"%s \%sr%s%s" % (out[-1], size, right, suffix)
    return out


class _Memo:
    """The one printer, with its output kept for expressions met again (a layout tries
    several column widths, documents are rendered in several forms, and printing large
    expressions is slow).  Expressions are immutable, so the cache is shared."""

    printer = ProofsLatexPrinter()

    @staticmethod
    @functools.lru_cache(maxsize=4096)
    def doprint(expr):
        return _Memo.printer.doprint(expr)

    _print = doprint

    @staticmethod
    @functools.lru_cache(maxsize=1024)
    def signed_terms(expr):
        return tuple(_Memo.printer.signed_terms(expr))

    @staticmethod
    def _needs_add_brackets(expr):
        return _Memo.printer._needs_add_brackets(expr)

    @staticmethod
    def _needs_mul_brackets(expr, first=False, last=False):
        return _Memo.printer._needs_mul_brackets(expr, first=first, last=last)


def _split_fraction(expr):
    """(numerator factors, denominator factors) of a product, read off its factors: a
    power with a negative rational exponent and the denominator of a rational coefficient
    go below (sympy's ``fraction`` is exact but slow on large expressions)."""
    num, den = [], []
    for f in sp.Mul.make_args(expr):
        if f.is_Rational and f.q != 1:
            if f.p != 1:
                num.append(sp.Integer(f.p))
            den.append(sp.Integer(f.q))
        elif isinstance(f, sp.Pow) and f.exp.is_Rational and f.exp.is_negative:
            den.append(f.base if f.exp == -1 else sp.Pow(f.base, -f.exp))
        else:
            num.append(f)
    return num, den


class _Breaker:
    """Cuts the LaTeX of an expression into lines no wider than a budget (pt): a sum between
    terms, a product (a quotient as numerator times the denominator's factors to the power
    -1) between factors, a bracketed factor inside its brackets, a derivative or an
    evaluation bar around its body; what cannot be cut is one line.  The first line is the
    caller's to place; the others are continuation lines of one indentation."""

    p = _Memo

    def lines(self, expr, width):
        expr = sp.sympify(expr)
        tex = self.p.doprint(expr)
        if math_width(tex) <= width:
            return [tex]
        if isinstance(expr, sp.Add):
            return self._sum(expr, width)
        if isinstance(expr, sp.Mul):
            return self._product(expr, width)
        if isinstance(expr, sp.Derivative) and isinstance(expr.expr, (sp.Mul, sp.Add)):
            head = self.p.doprint(sp.Derivative(sp.Symbol("X"), *expr.variable_count))
            head = head.rsplit("X", 1)[0].rstrip()
            return self._joined(head, self._broken_factor(expr.expr, width - math_width(head)),
                                width)
        if isinstance(expr, sp.Subs) and len(expr.variables) == 1:
            at = r"_{\substack{ %s=%s }}" % (self.p.doprint(expr.variables[0]),
                                            self.p.doprint(expr.point[0]))
            body = self.lines(expr.expr, width - math_width(at) - 6)
            if len(body) == 1:
                return [tex]
            size = _delimiter_size(body)
            return body[:-1] + [r"%s \%sr|%s" % (body[-1], size, at)]
        return [tex]

    def _sum(self, expr, width):
        lines, cur = [], ""
        for sign, tex, term in self.p.signed_terms(expr):
            piece = sign + tex
            cand = (cur + " " + piece) if cur else piece
            if math_width(cand) <= width:
                cur = cand
                continue
            if cur:
                lines.append(cur)
                cur = ""
            if math_width(tex) <= width:  # whole on its own line (the sign is in the margin)
                cur = piece
                continue
            sub = self._broken_factor(term, width - math_width(sign)) \
                if self.p._needs_add_brackets(term) else self.lines(term, width - math_width(sign))
            lines += [sign + sub[0]] + sub[1:-1]
            cur = sub[-1] if len(sub) > 1 else ""
            if len(sub) == 1:
                lines[-1] = sign + sub[0]
        if cur:
            lines.append(cur)
        return lines

    def _broken_factor(self, expr, width, suffix=""):
        """``(expr)suffix`` as lines, broken inside the brackets when too wide."""
        tex = self.p.doprint(expr)
        if math_width(tex) + 12 <= width:
            return [r"\left(%s\right)%s" % (tex, suffix)]
        return _bracketed(self.lines(expr, width - 12), suffix=suffix)

    def _pieces(self, expr):
        """``[(tex, factor, power)]`` of a product: numerator factors (power 1) then the
        denominator's factors (power -1), each printed with brackets where needed."""
        nf, df = _split_fraction(expr)
        out = []
        for n, f in enumerate(nf):
            tex = self.p._print(f)
            if self.p._needs_mul_brackets(f, first=(n == 0), last=(n == len(nf) - 1)):
                tex = r"\left(%s\right)" % tex
            out.append((tex, f, 1))
        for f in df:
            tex = self.p._print(f)
            if not (f.is_Symbol or f.is_Integer or isinstance(f, sp.Indexed)):
                tex = r"\left(%s\right)" % tex
            out.append((tex + "^{-1}", f, -1))
        return out

    def _product(self, expr, width):
        if expr.could_extract_minus_sign():
            sub = self.lines(-expr, width - 10)
            return ["- " + sub[0]] + sub[1:]
        pieces = self._pieces(expr)
        if len(pieces) == 1 and pieces[0][2] == 1:
            return [self.p.doprint(expr)]
        lines, cur = [], ""
        for tex, f, power in pieces:
            cand = (cur + " " + tex) if cur else tex
            if math_width(cand) <= width:
                cur = cand
                continue
            if math_width(tex) <= width or not isinstance(f, sp.Add):
                if cur:
                    lines.append(cur)
                cur = tex  # on a line of its own (a wide non-sum stays whole)
                continue
            # a bracketed sum too wide for a line: broken inside its brackets, after a
            # short prefix (i, lambda) on its first line
            suffix = "^{-1}" if power < 0 else ""
            if cur and math_width(cur) < width / 3:
                sub = self._broken_factor(f, width - math_width(cur) - 4, suffix)
                sub[0] = cur + " " + sub[0]
            else:
                if cur:
                    lines.append(cur)
                sub = self._broken_factor(f, width, suffix)
            lines += sub[:-1]
            cur = sub[-1]
        if cur:
            lines.append(cur)
        return lines

    def _joined(self, head, lines, width):
        return [head + " " + lines[0]] + lines[1:]


def _indent(lines, first, rest):
    return [first + lines[0]] + [rest + ln for ln in lines[1:]]


def _statement_lines(brk, stmt, width):
    """Lines of a statement (a relation between two sides, or an expression)."""
    stmt = sp.sympify(stmt)
    if isinstance(stmt, sp.core.relational.Relational):
        ops = {"==": "=", ">": ">", "<": "<", ">=": r"\ge", "<=": r"\le", "!=": r"\ne"}
        tex = brk.p.doprint(stmt)
        if math_width(tex) <= width:
            return [tex]
        left = brk.lines(stmt.lhs, width)
        op = ops[stmt.rel_op]
        right = brk.lines(stmt.rhs, width - 20)
        if math_width(left[-1] + op + right[0]) + 10 <= width:
            return left[:-1] + ["%s %s %s" % (left[-1], op, right[0])] + \
                [r"\quad " + ln for ln in right[1:]]
        return left + _indent(right, r"\quad %s " % op, r"\qquad ")
    return brk.lines(stmt, width)


def step_rows(step, lhs_room=None, width=None):
    r"""The LaTeX of a step as two ``align`` cells ``(left, right)``: ``left`` right of the
    alignment point, ``right`` left of it.

    * ``(lhs, "rel rhs")`` when the lhs is at most ``lhs_room`` pt wide and ``rel rhs`` fits
      in the rest of ``width``; a wide rhs is an ``aligned[t]`` block cut between terms,
      factors or inside brackets;
    * else ``("", ...)``: the whole step in the right cell, on one line if it fits, or as an
      ``aligned[t]`` block: the lhs, then ``rel rhs`` indented.

    ``width`` is the room for the maths (default :func:`maths_budget`), ``lhs_room`` the
    width of the left column (default half of it).

    Source: STYLE rule 11.  Domain: a :class:`theory.derivation.Step`.

    >>> import sympy as sp
    >>> from theory.derivation import Step
    >>> step_rows(Step(sp.Symbol("a"), sp.Symbol("b"), "<=", "why", "where"))
    ('a', '\\le b')
    """
    width = maths_budget() if width is None else width
    lhs_room = width / 2 if lhs_room is None else lhs_room
    return _step_cells(step, lhs_room, width)


def _step_cells(step, lhs_room, width):
    printer = _Memo
    brk = _Breaker()
    rel = relation_latex(step.relation)
    room = width - lhs_room  # the right column
    if step.relation == "=>":
        lhs_lines = _statement_lines(brk, step.lhs, room)
        rhs_tex = printer.doprint(sp.sympify(step.rhs))
        lhs_tex = lhs_lines[0]
        if (len(lhs_lines) == 1 and math_width(lhs_tex) <= lhs_room
                and math_width(rel + rhs_tex) <= room):
            return lhs_tex, "%s %s" % (rel, rhs_tex)
        whole = "%s %s %s" % (lhs_tex, rel, rhs_tex)
        if len(lhs_lines) == 1 and math_width(whole) <= room:
            return "", whole
        rhs_lines = _statement_lines(brk, step.rhs, room - 30)
        return "", _aligned(lhs_lines + _indent(rhs_lines, r"\quad %s " % rel, r"\qquad "))
    lhs_tex = printer.doprint(sp.sympify(step.lhs))
    rhs_tex = printer.doprint(sp.sympify(step.rhs))
    one = "%s %s" % (rel, rhs_tex)
    lw = math_width(lhs_tex)
    if lw <= lhs_room:
        if math_width(one) <= room:
            return lhs_tex, one
        rhs_lines = brk.lines(step.rhs, room - math_width(rel) - 12)
        return lhs_tex, _aligned(_indent(rhs_lines, rel + " ", r"\quad "))
    whole = "%s %s" % (lhs_tex, one)
    if math_width(whole) <= room:
        return "", whole
    lhs_lines = brk.lines(step.lhs, room)
    if len(lhs_lines) == 1 and math_width(whole) > room:
        rhs_lines = brk.lines(step.rhs, room - lw - math_width(rel) - 12)
        if all(math_width(ln) <= room - lw - math_width(rel) - 12 for ln in rhs_lines) \
                and len(rhs_lines) <= 2 and lw < room / 2:
            return "", _aligned([lhs_tex + " " + rel + " " + rhs_lines[0]]
                                + [r"\quad " + ln for ln in rhs_lines[1:]])
    rhs_lines = brk.lines(step.rhs, room - 30)
    lines = _indent(lhs_lines, "", r"\quad ") + _indent(rhs_lines, r"\quad %s " % rel,
                                                       r"\qquad ")
    return "", _aligned(lines)


def _aligned(lines):
    if len(lines) == 1:
        return lines[0]
    return "\\begin{aligned}[t]\n    &" + "\\\\\n    &".join(lines) + "\n  \\end{aligned}"


def _cell_lines(cell):
    return cell.count("\\\\") + 1


def _cells_width(cell):
    """The widest line of a cell (an ``aligned`` block or one line)."""
    if "\\begin{aligned}" not in cell:
        return math_width(cell)
    body = cell.split("\n", 1)[1].rsplit("\n", 1)[0]
    return max(math_width(ln.strip().lstrip("&")) for ln in body.split("\\\\"))


def layout(steps, width=None):
    r"""The cells of every step of a derivation in one ``align``, with one left column
    width for all: the lhs column is as wide as the widest lhs set in it, and every
    right cell must fit beside it, so the column width is chosen (among the widths of
    the steps' left sides) to need the fewest lines, then to align the most steps.

    Source: STYLE rule 11.  Domain: a sequence of :class:`theory.derivation.Step`.
    Returns ``[(left, right)]`` as :func:`step_rows`.
    """
    printer = _Memo
    width = maths_budget() if width is None else width
    sides = [math_width(printer.doprint(sp.sympify(s.lhs))) for s in steps
             if s.relation != "=>"]
    sides += [math_width(printer.doprint(sp.sympify(s.lhs))) for s in steps
              if s.relation == "=>"]
    candidates = sorted({0.0} | {w for w in sides if w <= 0.45 * width})
    best = None
    for room in candidates:
        cells = [_step_cells(s, room, width) for s in steps]
        used = max([math_width(left) for left, _ in cells] + [0.0])
        over = sum(max(0.0, used + _cells_width(right) - width) for _, right in cells)
        cost = (over > 0, sum(_cell_lines(r) for _, r in cells), -sum(bool(l) for l, _ in cells))
        if best is None or cost < best[0]:
            best = (cost, cells)
    return best[1]


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
