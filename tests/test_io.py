"""File primitives (proofs_check._io): unique temporaries, regular targets only, concurrent
writers, writability checked by an actual create-and-remove, unique output directories.

Each test states the old behaviour it guards against; docs/reliability.md lists the rows.
No test writes to a system path: device nodes, FIFOs and symlinks are made in tmp_path.
"""

import os
import shutil
import stat
import tempfile
import threading

import pytest

from proofs_check import _io
from proofs_check._io import (atomic_write_bytes, atomic_write_text, atomic_writer,
                              check_writable, make_unique_dir)
from theory.errors import InputError, ProofsCheckError


def listing(d):
    return sorted(os.listdir(d))


# ----------------------------------------------------------------------------------------
# 1. unique temporaries: a user's FILE.new / NAME.new.EXT survives


def test_users_dot_new_file_is_not_overwritten(tmp_path):
    # before: the temporary was FILE.new, so a user's file of that name was overwritten and
    # then renamed away
    target, users = tmp_path / "report.json", tmp_path / "report.json.new"
    users.write_text("the user's own file\n")
    atomic_write_text(target, "generated\n")
    assert target.read_text() == "generated\n"
    assert users.read_text() == "the user's own file\n"
    assert listing(tmp_path) == ["report.json", "report.json.new"]


def test_atomic_writer_keeps_users_name_new_ext(tmp_path):
    # before: atomic_writer used NAME.new.EXT (e.g. fig.new.png)
    users = tmp_path / "fig.new.png"
    users.write_bytes(b"user's picture")
    with atomic_writer(tmp_path / "fig.png") as tmp:
        assert tmp.endswith(".png") and os.path.dirname(tmp) == str(tmp_path)
        with open(tmp, "wb") as fh:
            fh.write(b"generated")
    assert (tmp_path / "fig.png").read_bytes() == b"generated"
    assert users.read_bytes() == b"user's picture"
    assert listing(tmp_path) == ["fig.new.png", "fig.png"]


def test_failure_leaves_previous_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("previous\n")

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with atomic_writer(target) as tmp:
            with open(tmp, "w") as fh:
                fh.write("partial")
            raise Boom
    assert target.read_text() == "previous\n" and listing(tmp_path) == ["out.txt"]

    class Unencodable(str):
        def encode(self, *a, **k):
            raise Boom

    with pytest.raises(Boom):
        atomic_write_text(target, Unencodable("x"))
    assert target.read_text() == "previous\n" and listing(tmp_path) == ["out.txt"]


def test_new_files_get_the_usual_permissions(tmp_path):
    # a unique temporary must not make reports private (mkstemp's 0600)
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "a.txt").st_mode) == 0o644


# ----------------------------------------------------------------------------------------
# 2. only regular files are replaced


def special_targets(tmp_path):
    """Non-regular targets made in tmp_path: a FIFO, a symlink, a directory, and (as root)
    a character device with /dev/null's numbers."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    real = tmp_path / "real.txt"
    real.write_text("real\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "missing.txt")
    folder = tmp_path / "folder"
    folder.mkdir()
    out = {"fifo": (fifo, "FIFO"), "symlink": (link, "symbolic link"),
           "dangling symlink": (dangling, "symbolic link"), "directory": (folder, "directory")}
    if os.geteuid() == 0:
        dev = tmp_path / "null"
        os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        out["device"] = (dev, "character device")
    return out


@pytest.mark.parametrize("writer", ["text", "bytes", "writer"])
def test_non_regular_targets_are_refused_and_left_alone(tmp_path, writer):
    # before: os.replace turned a device node, FIFO or symlink into a regular file (as root,
    # -o /dev/null would have replaced the system's /dev/null)
    for name, (path, kind) in special_targets(tmp_path).items():
        before = os.lstat(path)
        with pytest.raises(InputError, match=kind) as info:
            if writer == "text":
                atomic_write_text(path, "x")
            elif writer == "bytes":
                atomic_write_bytes(path, b"x")
            else:
                with atomic_writer(path) as tmp:
                    open(tmp, "w").close()
        assert "choose" in str(info.value) or "remove" in str(info.value), name
        after = os.lstat(path)
        assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode), name
        assert after.st_ino == before.st_ino, name
    assert (tmp_path / "real.txt").read_text() == "real\n"
    assert not [n for n in listing(tmp_path) if n.startswith(".")], "temporary left behind"


# ----------------------------------------------------------------------------------------
# 3. concurrent writers each leave a complete file


def payload(i, size=1 << 18):
    return (f"writer {i:03d}\n".encode() * (size // 11 + 1))[:size]


def test_concurrent_threads_leave_a_complete_file(tmp_path):
    # before: all writers shared FILE.new: contents interleaved or truncated, and the
    # os.replace of all but one failed with FileNotFoundError
    target = tmp_path / "shared.bin"
    errors = []

    def work(i):
        try:
            for _ in range(5):
                atomic_write_bytes(target, payload(i))
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    data = target.read_bytes()
    assert data in [payload(i) for i in range(8)]
    assert listing(tmp_path) == ["shared.bin"]


def test_concurrent_processes_leave_a_complete_file(tmp_path):
    target = tmp_path / "shared.bin"
    pids = []
    for i in range(4):
        pid = os.fork()
        if pid == 0:  # child: write, report by exit status only
            code = 0
            try:
                for _ in range(5):
                    atomic_write_bytes(target, payload(i))
            except BaseException:
                code = 1
            os._exit(code)
        pids.append(pid)
    assert all(os.waitpid(pid, 0)[1] == 0 for pid in pids)
    assert target.read_bytes() in [payload(i) for i in range(4)]
    assert listing(tmp_path) == ["shared.bin"]


# ----------------------------------------------------------------------------------------
# 4. check_writable: an actual create-and-remove, one clear message each


def test_check_writable_accepts_and_leaves_nothing(tmp_path):
    assert check_writable(tmp_path / "new.json") == str(tmp_path / "new.json")
    (tmp_path / "existing.json").write_text("{}")
    check_writable(tmp_path / "existing.json")
    assert listing(tmp_path) == ["existing.json"]


@pytest.mark.parametrize("case, fragments", [
    ("empty", ["empty", "pass a file name"]),
    ("directory", ["is a directory", "choose"]),
    ("proc", ["/proc", "choose"]),
    ("missing parent", ["does not exist", "create it"]),
    ("parent is a file", ["not a directory", "choose"]),
])
def test_check_writable_names_the_problem_and_the_remedy(tmp_path, case, fragments):
    # before: the CLI's check used os.access, which says yes to everything as root, and
    # did not look at the target itself
    path = {"empty": "", "directory": str(tmp_path), "proc": "/proc/proofs-check-out.json",
            "missing parent": str(tmp_path / "no" / "such" / "out.json"),
            "parent is a file": str(tmp_path / "afile" / "out.json")}[case]
    (tmp_path / "afile").write_text("")
    with pytest.raises(InputError) as info:
        check_writable(path)
    msg = str(info.value)
    assert "\n" not in msg and all(f in msg for f in fragments), msg
    assert isinstance(info.value, ProofsCheckError)
    assert listing(tmp_path) == ["afile"]


def test_check_writable_refuses_special_targets(tmp_path):
    for name, (path, kind) in special_targets(tmp_path).items():
        with pytest.raises(InputError, match=kind):
            check_writable(path)


def _in_child_as_nobody(fn, fragment="permission"):
    """Run ``fn`` in a forked child, as uid/gid 65534 when we are root (root may write
    everywhere); return the child's exit status (0: fn raised InputError naming
    ``fragment``, 1: it did not raise, 3: another InputError, 2: anything else)."""
    pid = os.fork()
    if pid == 0:
        code = 2
        try:
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            fn()
            code = 1
        except InputError as exc:
            code = 0 if fragment in str(exc).lower() else 3
        except BaseException:
            code = 2
        os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


@pytest.fixture
def public_tmp():
    """A directory the unprivileged child can reach (pytest's tmp_path sits under a 0700
    directory, where every check would fail for the wrong reason)."""
    d = tempfile.mkdtemp(prefix="proofs-check-io-", dir="/tmp")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d)


def test_check_writable_read_only_directory(public_tmp):
    ro = os.path.join(public_tmp, "ro")
    os.mkdir(ro)
    os.chmod(ro, 0o555)
    try:
        assert _in_child_as_nobody(lambda: check_writable(os.path.join(ro, "out.json")),
                                   "permission denied in") == 0
        # the same child may write where it has permission: the refusal is not vacuous
        os.chmod(ro, 0o777)
        assert _in_child_as_nobody(lambda: check_writable(os.path.join(ro, "out.json"))) == 1
    finally:
        os.chmod(ro, 0o755)
    assert listing(ro) == []


def test_check_writable_sticky_directory_of_another_user(public_tmp):
    # in /tmp-like directories rename cannot replace another user's file, whatever the
    # directory's write bit says
    if os.geteuid() != 0:
        pytest.skip("needs a second user: run as root (the child drops to uid 65534)")
    sticky = os.path.join(public_tmp, "sticky")
    os.mkdir(sticky)
    os.chmod(sticky, 0o1777)
    with open(os.path.join(sticky, "roots.json"), "w") as fh:
        fh.write("{}")
    assert _in_child_as_nobody(lambda: check_writable(os.path.join(sticky, "roots.json")),
                               "another user") == 0
    assert _in_child_as_nobody(lambda: check_writable(os.path.join(sticky, "mine.json"))) == 1


def test_check_writable_is_what_the_writer_needs(tmp_path):
    # whatever check_writable accepts, atomic_write_text can write (same temporaries)
    target = tmp_path / "sub" / "out.txt"
    (tmp_path / "sub").mkdir()
    check_writable(target)
    atomic_write_text(target, "ok")
    assert target.read_text() == "ok"


# ----------------------------------------------------------------------------------------
# 5. make_unique_dir


def test_make_unique_dir_numbers_from_one(tmp_path):
    parent = tmp_path / "reproductions"
    a = make_unique_dir(parent, "mobahi2020.illustrative")
    b = make_unique_dir(parent, "mobahi2020.illustrative")
    assert os.path.basename(a) == "mobahi2020.illustrative-1"
    assert os.path.basename(b) == "mobahi2020.illustrative-2"
    assert os.path.isdir(a) and os.path.isdir(b)
    (parent / "mobahi2020.illustrative-3").write_text("a file in the way")
    assert os.path.basename(make_unique_dir(parent, "mobahi2020.illustrative")) == \
        "mobahi2020.illustrative-4"


def test_make_unique_dir_concurrent_calls_never_share(tmp_path):
    # before (cli._fresh_dir): os.path.exists then create later: two runs could pick the
    # same N and write into one folder
    out, errors = [], []
    barrier = threading.Barrier(16)

    def work():
        try:
            barrier.wait()
            out.append(make_unique_dir(tmp_path, "run"))
        except BaseException as exc:  # asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(out)) == 16
    assert sorted(listing(tmp_path)) == sorted(f"run-{n}" for n in range(1, 17))


def test_make_unique_dir_refusals(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="not a directory"):
        make_unique_dir(tmp_path / "file", "run")
    with pytest.raises(InputError, match="prefix"):
        make_unique_dir(tmp_path, "a/b")
    with pytest.raises(InputError, match="prefix"):
        make_unique_dir(tmp_path, "")


def test_io_does_not_import_theory_until_needed():
    # the pytest plugin imports _io at start-up without loading theory (see
    # tests/test_pytest_plugin.py); _io may import theory.errors only when it raises
    import ast
    with open(_io.__file__) as fh:
        tree = ast.parse(fh.read())
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = [a.name for n in top for a in n.names] + [n.module or "" for n in top
                                                       if isinstance(n, ast.ImportFrom)]
    assert not [n for n in names if n.startswith("theory")]
