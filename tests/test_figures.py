"""Tests of the figures as a researcher pastes them into a paper (:mod:`proofs_check.reproduce`).

Every reproduction is drawn once in the paper style at the reduced (test) size.  While the
figures are saved, a wrapper around ``Figure.savefig`` records each figure's axes and text;
the PDFs are then read back with a small reader of the file's own bytes (no PDF library):

* the page (``/MediaBox``) is exactly the style's width, at most 9 in tall;
* every font is TrueType (a ``/TrueType`` font, or the ``/Type0`` + ``/CIDFontType2`` pair
  matplotlib writes for Type 42) with its program embedded (``/FontFile2``); no ``/Type3``;
* every axis counting rounds or steps has integer ticks, and a rounds axis is linear;
* all text is 8-9 pt, lies inside the page (nothing cut off), and no title or label uses
  the tool's internal words.
"""

import os
import re

import pytest

matplotlib = pytest.importorskip("matplotlib")
import matplotlib.figure  # noqa: E402
import matplotlib.text  # noqa: E402

from proofs_check import cli  # noqa: E402
from proofs_check import reproduce as R  # noqa: E402
from theory.errors import InputError  # noqa: E402

PAPER = R.STYLES["paper"]
POINTS_PER_INCH = 72
#: Rounding of the extents of drawn text, in inches (a pixel at 100 dpi).
SLACK = 0.01

#: Axes whose label names one of these count rounds or steps: integer ticks.
COUNT_LABEL = re.compile(r"\b(rounds?|steps?)\b", re.IGNORECASE)
#: Words of the tool, not of the paper: never in a figure.
INTERNAL = re.compile(r"\bspec\b|§|\bclaims?\b|\bengines?\b|proofs[-_]check|\.py\b|\bCSV\b|"
                      r"\bmp\b|docs/|\btheory\.|\bf64\b", re.IGNORECASE)
#: Reproductions without a rounds or steps axis.
NO_COUNT_AXIS = {"allenzhu_li2020.views"}


# ------------------------------------------------------------------------ a small PDF reader
def pdf_objects(data):
    """{object number: dictionary bytes} of a PDF, streams cut out (their bytes are binary)."""
    data = re.sub(rb"stream\r?\n.*?endstream", b"stream endstream", data, flags=re.S)
    return {int(m.group(1)): m.group(2)
            for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, flags=re.S)}


def media_box(data):
    """(width, height) in points of the single page of the PDF."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*([-\d.\s]+)\]", data)
    assert len(boxes) == 1, f"expected one page, found {len(boxes)} MediaBox entries"
    x0, y0, x1, y1 = (float(v) for v in boxes[0].split())
    return x1 - x0, y1 - y0


def fonts(data):
    """(font subtypes, font descriptors' dictionaries) of a PDF."""
    objs = pdf_objects(data).values()
    subtypes = [re.search(rb"/Subtype\s*/(\w+)", o).group(1).decode()
                for o in objs if re.search(rb"/Type\s*/Font\b", o)]
    descriptors = [o for o in objs if re.search(rb"/Type\s*/FontDescriptor\b", o)]
    return subtypes, descriptors


def test_pdf_reader_on_a_known_page(tmp_path):
    """The reader against a PDF of known size and fonts: 3 x 2 in, Type 3 (matplotlib's
    default) and then Type 42."""
    for fonttype, want in ((3, {"Type3"}), (42, {"Type0", "CIDFontType2"})):
        fig = matplotlib.figure.Figure(figsize=(3, 2))
        fig.text(0.5, 0.5, "text")
        with matplotlib.rc_context({"pdf.fonttype": fonttype}):
            fig.savefig(tmp_path / "t.pdf")
        data = (tmp_path / "t.pdf").read_bytes()
        assert media_box(data) == (3 * POINTS_PER_INCH, 2 * POINTS_PER_INCH)
        subtypes, descriptors = fonts(data)
        assert set(subtypes) == want
        if fonttype == 42:
            assert descriptors and all(b"/FontFile2" in d for d in descriptors)


# ------------------------------------------------------------------------ the paper figures
def _inspect(fig):
    """What the tests need of a drawn figure: its size, its texts, its count axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # at the figure's own dpi, with the layout of the saved files
    drawn = fig.get_tightbbox(canvas.get_renderer())  # inches: everything drawn
    page = fig.bbox_inches
    texts = [(t.get_text(), t.get_fontsize()) for t in fig.findobj(matplotlib.text.Text)
             if t.get_visible() and t.get_text().strip()]
    count_axes = []
    for ax in fig.get_axes():
        if not ax.get_visible():
            continue
        for axis in (ax.xaxis, ax.yaxis):
            label = axis.get_label_text()
            if COUNT_LABEL.search(label):
                lo, hi = sorted(axis.get_view_interval())
                ticks = [float(v) for v in axis.get_majorticklocs() if lo <= v <= hi]
                count_axes.append((label, axis.get_scale(), ticks))
    inside = (drawn.x0 >= page.x0 - SLACK and drawn.y0 >= page.y0 - SLACK
              and drawn.x1 <= page.x1 + SLACK and drawn.y1 <= page.y1 + SLACK)
    return {"size": tuple(fig.get_size_inches()), "texts": texts, "count_axes": count_axes,
            "inside": inside, "drawn": drawn.bounds}


def test_inspection_sees_a_title_cut_off_and_a_fractional_round_axis():
    """The checks below can fail: a title wider than the page and a rounds axis with
    fractional ticks are reported."""
    fig = matplotlib.figure.Figure(figsize=(PAPER.one_column, 2), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("round $t$")
    fig.suptitle("a title much too long for a single column of a two-column journal page")
    fig.savefig(os.devnull, format="png")
    seen = _inspect(fig)
    assert not seen["inside"] and seen["drawn"][2] > PAPER.one_column
    ((label, scale, ticks),) = seen["count_axes"]
    assert label == "round $t$" and any(v != round(v) for v in ticks)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """rid -> (paths, [inspection of each saved figure]) in the paper style, small size."""
    seen = {}
    original = matplotlib.figure.Figure.savefig

    def savefig(fig, *args, **kwargs):
        out = original(fig, *args, **kwargs)
        if id(fig) not in seen:  # once per figure (it is saved as PNG, then PDF)
            seen[id(fig)] = _inspect(fig)
            current.append(seen[id(fig)])
        return out

    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(matplotlib.figure.Figure, "savefig", savefig)
        for rid in sorted(R.reproductions()):
            current = []
            d = tmp_path_factory.mktemp(rid.replace(".", "_"))
            paths = R.reproduce(rid, d, small=True, style="paper")
            out[rid] = ([os.fspath(p) for p in paths], current)
    return out


RIDS = sorted(R.reproductions())


@pytest.mark.parametrize("rid", RIDS)
def test_pdf_page_is_the_paper_width(drawn, rid):
    paths, figs = drawn[rid]
    pdfs = [p for p in paths if p.endswith(".pdf")]
    assert pdfs and len(pdfs) == len(figs)
    widths = {PAPER.one_column * POINTS_PER_INCH, PAPER.two_columns * POINTS_PER_INCH}
    for p in pdfs:
        with open(p, "rb") as fh:
            w, h = media_box(fh.read())
        assert w in widths, f"{p}: page {w / 72:.3f} in wide, not a paper width"
        assert 0 < h <= R.MAX_PAPER_HEIGHT * POINTS_PER_INCH, f"{p}: page {h / 72:.2f} in tall"


@pytest.mark.parametrize("rid", RIDS)
def test_pdf_fonts_are_embedded_truetype(drawn, rid):
    for p in drawn[rid][0]:
        if not p.endswith(".pdf"):
            continue
        with open(p, "rb") as fh:
            data = fh.read()
        subtypes, descriptors = fonts(data)
        assert subtypes, f"{p}: no font at all (text drawn as paths?)"
        assert set(subtypes) <= {"TrueType", "Type0", "CIDFontType2"}, \
            f"{p}: fonts of subtype {sorted(set(subtypes))}"
        assert b"/Type3" not in data
        assert descriptors and all(b"/FontFile2" in d for d in descriptors), \
            f"{p}: a font without its TrueType program embedded"
        assert not any(re.search(rb"/FontFile[13]?\b(?!2)", d) for d in descriptors)


@pytest.mark.parametrize("rid", RIDS)
def test_round_and_step_axes_have_integer_ticks(drawn, rid):
    axes = [a for f in drawn[rid][1] for a in f["count_axes"]]
    if rid in NO_COUNT_AXIS:
        assert not axes
        return
    assert axes, f"{rid}: no axis labelled with rounds or steps was found"
    for label, scale, ticks in axes:
        assert len(ticks) >= 2, f"{rid}: axis {label!r} shows {ticks}"
        assert all(v == round(v) for v in ticks), f"{rid}: axis {label!r} has ticks {ticks}"
        if re.search(r"\brounds?\b", label) and scale != "linear":
            # a colorbar of discrete rounds (its scale follows the boundaries): every round
            assert scale == "function" and ticks == list(range(int(ticks[0]), int(ticks[-1]) + 1)), \
                f"{rid}: rounds axis {label!r} is {scale} with ticks {ticks}"


@pytest.mark.parametrize("rid", RIDS)
def test_text_is_8_to_9_pt_on_the_page_and_in_the_papers_language(drawn, rid):
    for f in drawn[rid][1]:
        assert f["size"][0] in (PAPER.one_column, PAPER.two_columns)
        assert f["inside"], (f"{rid}: drawn extent (x, y, width, height) = {f['drawn']} in "
                             f"leaves the page {f['size']} in: something is cut off")
        for text, size in f["texts"]:
            assert PAPER.small <= size <= PAPER.text, f"{rid}: {text!r} at {size} pt"
            assert not INTERNAL.search(text), f"{rid}: tool-internal word in {text!r}"


# ------------------------------------------------------------------------ styles and CLI
def test_slides_style_and_global_state(tmp_path):
    """--style slides: 10 in wide, 12-14 pt text; matplotlib's global settings unchanged."""
    before = dict(matplotlib.rcParams)
    paths = R.reproduce("mobahi2020.illustrative", tmp_path, small=True, style="slides")
    assert dict(matplotlib.rcParams) == before
    pdf = next(p for p in paths if p.endswith(".pdf"))
    with open(pdf, "rb") as fh:
        w, h = media_box(fh.read())
    slides = R.STYLES["slides"]
    assert w == slides.two_columns * POINTS_PER_INCH
    # the paper layout scaled: same aspect ratio as the paper figure
    paper = R.reproduce("mobahi2020.illustrative", tmp_path / "paper", small=True)
    with open(next(p for p in paper if p.endswith(".pdf")), "rb") as fh:
        wp, hp = media_box(fh.read())
    assert h / w == pytest.approx(hp / wp, rel=1e-6)


def test_style_and_height_are_validated(tmp_path):
    with pytest.raises(InputError, match="unknown figure style 'poster'.*paper, slides"):
        R.reproduce("mobahi2020.illustrative", tmp_path / "x", small=True, style="poster")
    assert not (tmp_path / "x").exists(), "nothing is written for a bad style"
    with pytest.raises(InputError, match="split the figure"):
        with R.figure(matplotlib.figure, "paper", height=R.MAX_PAPER_HEIGHT + 0.5):
            pass
    with pytest.raises(InputError, match="columns"):
        PAPER.width(3)


def test_cli_style_option(tmp_path, capsys):
    out = tmp_path / "slides"
    assert cli.main(["reproduce", "mobahi2020.illustrative", "-o", str(out),
                     "--style", "slides"]) == 0
    with open(out / "illustrative.pdf", "rb") as fh:
        assert media_box(fh.read())[0] == R.STYLES["slides"].two_columns * POINTS_PER_INCH
    assert cli.main(["reproduce", "mobahi2020.illustrative", "-o", str(tmp_path / "bad"),
                     "--style", "poster"]) == 2
    assert "invalid choice: 'poster'" in capsys.readouterr().err
