"""The HTML report (proofs_check.html_report): structure, links, escaping, determinism, and
in a real browser (headless Chromium through Playwright) that the mathematics renders.

The report of a real run (two cheap claims checked at 30 digits: one with a derivation,
one without) is written once per module.  The structural tests read the files back with the
standard library's HTML parser, an implementation independent of the writer: every
element is closed, every relative link and image resolves to a file of the folder, no
page loads anything from outside it, no tag or attribute from user text becomes markup.
The browser test opens the pages through ``file://`` and checks what a reader sees: no
console error, every ``<math>`` element laid out with a non-zero box, fractions laid out
as fractions (numerator above denominator); it saves the screenshots
``docs/screenshots/report-index.png`` and ``report-claim.png``.  It is skipped, with the
reason, when Chromium or Playwright is not installed.
"""

import os
import pathlib
import shutil
import struct
import sys
import zlib
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import pytest

from proofs_check import html_report
from proofs_check.check import ClaimResult, MutantResult, ResultCache, check_claim
from proofs_check.claim import Claim, Mutant, Outcome
from proofs_check.html_report import (UnsupportedTexError, check_html_output, tex_to_mathml,
                                      write_html_report)
from proofs_check.registry import select
from proofs_check.report import fmt_digits, fmt_margin
from proofs_check.reproduce import MissingDependencyError
from theory.errors import InputError

ROOT = pathlib.Path(__file__).resolve().parent.parent
IDS = ["mobahi2020.collapse_threshold", "mobahi2020.rounds_lower_kappa_free"]
RUN = {"tier": "fast", "seed": 0, "dps": 30, "selected": IDS}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "mspace", "none", "mprescripts"}


class _Page(HTMLParser):
    """Tags, attributes, text and nesting errors of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags, self.text, self.comments = [], [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.comments.append(data)


def parse(path):
    page = _Page()
    page.feed(pathlib.Path(path).read_text(encoding="utf-8"))
    page.close()
    assert not page.errors and not page.stack, (path, page.errors[:3], page.stack)
    return page


def _png(width=3, height=2):
    """A valid RGB PNG (zlib + the PNG chunk layout), for the figures test."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + bytes([200, 30, 30]) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                              0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def run():
    claims = select(IDS)
    cache = ResultCache(30)
    results = [check_claim(c, dps=30, cache=cache) for c in claims]
    return claims, results


@pytest.fixture(scope="module")
def report(run, tmp_path_factory):
    claims, results = run
    out = tmp_path_factory.mktemp("html") / "report"
    paths = write_html_report(out, claims, results, RUN)
    return out, claims, results, paths


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in pathlib.Path(root).rglob("*")
                  if p.is_file())


# ---------------------------------------------------------------------------- structure
def test_the_folder_holds_index_claims_derivations_and_the_paper(report):
    out, claims, _, paths = report
    files = _files(out)
    assert sorted(pathlib.Path(p).relative_to(out).as_posix() for p in paths) == files
    assert "index.html" in files and "papers/mobahi2020.html" in files
    assert {f"claims/{c.id}.html" for c in claims} <= set(files)
    # every derivation of the paper, including the claim's own
    assert "derivations/mobahi2020.rounds_lower_kappa_free.html" in files
    assert "derivations/green.laplace.html" in files
    assert not [f for f in files if f.endswith(".new")]


def test_every_page_is_well_formed_banners_and_loads_nothing_from_outside(report):
    out = report[0]
    for rel in _files(out):
        text = (out / rel).read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html>\n<!-- generated by proofs-check from claim ")
        page = parse(out / rel)
        assert not [t for t, _ in page.tags if t in ("script", "iframe", "object", "embed")]
        for tag, attrs in page.tags:
            if tag == "link":
                assert attrs.get("rel") == "icon" and attrs.get("href") == "data:,", attrs
            if "src" in attrs:  # images only, and from the folder
                assert not urlsplit(attrs["src"]).scheme, (rel, attrs)


def test_every_relative_link_resolves_inside_the_folder(report):
    out = report[0]
    checked = 0
    for rel in _files(out):
        for tag, attrs in parse(out / rel).tags:
            for key in ("href", "src"):
                url = attrs.get(key)
                if not url or urlsplit(url).scheme or url.startswith("#"):
                    continue
                target = (out / rel).parent / unquote(urlsplit(url).path)
                assert target.resolve().is_file(), f"{rel}: {key}={url} is broken"
                assert out.resolve() in target.resolve().parents
                checked += 1
    assert checked > 20


def test_index_has_one_row_per_claim_with_its_numbers(report):
    out, claims, results, _ = report
    page = parse(out / "index.html")
    text = " ".join(" ".join(page.text).split())
    rows = [a["href"] for t, a in page.tags if t == "a" and a.get("href", "").startswith("claims/")]
    assert rows == [f"claims/{c.id}.html" for c in claims]
    for r in results:
        refuted = sum(m.status == "refuted" for m in r.mutants)
        assert f"{refuted}/{len(r.mutants)}" in text
        assert fmt_margin(r.worst_margin) in text and fmt_digits(r.f64_mp_digits) in text
        assert r.status == "verified"
    assert "2 claims: 2 verified, 0 refuted, 0 error" in text and "all as expected" in text
    assert "tier fast, seed 0, dps 30" in text
    # statements as maths on the index too, and no maths that failed to convert anywhere
    assert sum(t == "math" for t, _ in page.tags) == len(claims)
    assert "Rendering problems" not in text


def test_claim_page_states_the_claim_as_mathml_with_its_latex(report):
    out, claims, results, _ = report
    for c, r in zip(claims, results):
        html = (out / "claims" / f"{c.id}.html").read_text(encoding="utf-8")
        page = parse(out / "claims" / f"{c.id}.html")
        text = " ".join(" ".join(page.text).split())
        assert '<div class="statement"><div class="equation"><math display="block">' in html
        # the LaTeX rides along as the annotation (copy-paste) and in the LaTeX box
        assert page.text.count(c.statement) == 2
        assert 'class="tex-failed' not in html
        for m in r.mutants:
            assert m.id in text and m.counterexample["id"] in text
        assert r.worst_instance["id"] in text
        assert "docs/theory/mobahi2020.md" in text
        assert f"proofs-check run {c.id} --tier fast --seed 0 --dps 30" in text


def test_claim_page_embeds_the_derivation_with_numbered_steps(report):
    out = report[0]
    from proofs_check.derive import verified
    deriv = verified("mobahi2020.rounds_lower_kappa_free")
    html = (out / "claims" / "mobahi2020.rounds_lower_kappa_free.html").read_text(encoding="utf-8")
    n = len(deriv.steps)
    assert [f'<span class="eqno">({k})</span>' in html for k in range(1, n + 2)] == \
        [True] * n + [False]
    assert "<h2>Derivation</h2>" in html and 'class="tex-failed' not in html
    html = (out / "claims" / "mobahi2020.collapse_threshold.html").read_text(encoding="utf-8")
    assert "<h2>Derivation</h2>" not in html  # it has none


def test_paper_page_renders_the_docs_and_rewrites_its_links(report):
    out = report[0]
    page = parse(out / "papers" / "mobahi2020.html")
    hrefs = [a.get("href") for t, a in page.tags if t == "a"]
    # docs/claims/<id>.md of a claim in the report -> its page; a derivation -> its page
    assert "../claims/mobahi2020.collapse_threshold.html" in hrefs
    assert "../derivations/green.laplace.html" in hrefs
    # a claim not in this run is named, not linked
    assert "../claims/mobahi2020.secular_unique.html" not in hrefs
    assert not [h for h in hrefs if h and h.endswith(".md")]
    assert sum(t == "math" for t, _ in page.tags) > 100


def test_the_output_is_deterministic(report, tmp_path):
    out, claims, results, _ = report
    write_html_report(tmp_path, claims, results, dict(RUN))
    assert _files(tmp_path) == _files(out)
    for rel in _files(out):
        assert (tmp_path / rel).read_bytes() == (out / rel).read_bytes(), rel


# ---------------------------------------------------------------------------- statuses
def _fake_results(claims):
    c0, c1, c2, c3 = claims
    ce = {"id": "spectrum:x-K3", "family": "spectrum", "K": 3, "eps": 0.1, "margin": -0.25,
          "detail": "T = 2 < 3", "decided_by": "mp"}
    return [
        ClaimResult(c0.id, "refuted", instances=5, worst_margin=-0.25, counterexample=ce,
                    mutants=[MutantResult("m~a", "$x$", "survived")]),
        ClaimResult(c1.id, "error", message="claim code raised ValueError: boom"),
        ClaimResult(c2.id, "undecided", instances=4, undecided=1,
                    message="1 instance(s) undecided; first: ..."),
        ClaimResult(c3.id, "refuted", instances=7, counterexample=ce, expected="refuted",
                    mutants=[MutantResult("m~b", "text", "refuted", dict(ce), "mp")]),
    ]


def test_each_status_is_shown_distinctly_and_problems_are_marked(tmp_path):
    claims = select(IDS + ["mobahi2020.c_bounds", "mobahi2020.norm_decreasing"])
    results = _fake_results(claims)
    assert results[3].refutes_reading and results[3].ok and not results[0].ok
    write_html_report(tmp_path, claims, results, {})
    parse(tmp_path / "index.html")
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]
    labels = [r.split('<span class="badge ')[1].split(">")[1].split("<")[0] for r in rows]
    assert labels == ["refuted", "error", "undecided", "refutes reading"]
    assert [r.startswith(' class="problem"') for r in rows] == [True, True, True, False]
    assert '<span class="badge s-bad">problems</span>' in html
    assert "1 published readings refuted" in html
    claim = (tmp_path / "claims" / "mobahi2020.norm_decreasing.html").read_text(encoding="utf-8")
    assert "<h2>Counterexample</h2>" in claim and "spectrum:x-K3" in claim
    assert "refuted as expected" in claim
    claim = (tmp_path / "claims" / f"{IDS[0]}.html").read_text(encoding="utf-8")
    assert 'class="problem"' in claim and ">survived<" in claim
    claim = (tmp_path / "claims" / f"{IDS[1]}.html").read_text(encoding="utf-8")
    assert "claim code raised ValueError: boom" in claim


# ---------------------------------------------------------------------------- escaping
def _evil_claim():
    def evaluate(inst, res, tools):
        return Outcome(1.0)
    return Claim(
        id="user.evil", paper="<b>paper</b>", where="<i>where</i>", provenance="paper",
        summary="<img src=x onerror=alert(1)>", notes="</p><script>alert(2)</script>",
        statement=r"\text{<script>alert(3)</script>} + \href{javascript:alert(4)}{x} "
                  r"+ \text{&#x3C;svg onload=alert(5)&#x3E;}",
        domain=lambda tier, seed: [], evaluate=evaluate,
        mutants=(Mutant("user.evil~m", "$<svg onload=alert(6)>$ and <script>alert(7)</script>",
                        evaluate),))


def test_user_text_never_becomes_markup(tmp_path):
    claim = _evil_claim()
    ce = {"id": "<iframe src=javascript:alert(8)>", "detail": "\"'&<>", "margin": -1.0,
          "decided_by": "mp"}
    r = ClaimResult(claim.id, "refuted", counterexample=ce, message="<script>alert(9)</script>",
                    worst_instance={"id": "<b>w</b>", "detail": "<u>d</u>"},
                    mutants=[MutantResult("user.evil~m", claim.mutants[0].statement, "refuted",
                                          {"id": "<x>", "detail": "<y>"}, "mp")])
    write_html_report(tmp_path, [claim], [r], {"tier": "<fast>", "seed": "0'\"", "dps": 30})
    for rel in _files(tmp_path):
        page = parse(tmp_path / rel)
        for tag, attrs in page.tags:
            assert tag not in ("script", "img", "svg", "iframe", "b", "i", "u", "x", "y"), (rel, tag)
            assert not [k for k in attrs if k.startswith("on")], (rel, tag, attrs)
            assert not [v for v in attrs.values() if v and "javascript:" in v], (rel, tag, attrs)
        text = "".join(page.text)
        if rel.startswith("claims/"):  # shown as text, exactly
            for s in ("<img src=x onerror=alert(1)>", "<script>alert(9)</script>", "\"'&<>",
                      "<iframe src=javascript:alert(8)>", "alert(7)", "<b>w</b>"):
                assert s in text, s


def test_odd_characters_are_shown_not_fatal(tmp_path):
    claim = Claim(id="user.odd", paper="p", where="w", provenance="paper",
                  summary="lone surrogate \ud800, NUL \x00", statement=r"\text{&#xD800;&#x110000;}",
                  domain=lambda t, s: [], evaluate=lambda i, r, t: Outcome(1.0),
                  mutants=(Mutant("user.odd~m", "m", None),))
    r = ClaimResult(claim.id, "verified", mutants=[MutantResult("user.odd~m", "m", "refuted")])
    write_html_report(tmp_path, [claim], [r], {})
    text = (tmp_path / "claims" / "user.odd.html").read_text(encoding="utf-8")
    assert "lone surrogate \\ud800" in text and "&amp;#x110000;" in text


def test_latex_the_converter_cannot_read_is_shown_as_source_and_listed(tmp_path):
    claim = Claim(id="user.bad", paper="p", where="w", provenance="paper", summary="s",
                  statement=r"\notacommand{x} \le 1", domain=lambda t, s: [],
                  evaluate=lambda i, r, t: Outcome(1.0),
                  mutants=(Mutant("user.bad~m", r"$\alsonot y$ and $x$", None),))
    r = ClaimResult(claim.id, "verified",
                    mutants=[MutantResult("user.bad~m", claim.mutants[0].statement, "refuted")])
    write_html_report(tmp_path, [claim], [r], {})
    html = (tmp_path / "claims" / "user.bad.html").read_text(encoding="utf-8")
    assert '<code class="tex-failed display"' in html and r"\notacommand{x} \le 1" in html
    assert '<code class="tex-failed"' in html and r"\alsonot y" in html
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "Rendering problems" in index and "claim user.bad" in index
    assert "\\\\notacommand" in index  # the message names the command


def test_tex_to_mathml_rebuilds_an_allow_listed_tree():
    m = tex_to_mathml(r"\href{https://x.org}{a} < \text{<b>&}", display=True)
    assert m.startswith('<math display="block"><semantics>') and 'href="' not in m
    assert "<mtext>&lt;b&gt;&amp;</mtext>" in m and "<mo>&lt;</mo>" in m
    # an equation tag is taken out; := is one relation; \iff is an operator, not a letter
    assert "(7)" not in tex_to_mathml(r"a \mathrel{:=} b \tag{7}")
    assert "<mo>≔</mo>" in tex_to_mathml(r"a \mathrel{:=} b")
    assert "<mo>⟺</mo>" in tex_to_mathml(r"a \iff b")
    for bad in (r"\frac{a", r"\undefinedthing", r"a & b"):
        with pytest.raises(UnsupportedTexError):
            tex_to_mathml(bad)


@pytest.mark.parametrize("text, expected", [
    ("**a** \\*b\\* `c*d`", "<p><strong>a</strong> *b* <code>c*d</code></p>"),
    ("costs $5 and $6 each", "<p>costs $5 and $6 each</p>"),
    ("a * b * c", "<p>a * b * c</p>"),
    ("<script>x</script>", "<p>&lt;script&gt;x&lt;/script&gt;</p>"),
    ("[t](../x.md) and [u](https://e.org/)",
     '<p><span class="nolink" title="../x.md">t</span> and <a href="https://e.org/">u</a></p>'),
    ("- one\n- two\n\nend", "<ul><li>one</li><li>two</li></ul>\n<p>end</p>"),
    ("| a | b |\n|---|---|\n| 1 \\| 2 | 3 |",
     '<table class="md"><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1 | 2</td>'
     "<td>3</td></tr></tbody></table>"),
    ("<!-- banner -->\n```\n<x>\n```", "<pre><code>&lt;x&gt;</code></pre>"),
])
def test_markdown_subset(text, expected):
    ctx = html_report._Ctx(link=lambda url: url if url.startswith("https://") else None)
    assert html_report._markdown(text, ctx) == expected


# ---------------------------------------------------------------------------- inputs
def test_bad_inputs_raise_before_anything_is_written(run, tmp_path):
    claims, results = run
    out = tmp_path / "out"
    cases = [
        ((out, claims, results[:1], RUN), {}, "2 claims but 1 results"),
        ((out, claims, results[::-1], RUN), {}, "pass the results in the order"),
        ((out, [], [], RUN), {}, "no claims"),
        ((out, claims, results, "fast"), {}, "must be a dict"),
        ((out, claims, results, RUN), {"figures": {"nope": ["a.png"]}}, "neither a claim"),
        ((out, claims, results, RUN), {"figures": {IDS[0]: [str(tmp_path / "no.png")]}},
         "does not exist"),
        ((out, claims, results, RUN), {"figures": {IDS[0]: [str(tmp_path / "a.csv")]}},
         "not an image"),
    ]
    for args, kw, msg in cases:
        with pytest.raises(InputError, match=msg):
            write_html_report(*args, **kw)
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(InputError, match="is a file"):
        write_html_report(afile, claims, results, RUN)
    assert not out.exists()


def test_check_html_output_refuses_a_file_before_the_run(tmp_path):
    assert check_html_output(tmp_path / "a" / "b") == str(tmp_path / "a" / "b")
    assert not (tmp_path / "a").exists()  # checked, not created
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        check_html_output(tmp_path / "f")
    with pytest.raises(InputError, match="not a writable directory"):
        check_html_output(tmp_path / "f" / "sub")


def test_a_missing_extra_names_the_install_command(run, tmp_path, monkeypatch):
    claims, results = run
    monkeypatch.setitem(sys.modules, "latex2mathml", None)  # import now raises ImportError
    with pytest.raises(MissingDependencyError, match=r"pip install 'proofs-check\[html\]'"):
        write_html_report(tmp_path / "out", claims, results, RUN)
    assert not (tmp_path / "out").exists()


def test_figures_are_copied_and_shown(run, tmp_path):
    claims, results = run
    fig = tmp_path / "fig.png"
    fig.write_bytes(_png())
    out = tmp_path / "out"
    write_html_report(out, claims, results, RUN, figures={"mobahi2020": [fig]})
    assert (out / "figures" / "mobahi2020-fig.png").read_bytes() == fig.read_bytes()
    for c in claims:
        srcs = [a["src"] for t, a in parse(out / "claims" / f"{c.id}.html").tags if t == "img"]
        assert srcs == ["../figures/mobahi2020-fig.png"]
    assert 'href="figures/mobahi2020-fig.png"' in (out / "index.html").read_text()


# ---------------------------------------------------------------------------- browser
def _browser():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium); the browser "
                    "test of the HTML report needs it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright; the system "
                    "chromium is used, no 'playwright install')")
    return exe, sync_playwright


def _look(page, url):
    """Open ``url``; return (console errors, boxes of every <math>, fractions laid out
    numerator above denominator, fractions)."""
    errors = []
    page.on("console", lambda m: errors.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.goto(url)
    page.wait_for_load_state("load")
    boxes = page.eval_on_selector_all(
        "math", "els => els.map(e => { const r = e.getBoundingClientRect(); "
                "return [r.width, r.height]; })")
    stacked, fracs = page.eval_on_selector_all(
        "mfrac", "els => [els.filter(f => f.children.length === 2 && "
                 "f.children[0].getBoundingClientRect().bottom <= "
                 "f.children[1].getBoundingClientRect().top + 1).length, els.length]")
    return errors, boxes, stacked, fracs


def test_in_a_browser_the_maths_renders_and_nothing_errs(report, tmp_path):
    exe, sync_playwright = _browser()
    out = report[0]
    # the committed docs/screenshots are refreshed only on request (PROOFS_CHECK_SCREENSHOTS=1),
    # so that a test run never changes the work tree
    shots = (ROOT / "docs" / "screenshots" if os.environ.get("PROOFS_CHECK_SCREENSHOTS")
             else tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    from proofs_check._io import atomic_writer
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 800})
            errors, boxes, stacked, fracs = _look(page, (out / "index.html").as_uri())
            assert errors == []
            assert len(boxes) == 2 and all(w > 0 and h > 0 for w, h in boxes), boxes
            with atomic_writer(shots / "report-index.png") as tmp:
                page.screenshot(path=tmp, full_page=True)

            page = browser.new_page(viewport={"width": 1100, "height": 800})
            claim = out / "claims" / "mobahi2020.rounds_lower_kappa_free.html"
            errors, boxes, stacked, fracs = _look(page, claim.as_uri())
            assert errors == []
            assert len(boxes) > 10 and all(w > 0 and h > 0 for w, h in boxes), boxes
            assert fracs > 0 and stacked == fracs  # MathML layout, not letters in a row
            with atomic_writer(shots / "report-claim.png") as tmp:
                page.screenshot(path=tmp, full_page=True)

            page = browser.new_page()
            errors, boxes, stacked, fracs = _look(page, (out / "papers" / "mobahi2020.html").as_uri())
            assert errors == [] and len(boxes) > 100 and stacked == fracs > 0
        finally:
            browser.close()
    for name in ("report-index.png", "report-claim.png"):
        assert (shots / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
