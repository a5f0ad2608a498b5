"""A small Markdown renderer for the HTML report (the project's own docs and derivation
pages: headings, paragraphs, lists, tables, code, links, $...$ and $$...$$ maths).
"""

import re

from ._html_math import _Ctx, _e

# ---------------------------------------------------------------------------- Markdown
_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _find_closing(s, i, ch):
    """Index of the next unescaped ``ch`` at or after ``i``, or -1."""
    while i < len(s):
        if s[i] == "\\":
            i += 2
            continue
        if s[i] == ch:
            return i
        i += 1
    return -1


def _inline(s, ctx, markdown=True):
    """Markdown inline text to HTML: escapes, code spans, ``$...$`` maths, links, ``*``/``**``
    emphasis (``markdown=False``: ``$...$`` maths only, the rest verbatim, for a mutant's
    statement, which is text with maths, not Markdown)."""
    toks = []  # ("html", str) or ("delim", run, can_open, can_close)
    buf = []

    def flush():
        if buf:
            toks.append(("html", _e("".join(buf))))
            buf.clear()
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\" and markdown and i + 1 < n and s[i + 1] in _PUNCT:
            buf.append(s[i + 1])
            i += 2
        elif c == "`" and markdown:
            run = len(s[i:]) - len(s[i:].lstrip("`"))
            j = s.find("`" * run, i + run)
            if j < 0:
                buf.append("`" * run)
                i += run
                continue
            flush()
            code = s[i + run:j]
            code = code[1:-1] if code.startswith(" ") and code.endswith(" ") and code.strip() else code
            toks.append(("html", f"<code>{_e(code)}</code>"))
            i = j + run
        elif c == "$":
            display = s.startswith("$$", i)
            start = i + (2 if display else 1)
            j = s.find("$$", start) if display else _find_closing(s, start, "$")
            body = s[start:j] if j >= 0 else ""
            # $x$ needs non-space after the opening and before the closing $ (so "$5 and $6"
            # stays text) and no digit right after the closing $
            if (j < 0 or not body.strip() or (not display and (body[0].isspace() or
                                                               body[-1].isspace()
                                                               or s[j + 1:j + 2].isdigit()))):
                buf.append(c)
                i += 1
                continue
            flush()
            toks.append(("html", ctx.math(body, display)))
            i = j + (2 if display else 1)
        elif c == "[" and markdown:
            close, depth, j = -1, 0, i
            while j < n:
                if s[j] == "\\":
                    j += 2
                    continue
                depth += s[j] == "["
                depth -= s[j] == "]"
                if depth == 0:
                    close = j
                    break
                j += 1
            end = s.find(")", close) if close >= 0 and s.startswith("(", close + 1) else -1
            if end < 0:
                buf.append(c)
                i += 1
                continue
            flush()
            label, url = _inline(s[i + 1:close], ctx), s[close + 2:end].strip()
            href = ctx.link(url)
            toks.append(("html", f'<a href="{_e(href)}">{label}</a>' if href is not None
                         else f'<span class="nolink" title="{_e(url)}">{label}</span>'))
            i = end + 1
        elif c == "*" and markdown:
            run = len(s[i:]) - len(s[i:].lstrip("*"))
            before, after = s[i - 1:i], s[i + run:i + run + 1]
            flush()
            toks.append(("delim", run, bool(after) and not after.isspace(),
                         bool(before) and not before.isspace()))
            i += run
        else:
            buf.append(c)
            i += 1
    flush()
    # pair the emphasis delimiters: the nearest open run of the same length
    out, stack = [], []
    for t in toks:
        if t[0] == "html":
            out.append(t[1])
            continue
        _, run, can_open, can_close = t
        k = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][1] == run), None)
        if can_close and k is not None and run in (1, 2):
            pos = stack[k][0]
            del stack[k:]
            tag = "strong" if run == 2 else "em"
            out[pos] = f"<{tag}>"
            out.append(f"</{tag}>")
        elif can_open:
            stack.append((len(out), run))
            out.append("*" * run)
        else:
            out.append("*" * run)
    return "".join(out)


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", re.sub(r"<[^>]*>", "", text).lower()).strip("-") or "s"


def _split_row(line):
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    cells, cur, i = [], [], 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            cur.append(line[i:i + 2])
            i += 2
            continue
        if line[i] == "|":
            cells.append("".join(cur).strip())
            cur = []
        else:
            cur.append(line[i])
        i += 1
    return cells + ["".join(cur).strip()]


def _markdown(text, ctx=None, heading_offset=0):
    r"""The Markdown the project writes (its docs pages, :func:`proofs_check.derive.render`)
    as an HTML fragment, its ``$...$`` and ``$$...$$`` maths as MathML.

    Supported: ATX headings, paragraphs, ``-``/``1.`` lists, pipe tables, fenced code,
    ``---``, HTML comments (dropped), and inline code, ``*``/``**`` emphasis, links and
    backslash escapes.  Raw HTML is escaped, never passed through.  ``ctx`` rewrites link
    targets (a target it maps to None is shown as text) and collects LaTeX that did not
    convert.  ``heading_offset`` demotes headings (``#`` becomes ``h{1 + offset}``).

    Domain: text; anything outside the subset renders as escaped text, never as markup.

    >>> _markdown("# T\n\nA *b* \\* `c` and $x^2$.")[:78]
    '<h1 id="t">T</h1>\n<p>A <em>b</em> * <code>c</code> and <math display="inline">'
    """
    ctx = ctx or _Ctx()
    lines = str(text).replace("\r\n", "\n").split("\n")
    out, i, n = [], 0, len(lines)

    def block_start(line):
        s = line.strip()
        return (not s or s.startswith(("$$", "```", "<!--")) or _HEADING.match(s) is not None
                or _LIST_ITEM.match(line) is not None or s in ("---", "***", "___"))
    while i < n:
        line = lines[i]
        s = line.strip()
        if not s:
            i += 1
        elif s.startswith("<!--"):
            while i < n and "-->" not in lines[i]:
                i += 1
            i += 1
        elif s.startswith("```"):
            j = i + 1
            while j < n and not lines[j].strip().startswith("```"):
                j += 1
            out.append("<pre><code>" + _e("\n".join(lines[i + 1:j])) + "</code></pre>")
            i = j + 1
        elif s.startswith("$$"):
            j, body = i, [s[2:]]
            if not (len(s) >= 4 and s.endswith("$$")):
                j += 1
                while j < n and not lines[j].rstrip().endswith("$$"):
                    body.append(lines[j])
                    j += 1
                if j < n:
                    body.append(lines[j].rstrip())
            body = "\n".join(body).strip()
            body = body[:-2] if body.endswith("$$") else body
            out.append(ctx.math(body.strip(), True))
            i = j + 1
        elif _HEADING.match(s):
            m = _HEADING.match(s)
            level = min(6, len(m.group(1)) + heading_offset)
            inner = _inline(m.group(2), ctx)
            out.append(f'<h{level} id="{_slug(inner)}">{inner}</h{level}>')
            i += 1
        elif s in ("---", "***", "___"):
            out.append("<hr>")
            i += 1
        elif s.startswith("|") and i + 1 < n and _TABLE_RULE.match(lines[i + 1].strip()):
            head = _split_row(s)
            rows, j = [], i + 2
            while j < n and lines[j].strip().startswith("|"):
                rows.append(_split_row(lines[j]))
                j += 1
            cells = "".join(f"<th>{_inline(c, ctx)}</th>" for c in head)
            body = "".join("<tr>" + "".join(f"<td>{_inline(c, ctx)}</td>" for c in r) + "</tr>"
                           for r in rows)
            out.append(f'<table class="md"><thead><tr>{cells}</tr></thead><tbody>{body}'
                       f"</tbody></table>")
            i = j
        elif _LIST_ITEM.match(line):
            ordered = _LIST_ITEM.match(line).group(2)[0].isdigit()
            items, j = [], i
            while j < n:
                m = _LIST_ITEM.match(lines[j])
                if m is None:
                    break
                item, j = [m.group(3)], j + 1
                while j < n and lines[j].strip() and not _LIST_ITEM.match(lines[j]) and not \
                        block_start(lines[j]):
                    item.append(lines[j].strip())
                    j += 1
                items.append(" ".join(item))
                # a blank line between items of one list (a loose list) keeps the list going
                if j + 1 < n and not lines[j].strip() and _LIST_ITEM.match(lines[j + 1]):
                    j += 1
            tag = "ol" if ordered else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(t, ctx)}</li>" for t in items)
                       + f"</{tag}>")
            i = j
        else:
            para, j = [s], i + 1
            while j < n and not block_start(lines[j]) and not (
                    lines[j].strip().startswith("|") and j + 1 < n
                    and _TABLE_RULE.match(lines[j + 1].strip())):
                para.append(lines[j].strip())
                j += 1
            out.append(f"<p>{_inline(' '.join(para), ctx)}</p>")
            i = j
    return "\n".join(out)

