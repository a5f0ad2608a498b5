r"""An offline HTML report of a run, in the manner of coverage's or pytest-html's: one folder.

:func:`write_html_report` writes, into ``outdir``:

* ``index.html``: the run's settings and summary, each paper (citation, its mathematics
  page, its figures and how to reproduce them) and one row per claim: status (verified,
  refuted, error, undecided, or *refutes reading* for a published reading refuted as
  expected), instances, worst margin, tightness, float64/mp digits, mutants refuted;
* ``claims/<id>.html``: the claim's statement as mathematics, its source, the result, the
  worst instance, the counterexamples (the claim's, each mutant's) and its derivation;
* ``derivations/<id>.html``: every derivation of the papers in the run
  (:func:`proofs_check.derive.render`, Markdown, converted here);
* ``papers/<paper_id>.html``: the paper's mathematics page (``Paper.docs``), when it is a
  file of the source tree; a URL is linked instead;
* ``figures/``: copies of the figures passed in ``figures``.

Mathematics is MathML (LaTeX converted by the ``latex2mathml`` package, extra ``html``),
rendered by the browser itself: no script, no font or style sheet from the network, so
the folder works offline and can be zipped or attached as it is.  LaTeX that cannot be
converted is shown as its source with a mark, and listed on the index; it never vanishes.

Every file starts with the generated-file banner and is written atomically
(:mod:`proofs_check._io`); the output is a pure function of the arguments (no time stamp,
no absolute path), so two runs with the same results write identical files.  Every string
that comes from a claim, a result or a run (ids, statements, messages, details) is
HTML-escaped; MathML is rebuilt from the converter's tree with an allow-list of elements
and attributes, so LaTeX such as ``\text{<script>}`` or ``\href{javascript:...}`` stays text.

Source: STYLE rules 12 and 14.  Domain: claims and their
:class:`~proofs_check.check.ClaimResult`\ s, in the same order.

>>> print(tex_to_mathml(r"c_t < T"))
<math display="inline"><semantics><mrow><msub><mi>c</mi><mi>t</mi></msub><mo>&lt;</mo><mi>T</mi></mrow><annotation encoding="application/x-tex">c_t &lt; T</annotation></semantics></math>
"""

import numbers
import os
import posixpath
import re
from urllib.parse import quote

from theory.errors import InputError

from .claim import check_id
from ._io import BANNER, atomic_write_bytes
from .report import fmt_digits, fmt_margin, fmt_tightness, summary


from ._html_markdown import _inline, _markdown
from ._html_math import UnsupportedTexError, _converter, _Ctx, _e, tex_to_mathml

__all__ = ["write_html_report", "check_html_output", "tex_to_mathml", "UnsupportedTexError",
           "FIGURE_TYPES"]

#: Figure file types the report embeds (by extension).
FIGURE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")


# ---------------------------------------------------------------------------- pages
_CSS = """
:root { --ok: #1b5e20; --ok-bg: #e8f5e9; --bad: #b71c1c; --bad-bg: #ffebee;
  --warn: #8a5300; --warn-bg: #fff4e0; --read: #283593; --read-bg: #e8eaf6;
  --line: #d0d4da; --muted: #5f6670; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
  color: #1d2125; margin: 0; background: #fafbfc; }
header { background: #24292f; color: #fff; padding: .6rem 1.5rem; }
header a { color: #fff; }
header .crumbs { font-size: .9rem; opacity: .85; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; background: #fff; }
footer { max-width: 72rem; margin: 0 auto; padding: .5rem 1.5rem 2rem; color: var(--muted);
  font-size: .85rem; }
h1 { font-size: 1.6rem; margin: .6rem 0; word-break: break-word; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.1rem; margin-top: 1.5rem; }
a { color: #0b5cad; }
code, pre { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: .9em; }
pre { background: #f3f4f6; padding: .6rem .8rem; overflow-x: auto; }
table { border-collapse: collapse; margin: .6rem 0; }
th, td { border: 1px solid var(--line); padding: .3rem .55rem; text-align: left;
  vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv th { width: 11rem; }
tr.problem td:first-child { box-shadow: inset 4px 0 0 var(--bad); }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: .8rem;
  font-size: .85rem; font-weight: 600; white-space: nowrap; }
.s-ok { color: var(--ok); background: var(--ok-bg); }
.s-bad { color: var(--bad); background: var(--bad-bg); }
.s-warn { color: var(--warn); background: var(--warn-bg); }
.s-read { color: var(--read); background: var(--read-bg); }
.summary { font-size: 1.05rem; margin: .5rem 0 1rem; }
.box { border: 1px solid var(--line); border-left: 4px solid var(--bad);
  background: var(--bad-bg); padding: .4rem .8rem; margin: .8rem 0; }
.box.note { border-left-color: var(--read); background: var(--read-bg); }
.statement { font-size: 1.2rem; padding: .3rem 0; overflow-x: auto; }
.equation { display: flex; align-items: center; overflow-x: auto; margin: .6rem 0; }
.equation math { flex: 1; }
.eqno { margin-left: 1rem; color: var(--muted); }
math { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", math;
  font-size: 1.15em; }
.muted { color: var(--muted); }
.tex-failed { background: var(--warn-bg); color: var(--warn); border: 1px dashed var(--warn); }
.tex-failed.display { display: block; padding: .3rem; margin: .5rem 0; }
.nolink { border-bottom: 1px dotted var(--muted); }
details { margin: .3rem 0; }
summary { cursor: pointer; color: var(--muted); }
.derivation { border-left: 3px solid var(--line); padding-left: 1rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .9rem; }
"""


def _page(title, crumbs, body, banner_id, run, version):
    run_text = ", ".join(f"{k} {_e(run[k])}" for k in ("tier", "seed", "dps") if k in run)
    nav = " / ".join(crumbs)
    return (f"<!DOCTYPE html>\n<!-- {_e(BANNER.format(claim_id=banner_id))} -->\n"
            f'<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<link rel="icon" href="data:,">\n<title>{_e(title)}</title>\n'
            f"<style>{_CSS}</style>\n</head>\n<body>\n"
            f'<header><div class="crumbs">{nav}</div></header>\n<main>\n{body}\n</main>\n'
            f"<footer>proofs-check {_e(version)}"
            + (f"; run: {run_text}" if run_text else "")
            + "; generated, do not edit</footer>\n</body>\n</html>\n")


def _status(r):
    """(label, css class) of a result, as in the terminal table."""
    if r.refutes_reading:
        return "refutes reading", "s-read"
    if r.expected == "refuted":  # a published reading that was not refuted: a problem
        return f"{r.status} (expected: refuted)", "s-bad"
    return r.status, {"verified": "s-ok", "refuted": "s-bad", "error": "s-bad",
                      "undecided": "s-warn"}.get(r.status, "s-bad")


def _badge(r):
    label, cls = _status(r)
    return f'<span class="badge {cls}">{_e(label)}</span>'


def _value(v):
    """A value of an instance description, exactly (floats as their shortest repr)."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, numbers.Integral):
        return str(int(v))
    try:
        return repr(float(v)) if isinstance(v, float) or hasattr(v, "__float__") else str(v)
    except (TypeError, ValueError, OverflowError):
        return str(v)


def _kv_table(d):
    rows = []
    for k, v in d.items():
        text = fmt_margin(v) if k == "margin" and v is not None else _value(v)
        cls = ' class="num"' if k in ("K", "eps", "margin") else ""
        rows.append(f"<tr><th>{_e(k)}</th><td{cls}>{_e(text)}</td></tr>")
    return '<table class="kv">' + "".join(rows) + "</table>"


def _claim_href(cid, prefix=""):
    return f"{prefix}claims/{quote(cid, safe='')}.html"


def _paper_docs_href(paper, bundled, prefix):
    """(href, label) of a paper's mathematics page: bundled, a URL, or None."""
    if paper is None or not paper.docs:
        return None, None
    if paper.id in bundled:
        return f"{prefix}papers/{quote(paper.id, safe='')}.html", paper.docs
    if re.match(r"^https?://", paper.docs):
        return paper.docs, paper.docs
    return None, paper.docs


def _statement_html(ctx, claim):
    return (f'<div class="statement">{ctx.math(claim.statement, True)}</div>'
            f"<details><summary>LaTeX</summary><pre><code>{_e(claim.statement)}</code></pre>"
            f"</details>")


def _fmt_tightness_long(t):
    if not t:
        return "-"
    return (f"max {t['max']:.3g}, median {t['median']:.3g}; bound attained on {t['attained']} "
            f"of {t['of']} instances")


def _figures_html(figs, prefix):
    return "".join(f'<figure><a href="{prefix}{_e(rel)}"><img src="{prefix}{_e(rel)}" '
                   f'alt="{_e(label)}" loading="lazy"></a><figcaption>{_e(label)}</figcaption>'
                   f"</figure>" for rel, label in figs)


def _claim_page(claim, r, paper, ctx, deriv_html, figs, bundled, run, version):
    refuted = sum(m.status == "refuted" for m in r.mutants)
    docs_href, docs_label = _paper_docs_href(paper, bundled, "../")
    if docs_href:
        docs = f'<a href="{_e(docs_href)}">{_e(docs_label)}</a>'
    else:
        docs = _e(docs_label) + ' <span class="muted">(not bundled)</span>' if docs_label else "-"
    cite = _e(paper.citation) if paper is not None else _e(claim.paper)
    parts = [f"<h1>{_e(claim.id)} {_badge(r)}</h1>",
             f"<p>{_e(claim.summary)}</p>", _statement_html(ctx, claim),
             '<table class="kv">',
             f"<tr><th>paper</th><td>{cite}</td></tr>",
             f"<tr><th>where</th><td>{_e(claim.where)}</td></tr>",
             f"<tr><th>provenance</th><td>{_e(claim.provenance)}</td></tr>",
             f"<tr><th>mathematics</th><td>{docs}</td></tr>",
             f"<tr><th>engine</th><td><code>{_e(getattr(claim.engine, 'name', '-'))}</code></td></tr>",
             f"<tr><th>expected</th><td>{_e(claim.expected)}</td></tr>",
             f"<tr><th>tolerance</th><td>{_e(claim.tolerance)}</td></tr>", "</table>"]
    if claim.notes:
        parts.append(f'<p><strong>Notes.</strong> {_e(claim.notes)}</p>')
    parts += ["<h2>Result</h2>", '<table class="kv">',
              f"<tr><th>status</th><td>{_badge(r)}</td></tr>",
              f'<tr><th>instances</th><td class="num">{r.instances} decided, {r.undecided} '
              f"undecided, {r.errors} errors</td></tr>",
              f'<tr><th>worst margin</th><td class="num">{_e(fmt_margin(r.worst_margin))}</td></tr>',
              f"<tr><th>tightness</th><td>{_e(_fmt_tightness_long(r.tightness))}</td></tr>",
              f'<tr><th>f64/mp digits</th><td class="num">{_e(fmt_digits(r.f64_mp_digits))} '
              f"(fewest agreeing digits over {r.mp_checked} instances re-checked in mp)</td></tr>",
              f'<tr><th>decided in mp</th><td class="num">{r.decided_by_mp}</td></tr>',
              f'<tr><th>float64 contradicted by mp</th><td class="num">{r.f64_contradicted}'
              f"</td></tr>",
              f'<tr><th>mutants refuted</th><td class="num">{refuted}/{len(r.mutants)}</td></tr>',
              "</table>"]
    if r.message:
        parts.append(f'<div class="box">{_e(r.message)}</div>')
    if r.refutes_reading:
        parts.append('<div class="box note">A published reading, refuted as expected: the '
                     "counterexample below is the result.</div>")
    if r.counterexample:
        parts += ["<h2>Counterexample</h2>", _kv_table(r.counterexample)]
    if r.worst_instance:
        parts += ["<h2>Worst instance</h2>", "<p>The instance with the smallest margin.</p>",
                  _kv_table(r.worst_instance)]
    parts += ["<h2>Mutants</h2>", "<p>Plausible false variants: the checker must refute each "
              "on some instance of the domain, or it proves nothing.</p>",
              "<table><thead><tr><th>mutant</th><th>statement</th><th>status</th>"
              "<th>decided by</th><th>counterexample</th></tr></thead><tbody>"]
    for m in r.mutants:
        cls = "s-ok" if m.status == "refuted" else "s-bad"
        ce = m.counterexample or {}
        if "error" in ce:
            ce_html = f'<span class="muted">the mutant\'s code failed:</span> {_e(ce["error"])}'
        elif ce:
            ce_html = (f"<code>{_e(ce.get('id'))}</code>"
                       + (f": {_e(ce.get('detail'))}" if ce.get("detail") else "")
                       + (f" (margin {_e(fmt_margin(ce['margin']))})"
                          if ce.get("margin") is not None else ""))
        else:
            ce_html = "-"
        row_cls = ' class="problem"' if m.status != "refuted" else ""
        parts.append(f"<tr{row_cls}>"
                     f"<td><code>{_e(m.id)}</code></td>"
                     f"<td>{_inline(m.statement, ctx, markdown=False)}</td>"
                     f'<td><span class="badge {cls}">{_e(m.status)}</span></td>'
                     f"<td>{_e(m.decided_by or '-')}</td><td>{ce_html}</td></tr>")
    parts.append("</tbody></table>")
    if deriv_html is not None:
        parts += ["<h2>Derivation</h2>",
                  f'<p class="muted">Machine-checked step by step; also on <a href="../'
                  f'derivations/{quote(claim.id, safe="")}.html">a page of its own</a>; as '
                  f"LaTeX: <code>proofs-check derive {_e(claim.id)}</code>.</p>",
                  f'<div class="derivation">{deriv_html}</div>']
    if figs:
        parts += ["<h2>Figures</h2>", _figures_html(figs, "../")]
    cmd = f"proofs-check run {claim.id}" + "".join(
        f" --{k} {run[k]}" for k in ("tier", "seed", "dps") if k in run)
    parts += ["<h2>Check it</h2>", f"<pre><code>{_e(cmd)}</code></pre>"]
    crumbs = ['<a href="../index.html">report</a>', _e(claim.id)]
    return _page(f"{claim.id}: {_status(r)[0]}", crumbs, "\n".join(parts), claim.id, run, version)


def _index_page(claims, results, papers, bundled, paper_figs, paper_reps, problems, run,
                version):
    s = summary(results)
    ok = s["ok"]
    extra = "".join(f", {s[k]} {label}" for k, label in (
        ("undecided", "undecided"), ("readings_refuted", "published readings refuted"))
        if s[k])
    tail = (f"{s['claims']} claims: {s['verified']} verified, {s['refuted']} refuted, "
            f"{s['error']} error{extra}; {s['mutants_refuted']}/{s['mutants']} mutants refuted; "
            f"{s['instances']} instances")
    verdict = ('<span class="badge s-ok">all as expected</span>' if ok else
               '<span class="badge s-bad">problems</span>')
    settings = ", ".join(f"{k} <code>{_e(run[k])}</code>" for k in ("tier", "seed", "dps")
                         if k in run)
    parts = ["<h1>proofs-check report</h1>",
             f'<p class="summary">{verdict} {_e(tail)}</p>',
             f"<p>Run settings: {settings}.</p>" if settings else ""]
    if problems:
        parts.append('<div class="box"><strong>Rendering problems</strong> (shown as LaTeX '
                     "source on their pages):<ul>" + "".join(f"<li>{_e(p)}</li>" for p in problems)
                     + "</ul></div>")
    parts.append("<h2>Papers</h2>")
    for p in papers:
        href, label = _paper_docs_href(p, bundled, "")
        docs = (f'<a href="{_e(href)}">{_e(label)}</a>' if href else
                (_e(label) + ' <span class="muted">(not bundled)</span>' if label else "-"))
        arxiv = (f', <a href="https://arxiv.org/abs/{quote(p.arxiv, safe="/.")}">arXiv '
                 f"{_e(p.arxiv)}</a>" if p.arxiv else "")
        parts.append(f"<h3>{_e(p.id)}</h3><p>{_e(p.authors)} ({_e(p.year)}), "
                     f"<em>{_e(p.title)}</em>{arxiv}. Mathematics: {docs}.</p>")
        reps = paper_reps.get(p.id, {})
        figs = paper_figs.get(p.id, [])
        if figs:
            parts.append("<p>Figures: " + ", ".join(
                f'<a href="{_e(rel)}">{_e(label)}</a>' for rel, label in figs) + ".</p>")
        if reps:
            parts.append("<details><summary>Reproduce the paper's figures</summary><ul>"
                         + "".join(f"<li><code>proofs-check reproduce {_e(rid)}</code>: "
                                   f"{_e(rep.description)}</li>" for rid, rep in reps.items())
                         + "</ul></details>")
    parts += ["<h2>Claims</h2>",
              "<table><thead><tr><th>status</th><th>claim</th><th>where</th>"
              "<th>instances</th><th>worst margin</th><th>tightness</th>"
              "<th>f64/mp digits</th><th>mutants refuted</th></tr></thead><tbody>"]
    ctx = _Ctx(where="index")  # the statements again: their problems are already listed
    for c, r in zip(claims, results):
        refuted = sum(m.status == "refuted" for m in r.mutants)
        mcls = "s-ok" if refuted == len(r.mutants) else "s-bad"
        row_cls = "" if r.ok else ' class="problem"'
        parts.append(f"<tr{row_cls}><td>{_badge(r)}</td>"
                     f'<td><a href="{_claim_href(c.id)}"><code>{_e(c.id)}</code></a>'
                     f"<br>{ctx.math(c.statement, False)}"
                     f'<br><span class="muted">{_e(c.summary)}</span></td>'
                     f"<td>{_e(c.where)}</td>"
                     f'<td class="num">{r.instances}</td>'
                     f'<td class="num">{_e(fmt_margin(r.worst_margin))}</td>'
                     f'<td class="num">{_e(fmt_tightness(r.tightness))}</td>'
                     f'<td class="num">{_e(fmt_digits(r.f64_mp_digits))}</td>'
                     f'<td class="num"><span class="badge {mcls}">{refuted}/{len(r.mutants)}'
                     f"</span></td></tr>")
    parts += ["</tbody></table>",
              '<p class="muted">worst margin: the smallest relative slack over the instances '
              "(&ge; 0 holds); tightness: the largest bound/true ratio, and on how many "
              "instances the bound is attained; f64/mp digits: the fewest digits on which "
              "float64 and the mp engine agree.</p>"]
    return _page("proofs-check report", ["proofs-check report"], "\n".join(parts), "index",
                 run, version)


def _derivation_page(did, title, body_html, run, version):
    crumbs = ['<a href="../index.html">report</a>', f"derivation {_e(did)}"]
    return _page(f"{did}: {title}", crumbs, body_html, did, run, version)


def _paper_page(paper, body_html, run, version):
    crumbs = ['<a href="../index.html">report</a>', f"paper {_e(paper.id)}"]
    return _page(f"{paper.id}: {paper.title}", crumbs, body_html, paper.id, run, version)


# ---------------------------------------------------------------------------- the writer
def _version():
    try:
        from importlib.metadata import version
        return version("proofs-check")
    except Exception:  # not installed as a distribution (a bare source tree)
        return "(source tree)"


def _source_root():
    """The source tree that holds ``docs/`` (the directory above the package)."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _usable_id(did):
    try:
        check_id(did, "derivation")
    except ValueError:
        return False
    return True


def _safe_name(s):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(s)).strip(".") or "_"


def check_html_output(outdir):
    """Raise before a run, not after it, if the report cannot be written to ``outdir``: the
    ``html`` extra is missing (:class:`~proofs_check.reproduce.MissingDependencyError`), or
    ``outdir`` is a file or lies under no writable directory (InputError).  Writes nothing.

    Domain: a path (str or path-like).

    >>> check_html_output(__file__)
    Traceback (most recent call last):
    ...
    theory.errors.InputError: HTML report directory '...html_report.py' is a file; pass a directory (it is created if missing)
    """
    _converter()
    outdir = os.fspath(outdir)
    if os.path.exists(outdir) and not os.path.isdir(outdir):
        raise InputError(f"HTML report directory {outdir!r} is a file; pass a directory "
                         f"(it is created if missing)")
    base = os.path.abspath(outdir)
    while not os.path.exists(base):
        base = os.path.dirname(base)
    if not os.path.isdir(base) or not os.access(base, os.W_OK | os.X_OK):
        raise InputError(f"HTML report directory {outdir!r} cannot be created or written: "
                         f"{base!r} is not a writable directory; choose another path")
    return outdir


def _validate(outdir, claims, results, run_info, figures, known_ids):
    outdir = check_html_output(outdir)
    claims, results = list(claims), list(results)
    if len(claims) != len(results):
        raise InputError(f"{len(claims)} claims but {len(results)} results; pass one result "
                         f"per claim, in the same order")
    for c, r in zip(claims, results):
        if c.id != r.id:
            raise InputError(f"result {r.id!r} is paired with claim {c.id!r}; pass the "
                             f"results in the order of the claims")
    if not claims:
        raise InputError("no claims to report; select at least one claim")
    if run_info is not None and not isinstance(run_info, dict):
        raise InputError(f"run_info = {run_info!r} must be a dict such as {{'tier': 'fast', "
                         f"'seed': 0, 'dps': 50}}, or None")
    figs = {}
    for key, paths in (figures or {}).items():
        if key not in known_ids:
            raise InputError(f"figures key {key!r} is neither a claim of the report nor the "
                             f"id of its paper; use one of {', '.join(sorted(known_ids))}")
        if isinstance(paths, (str, bytes, os.PathLike)):
            paths = [paths]
        for p in paths:
            p = os.fspath(p)
            if not os.path.splitext(p)[1].lower() in FIGURE_TYPES:
                raise InputError(f"figure {p!r} is not an image the report embeds; use "
                                 f"{', '.join(FIGURE_TYPES)}")
            if not os.path.isfile(p):
                raise InputError(f"figure {p!r} does not exist; run 'proofs-check reproduce' "
                                 f"first, or pass the path of an existing image")
            figs.setdefault(key, []).append(p)
    return outdir, claims, results, dict(run_info or {}), figs


def write_html_report(outdir, claims, results, run_info, *, figures=None, docs_root=None):
    """Write the HTML report of a run into ``outdir``; return the paths written, sorted.

    ``claims`` and ``results`` (:class:`~proofs_check.check.ClaimResult`) in the same order;
    ``run_info``: the run's settings (``tier``, ``seed``, ``dps``; other keys are ignored,
    so the JSON ``run`` dict fits as it is).  ``figures``: optional ``{claim or paper id:
    [image paths]}``, copied into ``outdir/figures/`` and shown on the claim's pages (a
    paper's figures on all of its claims).  ``docs_root``: where a paper's ``docs`` path
    (``docs/theory/<id>.md``) is looked up (default: the source tree of this package); a
    page found there is converted and bundled, otherwise the path is named, not linked.

    Open ``outdir/index.html`` in a browser (MathML: Chromium 109+, Firefox, Safari).
    Existing files of the same names are replaced, each atomically; other files in
    ``outdir`` are left alone.

    Source: STYLE rule 12.  Domain: at least one claim; a directory that can be created;
    figure files that exist.  Needs the ``html`` extra (latex2mathml).
    """
    from .derive import derivations, render
    from .registry import papers as registered

    _converter()  # a missing extra fails here, before any file is written
    all_papers = {p.id: p for p in registered()}
    claims, results = list(claims), list(results)
    pids = []
    for c in claims:
        pid = c.id.split(".", 1)[0]
        if pid in all_papers and pid not in pids:
            pids.append(pid)
    known_ids = {c.id for c in claims} | set(pids)
    outdir, claims, results, run, figs = _validate(outdir, claims, results, run_info, figures,
                                                   known_ids)
    version = _version()
    papers = [all_papers[pid] for pid in pids]
    root = _source_root() if docs_root is None else os.fspath(docs_root)
    claim_ids = {c.id for c in claims}

    # what each page holds, rendered before anything is written
    files = {}  # relative path -> str or bytes
    fig_rel = {}  # key -> [(relative path, label)]
    for key in sorted(figs):
        for p in figs[key]:
            rel = f"figures/{_safe_name(key)}-{_safe_name(os.path.basename(p))}"
            with open(p, "rb") as fh:
                files[rel] = fh.read()
            fig_rel.setdefault(key, []).append((rel, os.path.basename(p)))

    bundled, problems = set(), []
    all_derivs = derivations()
    paper_derivs = {}
    for p in papers:
        try:
            paper_derivs[p.id] = dict(p.derivations())
        except Exception as exc:  # a third-party paper's module: report it, do not stop
            problems.append(f"paper {p.id}: derivations() raised {type(exc).__name__}: {exc}")
            paper_derivs[p.id] = {}
    paper_reps = {}
    for p in papers:
        try:
            paper_reps[p.id] = dict(p.reproductions())
        except Exception as exc:  # a third-party paper's module: report it, do not stop
            problems.append(f"paper {p.id}: reproductions() raised {type(exc).__name__}: {exc}")
    deriv_ids = [d for p in papers for d in paper_derivs[p.id] if d in all_derivs]
    deriv_ids += [c.id for c in claims if c.id in all_derivs and c.id not in deriv_ids]
    for did in [d for d in deriv_ids if not _usable_id(d)]:  # it names a file: no '/' or '..'
        problems.append(f"derivation id {did!r} is not usable as a file name; not bundled")
        deriv_ids.remove(did)
    docs_of = {}  # docs path (posix, from the source root) -> paper id
    for p in papers:
        norm = posixpath.normpath(p.docs) if p.docs else ""
        # a path inside the source tree (not a URL, not absolute, not climbing out of it)
        if norm and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", norm) and not norm.startswith(
                ("/", "../")) and norm != "..":
            if os.path.isfile(os.path.join(root, *norm.split("/"))):
                docs_of[norm] = p.id
                bundled.add(p.id)

    def linker(source_path):
        """Rewrite a link of a Markdown file at ``source_path`` to a page of this report."""
        base = posixpath.dirname(source_path)

        def link(url):
            if re.match(r"^https?://", url):
                return url
            if url.startswith("#"):
                return url
            path, _, frag = url.partition("#")
            frag = f"#{frag}" if frag else ""
            target = posixpath.normpath(posixpath.join(base, path))
            stem = posixpath.splitext(posixpath.basename(target))[0]
            if target.startswith("docs/derivations/") and stem in deriv_ids:
                return f"../derivations/{quote(stem, safe='')}.html{frag}"
            if target.startswith("docs/claims/") and stem in claim_ids:
                return "../" + _claim_href(stem) + frag
            if target in docs_of:
                return f"../papers/{quote(docs_of[target], safe='')}.html{frag}"
            return None
        return link

    deriv_body, deriv_titles = {}, {}
    for did in deriv_ids:
        ctx = _Ctx(where=f"derivation {did}")
        try:
            md = render(did, "markdown")
        except Exception as exc:  # DerivationError (a failed step) or a broken builder
            deriv_body[did] = (f'<div class="box">Derivation <code>{_e(did)}</code> could not be '
                               f"rendered: {_e(type(exc).__name__)}: {_e(exc)}</div>")
            deriv_titles[did] = did
            problems.append(f"derivation {did}: {type(exc).__name__}: {exc}")
            continue
        deriv_titles[did] = all_derivs[did][0]
        deriv_body[did] = _markdown(md, ctx, heading_offset=0)
        problems += ctx.problems
    for did in deriv_ids:
        files[f"derivations/{did}.html"] = _derivation_page(did, deriv_titles[did],
                                                             deriv_body[did], run, version)
    for docs_path, pid in docs_of.items():
        ctx = _Ctx(link=linker(docs_path), where=f"{docs_path}")
        with open(os.path.join(root, *docs_path.split("/")), encoding="utf-8") as fh:
            body = _markdown(fh.read(), ctx)
        problems += ctx.problems
        files[f"papers/{pid}.html"] = _paper_page(all_papers[pid], body, run, version)
    for c, r in zip(claims, results):
        pid = c.id.split(".", 1)[0]
        ctx = _Ctx(where=f"claim {c.id}")
        body = None
        if c.id in deriv_body:
            # one level down inside the claim page: the derivation's h1 becomes an h3
            body = re.sub(r"<(/?)h([1-5])\b", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 2}",
                          deriv_body[c.id])
        cfigs = fig_rel.get(c.id, []) + fig_rel.get(pid, [])
        files[_claim_href(c.id)] = _claim_page(c, r, all_papers.get(pid), ctx, body, cfigs,
                                               bundled, run, version)
        problems += ctx.problems
    files["index.html"] = _index_page(claims, results, papers, bundled, fig_rel, paper_reps,
                                      problems, run, version)

    paths = []
    for rel in sorted(files):
        path = os.path.join(outdir, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = files[rel]
        if isinstance(data, str):  # a lone surrogate in user text is shown, not fatal
            data = data.encode("utf-8", "backslashreplace")
        paths.append(atomic_write_bytes(path, data))
    return paths

