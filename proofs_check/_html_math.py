"""LaTeX to MathML for the HTML report: convert (latex2mathml), then rebuild the tree with an
allow-list of elements and attributes, so that user LaTeX can never become markup.

>>> print(tex_to_mathml(r"c_t < T"))
<math display="inline"><semantics><mrow><msub><mi>c</mi><mi>t</mi></msub><mo>&lt;</mo><mi>T</mi></mrow><annotation encoding="application/x-tex">c_t &lt; T</annotation></semantics></math>
"""

import html
import re
import unicodedata

from theory.errors import InputError

__all__ = ["tex_to_mathml", "UnsupportedTexError"]

_MATHML_NS = "http://www.w3.org/1998/Math/MathML"


class UnsupportedTexError(InputError):
    """LaTeX the MathML converter does not understand (an unknown command, an environment)."""


# ---------------------------------------------------------------------------- MathML
#: MathML elements kept from the converter's output (MathML Core and the few more it emits).
_ELEMENTS = frozenset("""math semantics annotation mrow mi mn mo mtext ms mspace msub msup
    msubsup munder mover munderover mfrac msqrt mroot mstyle mtable mtr mtd mpadded mphantom
    menclose merror mmultiscripts mprescripts none""".split())
#: Attributes kept (presentation only: no href, no event handler, no style).
_ATTRIBUTES = frozenset("""display mathvariant stretchy fence form accent accentunder width
    height depth voffset lspace rspace minsize maxsize displaystyle scriptlevel linethickness
    columnalign columnspacing rowspacing columnlines rowlines frame framespacing symmetric
    largeop movablelimits separator linebreak notation align rowalign columnspan rowspan
    bevelled""".split())
#: Elements with a fixed number of children (a missing argument leaves fewer).
_ARITY = {"mfrac": 2, "msub": 2, "msup": 2, "munder": 2, "mover": 2, "mroot": 2, "msubsup": 3,
          "munderover": 3}
_CHARREF = re.compile(r"&#(?:x([0-9A-Fa-f]+)|([0-9]+));")
_TAG = re.compile(r"\\tag\*?\s*\{([^{}]*)\}")
_SIZED_DELIM = re.compile(r"\\[Bb]igg?[lrm]?\s*(?=\\(?:[lr]ceil\b|[lr]floor\b|[lr]angle\b|\|))")
#: Operator names the converter lacks, as ``\operatorname``.
_OPERATOR_NAMES = re.compile(r"\\(arg|deg|hom|ker)\b")


def _converter():
    try:
        from latex2mathml import converter
    except ImportError as exc:
        from .reproduce import MissingDependencyError
        raise MissingDependencyError(
            "the HTML report converts LaTeX to MathML with latex2mathml, which is not "
            "installed: pip install 'proofs-check[html]'") from exc
    return converter


def _prepare(tex):
    """LaTeX in the converter's dialect: equation tags taken out (returned apart), ``aligned``
    as ``split``, ``:=`` as one relation, size commands before ceilings and norms dropped
    (the converter knows ``\\big(`` but not ``\\Big\\lceil``; the size is cosmetic),
    ``\\arg`` and the like as ``\\operatorname``."""
    tags = _TAG.findall(tex)
    tex = _TAG.sub("", tex)
    tex = re.sub(r"\\(notag|nonumber)\b", "", tex)
    tex = tex.replace(r"\begin{aligned}", r"\begin{split}").replace(r"\end{aligned}",
                                                                      r"\end{split}")
    tex = tex.replace(r"\mathrel{:=}", r"\coloneqq")
    tex = _SIZED_DELIM.sub("", tex)
    tex = _OPERATOR_NAMES.sub(r"\\operatorname{\1}", tex)
    return tex.strip(), (tags[-1] if tags else None)


def _text(s):
    """Text of the converter's tree: its character references decoded (it stores them
    literally and un-escapes the whole serialised string, user text included)."""
    if not s:
        return ""
    def char(m):
        code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        # a reference to no character (a surrogate, beyond U+10FFFF) stays as it was written
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group(0)
    return _CHARREF.sub(char, s)


def _serialise(el, out, in_table, tex):
    tag = el.tag.split("}")[-1]
    if tag not in _ELEMENTS:
        raise UnsupportedTexError(f"LaTeX {tex!r} gave a MathML element <{tag}> that the "
                                  f"report does not allow")
    text = _text(el.text)
    if tag in ("mi", "mo") and (text.startswith("\\") or (text == "&" and not in_table)):
        # an unknown command comes back as its name; '&' outside an alignment as a symbol
        raise UnsupportedTexError(f"LaTeX {tex!r}: {text!r} is not supported by the MathML "
                                  f"converter; rewrite it (e.g. a supported command)")
    if len(el) != _ARITY.get(tag, len(el)):  # e.g. \\frac{a} with its denominator missing
        raise UnsupportedTexError(f"LaTeX {tex!r}: <{tag}> needs {_ARITY[tag]} arguments, got "
                                  f"{len(el)}; check the braces")
    attrib = {k: v for k, v in el.attrib.items() if k in _ATTRIBUTES}
    if tag == "mi" and len(text) == 1 and unicodedata.category(text) == "Sm":
        tag = "mo"  # the converter sets some relations (\\iff, \\implies) as identifiers
    if tag == "mo" and text == "/" and not attrib:
        attrib = {"lspace": "0", "rspace": "0"}  # TeX's d/c is an ordinary symbol: no spaces
    attrs = "".join(f' {k}="{html.escape(str(v), quote=True)}"'
                    for k, v in sorted(attrib.items()))
    out.append(f"<{tag}{attrs}>{html.escape(text, quote=False)}")
    for child in el:
        _serialise(child, out, in_table or tag == "mtable", tex)
        out.append(html.escape(_text(child.tail), quote=False))
    out.append(f"</{tag}>")


def _mathml(tex, display):
    """(MathML of ``tex``, equation tag or None); raises UnsupportedTexError."""
    body, tag = _prepare(str(tex))
    try:
        root = _converter().convert_to_element(body, display="block" if display else "inline")
    except UnsupportedTexError:
        raise
    except Exception as exc:  # the converter's own parse errors (unbalanced braces, ...)
        raise UnsupportedTexError(f"LaTeX {tex!r} could not be converted to MathML: "
                                  f"{type(exc).__name__}: {exc}") from None
    out = []
    for child in root:
        _serialise(child, out, False, tex)
    mode = "block" if display else "inline"
    return (f'<math display="{mode}"><semantics>{"".join(out)}<annotation encoding='
            f'"application/x-tex">{html.escape(str(tex).strip(), quote=False)}</annotation>'
            f'</semantics></math>', tag)


def tex_to_mathml(tex, display=False):
    r"""MathML (a ``<math>`` element, ``display="block"`` or ``"inline"``) for LaTeX maths
    ``tex``, with the LaTeX kept as its ``application/x-tex`` annotation (copy-paste).

    Converted by ``latex2mathml``; the result is rebuilt from an allow-list of MathML
    elements and attributes with every text escaped.  ``\tag{...}`` is dropped (the report
    prints equation numbers itself).

    Domain: LaTeX maths that ``latex2mathml`` understands; anything else (an unknown
    command, an unsupported environment, unbalanced braces) raises
    :class:`UnsupportedTexError` naming it.  Needs the ``html`` extra.

    >>> tex_to_mathml(r"\frac{a}{b}", display=True).startswith('<math display="block">')
    True
    >>> tex_to_mathml(r"\notacommand x")
    Traceback (most recent call last):
    ...
    proofs_check._html_math.UnsupportedTexError: LaTeX '\\notacommand x': '\\notacommand' is not supported by the MathML converter; rewrite it (e.g. a supported command)
    """
    return _mathml(tex, display)[0]


class _Ctx:
    """What rendering needs besides the text: how to rewrite links, and the problems met
    (LaTeX that did not convert), reported on the index."""

    def __init__(self, link=None, where=""):
        self.link = link or (lambda url: None)
        self.where = where
        self.problems = []

    def math(self, tex, display):
        try:
            m, tag = _mathml(tex, display)
        except UnsupportedTexError as exc:
            self.problems.append(f"{self.where}: {exc}")
            cls = "tex-failed display" if display else "tex-failed"
            return (f'<code class="{cls}" title="not rendered: LaTeX the MathML converter does '
                    f'not support">{_e(tex)}</code>')
        if not display:
            return m
        num = f'<span class="eqno">({_e(tag)})</span>' if tag else ""
        return f'<div class="equation">{m}{num}</div>'


def _e(s):
    return html.escape(str(s), quote=True)

