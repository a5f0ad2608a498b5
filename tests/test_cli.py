"""The proofs-check CLI: output, exit status, user claims, reproducibility, bad input."""

import io
import json
import textwrap

import pytest

from proofs_check.cli import main

CHEAP = "mobahi2020.collapse_threshold"

USER_CLAIMS = textwrap.dedent('''
    from proofs_check.claim import Claim, Mutant, Outcome
    from proofs_check.papers.mobahi2020.domains import standard_domain


    def shrinks(factor):
        def evaluate(inst, traj, engine):
            if traj.collapse_round == 0:
                return Outcome(1.0, detail="collapsed at round 0")
            n0, n1 = traj.norms[0], traj.norms[1]
            return Outcome((factor * n0 - n1) / n0, detail=f"ratio {float(n1 / n0):.6g}")
        return evaluate


    def small(tier, seed):
        return [i for i in standard_domain(tier, seed) if i.K <= 8][:12]


    CLAIMS = [
        Claim(id="user.shrinks", paper="notes", where="lemma", provenance="derived",
              summary="||y_1|| <= ||y_0||", statement=r"\\|y_1\\| \\le \\|y_0\\|",
              domain=small, evaluate=shrinks(1.0),
              mutants=(Mutant("user.shrinks~half", "halves", shrinks(0.5)),)),
        Claim(id="user.false_tenth", paper="notes", where="lemma", provenance="derived",
              summary="||y_1|| <= ||y_0||/10 (false)", statement="x",
              domain=small, evaluate=shrinks(0.1),
              mutants=(Mutant("user.false_tenth~hundredth", "x", shrinks(0.01)),)),
    ]
''')


def run(*argv):
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


@pytest.fixture
def claims_file(tmp_path):
    p = tmp_path / "my_claims.py"
    p.write_text(USER_CLAIMS)
    return str(p)


def test_list_shows_every_claim():
    code, text = run("list", "--json")
    doc = json.loads(text)
    assert doc["schema"] == "proofs-check/list/1"
    ids = [c["id"] for c in doc["claims"] if c["id"].startswith("mobahi2020.")]
    assert code == 0 and len(ids) == 15 and len(set(ids)) == 15
    assert all(c["provenance"] in ("paper", "derived", "prior-work") for c in doc["claims"]
               if c["id"].startswith("mobahi2020."))
    assert "mobahi2020" in {p["id"] for p in doc["papers"]}


def test_run_one_claim_table_and_json():
    code, text = run("run", CHEAP, "--dps", "30")
    assert code == 0
    assert CHEAP in text and "1 claims: 1 verified, 0 refuted, 0 error" in text
    code, doc = run("run", CHEAP, "--dps", "30", "--json")
    rec = json.loads(doc)["claims"][0]
    assert code == 0 and rec["status"] == "verified"
    assert rec["mutants"] and all(m["status"] == "refuted" and m["counterexample"]
                                  for m in rec["mutants"])


def test_json_is_byte_identical_across_runs():
    a = run("run", CHEAP, "--dps", "30", "--json")[1]
    b = run("run", CHEAP, "--dps", "30", "--json")[1]
    assert a == b and '"meta"' not in a


def test_user_claims_true_verified_false_refuted(claims_file):
    code, doc = run("run", "--claims", claims_file, "--only-user", "--json", "--dps", "30")
    recs = {r["id"]: r for r in json.loads(doc)["claims"]}
    assert code == 1  # one false claim
    assert recs["user.shrinks"]["status"] == "verified"
    assert recs["user.shrinks"]["mutants"][0]["status"] == "refuted"
    bad = recs["user.false_tenth"]
    assert bad["status"] == "refuted" and bad["counterexample"]["margin"] < 0
    assert "ratio" in bad["counterexample"]["detail"]


@pytest.mark.parametrize("argv,fragment", [
    (["run", "nosuch.claim"], "no claim matches"),
    (["run", "--claims", "/nonexistent/claims.py"], "does not exist"),
    (["run", CHEAP, "--dps", "5"], "dps"),
    (["run", CHEAP, "-o", "/nonexistent-dir/out.json"], "cannot write"),
    (["frobnicate"], "invalid choice"),
])
def test_usage_errors_exit_2_with_one_line(argv, fragment, capsys):
    code, _ = run(*argv)
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and "Traceback" not in err


def test_claims_file_that_fails_to_import_or_defines_nothing(tmp_path, capsys):
    broken = tmp_path / "broken.py"
    broken.write_text("import not_a_module_anywhere\n")
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    assert run("run", "--claims", str(broken))[0] == 2
    assert "failed to import" in capsys.readouterr().err
    assert run("run", "--claims", str(empty))[0] == 2
    assert "defines no claims" in capsys.readouterr().err


def test_report_file_written_atomically(tmp_path):
    target = tmp_path / "report.json"
    code, _ = run("run", CHEAP, "--dps", "30", "-o", str(target))
    assert code == 0 and json.loads(target.read_text())["summary"]["verified"] == 1
    assert not (tmp_path / "report.json.new").exists()


def test_version():
    code, text = run("--version")
    assert code == 0 and text.startswith("proofs-check ")
