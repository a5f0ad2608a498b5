"""A third-party catalogue: a separately installed distribution adds a paper through the
entry point group ``proofs_check.papers``, and ``list``, ``run`` and the pytest plugin treat
it like a built-in, with no change to the project.

The package is written and installed (``pip install --target``) into a temporary directory,
then the CLI runs in a subprocess with that directory on ``PYTHONPATH``.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "toy-catalogue"
version = "0.1.0"

[project.entry-points."proofs_check.papers"]
toy2024 = "toy_catalogue:PAPER"
"""

MODULE = '''\
from proofs_check.claim import Claim, Mutant, Outcome
from proofs_check.paper import Paper
from proofs_check.papers.mobahi2020.domains import standard_domain


def norm_drop(factor):
    def evaluate(inst, traj, tools):
        # ||y_1|| <= factor ||y_0||
        if traj.collapse_round == 0:
            return Outcome(1.0, detail="collapsed at round 0")
        n0, n1 = traj.norms[0], traj.norms[1]
        return Outcome((factor * n0 - n1) / n0, detail=f"ratio {float(n1 / n0):.6g}")
    return evaluate


def claims():
    return [Claim(id="toy2024.first_round_shrinks", paper="Toy 2024", where="lemma 1",
                  provenance="derived", summary="the first refit does not increase the norm",
                  statement=r"\\|y_1\\| \\le \\|y_0\\|", domain=standard_domain,
                  evaluate=norm_drop(1.0),
                  mutants=(Mutant("toy2024.first_round_shrinks~half",
                                  r"\\|y_1\\| \\le \\|y_0\\|/2", norm_drop(0.5)),))]


PAPER = Paper(id="toy2024", title="A toy catalogue", authors="A. Author", year=2024,
              arxiv="", contains="one claim about the first refit", claims=claims,
              docs="https://example.org/toy2024")
'''


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("external")
    pkg = root / "pkg"
    pkg.mkdir()
    (pkg / "pyproject.toml").write_text(PYPROJECT)
    (pkg / "toy_catalogue.py").write_text(MODULE)
    target = root / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--no-index", "--target", str(target), str(pkg)],
                   check=True, capture_output=True, text=True)
    return target


def _cli(site, *args, cwd=None):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(site)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    return subprocess.run([sys.executable, "-m", "proofs_check.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_list_shows_the_installed_paper_and_its_distribution(site):
    res = _cli(site, "list")
    assert res.returncode == 0, res.stderr
    assert "toy2024: A. Author (2024)" in res.stdout and "[from toy-catalogue]" in res.stdout
    assert "toy2024.first_round_shrinks" in res.stdout
    doc = json.loads(_cli(site, "list", "--json").stdout)
    paper = {p["id"]: p for p in doc["papers"]}["toy2024"]
    assert paper["distribution"] == "toy-catalogue"


def test_run_checks_the_installed_claim_and_refutes_its_mutant(site):
    res = _cli(site, "run", "toy2024", "--json")
    assert res.returncode == 0, res.stderr
    rec = json.loads(res.stdout)["claims"][0]
    assert rec["id"] == "toy2024.first_round_shrinks" and rec["status"] == "verified"
    assert rec["mutants"][0]["status"] == "refuted"


def test_the_plugin_collects_the_installed_claim(site, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(site)}
    res = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                          "--proofs-check", "--proofs-select", "toy2024", "-q",
                          "-o", "addopts=", "--rootdir", str(tmp_path)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "1 passed" in res.stdout
