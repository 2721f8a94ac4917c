"""tfdream.files: output checks and atomic writers, and the old names that still reach them."""

import errno
import os
import pathlib
import re
import resource
import signal
import stat
import subprocess
import sys
import textwrap

import pytest

from tfdream.io import files, images


def test_write_text_is_atomic_and_refuses_to_overwrite(tmp_path):
    path = tmp_path / "notes.md"
    assert files.write_text(path, "one\n") == path and path.read_text() == "one\n"
    with pytest.raises(files.OutputExistsError, match="notes.md"):
        files.write_text(path, "two\n")
    files.write_text(path, "two\n", overwrite=True)
    assert path.read_text() == "two\n" and [p.name for p in tmp_path.iterdir()] == ["notes.md"]


def test_check_output_path_limits_suffixes_only_when_asked(tmp_path):
    assert files.check_output_path(tmp_path / "a.csv") == (tmp_path / "a.csv").resolve()
    with pytest.raises(ValueError, match=r"path must end in one of \.png"):
        files.check_output_path(tmp_path / "a.csv", suffixes=(".png",))
    with pytest.raises(ValueError, match="must end in one of"):
        images.check_output_path(tmp_path / "a.csv")


def test_save_figure_writes_the_format_of_the_extension(tmp_path):
    from matplotlib import figure  # pylint: disable=import-outside-toplevel

    fig = figure.Figure()
    fig.subplots().plot([0, 1], [1, 0])
    assert files.save_figure(fig, tmp_path / "f.svg").read_text().lstrip().startswith("<?xml")


def test_old_names_are_the_same_objects():
    assert images.atomic_write is files.atomic_write and images.OutputExistsError is files.OutputExistsError


def test_atomic_write_exception_leaves_old_file_and_no_temp(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("old\n")
    with pytest.raises(RuntimeError, match="boom"):
        with files.atomic_write(path, overwrite=True, mode="w") as file:
            file.write("new, half written")
            raise RuntimeError("boom")
    assert path.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["history.csv"]


def test_atomic_write_replaces_and_keeps_normal_permissions(tmp_path):
    path = tmp_path / "data.json"
    reference = tmp_path / "reference"
    reference.write_text("")
    with files.atomic_write(path, mode="w") as file:
        file.write('{"a": 1}\n')
    assert path.read_text() == '{"a": 1}\n'
    assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE(reference.stat().st_mode)
    with files.atomic_write(path, overwrite=True) as file:
        file.write(b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    with pytest.raises(files.OutputExistsError, match="data.json"):
        with files.atomic_write(path):
            pass
    with pytest.raises(ValueError, match="mode='a'"):
        with files.atomic_write(tmp_path / "x", mode="a"):
            pass
    assert sorted(os.listdir(tmp_path)) == ["data.json", "reference"]


# Writes 1 MiB inside atomic_write, reports, then waits to be killed. Loads files.py on its own
# so the child does not pay for importing the whole package.
_KILLED_WRITER = textwrap.dedent("""
    import importlib.util, sys, time
    spec = importlib.util.spec_from_file_location("files", sys.argv[1])
    files = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(files)
    with files.atomic_write(sys.argv[2], overwrite=True) as file:
        file.write(b"new" * 350_000)
        file.flush()
        print("inside", flush=True)
        time.sleep(60)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
@pytest.mark.parametrize("old_content", [None, b"old content"])
def test_atomic_write_killed_writer_never_leaves_a_partial_file(tmp_path, old_content):
    path = tmp_path / "out.bin"
    if old_content is not None:
        path.write_bytes(old_content)
    child = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, files.__file__, str(path)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "inside\n"
        temps = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
        assert len(temps) == 1 and (tmp_path / temps[0]).stat().st_size == 3 * 350_000
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    if old_content is None:
        assert not path.exists()
    else:
        assert path.read_bytes() == old_content


def _previous_file(tmp_path) -> pathlib.Path:
    path = tmp_path / "out.bin"
    path.write_bytes(b"old content")
    return path


def _assert_kept(path: pathlib.Path) -> None:
    assert path.read_bytes() == b"old content"
    assert [entry.name for entry in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_a_file_size_limit_gives_one_line_naming_the_file_and_keeps_the_old_file(tmp_path):
    path = _previous_file(tmp_path)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))  # as `ulimit -f 4` does
    try:
        with pytest.raises(files.OutputWriteError) as info:
            with files.atomic_write(path, overwrite=True) as file:
                file.write(b"new" * 10_000)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert str(info.value) == f"Cannot write '{path}': file too large; the previous file, if any, is unchanged"
    assert info.value.errno == errno.EFBIG
    _assert_kept(path)


@pytest.mark.parametrize(("where", "error", "cause"), [
    ("fsync", OSError(errno.ENOSPC, "No space left on device"), "no space left on device"),
    ("open", PermissionError(errno.EACCES, "Permission denied"), "permission denied"),
    ("open", OSError(errno.EROFS, "Read-only file system"), "read-only file system"),
])
def test_write_failures_name_the_file_and_the_cause(tmp_path, monkeypatch, where, error, cause):
    path = _previous_file(tmp_path)

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(files.os, where, fail)
    with pytest.raises(files.OutputWriteError, match=f"^Cannot write '{re.escape(str(path))}': {cause};"):
        with files.atomic_write(path, overwrite=True, mode="w") as file:
            file.write("new content")
    monkeypatch.undo()
    _assert_kept(path)

