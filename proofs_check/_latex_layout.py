"""Fitting the maths: width estimates of 10 pt Computer Modern and line breaking of long steps."""

import functools
import re

import sympy as sp


from ._latex_printer import ProofsLatexPrinter, relation_latex

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
            elif cmd == r"\begin" and tex.startswith("{matrix}", i):
                # a matrix: the widest entry of each column (text style) plus 2 \arraycolsep
                # (5 pt each side) between columns
                i += len("{matrix}")
                end = tex.find(r"\end{matrix}", i)
                end = n if end < 0 else end
                rows = [r.split("&") for r in tex[i:end].split(r"\\")]
                cols = max(len(r) for r in rows)
                widths = [max(math_width(r[c], 1) if c < len(r) else 0.0 for r in rows)
                          for c in range(cols)]
                total += sum(widths) + 10.0 * size * (cols - 1)
                i = min(n, end + len(r"\end{matrix}"))
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


