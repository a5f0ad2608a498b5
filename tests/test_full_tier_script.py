"""benchmarks/full_tier.py's verdict on a full tier: new findings fail, recorded ones are
printed as known, surviving mutants and errors are never known."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("full_tier", ROOT / "benchmarks" / "full_tier.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


FT = _script()


def _claim(cid, status, expected="verified", mutants=("refuted",)):
    return {"id": cid, "status": status, "expected": expected, "message": "m",
            "mutants": [{"id": f"{cid}~{k}", "status": s} for k, s in enumerate(mutants)]}


def test_a_refuted_claim_is_a_new_finding_unless_recorded_with_that_status():
    doc = {"claims": [_claim("p.a", "refuted"), _claim("p.b", "verified"),
                      _claim("p.c", "refuted", expected="refuted")]}
    new, old = FT.findings(doc, {})
    assert [line.split(":")[0] for line in new] == ["p.a"] and old == []
    known = {"p.a": {"status": "refuted", "explained": "docs/theory/p.md §1"}}
    new, old = FT.findings(doc, known)
    assert new == [] and len(old) == 1 and "docs/theory/p.md §1" in old[0]
    # a record of another status does not cover it
    new, _ = FT.findings(doc, {"p.a": {"status": "verified", "explained": "x"}})
    assert len(new) == 1


def test_errors_and_surviving_mutants_are_never_known():
    doc = {"claims": [_claim("p.a", "error"), _claim("p.b", "verified", mutants=("survived",))]}
    known = {"p.a": {"status": "refuted", "explained": "x"},
             "p.b": {"status": "refuted", "explained": "x"}}
    new, old = FT.findings(doc, known)
    assert len(new) == 2 and old == []


def test_the_committed_record_names_catalogue_claims_and_pages_that_exist():
    from proofs_check import registry
    known = FT.load_known(FT.KNOWN)
    ids = {c.id for c in registry.catalogue()}
    for cid, rec in known.items():
        assert cid in ids, cid
        page, _, section = rec["explained"].partition(" ")
        text = (ROOT / page).read_text(encoding="utf-8")
        heads = [ln for ln in text.splitlines() if ln.startswith("#") and cid in ln]
        assert section.startswith("§") and any(section[1:] + " " in h for h in heads), rec
        assert "full_tier_known.json" in text, page  # the page says the finding is recorded


@pytest.mark.parametrize("content", ["{", '{"findings": {"p.a": {"status": "maybe", '
                                     '"explained": "x"}}}', '{"other": 1}'])
def test_a_malformed_record_is_an_error_not_an_empty_one(tmp_path, content):
    path = tmp_path / "known.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit, match="cannot read the known findings"):
        FT.load_known(str(path))
    with pytest.raises(SystemExit, match="cannot read"):
        FT.load_known(str(tmp_path / "missing.json"))
    assert FT.load_known("") == {}  # --known "": no record


def test_per_paper_rows_count_undecided_instances_as_instances_of_the_tier():
    doc = {"claims": [
        {**_claim("p.a", "verified"), "instances": 10, "undecided": 0,
         "refutes_published_reading": False},
        {**_claim("p.b", "undecided", mutants=("refuted", "undecided")), "instances": 7,
         "undecided": 3, "refutes_published_reading": False},
        {**_claim("q.a", "refuted", expected="refuted"), "instances": 4, "undecided": 0,
         "refutes_published_reading": True}]}
    rows = FT.per_paper(doc)
    assert list(rows) == ["p", "q"]
    assert rows["p"] == {"instances": 20, "undecided": 3, "verified": 1, "claims": 2,
                         "readings": 0, "mutants_refuted": 2, "mutants": 3}
    assert rows["q"]["readings"] == 1 and rows["q"]["verified"] == 0
    assert FT.findings(doc, {}) == ([], [])  # an undecided mutant is not a finding
