"""The public surface: every module's ``__all__`` is honest, ``theory`` exports its objects
at the top level and never imports ``proofs_check``, and the shared verifier names no paper."""

import importlib
import pathlib
import pkgutil
import re

import pytest

import proofs_check
import theory

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _modules(pkg):
    yield pkg.__name__
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        if not info.name.endswith("pytest_plugin"):
            yield info.name


@pytest.mark.parametrize("name", sorted(set(_modules(theory)) | set(_modules(proofs_check))))
def test_all_is_honest(name):
    mod = importlib.import_module(name)
    assert all(hasattr(mod, n) for n in getattr(mod, "__all__", ())), name


def test_theory_exports_its_objects_at_the_top_level():
    for n in ("green_function", "self_distill", "eigh_mp", "kkt_fit_f64", "bound_values"):
        assert n in theory.__all__ and callable(getattr(theory, n))


def test_theory_never_imports_proofs_check():
    bad = [p.name for p in (ROOT / "theory").glob("*.py")
           if re.search(r"^\s*(from|import)\s+proofs_check", p.read_text(), re.M)]
    assert bad == []


def test_the_shared_verifier_names_no_paper():
    """Outside proofs_check/papers/, no module imports a paper's package or its helpers."""
    bad = []
    for p in (ROOT / "proofs_check").glob("*.py"):
        text = p.read_text()
        if re.search(r"(from|import)\s+[.\w]*papers\.\w+", text):
            bad.append(p.name)
    assert bad == []
