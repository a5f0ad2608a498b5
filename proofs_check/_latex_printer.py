"""The project's LaTeX printer: sympy's with the project notation (see proofs_check.latex)."""


import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter


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

