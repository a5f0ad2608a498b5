"""The pytest plugin (``pytest --proofs-check``), driven through pytester in a scratch project.

The scratch projects hold no test files, so the claims are the only items.  Claim files are
tiny (K = 2, three budgets) so that float64 and the mp engine both run in milliseconds; the
one catalogue claim is the cheapest (``collapse_threshold``, about a second at dps 20).
"""

import json
import sys
import textwrap

import pytest

# Imported here, before any in-process run: pytester removes the modules an inner run imported
# when the run ends, and numpy refuses to be imported a second time in one process.
import proofs_check.check  # noqa: F401
import proofs_check.papers.mobahi2020.claims  # noqa: F401
from proofs_check.pytest_plugin import BASELINE_SCHEMA, margin_allowance, regressions

pytest_plugins = ["pytester"]

DPS = ["--proofs-dps", "20"]

# A 2x2 problem at three budgets.  "norm_drops" is true (the first fit is strictly shorter
# than the targets, by the constraint ||y - f||^2 = K eps > 0); its mutant "norm_grows" is false
# everywhere; "norm_drops_lots" (||y_1|| <= 0.8 ||y_0||) fails at the smallest budget only
# (||y_1||/||y_0|| = 0.32, 0.71, 0.91); the
# mutant "tautology" of "also_drops" restates the claim, so the checker cannot refute it.
CLAIMS_FILE = textwrap.dedent('''
    import numpy as np
    from proofs_check.claim import Claim, Instance, Mutant, Outcome

    def toy_domain(tier, seed):
        G = np.array([[2.0, 0.5], [0.5, 1.0]])
        y = np.array([1.0, -0.5])
        return [Instance(f"toy-rel{rel:g}", "toy", G, y, rel * float(y @ y) / 2,
                         (("eps_rel", rel),)) for rel in (0.5, 0.1, 0.01)]

    def drop(inst, traj, engine):
        n0, n1 = traj.norms[0], traj.norms[1]
        return Outcome((n0 - n1) / n0, detail=f"||y_0|| = {float(n0):.6g}, "
                                              f"||y_1|| = {float(n1):.6g}")

    def grows(inst, traj, engine):
        return Outcome(-drop(inst, traj, engine).margin)

    def drops_lots(inst, traj, engine):
        n0, n1 = traj.norms[0], traj.norms[1]
        return Outcome((4 * n0 / 5 - n1) / n0, detail=f"||y_1||/||y_0|| = {float(n1 / n0):.6g}")

    def claim(id, statement, evaluate, mutants):
        return Claim(id=id, paper="toy paper", where="eq. 1", provenance="derived",
                     summary="the first fit is shorter", statement=statement,
                     domain=toy_domain, evaluate=evaluate, mutants=mutants, mp_instances=1)

    GROWS = Mutant("user.norm_drops~grows", "||y_1|| > ||y_0||", grows)
    CLAIMS = [
        claim("user.norm_drops", "||y_1|| < ||y_0||", drop, (GROWS,)),
        claim("user.norm_drops_lots", "||y_1|| <= 0.8 ||y_0||", drops_lots, (GROWS,)),
        claim("user.also_drops", "||y_1|| < ||y_0||", drop, (Mutant("user.also_drops~tautology",
                                               "||y_1|| < ||y_0|| again", drop),)),
    ]
''')


BASE = {"status": "verified", "worst_margin": 1e-3, "f64_mp_digits": 6.0, "instances": 9,
        "mutants_refuted": ["a~x", "a~y"]}


@pytest.mark.parametrize("change, found", [
    ({"worst_margin": 1e-3 - 1.5e-6}, []),  # allowance 10^-6 + 10^-3 x 10^-3 = 2e-6
    ({"worst_margin": 1e-3 - 2.5e-6}, ["worst_margin: 0.001 -> 0.0009975, a drop of 2.5e-06 "
                                       "> allowed 2e-06 (10^-6 + 10^-3 x |0.001|)"]),
    ({"worst_margin": 0.5, "f64_mp_digits": 9.0, "mutants_refuted": ["a~y", "a~x", "a~z"]},
     []),  # improvements pass
    ({"status": "error", "worst_margin": None},
     ["status: verified -> error", "worst_margin: 0.001 -> none"]),
    ({"f64_mp_digits": 4.9}, ["f64_mp_digits: 6 -> 4.9, a drop of more than 1 digit"]),
    ({"f64_mp_digits": None}, ["f64_mp_digits: 6 -> none (no instance re-checked in mp)"]),
    ({"mutants_refuted": ["a~y"]}, ["mutants_refuted: a~x no longer refuted"]),
])
def test_regression_rule(change, found):
    assert regressions(BASE, {**BASE, **change}) == found


def test_digits_beyond_float64_are_working_precision():
    # "exact" agreement (stored as "inf") is float64's 15.65 digits, so 15 digits is no drop
    base = {**BASE, "f64_mp_digits": "inf", "worst_margin": 0.0}
    assert regressions(base, {**base, "f64_mp_digits": 15.0}) == []
    assert margin_allowance(0.0, float("inf")) == pytest.approx(sys.float_info.epsilon)


@pytest.fixture
def claims_file(pytester):
    return pytester.makepyfile(toy_claims=CLAIMS_FILE)


def run(pytester, claims_file, *args):
    return pytester.runpytest("--proofs-claims", str(claims_file), *DPS, "-v", *args)


def test_catalogue_claim_selected_by_prefix_passes_as_an_item_named_by_its_id(pytester):
    res = pytester.runpytest("--proofs-check", "--proofs-select", "mobahi2020.collapse_thr",
                             *DPS, "-v")
    res.assert_outcomes(passed=1)
    res.stdout.fnmatch_lines(["proofs-check: 1 claims, tier fast, seed 0, dps 20",
                              "*proofs-check::mobahi2020.collapse_threshold PASSED*"])


def test_true_user_claim_passes(pytester, claims_file):
    res = run(pytester, claims_file, "--proofs-select", "user.norm_drops")
    # "user.norm_drops" is a prefix of "user.norm_drops_lots" too
    res.assert_outcomes(passed=1, failed=1)
    res.stdout.fnmatch_lines(["*proofs-check::user.norm_drops PASSED*"])


def test_false_claim_fails_with_its_counterexample(pytester, claims_file):
    res = run(pytester, claims_file, "--proofs-select", "user.norm_drops_lots")
    res.assert_outcomes(failed=1)
    res.stdout.fnmatch_lines([
        "*user.norm_drops_lots [[]toy paper, eq. 1[]]*",
        "user.norm_drops_lots (toy paper, eq. 1): REFUTED on 3 instances",
        "  statement: ||y_1|| <= 0.8 ||y_0||",
        "  tolerance: holds when margin >= -tol*",
        "  counterexample: id=toy-rel0.01, family=toy, K=2, eps=*, eps_rel=0.01",
        "    margin -0.108213 (< 0: the statement fails there; decided by mp)",
        "    detail: ||y_1||/||y_0|| = *",
    ])


def test_surviving_mutant_fails_the_claim(pytester, claims_file):
    res = run(pytester, claims_file, "--proofs-select", "user.also_drops")
    res.assert_outcomes(failed=1)
    res.stdout.fnmatch_lines(["user.also_drops (toy paper, eq. 1): VERIFIED on 3 instances",
                              "  mutant user.also_drops~tautology SURVIVED: *"])


def test_baseline_round_trip_then_doctored_regression(pytester, claims_file):
    path = pytester.path / "baseline.json"
    args = ["--proofs-select", "user.norm_drops", "--proofs-baseline", str(path)]
    rec = run(pytester, claims_file, *args, "--proofs-update-baseline")
    rec.assert_outcomes(passed=1, failed=1)  # the false claim still fails while recording
    rec.stdout.fnmatch_lines(["*baseline * updated (2 claims recorded, 2 in the file)*"])
    text = path.read_text()
    doc = json.loads(text)
    assert doc["schema"] == BASELINE_SCHEMA
    assert doc["run"] == {"tier": "fast", "seed": 0, "dps": 20}
    entry = doc["claims"]["user.norm_drops"]
    assert sorted(entry) == ["f64_mp_digits", "instances", "mutants_refuted", "status",
                             "worst_margin"]
    assert entry["status"] == "verified" and entry["instances"] == 3
    assert entry["mutants_refuted"] == ["user.norm_drops~grows"]
    assert entry["worst_margin"] > 0 and entry["f64_mp_digits"] > 10

    # the same run reproduces the file byte for byte and passes against it
    run(pytester, claims_file, *args, "--proofs-update-baseline")
    assert path.read_text() == text
    res = run(pytester, claims_file, "--proofs-select", "user.norm_drops",
              "--proofs-baseline", str(path), "-k", "not lots")
    res.assert_outcomes(passed=1)

    # recording one more claim keeps the others' entries
    rec = run(pytester, claims_file, "--proofs-select", "user.also", "--proofs-baseline",
              str(path), "--proofs-update-baseline")
    rec.stdout.fnmatch_lines(["*baseline * updated (1 claims recorded, 3 in the file)*"])
    assert json.loads(path.read_text())["claims"]["user.norm_drops"] == entry

    # a baseline claiming a far better margin and more instances: both fields are named
    doc["claims"]["user.norm_drops"].update(worst_margin=entry["worst_margin"] + 0.5,
                                            instances=4)
    path.write_text(json.dumps(doc))
    res = run(pytester, claims_file, "--proofs-baseline", str(path), "-k", "not lots",
              "--proofs-select", "user.norm_drops")
    res.assert_outcomes(failed=1)
    res.stdout.fnmatch_lines([
        "user.norm_drops (toy paper, eq. 1): verified on 3 instances, but regressed",
        f"  baseline regressions against {path}:",
        "    worst_margin: * -> *, a drop of 0.5 > allowed *",
        "    instances: 4 -> 3 (the domain changed*",
    ])


def test_claim_missing_from_the_baseline_fails(pytester, claims_file):
    path = pytester.path / "baseline.json"
    path.write_text(json.dumps({"schema": BASELINE_SCHEMA, "claims": {},
                                "run": {"tier": "fast", "seed": 0, "dps": 20}}))
    res = run(pytester, claims_file, "--proofs-select", "user.also", "--proofs-baseline",
              str(path))
    res.assert_outcomes(failed=1)
    res.stdout.fnmatch_lines(["    not in the baseline: record it with --proofs-baseline *"])


@pytest.mark.parametrize("content, why", [
    ("{not json", "not valid JSON"),
    ('{"schema": "other", "run": {}, "claims": {}}', "schema is 'other'"),
    ('{"schema": "%s", "run": {"tier": "fast", "seed": 0, "dps": 20}, '
     '"claims": {"a": {"status": "verified"}}}' % BASELINE_SCHEMA, "entry 'a' lacks"),
])
def test_malformed_baseline_is_a_usage_error_naming_file_and_remedy(pytester, claims_file,
                                                                    content, why):
    path = pytester.path / "baseline.json"
    path.write_text(content)
    res = run(pytester, claims_file, "--proofs-baseline", str(path))
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines([f"ERROR: proofs-check baseline {path} is malformed: {why}*"
                              f"--proofs-update-baseline"])


def test_baseline_of_another_run_or_absent_is_a_usage_error(pytester, claims_file):
    path = pytester.path / "baseline.json"
    res = run(pytester, claims_file, "--proofs-baseline", str(path))
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines([f"ERROR: proofs-check baseline {path} does not exist*"])
    path.write_text(json.dumps({"schema": BASELINE_SCHEMA, "claims": {},
                                "run": {"tier": "full", "seed": 0, "dps": 20}}))
    res = run(pytester, claims_file, "--proofs-baseline", str(path))
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines(["*recorded with --proofs-tier full --proofs-seed 0 "
                              "--proofs-dps 20, this run uses --proofs-tier fast*"])


@pytest.mark.parametrize("args, message", [
    (["--proofs-check", "--proofs-select", "nosuch"], "*no claim matches 'nosuch'*"),
    (["--proofs-claims", "missing.py"], "*claims file 'missing.py' does not exist*"),
    (["--proofs-select", "mobahi2020"], "*--proofs-select has no effect without "
                                        "--proofs-check*"),
    (["--proofs-check", "--proofs-dps", "15"], "*--proofs-dps: dps = 15: the mp engine needs "
                                               "an integer number of digits from 17*"),
    (["--proofs-check", "--proofs-update-baseline"], "*--proofs-update-baseline needs "
                                                     "--proofs-baseline FILE.json*"),
])
def test_usage_errors(pytester, args, message):
    res = pytester.runpytest(*args)
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines([message])


def test_inactive_without_the_flag(pytester):
    # a subprocess, so that nothing of this (already importing) process hides the imports
    pytester.makepyfile(test_other="""
        import sys

        def test_nothing_of_proofs_check_is_loaded(request):
            assert request.config.pluginmanager.has_plugin("proofs_check")  # entry point
            assert request.config.pluginmanager.get_plugin("proofs-check-session") is None
            assert not [m for m in sys.modules if m.startswith(("theory", "proofs_check."))
                        and m != "proofs_check.pytest_plugin" and m != "proofs_check._io"]
    """)
    res = pytester.runpytest_subprocess("-v")
    res.assert_outcomes(passed=1)
    assert "proofs-check:" not in res.stdout.str()  # no header line, no items


@pytest.mark.parametrize("value", ["NaN", '"nan"'])
def test_a_baseline_with_nan_is_malformed_not_silently_disabled(pytester, claims_file, value):
    path = pytester.path / "baseline.json"
    path.write_text('{"schema": "%s", "run": {"tier": "fast", "seed": 0, "dps": 20}, '
                    '"claims": {"user.norm_drops": {"status": "verified", "worst_margin": %s, '
                    '"f64_mp_digits": 12.0, "instances": 3, "mutants_refuted": []}}}'
                    % (BASELINE_SCHEMA, value))
    res = run(pytester, claims_file, "--proofs-baseline", str(path))
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines(["*is malformed: entry 'user.norm_drops': worst_margin = *"])


def test_update_baseline_refuses_to_overwrite_a_file_that_is_not_a_baseline(pytester,
                                                                            claims_file):
    path = pytester.path / "notes.json"
    path.write_text('{"my": "precious data"}')
    res = run(pytester, claims_file, "--proofs-baseline", str(path), "--proofs-update-baseline")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines(["*exists and is not a proofs-check baseline*refusing to overwrite*"])
    assert path.read_text() == '{"my": "precious data"}'


def test_update_baseline_into_a_missing_directory_fails_before_any_work(pytester, claims_file):
    path = pytester.path / "no" / "such" / "dir" / "b.json"
    res = run(pytester, claims_file, "--proofs-baseline", str(path), "--proofs-update-baseline")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines(["*--proofs-update-baseline: *"])


def test_proofs_dps_beyond_the_range_is_a_usage_error(pytester, claims_file):
    res = run(pytester, claims_file, "--proofs-dps", "6000")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines(["*--proofs-dps: dps = 6000*"])


READINGS_FILE = CLAIMS_FILE + textwrap.dedent('''
    def reading(id, evaluate):
        return Claim(id=id, paper="toy paper", where="README", provenance="code",
                     summary="a published reading", statement="s", domain=toy_domain,
                     evaluate=evaluate, mutants=(GROWS,), expected="refuted", mp_instances=1)

    CLAIMS = [reading("user.reading_false", drops_lots), reading("user.reading_true", drop)]
''')


def test_expected_refuted_readings_are_xfail_and_strict_xpass(pytester):
    path = pytester.path / "readings.py"
    path.write_text(READINGS_FILE)
    res = run(pytester, path)
    res.assert_outcomes(xfailed=1, failed=1)
    res.stdout.fnmatch_lines(["*user.reading_false*XFAIL*",
                              "*user.reading_true*but it is a published reading expected to be "
                              "refuted (XPASS strict)*"])


def test_printed_node_id_reruns_the_item(pytester):
    res = pytester.runpytest("proofs-check::mobahi2020.collapse_threshold", *DPS, "-v")
    res.assert_outcomes(passed=1)
    res.stdout.fnmatch_lines(["proofs-check::mobahi2020.collapse_threshold PASSED*"])


def test_claims_paths_in_addopts_resolve_against_the_rootdir(pytester, claims_file):
    pytester.makeini(f"""
        [pytest]
        addopts = --proofs-claims {claims_file.name} --proofs-select user.norm_drops -k "not lots"
    """)
    sub = pytester.mkdir("sub")
    import os
    os.chdir(sub)
    res = pytester.runpytest_inprocess(*DPS, "-p", "no:cacheprovider")
    res.assert_outcomes(passed=1)


def test_xdist_update_baseline_merges_every_worker(pytester, claims_file):
    pytest.importorskip("xdist")
    path = pytester.path / "baseline.json"
    res = pytester.runpytest_subprocess("--proofs-claims", str(claims_file), *DPS, "-n", "2",
                                        "--proofs-baseline", str(path),
                                        "--proofs-update-baseline", "-p", "no:cacheprovider")
    claims = json.loads(path.read_text())["claims"]
    assert sorted(claims) == ["user.also_drops", "user.norm_drops", "user.norm_drops_lots"]
    # and a -n 2 comparison passes for the true claim against what -n 2 recorded
    res = pytester.runpytest_subprocess("--proofs-claims", str(claims_file), *DPS, "-n", "2",
                                        "--proofs-baseline", str(path), "--proofs-select",
                                        "user.norm_drops", "-k", "not lots",
                                        "-p", "no:cacheprovider")
    res.assert_outcomes(passed=1)


def test_prune_drops_entries_of_removed_claims(pytester, claims_file):
    path = pytester.path / "baseline.json"
    path.write_text(json.dumps({"schema": BASELINE_SCHEMA, "run": {"tier": "fast", "seed": 0,
                                                                  "dps": 20},
                                "claims": {"user.gone": {"status": "verified", "worst_margin": 1.0,
                                                         "f64_mp_digits": 10.0, "instances": 3,
                                                         "mutants_refuted": []}}}))
    run(pytester, claims_file, "--proofs-select", "user.norm_drops", "-k", "not lots",
        "--proofs-baseline", str(path), "--proofs-update-baseline")
    assert "user.gone" in json.loads(path.read_text())["claims"]  # kept without the flag
    run(pytester, claims_file, "--proofs-select", "user.norm_drops", "-k", "not lots",
        "--proofs-baseline", str(path), "--proofs-update-baseline", "--proofs-prune-baseline")
    assert "user.gone" not in json.loads(path.read_text())["claims"]


def test_a_per_claim_tolerance_override_is_honoured_and_kept():
    base = {"status": "verified", "worst_margin": 0.25, "f64_mp_digits": 12.0,
            "instances": 40, "mutants_refuted": []}
    now = dict(base, worst_margin=0.2)
    assert regressions(base, now)  # 0.05 > 10^-12 + 10^-3 x 0.25
    assert regressions(dict(base, tolerance={"margin_rtol": 0.5}), now) == []
    from proofs_check.pytest_plugin import BaselineError, parse_baseline
    doc = {"schema": BASELINE_SCHEMA, "run": {"tier": "fast", "seed": 0, "dps": 20},
           "claims": {"a": dict(base, tolerance={"margin_rtol": -1})}}
    with pytest.raises(BaselineError, match="tolerance"):
        parse_baseline(json.dumps(doc))
