"""On-disk cache of per-instance check records, so that an interrupted run resumes and a
changed claim re-runs only its own instances.

A record is keyed by

* the **code version**: a hash of the source of ``theory/`` and of the shared verifier
  (``proofs_check/*.py``), so that a change of an engine or of the decision rule
  invalidates everything;
* the **claim version**: a fingerprint of the claim's ``evaluate``, its mutants' and its
  fields (:func:`claim_version`), so that editing one claim re-runs only that claim;
* the **instance**: its id and a hash of its data (:func:`instance_fingerprint`);
* the engine's name, the precision (dps) and whether mp was forced.

Entries are pickles of plain data (:class:`proofs_check.check.InstanceRecord`), written
atomically; an entry that cannot be read or is not of the expected type is ignored,
removed and recomputed, never trusted.

>>> import tempfile
>>> c = DiskCache(tempfile.mkdtemp())
>>> c.put("k", {"a": 1}); c.get("k")
{'a': 1}
>>> c.get("missing") is None
True
"""

import functools
import hashlib
import inspect
import os
import pathlib
import pickle
import types

import numpy as np

from ._io import atomic_write_bytes

__all__ = ["DiskCache", "code_version", "claim_version", "instance_fingerprint",
           "default_cache_dir", "CACHE_SCHEMA"]

#: Bumped when the layout of cached records changes.
CACHE_SCHEMA = "proofs-check/cache/1"


def default_cache_dir():
    """``$PROOFS_CHECK_CACHE``, else ``$XDG_CACHE_HOME/proofs-check``, else
    ``~/.cache/proofs-check``."""
    if os.environ.get("PROOFS_CHECK_CACHE"):
        return os.environ["PROOFS_CHECK_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "proofs-check")


@functools.lru_cache(maxsize=1)
def code_version():
    """Hash of the engines' and the shared verifier's source (not the papers' packages)."""
    h = hashlib.sha256(CACHE_SCHEMA.encode())
    root = pathlib.Path(__file__).resolve().parent
    files = sorted(root.parent.joinpath("theory").glob("*.py")) + sorted(root.glob("*.py"))
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _fingerprint_fn(fn, h, seen):
    """Feed the source of ``fn``, its closure values and the same-module functions it names."""
    if id(fn) in seen:
        return
    seen.add(id(fn))
    try:
        h.update(inspect.getsource(fn).encode())
    except (OSError, TypeError):
        h.update(repr(getattr(fn, "__code__", fn)).encode())
    code = getattr(fn, "__code__", None)
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            val = cell.cell_contents
        except ValueError:
            continue
        _fingerprint_value(val, h, seen)
    if code is not None:
        glb = getattr(fn, "__globals__", {})
        for name in code.co_names:
            val = glb.get(name)
            if isinstance(val, types.FunctionType) and val.__module__ == fn.__module__:
                _fingerprint_fn(val, h, seen)


def _fingerprint_value(val, h, seen):
    if isinstance(val, (types.FunctionType, types.MethodType)):
        _fingerprint_fn(getattr(val, "__func__", val), h, seen)
    elif isinstance(val, np.ndarray):
        h.update(val.tobytes() if val.dtype != object else repr(val.tolist()).encode())
    elif isinstance(val, (list, tuple)):
        for v in val:
            _fingerprint_value(v, h, seen)
    else:
        h.update(repr(val).encode())


def claim_version(claim):
    """Fingerprint of a claim: its fields, its evaluate and its mutants' (source, closure
    values, and the same-module helpers they call)."""
    h = hashlib.sha256()
    for field in ("id", "statement", "mp_instances", "expected", "needs_witness"):
        h.update(repr(getattr(claim, field)).encode())
    h.update(claim.engine.name.encode())
    seen = set()
    _fingerprint_fn(claim.evaluate, h, seen)
    for m in claim.mutants:
        h.update(m.id.encode())
        _fingerprint_fn(m.evaluate, h, seen)
    return h.hexdigest()[:16]


def instance_fingerprint(inst):
    """The instance id plus a hash of its data (G, y, eps, data mapping, params)."""
    h = hashlib.sha256(repr(inst.id).encode())
    for val in (inst.G, inst.y, inst.eps, inst.params):
        _fingerprint_value(val, h, set())
    for k in sorted(inst.data or {}):
        h.update(str(k).encode())
        _fingerprint_value(inst.data[k], h, set())
    return h.hexdigest()[:16]


class DiskCache:
    """A directory of pickled entries keyed by a string (hashed into the file name)."""

    def __init__(self, directory):
        self.dir = os.fspath(directory)

    def _path(self, key):
        digest = hashlib.sha256(key.encode()).hexdigest()
        return os.path.join(self.dir, digest[:2], digest[2:] + ".pkl")

    def get(self, key, expected_type=None):
        path = self._path(key)
        try:
            with open(path, "rb") as fh:
                stored_key, value = pickle.load(fh)
        except FileNotFoundError:
            return None
        except Exception:  # corrupt or truncated: ignore it and let it be recomputed
            self._discard(path)
            return None
        if stored_key != key or (expected_type is not None and not isinstance(value, expected_type)):
            self._discard(path)
            return None
        return value

    def put(self, key, value):
        path = self._path(key)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            atomic_write_bytes(path, pickle.dumps((key, value), protocol=4))
        except OSError:
            pass  # a cache that cannot be written only costs time

    @staticmethod
    def _discard(path):
        try:
            os.remove(path)
        except OSError:
            pass
