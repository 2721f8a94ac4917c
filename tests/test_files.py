"""tfdream.files: output checks and atomic writers, and the old names that still reach them."""

import os
import signal
import stat
import subprocess
import sys
import textwrap

import pytest

from tfdream import callbacks, files, history, images


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
    assert history.save_figure is files.save_figure and history.Callback is callbacks.Callback


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
