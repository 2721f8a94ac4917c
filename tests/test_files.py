"""tfdream.files: output checks and atomic writers, and the old names that still reach them."""

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
