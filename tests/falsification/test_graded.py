"""The graded false statements (graded_claims.py) through the command line's default run.

Every statement is false and declared ``expected="refuted"``: the default fast-tier run
must refute each one with a counterexample confirmed in mp (and refute its stronger
mutant), which makes the run exit 0.  The whole table takes about a minute of CPU (slow);
the quick tests run the statements that only the spectral families and the later-round
thresholds can refute (eps-constrained and fixed-ridge).
"""

import json
import os

import pytest

from proofs_check.cli import main

HERE = os.path.dirname(os.path.abspath(__file__))
CLAIMS = os.path.join(HERE, "graded_claims.py")


def _run(tmp_path, ids=()):
    out = tmp_path / "graded.json"
    with open(os.devnull, "w") as sink:
        rc = main(["run", *ids, "--claims", CLAIMS, "--only-user", "--json", "-o", str(out),
                   "--progress", "never", "--no-cache"], out=sink)
    return rc, json.loads(out.read_text())


def _assert_all_refuted(rc, doc, n):
    rows = doc["claims"]
    assert len(rows) == n
    for row in rows:
        assert row["status"] == "refuted", row["id"]
        assert row["refutes_published_reading"], row["id"]
        assert row["counterexample"]["decided_by"] == "mp", row["id"]
        assert all(m["status"] == "refuted" for m in row["mutants"]), row["id"]
    assert rc == 0


def test_statements_only_the_new_families_refute(tmp_path):
    # exact repeats with kappa > 1, a cluster of relative width 2^-40 (failure by ~4.5e-13),
    # a budget just below the threshold of round 2 or 3
    ids = ["graded.g07_iterates_independent", "graded.g10_flat_closed_form",
           "graded.g12_last_fit_keeps_1e-9"]
    rc, doc = _run(tmp_path, ids)
    _assert_all_refuted(rc, doc, 3)
    by_id = {r["id"]: r for r in doc["claims"]}
    assert by_id["graded.g10_flat_closed_form"]["counterexample"]["K"] == 2
    assert -1e-12 < by_id["graded.g10_flat_closed_form"]["counterexample"]["margin"] < 0
    assert "round" in by_id["graded.g12_last_fit_keeps_1e-9"]["counterexample"]["id"]


def test_fixed_ridge_statements_only_the_new_families_refute(tmp_path):
    # exactly two distinct levels (exact repeats with kappa > 1) and targets in one
    # eigenspace: none in the Borup domain before the shared spectral families
    ids = ["graded.g13_ridge_iterates_independent", "graded.g14_student_turns_fit"]
    rc, doc = _run(tmp_path, ids)
    _assert_all_refuted(rc, doc, 2)
    by_id = {r["id"]: r for r in doc["claims"]}
    assert by_id[ids[0]]["counterexample"]["family"] in ("exact", "levels", "small", "search")
    assert by_id[ids[1]]["counterexample"]["align"] in ("top", "bottom", "orthogonal_top",
                                                        "orthogonal_bottom")


@pytest.mark.slow
def test_the_default_run_refutes_every_graded_statement(tmp_path):
    from graded_claims import CLAIMS as GRADED  # noqa: E402 (this folder is on sys.path)
    rc, doc = _run(tmp_path)
    _assert_all_refuted(rc, doc, len(GRADED))
    assert len(GRADED) > 10
