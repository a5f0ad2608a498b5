"""Tests of :mod:`proofs_check.derive`: the derivations as data, verified, and rendered.

* every derivation builds and its every check passes; a broken step (one of each kind of
  check) stops the derivation with a :class:`DerivationError` naming derivation and step;
* :func:`derive.render` of the verified derivations: LaTeX (standalone, ``fragment``,
  ``verbose``) and Markdown, with numeric steps counting the trajectories they were
  checked on; unknown ids, formats and a Markdown fragment are refused;
* the ``derive`` subcommand: stdout, ``-o FILE`` (atomic, with the banner), unknown ids.

The printer, the prose and the layout, and the pdflatex compilation of every derivation,
are tested in tests/test_latex.py.
"""

import dataclasses
import io
import re

import pytest
import sympy as sp

from proofs_check import derive
from proofs_check.papers.mobahi2020 import checks, derivations as MD, symbols as S
from theory.symbols import Norm
from proofs_check._io import BANNER
from proofs_check.cli import main
from proofs_check.registry import UnknownClaimError
from theory.derivation import DerivationError, Step
from theory.errors import InputError

IDS = list(derive.derivations())


# ---------------------------------------------------------------- the derivations

def test_registry_and_builders_agree():
    assert all(callable(builder) and title for title, builder in derive.derivations().values())
    assert "mobahi2020.closed_form" in IDS and "mobahi2020.recursion" in IDS
    assert {"green.laplace", "green.laplace_squared", "green.sobolev_1_1_1"} <= set(IDS)


@pytest.mark.parametrize("did", IDS)
def test_every_derivation_builds_and_verifies(did):
    d = derive.verified(did)
    assert d.id == did and d.title == derive.titles()[did]
    assert d.provenance in ("paper", "derived", "prior-work")
    checked = [s for s in d.steps if s.verify is not None]
    assert len(checked) >= 3
    if did != "mobahi2020.closed_form":  # built here: every non-definition step is checked
        assert all(s.verify is not None for s in d.steps if s.relation != ":=")


def test_numeric_steps_evaluate_many_points():
    d = derive.verified("mobahi2020.c_bounds")
    numeric = [s.verify for s in d.steps if isinstance(s.verify, checks.Numeric)]
    assert numeric
    for chk in numeric:
        assert chk.summary["points"] > 1000 and chk.summary["runs"] > 50
        assert chk.failure is None


def _mutated(did, index, **changes):
    d = derive.build(did)
    steps = list(d.steps)
    steps[index] = dataclasses.replace(steps[index], **changes)
    return dataclasses.replace(d, steps=tuple(steps))


def _build(did, index):
    return derive.build(did).steps[index]


_R = sp.Symbol("r", positive=True)
_ELL = sp.Symbol("l", positive=True)


@pytest.mark.parametrize("did, index, change", [
    # Numeric: c_t <= a d_max/(||z_t|| - a) with d_min in place of d_max
    ("mobahi2020.c_bounds", 11,
     lambda s: {"rhs": s.rhs.xreplace({S.d_max: S.d_min})}),
    # Numeric (run scope): the mutant T >= 2(r_0 - 1)/kappa of the catalogue
    ("mobahi2020.rounds_lower", 11, lambda s: {"rhs": 2 * s.rhs}),
    # Numeric (pairs): B ratio <= rho^(t+1) with c_low replaced by d_max/(r_0 - 1)
    ("mobahi2020.sparsify_rate", 6,
     lambda s: {"rhs": s.rhs.xreplace({S.c_low: S.d_max / (S.r_0 - 1)})}),
    # MatrixIdentity: spectral form with D in place of (c_t I + D)^{-1}
    ("mobahi2020.recursion", 2,
     lambda s: {"rhs": S.V.T * S.D * S.V}),
    # Sign: r(r-1)/(r-1+kappa) >= r - kappa + 1 is false
    ("mobahi2020.rounds_lower", 8, lambda s: {"rhs": s.rhs + 1}),
    # Equivalence: solving for c_t with the wrong eigenvalue
    ("mobahi2020.c_bounds", 8,
     lambda s: {"rhs": sp.Le(S.c_t, S.a * S.d_min / (MD._NZ - S.a))}),
    # Identity: the kappa substitution with kappa + 1
    ("mobahi2020.rounds_lower", 6,
     lambda s: {"rhs": s.rhs.xreplace({S.kappa: S.kappa + 1})}),
    # Green: the spec-table entry without its 1/2
    ("green.laplace", -1, lambda s: {"rhs": sp.exp(-_R / _ELL) / _ELL}),
    # theory.kkt's own check: (S) with eps in place of K eps
    ("mobahi2020.closed_form", 16, lambda s: {"rhs": S.eps}),
])
def test_a_broken_step_stops_the_derivation(did, index, change):
    step = _build(did, index)
    broken = _mutated(did, index, **change(step))
    number = index + 1 if index >= 0 else len(broken.steps)
    with pytest.raises(DerivationError, match=rf"derivation '{did}', step {number} "):
        broken.verify()


def test_verified_names_the_failing_point(monkeypatch):
    """Through :func:`derive.verified` a failing numeric step also reports the instance,
    both values and the tolerance."""
    def broken():
        return _mutated("mobahi2020.c_bounds", 11, rhs=_build("mobahi2020.c_bounds", 11)
                        .rhs.xreplace({S.d_max: S.d_min}))
    monkeypatch.setitem(MD.DERIVATIONS, "test.broken", ("broken", broken))
    with pytest.raises(DerivationError, match=r"step 12 .*instance \S+, point \d+ \(round\): "
                                              r"lhs = .*, rhs = .*relative slack .* < -tol"):
        derive.verified("test.broken")


def test_an_empty_numeric_domain_fails(monkeypatch):
    monkeypatch.setattr(checks, "_runs", lambda: ())
    step = _build("mobahi2020.c_bounds", 11)
    chk = checks.Numeric("round")
    assert chk(step) is False and "proves nothing" in chk.failure


def test_numeric_refuses_a_non_diagonal_matrix():
    step = Step(Norm(S.G * S.z_t), S.a, "=", "", "")
    with pytest.raises(DerivationError, match="not diagonal in the eigenbasis"):
        checks.Numeric("round")(step)


def test_unknown_ids_and_formats():
    with pytest.raises(UnknownClaimError, match="no derivation 'nosuch'.*mobahi2020.c_bounds"):
        derive.build("nosuch")
    with pytest.raises(UnknownClaimError):
        derive.render("nosuch", "latex")
    with pytest.raises(InputError, match="format 'html'"):
        derive.render("green.laplace", "html")


# ---------------------------------------------------------------- rendered output

@pytest.mark.parametrize("did", IDS)
def test_markdown_has_one_heading_and_one_display_per_step(did):
    text = derive.render(did, "markdown")
    assert text.splitlines()[0] == "<!-- " + BANNER.format(claim_id=did) + " -->"
    n = len(derive.verified(did).steps)
    assert text.count("\n$$\n") == 2 * n
    assert text.count("\n# ") == 1 and "## Step" not in text
    assert text.count("**Step ") == n


def test_numeric_steps_say_how_many_trajectories_checked_them():
    d = derive.verified("mobahi2020.c_bounds")
    runs = d.steps[1].verify.summary["runs"]
    assert runs > 50
    text = derive.render("mobahi2020.c_bounds")
    assert text.count(f"\\emph{{(checked on {runs} trajectories)}}") == \
        sum(isinstance(s.verify, checks.Numeric) for s in d.steps)
    md = derive.render("mobahi2020.c_bounds", "markdown")
    assert f"*(checked on {runs} trajectories)*" in md


def test_render_forms():
    did = "mobahi2020.c_bounds"
    doc, frag = derive.render(did), derive.render(did, fragment=True)
    assert "\\documentclass" in doc and "\\documentclass" not in frag
    assert "\\maketitle" not in frag and "\\tag" not in frag
    assert "\\label{mobahi2020.c_bounds:step3}" in frag
    verbose = derive.render(did, verbose=True)
    assert "standard\\_\\allowbreak{}domain" in verbose and "standard\\_" not in doc
    assert "Check:" in derive.render(did, "markdown", verbose=True)
    with pytest.raises(InputError, match="fragment=True is for the latex format"):
        derive.render(did, "markdown", fragment=True)


def test_verbose_names_the_internals_the_default_hides():
    """The closed form's check of its representer step mentions the internal name beta_def;
    only the verbose rendering shows check descriptions at all."""
    did = "mobahi2020.closed_form"
    assert "def" not in re.sub(r"\\(?:define|def)\b", "", derive.render(did)).replace(
        "definition", "")
    assert r"\beta_{\mathrm{def},k}" in derive.render(did, verbose=True)


# ---------------------------------------------------------------- the CLI

def test_cli_derive_markdown_to_stdout():
    out = io.StringIO()
    assert main(["derive", "mobahi2020.c_bounds", "--format", "markdown"], out=out) == 0
    assert out.getvalue() == derive.render("mobahi2020.c_bounds", "markdown")


def test_cli_derive_writes_a_file_atomically(tmp_path):
    target = tmp_path / "c_bounds.tex"
    out = io.StringIO()
    assert main(["derive", "mobahi2020.c_bounds", "-o", str(target)], out=out) == 0
    assert out.getvalue() == f"wrote {target}\n"
    text = target.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "% generated by proofs-check from claim mobahi2020.c_bounds; " \
                                   "do not edit"
    assert text == derive.render("mobahi2020.c_bounds", "latex")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c_bounds.tex"]  # no .new left


def test_cli_derive_list():
    out = io.StringIO()
    assert main(["derive", "--list"], out=out) == 0
    assert [ln.split()[0] for ln in out.getvalue().splitlines()] == IDS


def test_cli_derive_unknown_id(capsys):
    assert main(["derive", "nosuch"], out=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert "no derivation 'nosuch'" in err and "mobahi2020.recursion" in err


def test_all_is_honest():
    assert all(hasattr(derive, name) for name in derive.__all__)
