"""Render recipes, noise starts, DreamConfig checks of the new fields, channel galleries and the channels command."""

import json
import pathlib
import subprocess
import sys

import numpy as np
import PIL.Image
import pytest
from absl.testing import flagsaver

from tfdream import DreamConfig, cli, renders, testing
from tfdream.core import sidecar
from tfdream.io import noise

QUICK = {"steps": 3, "step_size": 0.05, "tile_size": 32}


@pytest.mark.parametrize("render", sorted(renders.RENDERS))
def test_every_render_dreams_through_the_dreamer_with_history(tiny_dreamer, render):
    options = {**renders.options(render), **QUICK}
    result = tiny_dreamer.dream(None, size=(48, 48), seed=0, **options)
    octaves = len(renders.RENDERS[render]["octaves"])
    assert len(result.history) == 3 * octaves and result.image.shape == (48, 48, 3)
    totals = result.history.values("total")
    assert totals[-1] > totals[octaves * 3 - 3]  # the last octave's objective rose
    assert result.config.noise == "grey" and result.config.normalization == renders.RENDERS[render]["normalization"]


def test_laplacian_dream_from_an_image_raises_the_objective(tiny_dreamer, tiny_image):
    result = tiny_dreamer.dream(tiny_image, steps=3, octaves=(0,), tile_size=None, random_roll=False,
                                step_size=0.05, normalization="laplacian", laplacian_levels=2, seed=0)
    assert np.all(np.diff(result.history.values("total")) > 0)


def test_renders_are_the_notebook_recipes():
    assert renders.options("naive")["octaves"] == (0,) and renders.options("naive")["tile_size"] is None
    assert renders.options("multiscale")["octave_scale"] == 1.4
    assert renders.options("lapnorm") == {**renders.options("multiscale"), "normalization": "laplacian",
                                          "laplacian_levels": 4}
    DreamConfig(**renders.options("lapnorm"))  # valid values


def test_an_unknown_render_names_close_matches():
    with pytest.raises(ValueError, match=r"Did you mean lapnorm\? Received: render='lapnrom'"):
        renders.options("lapnrom")


def test_grey_noise_is_the_notebooks_seeded_start():
    grey = noise.noise_image("grey", (5, 6), np.random.default_rng(3))
    assert grey.dtype == np.float32 and grey.shape == (5, 6, 3)
    assert grey.min() >= 100.0 and grey.max() < 101.0
    np.testing.assert_array_equal(grey, noise.noise_image("grey", (5, 6), np.random.default_rng(3)))


@pytest.mark.parametrize("options, message", [
    ({"laplacian_levels": 0}, r"laplacian_levels must be an int >= 1\. Received: laplacian_levels=0"),
    ({"laplacian_levels": 2.0}, r"Received: laplacian_levels=2.0"),
    ({"laplacian_levels": True}, r"Received: laplacian_levels=True"),
    ({"noise": "pink"}, r"noise must be one of \('normal', 'grey'\)\. Received: noise='pink'"),
])
def test_bad_new_options_name_the_argument(options, message):
    with pytest.raises(ValueError, match=message):
        DreamConfig(**options)


@pytest.mark.parametrize("text, expected", [("0-3,7", [0, 1, 2, 3, 7]), ("5", [5]), (" 2 - 4 , 3", [2, 3, 4])])
def test_parse_channels(text, expected):
    assert renders.parse_channels(text) == expected


@pytest.mark.parametrize("text", ["3-1", "a", "", "1,,2", "-1"])
def test_parse_channels_rejects_bad_text(text):
    with pytest.raises(ValueError, match="channels must be indices and ranges like 0-15,20. Received"):
        renders.parse_channels(text)


def test_channel_gallery_writes_a_sheet_and_rerunnable_channels(saved_tiny_model, tmp_path):
    config = DreamConfig(**{**renders.options("lapnorm"), "steps": 2, "octaves": (-1, 0), "seed": 0})
    gallery = renders.channel_gallery(saved_tiny_model, "conv2", [0, 3, 5], tmp_path / "sheet.png", size=(32, 32),
                                      config=config, columns=2, sheet_width=32)
    folder = tmp_path / "sheet_channels"
    assert gallery.channels == [0, 3, 5] and not gallery.interrupted
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        ["losses.png"] + [f"conv2_c{c:04d}{end}" for c in (0, 3, 5) for end in (".png", ".json", "_history.csv")])
    assert PIL.Image.open(tmp_path / "sheet.png").size[0] == 64
    assert not np.array_equal(gallery.results[0].image, gallery.results[1].image)
    record = json.loads((folder / "conv2_c0003.json").read_text())
    assert record["dreamer"]["model"] == str(saved_tiny_model) and record["config"]["normalization"] == "laplacian"
    assert record["dreamer"]["terms"][0]["channels"] == [3]
    np.testing.assert_array_equal(sidecar.rerun(folder / "conv2_c0003.json").image, gallery.results[1].image)


def test_a_gallery_in_batches_dreams_each_channel_as_one_at_a_time_and_reruns_it(saved_tiny_model, tmp_path):
    config = DreamConfig(steps=2, octaves=(-1, 0), seed=0)
    photo = tmp_path / "photo.png"
    PIL.Image.fromarray(testing.sample_image(40, 40)).save(photo)
    alone = renders.channel_gallery(saved_tiny_model, "conv2", [0, 3, 5], tmp_path / "alone.png", image=photo,
                                    config=config)
    batched = renders.channel_gallery(saved_tiny_model, "conv2", [0, 3, 5], tmp_path / "batched.png", image=photo,
                                      config=config, batch=2)
    assert batched.channels == [0, 3, 5] and [r.member for r in batched.results] == [0, 1, None]
    for one, other in zip(alone.results, batched.results):
        assert np.abs(one.image.astype(int) - other.image).max() <= 2
    folder = tmp_path / "batched_channels"
    record = json.loads((folder / "conv2_c0003.json").read_text())
    assert record["member"] == 1 and record["dreamer"]["batch"] == 2
    assert record["dreamer"]["model"] == str(saved_tiny_model)
    np.testing.assert_array_equal(sidecar.rerun(folder / "conv2_c0003.json").image, batched.results[1].image)
    with pytest.raises(ValueError, match="batch must be an int >= 1"):
        renders.channel_gallery(saved_tiny_model, "conv2", [0], tmp_path / "x.png", size=(32, 32), batch=0)


def test_channel_gallery_checks_channels_before_any_dream(saved_tiny_model, tmp_path):
    with pytest.raises(ValueError, match=r"channels for layer 'conv2' must be < 16"):
        renders.channel_gallery(saved_tiny_model, "conv2", [0, 16], tmp_path / "sheet.png", size=(32, 32))
    assert not (tmp_path / "sheet_channels" / "conv2_c0000.png").exists()


def tfdream(*args) -> int:
    with flagsaver.flagsaver(), pytest.raises(SystemExit) as exit_info:
        cli.run(["tfdream", *map(str, args)])
    return exit_info.value.code or 0


def test_channels_command_writes_the_gallery(saved_tiny_model, tmp_path):
    status = tfdream("channels", tmp_path / "sheet.png", f"--model={saved_tiny_model}", "--layer=conv3",
                     "--channels=1-2", "--render=naive", "--steps=2", "--size=32,32", "--seed=0", "--noprogress")
    assert status == 0 and (tmp_path / "sheet.png").exists()
    pngs = sorted(path.name for path in (tmp_path / "sheet_channels").glob("conv3_c*.png"))
    assert pngs == ["conv3_c0001.png", "conv3_c0002.png"]
    record = json.loads((tmp_path / "sheet_channels" / "conv3_c0002.json").read_text())
    assert record["config"]["steps"] == 2 and record["config"]["octaves"] == [0]  # the flag over the render
    assert record["input"] == {"noise_size": [32, 32]}


def test_dream_batch_writes_one_sheet_whose_sidecar_reruns_the_batch(saved_tiny_model, tmp_path):
    out = tmp_path / "diverse.png"
    assert tfdream("dream", out, f"--model={saved_tiny_model}", "--objective=conv3 + diversity('conv2')",
                   "--batch=3", "--steps=2", "--octaves=0", "--size=32,32", "--seed=0", "--noprogress") == 0
    record = json.loads((tmp_path / "diverse.json").read_text())
    assert record["dreamer"]["batch"] == 3 and "member" not in record
    again = sidecar.rerun(tmp_path / "diverse.json")
    assert again.image.shape == (3, 32, 32, 3)
    np.testing.assert_array_equal(np.asarray(PIL.Image.open(out)), again.picture())


def test_dream_render_flag_sets_the_recipe(saved_tiny_model, tmp_path):
    out = tmp_path / "dream.png"
    assert tfdream("dream", out, f"--model={saved_tiny_model}", "--render=lapnorm", "--steps=2", "--size=32,32",
                   "--seed=0", "--noprogress") == 0
    config = json.loads((tmp_path / "dream.json").read_text())["config"]
    assert config["normalization"] == "laplacian" and config["laplacian_levels"] == 4 and config["steps"] == 2


@pytest.mark.parametrize("args, message", [
    (("dream", "--render=multiscal"), "Did you mean multiscale?"),
    (("dream", "--laplacian_levels=0"), "laplacian_levels must be an int >= 1"),
    (("channels", "--layer=conv2", "--channels=4-1"), "channels must be indices and ranges"),
    (("channels", "--channels=1"), "channels needs --layer"),
])
def test_bad_arguments_give_one_line_errors(saved_tiny_model, tmp_path, caplog, args, message):
    command, *rest = args
    assert tfdream(command, tmp_path / "x.png", f"--model={saved_tiny_model}", "--size=32,32", "--noprogress",
                   *rest) == cli.EXIT_USAGE
    (error,) = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert message in error and "\n" not in error


@pytest.mark.parametrize("args", [("channels", "--layer=conv2", "--channels=1"), ("dream", "--layers=conv2")],
                         ids=["channels", "dream"])
def test_a_batch_below_one_is_refused_in_one_line(saved_tiny_model, tmp_path, capsys, args):
    command, *rest = args
    assert tfdream(command, tmp_path / "x.png", f"--model={saved_tiny_model}", "--size=32,32", "--batch=0",
                   *rest) == cli.EXIT_USAGE
    error = capsys.readouterr().err.strip()
    assert "--batch=0: 0 is not a positive integer" in error and "\n" not in error
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "x_channels").exists()


@pytest.mark.large  # a process dreaming four renders and two channels: about 20 s
def test_renders_gallery_example(saved_tiny_model, tmp_path):
    out = tmp_path / "gallery"
    script = pathlib.Path(__file__).parents[2] / "examples" / "renders_gallery.py"
    process = subprocess.run([sys.executable, str(script), f"--model={saved_tiny_model}", "--layer=conv2",
                              "--channels=0-1", "--steps=1", "--size=32", f"--output_dir={out}", "--noprogress"],
                             capture_output=True, text=True, timeout=300)
    assert process.returncode == 0, process.stderr
    assert sorted(path.name for path in out.iterdir()) == [
        "tiny_conv2_channels.png", "tiny_std_vs_laplacian.png", "tiny_std_vs_laplacian_losses.png"]
    assert PIL.Image.open(out / "tiny_std_vs_laplacian.png").width == 4 * 192
