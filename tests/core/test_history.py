"""LossHistory: records, CSV/JSON export, summary and plot."""

import csv
import json

import numpy as np
import pytest
from matplotlib import figure as matplotlib_figure

from tfdream.core import history as history_lib
from tfdream.io import images


def make_history():
    history = history_lib.LossHistory(["mixed3", "mixed5[1,2]"])
    for octave in range(2):
        for step in range(3):
            history.append(octave, step, 1.0 + step, {"mixed3": 0.1 * step, "mixed5[1,2]": 0.2 * step}, step == 2)
    return history


def test_records_columns_summary():
    history = make_history()
    assert len(history) == 6 and history.skipped_steps == 2
    assert history.columns == ("octave", "step", "total", "mixed3", "mixed5[1,2]", "skipped")
    assert history.records[1] == {"octave": 0, "step": 1, "total": 2.0, "mixed3": 0.1, "mixed5[1,2]": 0.2,
                                  "skipped": False}
    assert history.summary()["mixed5[1,2]"] == {"first": 0.0, "min": 0.0, "max": 0.4, "final": 0.4}


def test_csv_and_json_round_trip(tmp_path):
    history = make_history()
    history.to_csv(tmp_path / "h.csv")
    with open(tmp_path / "h.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(history.columns) and len(rows) == 6
    assert float(rows[4]["mixed3"]) == pytest.approx(0.1)
    history.to_json(tmp_path / "h.json")
    assert json.loads((tmp_path / "h.json").read_text())["labels"] == ["mixed3", "mixed5[1,2]"]
    loaded = history_lib.LossHistory.from_json(tmp_path / "h.json")
    assert loaded.records == history.records and loaded.labels == history.labels


def test_get_config_round_trips_through_json():
    history = make_history()
    again = history_lib.LossHistory.from_config(json.loads(json.dumps(history.get_config())))
    assert again.labels == history.labels and again.records == history.records
    assert again.get_config() == history.get_config()
    again.records[0]["total"] = -1.0
    assert history.records[0]["total"] == 1.0  # the config is a copy


def test_exports_refuse_to_overwrite_unless_asked(tmp_path):
    history = make_history()
    history.to_csv(tmp_path / "h.csv")
    with pytest.raises(images.OutputExistsError):
        history.to_csv(tmp_path / "h.csv")
    history.to_csv(tmp_path / "h.csv", overwrite=True)


def test_plot_gives_every_layer_and_the_total_a_panel_of_its_own(tmp_path):
    history = make_history()
    figure = history.plot(tmp_path / "losses.png", title="t")
    assert [ax.get_title(loc="left") for ax in figure.axes] == ["mixed3", "mixed5[1,2]", "total (weighted sum)"]
    for ax, label in zip(figure.axes, ("mixed3", "mixed5[1,2]", "total")):
        curve, boundary = ax.get_lines()  # its own curve, and the one octave boundary (dashed)
        np.testing.assert_array_equal(curve.get_ydata(), history.values(label))
        assert boundary.get_linestyle() == "--" and list(boundary.get_xdata()) == [2.5, 2.5]
    assert len({ax.get_ylim() for ax in figure.axes}) == 3  # each on its own scale
    loaded = images.load_image(tmp_path / "losses.png")
    assert loaded.shape[0] > 100 and np.ptp(loaded) > 0


def test_plot_into_an_axes_divides_each_layer_by_its_largest_value():
    figure = matplotlib_figure.Figure()
    ax = figure.subplots()
    assert make_history().plot(ax=ax, title="run") is figure and ax.get_title() == "run"
    *curves, boundary = ax.get_lines()
    assert [curve.get_label() for curve in curves] == ["mixed3 (÷ 0.2)", "mixed5[1,2] (÷ 0.4)"]
    np.testing.assert_allclose(curves[0].get_ydata(), [0, 0.5, 1, 0, 0.5, 1])
    assert boundary.get_linestyle() == "--"


def test_stacked_panels_share_x_and_end_with_the_total():
    figure = history_lib.stacked_panels([3, 5, 7], {"a": np.array([1.0, 2.0, 3.0]), "b": np.array([0.01, 0.02, 0.0])},
                                    np.array([1.01, 2.02, 3.0]), ylabel="loss", marker=".")
    assert [ax.get_title(loc="left") for ax in figure.axes] == ["a", "b", "total (weighted sum)"]
    for ax, expected in zip(figure.axes, ([1, 2, 3], [0.01, 0.02, 0], [1.01, 2.02, 3])):
        (curve,) = ax.get_lines()
        assert list(curve.get_xdata()) == [3, 5, 7] and curve.get_marker() == "."
        np.testing.assert_allclose(curve.get_ydata(), expected)
    assert figure.axes[1].get_ylim()[1] < 0.1 < figure.axes[0].get_ylim()[1]
