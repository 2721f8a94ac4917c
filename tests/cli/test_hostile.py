"""Hostile input to every command: broken files, wrong types, bad numbers, bad paths. Each must end in one line
naming the problem and exit status 2: no traceback, nothing written outside where asked, no file damaged."""

import hashlib
import json
import pathlib

import numpy as np
import PIL.Image
import pytest
from absl.testing import flagsaver

from tfdream import cli, testing
from tfdream.models import metadata

QUICK = ("--steps=1", "--octaves=0", "--seed=0", "--noprogress")


def tfdream(*args) -> int:
    with flagsaver.flagsaver(), pytest.raises(SystemExit) as exit_info:
        cli.run(["tfdream", *map(str, args)])
    return exit_info.value.code or 0


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A folder of good and broken inputs, made once."""
    folder = tmp_path_factory.mktemp("hostile")
    model = folder / "tiny.keras"
    testing.tiny_model().save(model)
    metadata.ModelMetadata(architecture="tiny", preprocessing="inception", image_size=(32, 32),
                           default_layers=("conv2",)).save(model)
    PIL.Image.fromarray(testing.sample_image(48, 64)).save(folder / "photo.png")
    data = (folder / "photo.png").read_bytes()
    (folder / "truncated.png").write_bytes(data[: len(data) // 2])
    (folder / "empty.png").write_bytes(b"")
    (folder / "folder.png").mkdir()
    (folder / "text.keras").write_text("not a model")
    (folder / "folder.keras").mkdir()
    testing.sample_video(folder / "clip.mp4", frames=3)
    clip = (folder / "clip.mp4").read_bytes()
    (folder / "truncated.mp4").write_bytes(clip[: len(clip) // 3])
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "folder.mp4").mkdir()
    (folder / "latin1.cfg").write_bytes("--steps=1\n# caf\xe9\n".encode("latin-1"))
    (folder / "sidecar.json").write_text(json.dumps({"config": "steps", "dreamer": 3, "source": [], "seed": "x"}))
    (folder / "notjson.json").write_text("{ not json")
    (folder / "empty.pb").write_bytes(b"")
    (folder / "text.pb").write_text("hello")
    PIL.Image.fromarray(np.full((8, 8), 255, np.uint8)).save(folder / "mask.png")
    mask = (folder / "mask.png").read_bytes()
    (folder / "truncated_mask.png").write_bytes(mask[:20])
    (folder / "existing.png").write_bytes(b"keep me")
    (folder / "existing.mp4").write_bytes(b"keep me")
    (folder / "existing.keras").write_bytes(b"keep me")
    return folder


def _tree(folder: pathlib.Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
            for path in sorted(folder.rglob("*"))}


M = "--model={w}/tiny.keras"
CASES = {
    # input files
    "dream-truncated-png": ("dream", "{w}/truncated.png", "{o}/out.png", M, *QUICK),
    "dream-empty-file": ("dream", "{w}/empty.png", "{o}/out.png", M, *QUICK),
    "dream-directory-input": ("dream", "{w}/folder.png", "{o}/out.png", M, *QUICK),
    "dream-text-keras": ("dream", "{w}/photo.png", "{o}/out.png", "--model={w}/text.keras", *QUICK),
    "dream-directory-keras": ("dream", "{w}/photo.png", "{o}/out.png", "--model={w}/folder.keras", *QUICK),
    "dream-truncated-mask": ("dream", "{w}/photo.png", "{o}/out.png", M, "--mask={w}/truncated_mask.png", *QUICK),
    "dream-missing-guide": ("dream", "{w}/photo.png", "{o}/out.png", M, "--guide={w}/nope.png", "--layers=conv2",
                            *QUICK),
    "dream-directory-guide": ("dream", "{w}/photo.png", "{o}/out.png", M, "--guide={w}/folder.png", "--layers=conv2",
                              *QUICK),
    # numbers
    "dream-zero-size": ("dream", "{o}/out.png", M, "--size=0,16", *QUICK),
    "dream-negative-size": ("dream", "{o}/out.png", M, "--size=-5", *QUICK),
    "dream-huge-size": ("dream", "{o}/out.png", M, "--size=200000,200000", *QUICK),
    "dream-zero-max-dim": ("dream", "{w}/photo.png", "{o}/out.png", M, "--max_dim=0", *QUICK),
    "dream-negative-steps": ("dream", "{w}/photo.png", "{o}/out.png", M, "--steps=-1", "--octaves=0"),
    "dream-zero-tile": ("dream", "{w}/photo.png", "{o}/out.png", M, "--tile_size=0", *QUICK),
    "dream-bad-int": ("dream", "{w}/photo.png", "{o}/out.png", M, "--steps=many"),
    # outputs
    "dream-missing-folder": ("dream", "{w}/photo.png", "{o}/missing/out.png", M, *QUICK),
    "dream-existing-output": ("dream", "{w}/photo.png", "{w}/existing.png", M, *QUICK),
    "dream-output-is-folder": ("dream", "{w}/photo.png", "{w}/folder.png", M, *QUICK),
    "dream-unknown-extension": ("dream", "{w}/photo.png", "{o}/out.xyz", M, *QUICK),
    # objectives
    "objective-unclosed": ("dream", "{w}/photo.png", "{o}/out.png", M, "--objective=conv2 + (", *QUICK),
    "objective-unknown-call": ("dream", "{w}/photo.png", "{o}/out.png", M, "--objective=boom('conv2')", *QUICK),
    "objective-bad-argument": ("dream", "{w}/photo.png", "{o}/out.png", M, "--objective=neuron('conv2', 'x')", *QUICK),
    "objective-unknown-layer": ("dream", "{w}/photo.png", "{o}/out.png", M, "--objective=nope", *QUICK),
    "objective-python": ("dream", "{w}/photo.png", "{o}/out.png", M, "--objective=__import__('os')", *QUICK),
    "objective-empty": ("dream", "{w}/photo.png", "{o}/out.png", M, "--objective=", *QUICK),
    # flagfiles
    "flagfile-not-utf8": ("dream", "{w}/photo.png", "{o}/out.png", M, "--flagfile={w}/latin1.cfg", "--noprogress"),
    "flagfile-missing": ("dream", "{w}/photo.png", "{o}/out.png", M, "--flagfile={w}/nope.cfg"),
    # video
    "video-truncated": ("video", "{w}/truncated.mp4", "{o}/out.mp4", M, *QUICK),
    "video-empty": ("video", "{w}/empty.mp4", "{o}/out.mp4", M, *QUICK),
    "video-directory": ("video", "{w}/folder.mp4", "{o}/out.mp4", M, *QUICK),
    "video-existing-output": ("video", "{w}/clip.mp4", "{w}/existing.mp4", M, *QUICK),
    "video-missing-folder": ("video", "{w}/clip.mp4", "{o}/missing/out.mp4", M, *QUICK),
    "video-start-past-end": ("video", "{w}/clip.mp4", "{o}/out.mp4", M, "--start=50", *QUICK),
    "video-negative-blend": ("video", "{w}/clip.mp4", "{o}/out.mp4", M, "--blend=-1", *QUICK),
    # zoom
    "zoom-zero-frames": ("zoom", "{w}/photo.png", "{o}/out.gif", M, "--frames=0", *QUICK),
    "zoom-zero-zoom": ("zoom", "{w}/photo.png", "{o}/out.gif", M, "--zoom=0", "--frames=2", *QUICK),
    "zoom-zero-fps": ("zoom", "{w}/photo.png", "{o}/out.gif", M, "--fps=0", "--frames=2", *QUICK),
    "zoom-truncated-input": ("zoom", "{w}/truncated.png", "{o}/out.gif", M, "--frames=2", *QUICK),
    "zoom-bad-extension": ("zoom", "{w}/photo.png", "{o}/out.png", M, "--frames=2", *QUICK),
    # convert
    "convert-empty-graph": ("convert", "{w}/empty.pb", "{o}/out.keras"),
    "convert-text-graph": ("convert", "{w}/text.pb", "{o}/out.keras"),
    "convert-directory-graph": ("convert", "{w}/folder.png", "{o}/out.keras"),
    "convert-missing-graph": ("convert", "{w}/nope.pb", "{o}/out.keras"),
    "convert-existing-output": ("convert", "{w}/text.pb", "{w}/existing.keras"),
    # channels
    "channels-negative": ("channels", "{w}/photo.png", "{o}/sheet.png", M, "--layer=conv2", "--channels=-1", *QUICK),
    "channels-too-many": ("channels", "{w}/photo.png", "{o}/sheet.png", M, "--layer=conv2", "--channels=0-99",
                          *QUICK),
    "channels-reversed": ("channels", "{w}/photo.png", "{o}/sheet.png", M, "--layer=conv2", "--channels=5-2",
                          *QUICK),
    "channels-bad-layer": ("channels", "{w}/photo.png", "{o}/sheet.png", M, "--layer=nope", "--channels=0", *QUICK),
    # classes
    "classes-text-keras": ("classes", "{w}/text.keras"),
    "classes-directory": ("classes", "{w}/folder.keras"),
    "classes-no-top": ("classes", "{w}/tiny.keras"),
    # resume, rerun: sidecars and checkpoints
    "resume-wrong-types": ("resume", "{w}/sidecar.json"),
    "resume-not-json": ("resume", "{w}/notjson.json"),
    "resume-directory": ("resume", "{w}/folder.png"),
    "resume-text-checkpoint": ("resume", "{w}/text.pb"),
    "rerun-wrong-types": ("rerun", "{w}/sidecar.json", "{o}/again.png"),
    "rerun-not-json": ("rerun", "{w}/notjson.json", "{o}/again.png"),
    "rerun-empty": ("rerun", "{w}/empty.png", "{o}/again.png"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_input_is_one_line_and_exit_2(world, tmp_path, caplog, capsys, case):
    args = [arg.format(w=world, o=tmp_path) for arg in CASES[case]]
    before = _tree(world)
    status = tfdream(*args)
    captured = capsys.readouterr()
    errors = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    lines = errors or [line for line in captured.err.splitlines() if line.strip()]
    assert status == 2, (status, lines, captured.err[-2000:])
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err[-2000:]
    assert _tree(world) == before  # no file damaged or added beside the inputs
    assert list(tmp_path.rglob("*")) == []  # nothing written where the output was asked
