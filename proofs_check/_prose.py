"""Prose with maths: rendering the pieces as LaTeX text with inline maths, or Markdown."""

import re

import sympy as sp

from ._latex_printer import _SUBSCRIPT_WORDS, ProofsLatexPrinter
from ._prose_lex import (_OPERATOR_NAMES, _SUBSCRIPTS, _SUPERSCRIPTS, GREEK, OPERATORS,
                         TEXT_CHARS, _classify, _force_math, _group, _lex)

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


