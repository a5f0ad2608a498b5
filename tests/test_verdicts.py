"""Verdict soundness: the checker never reports what it could not evaluate, and user code
cannot talk its way past its own failure or take the run down with it.

Each test here failed before the fix it documents (docs/reliability.md, "Verdict soundness").
"""

import json
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from proofs_check.check import check_claim
from proofs_check.claim import Claim, Instance, Mutant, Outcome
from proofs_check.cli import main
from proofs_check.decision import MAX_ABSORBED


def _domain(tier, seed):
    G = np.diag([1.0, 0.5]) / 2
    y = np.array([1.0, -0.5])
    return [Instance(f"toy-{rel}", "toy", G, y, rel * float(y @ y) / 2, (("eps_rel", rel),))
            for rel in (0.3, 0.05)]


def _claim(evaluate, mutant=None, domain=_domain, cid="t.claim"):
    mutant = mutant or (lambda inst, traj, tools: Outcome(-1.0))
    return Claim(id=cid, paper="test", where="-", provenance="derived", summary="s",
                 statement="s", domain=domain, evaluate=evaluate,
                 mutants=(Mutant(cid + "~m", "m", mutant),), mp_instances=0)


def _const(out):
    return lambda inst, traj, tools: out


@pytest.mark.parametrize("out", [Outcome(-1.0, cond=float("inf")), Outcome(-1.0, cond=float("nan")),
                                 Outcome(-1.0, cond=-1.0), Outcome(0.5, cond="big"),
                                 Outcome(float("nan")), Outcome(float("inf")), Outcome(-float("inf")),
                                 Outcome(None), Outcome("1.0")])
def test_a_bad_margin_or_cond_is_an_error_never_verified(out):
    r = check_claim(_claim(_const(out)), dps=30)
    assert r.status == "error" and not r.ok
    assert "t.claim" in r.message or "toy-" in r.message


def test_a_huge_cond_cannot_absorb_a_negative_margin():
    # tol = (4 acc + 16 u) 1e300 would swallow -0.5: the instance is undecided, not a pass
    r = check_claim(_claim(_const(Outcome(-0.5, cond=1e300))), dps=30)
    assert r.status == "undecided" and not r.ok and r.undecided == 2
    assert str(MAX_ABSORBED) in r.message or "too wide" in r.message


def test_a_rounding_size_negative_margin_goes_to_mp_which_decides():
    # -1e-17 in float64 is inside tol (~3.6e-15): inconclusive, so mp decides; here the
    # exact margin is 0 (holds), and a margin that stays negative in mp fails
    def rounding(inst, traj, tools):
        return Outcome(-1e-17 if traj.dps is None else 0.0)
    r = check_claim(_claim(rounding), dps=30)
    assert r.status == "verified" and r.decided_by_mp == r.instances == 2
    r = check_claim(_claim(_const(Outcome(-1e-17))), dps=30)
    assert r.status == "refuted" and r.counterexample["decided_by"] == "mp"


def test_a_mutant_with_a_nan_margin_is_not_refuted():
    r = check_claim(_claim(_const(Outcome(1.0)), mutant=_const(Outcome(float("nan")))), dps=30)
    assert r.status == "verified" and r.mutants[0].status == "survived" and not r.ok


def _raise(*a):
    raise ZeroDivisionError("boom")


def test_an_exception_in_evaluate_is_an_error_row_naming_claim_and_instance():
    r = check_claim(_claim(_raise), dps=30)
    assert r.status == "error" and "ZeroDivisionError" in r.message and "toy-" in r.message


def test_an_exception_in_the_domain_is_an_error_row():
    r = check_claim(_claim(_const(Outcome(1.0)), domain=_raise), dps=30)
    assert r.status == "error" and "domain of t.claim" in r.message


def test_a_wrong_return_type_is_an_error():
    r = check_claim(_claim(_const(0.5)), dps=30)
    assert r.status == "error" and "not an Outcome" in r.message


def test_system_exit_in_evaluate_is_an_error_not_an_exit():
    def leave(*a):
        sys.exit(0)
    r = check_claim(_claim(leave), dps=30)
    assert r.status == "error" and "SystemExit" in r.message


USER = """
import sys
import numpy as np
from proofs_check.claim import Claim, Instance, Mutant, Outcome

def domain(tier, seed):
    G = np.diag([1.0, 0.5]) / 2
    y = np.array([1.0, -0.5])
    return [Instance("toy", "toy", G, y, 0.1, (("eps_rel", 0.1),))]

def good(inst, traj, tools):
    print("chatter from user code")
    return Outcome(1.0)

def broken(inst, traj, tools):
    raise RuntimeError("oops")

def flip(inst, traj, tools):
    return Outcome(-1.0)

def claim(cid, fn):
    return Claim(id=cid, paper="p", where="w", provenance="derived", summary="s",
                 statement="s", domain=domain, evaluate=fn,
                 mutants=(Mutant(cid + "~m", "m", flip),), mp_instances=0)
"""


def _write(tmp_path, body, name="c.py"):
    p = tmp_path / name
    p.write_text(USER + textwrap.dedent(body))
    return str(p)


def _run(*argv):
    import io
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def test_one_broken_claim_does_not_stop_the_others(tmp_path, capsys):
    f = _write(tmp_path, 'CLAIMS = [claim("u.broken", broken), claim("u.good", good)]\n')
    code, text = _run("run", "--claims", f, "--only-user", "--json")
    doc = json.loads(text)  # the print in user code did not corrupt stdout
    st = {c["id"]: c["status"] for c in doc["claims"]}
    assert code == 1 and st == {"u.broken": "error", "u.good": "verified"}
    assert "u.broken on toy" in doc["claims"][0]["message"]


@pytest.mark.parametrize("body, needle", [
    ("sys.exit(0)\n", "SystemExit"),
    ("CLAIMS = 5\n", "not a sequence"),
    ('CLAIMS = [claim("u.a", good), claim("u.a", good)]\n', "defined twice"),
    ('CLAIMS = [claim("mobahi2020.c_bounds", good)]\n', "defined twice"),
])
def test_bad_claims_files_exit_2_with_one_line(tmp_path, capsys, body, needle):
    f = _write(tmp_path, body)
    code, _ = _run("run", "--claims", f)
    err = capsys.readouterr().err
    assert code == 2 and needle in err and "Traceback" not in err


def test_a_claims_file_that_is_not_python_is_refused(tmp_path, capsys):
    p = tmp_path / "claims.txt"
    p.write_text("CLAIMS = []\n")
    code, _ = _run("run", "--claims", str(p))
    assert code == 2 and "not a .py file" in capsys.readouterr().err


@pytest.mark.parametrize("cid", ["", "has space", "ctl\x01char", "new\nline"])
def test_bad_ids_are_refused(cid):
    with pytest.raises(ValueError, match="is not valid"):
        _claim(_const(Outcome(1.0)), cid=cid)


@pytest.mark.parametrize("argv, needle", [
    (["run", ""], "empty"),
    (["run", "--seed", "-1"], "seeds are integers >= 0"),
    (["run", "mobahi2020.c_bounds", "-o", ""], "is empty; pass a file name"),
    (["run", "--dps", "16"], "from 17"),
    (["run", "mobahi2020.c_bnds"], "did you mean mobahi2020.c_bounds"),
])
def test_cli_usage_errors(capsys, argv, needle):
    code, _ = _run(*argv)
    err = capsys.readouterr().err
    assert code == 2 and needle in err and "Traceback" not in err


def test_an_expected_refuted_reading_succeeds_only_when_refuted_in_mp(capsys):
    """A published reading that the numbers contradict: ``expected="refuted"`` counts as a
    success only with an mp-confirmed counterexample, and as a failure when verified."""
    def reading(holds):
        return lambda inst, traj, tools: Outcome(1.0 if holds else -0.25, detail="R_2 > R_3")
    false_reading = Claim(id="t.reading", paper="p", where="README", provenance="code",
                          summary="s", statement="s", domain=_domain, evaluate=reading(False),
                          mutants=(Mutant("t.reading~m", "m", _const(Outcome(-1.0))),),
                          expected="refuted", mp_instances=0)
    r = check_claim(false_reading, dps=30)
    assert r.status == "refuted" and r.refutes_reading and r.ok
    assert r.counterexample["decided_by"] == "mp"
    true_reading = Claim(id="t.reading2", paper="p", where="README", provenance="code",
                         summary="s", statement="s", domain=_domain, evaluate=reading(True),
                         mutants=(Mutant("t.reading2~m", "m", _const(Outcome(-1.0))),),
                         expected="refuted", mp_instances=0)
    r2 = check_claim(true_reading, dps=30)
    assert r2.status == "verified" and not r2.ok
    from proofs_check.report import render_table, to_json
    table = render_table([r, r2])
    assert "refutes reading" in table and "Published readings refuted" in table
    assert "t.reading2: verified (expected: refuted" in table
    doc = json.loads(to_json([false_reading, true_reading], [r, r2], {}))
    assert doc["claims"][0]["refutes_published_reading"] is True
    assert doc["summary"]["readings_refuted"] == 1 and doc["summary"]["ok"] is False


def test_an_exact_collapse_tie_that_mp_cannot_decide_is_undecided_not_an_error():
    # an exact family (eigenvalues and targets exact binary numbers, one weighted level) at
    # eps/10 has ||y_9||^2 = K eps exactly: the mp engine's two precisions round the
    # collapse test differently (PrecisionError); the instance is undecided, never verified
    # and not a fault of the claim
    from proofs_check.check import full_domain
    from proofs_check.registry import select
    near = select(["mobahi2020.near_interpolation"])[0]
    inst = next(i for i in full_domain(near, "full", 0)
                if i.id == "aligned:ab-K5-4+1-kappa1.1e+12-orthogonal_bottom-eps0.1")

    def at_tenth(i, traj, tools):
        tr = tools.distill(i.G, i.y, i.eps / 10)
        return Outcome(float(tr.collapse_round), detail=f"T = {tr.collapse_round}")

    claim = _claim(at_tenth, domain=lambda tier, seed: [inst])
    claim = Claim(**{**claim.__dict__, "mp_instances": 1})
    r = check_claim(claim, dps=50)
    assert r.status == "undecided" and r.undecided == 1 and r.errors == 0 and not r.ok
    assert "within rounding of K*eps" in r.message
