"""Shared test configuration: Hypothesis profiles and the opt-in ``slow`` marker (STYLE rule 15).

Profiles:

* ``fast`` (default): 25 examples per property, derandomized (the same examples on every run,
  as the deterministic instance generators of STYLE rule 10), no deadline (the mp engine and
  long trajectories have no stable per-example time).
* ``thorough``: 500 examples per property, fresh random examples on each run (failures are kept
  in the example database and printed with a ``@reproduce_failure`` blob).

Select a profile for every property test with the environment variable
``HYPOTHESIS_PROFILE=thorough``.  Tests marked ``@pytest.mark.slow`` are exhaustive sweeps that
use the thorough settings themselves; they run only when selected with ``pytest -m slow`` (any
``-m`` expression naming ``slow``; ``-m 'not slow'`` deselects them).  A run with no marker
expression reports them as skipped, so that the default run stays quick whatever ``addopts``
says.
"""

import os

import pytest
from hypothesis import settings

settings.register_profile("fast", max_examples=25, deadline=None, derandomize=True,
                          print_blob=True)
settings.register_profile("thorough", max_examples=500, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


def pytest_collection_modifyitems(config, items):
    if "slow" in (config.getoption("markexpr") or ""):
        return      # the marker expression decides
    skip = pytest.mark.skip(reason="exhaustive sweep: select it with -m slow")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _private_result_cache(tmp_path, monkeypatch):
    """Each test gets its own on-disk result cache: a test that patches an engine must not
    leave records that a later test (or the user's next run) would reuse."""
    monkeypatch.setenv("PROOFS_CHECK_CACHE", str(tmp_path / "proofs-check-cache"))
