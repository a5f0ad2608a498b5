"""Prose with maths: the lexer and classifier (which pieces of a justification are maths)."""

import re



#: Greek letters (and ℓ) of plain-text mathematics -> the symbol name the printer sets.
GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu",
    "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi",
    "χ": "chi", "ψ": "psi", "ω": "omega", "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta",
    "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega", "ℓ": "ell",
    "ỹ": r"\tilde{y}",  # the noisy labels (docs/theory/dong2019.md)
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
_SCRIPT_ARG = r"(?:\{[^{}]*\}|\([^()]*\)|[A-Za-z0-9]+|[%s∞]|[-+]?[0-9]+)" % _GREEK_CLASS

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


