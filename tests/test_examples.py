"""Each example script runs end to end, as a process, on a saved tiny model."""

import json
import pathlib
import subprocess
import sys

import PIL.Image
import pytest

EXAMPLES = pathlib.Path(__file__).parents[1] / "examples"


def run_example(name, *args, status=0):
    process = subprocess.run([sys.executable, str(EXAMPLES / name), *map(str, args)], capture_output=True,
                             text=True, timeout=300)
    assert process.returncode == status, process.stderr
    return process


def test_dream_with_a_saved_configuration(saved_tiny_model, tmp_path):
    run_example("dream.py", f"--flagfile={EXAMPLES / 'flagfiles' / 'vgg16_hed.cfg'}", f"--model={saved_tiny_model}",
                "--layers=conv3", "--steps=2", "--max_dim=48", f"--output={tmp_path / 'dream.png'}")
    assert PIL.Image.open(tmp_path / "dream.png").size == (48, 32)
    side = json.loads((tmp_path / "dream.json").read_text())
    assert side["config"]["step_size"] == 0.02 and side["seed"] == 0  # from the flagfile


def test_compare_layers(saved_tiny_model, tmp_path):
    run_example("compare_layers.py", f"--model={saved_tiny_model}", "--layer_sets=low", "--layer_sets=high",
                "--steps=1", "--octaves=0", "--max_dim=48", f"--output_dir={tmp_path}", "--noprogress")
    assert {"01_tiny_low.png", "02_tiny_high.png", "contact_sheet.png", "losses.png", "summary.md"} <= {
        path.name for path in tmp_path.iterdir()}


def test_list_layers(saved_tiny_model):
    process = run_example("list_layers.py", f"--model={saved_tiny_model}")
    assert process.stdout.splitlines()[0] == "conv1  (None, None, 8)"


def test_list_layers_help_shows_its_flags():
    process = run_example("list_layers.py", "--help", status=1)  # absl's --help exits with 1
    assert "Lists the dreamable layers" in process.stdout and "--model" in process.stdout


def test_gallery(saved_tiny_model, tmp_path):
    out = tmp_path / "gallery"
    run_example("gallery.py", f"--model={saved_tiny_model}", "--layers=conv1,conv2", "--dream_layers=conv3",
                "--steps=1", "--max_dim=48", f"--output_dir={out}", "--noprogress")
    assert sorted(path.name for path in out.iterdir()) == [
        "coffee_dream.json", "coffee_dream.png", "tiny_layers_contact_sheet.png", "tiny_layers_losses.png",
        "tiny_layers_summary.md"]
    assert PIL.Image.open(out / "tiny_layers_contact_sheet.png").width == 3 * 200


@pytest.mark.large
def test_gallery_with_the_offline_vgg16(tmp_path):
    run_example("gallery.py", "--steps=2", "--max_dim=96", f"--output_dir={tmp_path}", "--noprogress")
    summary = (tmp_path / "vgg16_layers_summary.md").read_text()
    assert "vgg16: block5_conv3" in summary
