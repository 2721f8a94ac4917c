"""Every command in README.md and docs/*.md parses and runs, offline and tiny; every Python snippet compiles and
names what exists.

The commands are read from the docs' fenced shell blocks, so a new one is found without being listed. Each is in
exactly one of two tables: RUN says how it runs here (flags appended to the doc's own text, the files it expects
made first), NOT_OFFLINE why it cannot (a download, a cluster, a long run). A fast test parses every command
against the flags of its command or script; the RUN commands then run as processes in a temporary folder (the
slow ones marked `large`). A doc can no longer drift from the code unseen.
"""

from __future__ import annotations

import ast
import configparser
import dataclasses
import functools
import importlib.metadata
import importlib.util
import inspect
import json
import os
import pathlib
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from absl import flags
from absl.testing import flagsaver

ROOT = pathlib.Path(__file__).parents[1]
DOCS = ("README.md", *sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "docs").glob("*.md")))
SHELL_LANGUAGES = {"bash", "sh", "console", "shell"}
# The programs a command line of the docs starts with: a fenced block without a language whose lines start with
# one of them is a command block that must say its language, or the commands in it would go untested.
PROGRAMS = ("tfdream", "python", "pip", "curl", "sha256sum")


# --- Discovery -------------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Block:
    """A fenced block of a doc: its file, the line of its opening fence, its language and its text."""

    doc: str
    line: int
    language: str
    text: str


def blocks(doc: str) -> list[Block]:
    found, opening, language, lines = [], None, "", []
    for number, line in enumerate((ROOT / doc).read_text(encoding="utf-8").splitlines(), start=1):
        fence = re.match(r"\s*(```+|~~~+)\s*([\w+-]*)", line)
        if opening is None and fence:
            opening, language, lines, start = fence.group(1), fence.group(2).lower(), [], number
        elif opening is not None and line.strip() == opening:
            found.append(Block(doc, start, language, "\n".join(lines)))
            opening = None
        elif opening is not None:
            lines.append(line)
    return found


def _unquoted(text: str):
    """(index, character) of each character of shell text outside quotes and not escaped."""
    quote, escaped = None, False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        else:
            yield index, char


def _quotes_open(text: str) -> bool:
    try:
        shlex.split(text)
    except ValueError:  # "No closing quotation" (or an escape at the very end)
        return True
    return False


def _without_comment(text: str) -> str:
    for index, char in _unquoted(text):
        if char == "#" and (index == 0 or text[index - 1].isspace()):
            return text[:index].rstrip()
    return text.rstrip()


def _split_chained(text: str) -> list[str]:
    """`a && b; c` -> [a, b, c], at unquoted `&&` and `;` only."""
    parts, begin = [], 0
    positions = dict(_unquoted(text))
    index = 0
    while index < len(text):
        if positions.get(index) == "&" and positions.get(index + 1) == "&":
            parts.append(text[begin:index])
            begin = index = index + 2
        elif positions.get(index) == ";":
            parts.append(text[begin:index])
            begin = index = index + 1
        else:
            index += 1
    return [part.strip() for part in [*parts, text[begin:]] if part.strip()]


def commands(block: Block) -> list[str]:
    """The commands of a shell block: comments dropped, `\\` continuations joined with one space, lines joined
    while a quote is open (a multi-line `python -c "..."`), a `for ... done` loop kept whole, chains split at
    `&&` and `;`."""
    found, pending, joiner = [], None, " "
    for line in block.text.splitlines():
        if block.language == "console" and pending is None:
            if not line.startswith("$ "):
                continue  # a line of output
            line = line[2:]
        if pending is None:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            pending = line.strip()
        else:
            pending += {"quote": "\n" + line, "loop": "\n" + line.strip()}.get(joiner, " " + line.strip())
        text = _without_comment(pending)
        if text.endswith("\\") and not _quotes_open(text[:-1]):
            pending, joiner = text[:-1].rstrip(), " "
        elif _quotes_open(text):
            pending, joiner = text, "quote"
        elif text.startswith("for ") and not re.search(r"(^|[\s;])done$", text):
            pending, joiner = text, "loop"
        else:
            found.extend([text] if text.startswith("for ") else _split_chained(text))
            pending, joiner = None, " "
    assert pending is None, f"{block.doc}:{block.line}: an unfinished command: {pending!r}"
    return found


@functools.cache
def doc_commands() -> tuple[tuple[str, str], ...]:
    """(doc, command) of every command of every shell block, in the order of the docs, each once."""
    found = [(block.doc, command) for doc in DOCS for block in blocks(doc) if block.language in SHELL_LANGUAGES
             for command in commands(block)]
    return tuple(dict.fromkeys(found))


def python_blocks() -> list[Block]:
    return [block for doc in DOCS for block in blocks(doc) if block.language in ("python", "py")]


# --- The two tables --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Run:
    """How a doc command runs here: `flags` appended to its own text (before a `--` of Beam options or a `|`),
    where absl's last occurrence of a flag wins; the `steps` that make the files it expects first; the files it
    writes besides those named on its command line; `serve` for a server, which must answer HTTP and is then
    stopped; `rewrite` (old, new) only where appending cannot work.

    `large` unless it is cheap: TensorFlow's start alone takes about 6 s of every command here, so the default
    suite runs only the commands measured under 8 s (a small model, no VGG16 weights to copy); the parse test
    covers all of them."""

    flags: str = ""
    steps: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    large: bool = True
    serve: bool = False
    rewrite: tuple[str, str] | None = None


QUICK = "--steps=1 --octaves=0 --noprogress"
PHOTO = f"{QUICK} --max_dim=48"  # photo.jpg is 80x120: 32x48 keeps above VGG16's smallest input (32)
NOISE = f"{QUICK} --size=32,32"
RANDOM_V3 = f"--weights=none {QUICK} --max_dim=120"  # InceptionV3's smallest input is 75; random, not downloaded
MOTION = "--steps=1 --octaves=0 --later_steps=1 --later_octaves=0 --noprogress"
TRAIN = "--epochs=2 --warmup_epochs=1 --batch_size=4 --verbose=0"
DUMMY_DATA = "--data_dir=tfds --manual_dir=tfdream/training/mit_indoor67/dummy_data"

R, D, C, F, G, M, MO, RE, S, T = ("README.md", "docs/app.md", "docs/cli.md", "docs/feature_visualization.md",
                                  "docs/googlenet.md", "docs/mit_indoor67.md", "docs/motion.md", "docs/renders.md",
                                  "docs/steering.md", "docs/training.md")

RUN: dict[tuple[str, str], Run] = {
    (R, "tfdream dream dream.png --model=vgg16 --weights=hed --history_plot=losses.png"):
        Run(PHOTO, outputs=("dream.json",)),
    (R, "tfdream dream photo.jpg dream.png --model=inception_v3 --layers=mixed3,mixed5:2 --steps=50 --seed=0"):
        Run(RANDOM_V3, ("photo",), ("dream.json",)),
    (R, "tfdream compare photo.jpg out/v3 --studies=inception_v3_low_vs_high"):
        Run(RANDOM_V3, ("photo",), ("out/v3/contact_sheet.png", "out/v3/summary.md")),
    (R, "tfdream compare photo.jpg out/blocks --model=vgg16 --weights=hed --layer_sets=block3_conv3 "
        "--layer_sets=block4_conv3 --layer_sets=block5_conv3"):
        Run(PHOTO, ("photo",), ("out/blocks/contact_sheet.png",)),
    (R, "tfdream layers inception_v3"): Run(),
    (R, "tfdream rerun dream.json again.png"): Run("--noprogress", ("dream",), ("again.json",)),
    (R, "tfdream resume dream.json"): Run("--noprogress", ("interrupted_dream",), ("dream.png",)),
    # atlas refuses a second --channels, so no flag can override the first: two channels instead of 64, which
    # took 80 s here at 32 px.
    (R, "tfdream atlas vgg16 atlas --weights=hed --layers=block4_conv3 --channels=0-63 --workers=2"):
        Run("--steps=1 --octaves=0 --size=32,32", outputs=("atlas/index.html",),
            rewrite=("--channels=0-63", "--channels=0-1")),
    (R, "tfdream batch 'photos/*.jpg' dreams --model=vgg16 --weights=hed --render=lapnorm --workers=2"):
        Run("--steps=1 --octaves=0 --max_dim=48", ("photos",)),
    (R, "tfdream app --model=vgg16 --weights=hed"): Run(serve=True),
    (D, "tfdream app"): Run("--weights=none", serve=True),
    (D, "tfdream app --model=vgg16 --weights=hed"): Run(serve=True),
    (D, "tfdream app --model=my_model.keras --port=8000 --atlas=out/atlas"):
        Run(steps=("my_model", "atlas_folder"), serve=True),
    (D, "tfdream rerun dream.json again.png"): Run("--noprogress", ("dream",), ("again.json",)),
    (D, "TFDREAM_SCREENSHOTS=docs/gallery python -m pytest tests/app/test_browser.py"):
        Run(steps=("checkout", "gallery_folder"), outputs=("docs/gallery/app.png",)),
    ("docs/atlas.md", "tfdream atlas vgg16 atlas --weights=hed --layers=block4_conv3 --channels=0-63 "
                      "--size=128,128 --workers=2"):
        Run("--steps=1 --octaves=0 --size=32,32", outputs=("atlas/index.html",),
            rewrite=("--channels=0-63", "--channels=0-1")),  # as in README.md's
    # --channels=all of two layers is 768 renders; atlas takes one --channels list, so it is replaced.
    ("docs/atlas.md", "tfdream atlas vgg16 atlas_all --weights=hed --layers=block3_conv3,block4_conv3 --channels=all "
                      "--examples=photos/ --top_k=8 --workers=2"):
        Run("--steps=1 --octaves=0 --size=32,32 --example_size=48", ("photos",), ("atlas_all/index.html",),
            rewrite=("--channels=all", "--channels=0-1")),
    ("docs/atlas.md", "tfdream batch 'photos/*.jpg' dreams --model=vgg16 --weights=hed --layers=block4_conv3 "
                      "--render=lapnorm --max_dim=512 --workers=2"):
        Run("--steps=1 --octaves=0 --max_dim=48", ("photos",)),
    ("docs/atlas.md", "tfdream atlas vgg16 small --weights=hed --layers=block4_conv3 --channels=0-3 --size=64,64 -- "
                      "--direct_running_mode=in_memory"):
        Run("--steps=1 --octaves=0 --size=32,32", outputs=("small/index.html",)),
    (C, "tfdream dream photo.jpg dream.png --model=inception_v3 --layers=mixed3,mixed5:2 --steps=50 --seed=0"):
        Run(RANDOM_V3, ("photo",), ("dream.json",)),
    (C, "tfdream dream dream.png --model=vgg16 --weights=hed --max_dim=384"): Run(PHOTO, outputs=("dream.json",)),
    (C, "tfdream dream noise.png --size=512,512 --model=vgg16 --weights=hed"): Run(NOISE, outputs=("noise.json",)),
    (C, "tfdream dream both.png --model=vgg16,resnet50 --weights=hed,none "
        "--layers=vgg16/block4_conv3,resnet50/conv3_block4_out --max_dim=128 --steps=8"):
        Run(PHOTO),
    (C, "tfdream compare photo.jpg out/v3 --studies=inception_v3_low_vs_high"):
        Run(RANDOM_V3, ("photo",), ("out/v3/contact_sheet.png", "out/v3/summary.md")),
    (C, "tfdream compare photo.jpg out/models --models=vgg19,resnet50,inception_v3"):
        Run(RANDOM_V3, ("photo",), ("out/models/contact_sheet.png",)),
    (C, "tfdream compare photo.jpg out/blocks --model=vgg16 --weights=hed --layer_sets=block3_conv3 "
        "--layer_sets=block4_conv3 --layer_sets=block5_conv3"):
        Run(PHOTO, ("photo",), ("out/blocks/contact_sheet.png",)),
    (C, "tfdream dream diverse.png --model=vgg16 --weights=hed --size=128,128 --batch=4 "
        "--objective=\"layer('block4_conv3', channels=[17]) + 4 * diversity('block4_conv3')\""):
        Run(NOISE, outputs=("diverse.json",)),
    (C, "tfdream layers inception_v3"): Run(),
    (C, "tfdream rerun out/v3/01_inception_v3_mixed0_mixed1_mixed2.json again.png"):
        Run("--noprogress", ("v3_comparison",), ("again.json",)),
    (C, "tfdream dream lapnorm.png --size=224,224 --model=vgg16 --weights=hed --render=lapnorm"): Run(NOISE),
    (C, "tfdream channels sheet.png --model=vgg16 --weights=hed --layer=block4_conv3 --channels=0-15 "
        "--render=lapnorm --size=128,128"):
        Run(NOISE, outputs=("sheet_channels",)),
    (C, "tfdream compare photo.jpg out/v3 --flagfile=examples/flagfiles/inception_v3_low_vs_high.cfg --steps=200"):
        Run(RANDOM_V3, ("photo", "checkout"), ("out/v3/contact_sheet.png",)),
    (C, "python examples/dream.py --flagfile=examples/flagfiles/vgg16_hed.cfg --output=dream.png"):
        Run(PHOTO, ("checkout",), ("dream.json",)),
    (C, "tfdream resume dream.json"): Run("--noprogress", ("interrupted_dream",), ("dream.png",)),
    (F, "tfdream dream channel.png --model=vgg16 --weights=hed --layers=block4_conv3 --channels=block4_conv3:17 "
        "--size=128,128 --render=robust --seed=0"):
        Run(NOISE),
    (F, "tfdream channels sheet.png --model=vgg16 --weights=hed --layer=block4_conv3 --channels=0-7 --size=128,128 "
        "--render=robust --steps=64"):
        Run(NOISE, outputs=("sheet_channels",)),
    (F, "tfdream channels sheet16.png --model=vgg16 --weights=hed --layer=block4_conv3 --channels=0-15 "
        "--size=128,128 --render=robust --batch=16"):
        Run(NOISE, outputs=("sheet16_channels/block4_conv3_c0015.json",)),
    (F, "tfdream dream diverse.png --model=vgg16 --weights=hed --objective=\"layer('block4_conv3', channels=[17]) + "
        "4 * diversity('block4_conv3')\" --batch=4 --size=128,128 --render=robust --seed=0"):
        Run(NOISE, outputs=("diverse.json",)),
    (F, "tfdream dream blend.png --model=vgg16 --weights=hed --objective=\"channel_interpolate('block4_conv3', 17, 42) "
        "+ 0.2 * alignment('block4_conv3')\" --batch=5 --size=128,128 --render=robust --seed=0"):
        Run(NOISE, outputs=("blend.json",)),
    (F, "tfdream dream mine.png --model=vgg16 --weights=hed --layers=block4_conv3 --size=128,128 --render=robust "
        "--color_matrix=colours.npy"):
        Run(NOISE, ("colours",)),
    (F, "tfdream dream small.png --model=vgg16 --weights=hed --layers=block4_conv3 --size=64,64 --render=robust "
        "--transforms=\"pad(4) + jitter(2) + rotate(5)\" --steps=32"):
        Run(NOISE),
    (F, "tfdream dream caricature.png --input=tfdream/io/samples/coffee.jpg --model=vgg16 --weights=hed "
        "--objective=\"caricature('tfdream/io/samples/coffee.jpg', 'block4_conv3')\" --render=robust --max_dim=128 "
        "--steps=32 --seed=0"):
        Run(PHOTO, ("checkout",)),
    (F, "tfdream dream both.png --input=coffee --model=vgg16,resnet50 --weights=hed,none "
        "--layers=vgg16/block4_conv3,resnet50/conv3_block4_out:0.5 --max_dim=128 --steps=8 --seed=0"):
        Run(PHOTO),
    (G, "tfdream convert inception5h.zip inception5h.keras"):
        Run(steps=("inception5h_zip",), outputs=("inception5h.json",)),
    (G, "tfdream layers inception5h.keras"): Run(steps=("inception5h_keras",)),
    (G, "tfdream dream photo.jpg channel139.png --model=inception5h.keras --layers=mixed4d_3x3_bottleneck_pre_relu "
        "--channels=mixed4d_3x3_bottleneck_pre_relu:139"):
        Run(PHOTO, ("photo", "inception5h_keras")),
    (G, "tfdream dream photo.jpg mixed4c.png --model=inception5h.keras"):
        Run(PHOTO, ("photo", "inception5h_keras")),
    (MO, "tfdream video clip.mp4 dreamed.mp4 --model=vgg16 --weights=hed --layers=block4_conv3 --steps=10 "
         "--octaves=-1,0 --later_steps=4 --later_octaves=0 --max_dim=480 --seed=0"):
        Run(f"{MOTION} --max_dim=48", ("clip",)),
    (MO, "tfdream zoom coffee zoom.mp4 --model=vgg16 --weights=hed --layers=block4_conv3 --frames=120 --zoom=1.04 "
         "--rotate=0.5 --steps=10 --later_steps=3 --later_octaves=0 --interpolate=2 --fps=24"):
        Run(f"{MOTION} --max_dim=48 --frames=2"),
    (MO, "tfdream zoom zoom.gif --size=240,320 --model=vgg16 --weights=hed --layers=block4_conv3 --frames=120"):
        Run(f"{MOTION} --size=32,48 --frames=2"),
    # The doc's --work_dir is a fixed /tmp folder, shared by every run on the machine: one in the test's folder.
    (MO, "tfdream zoom coffee docs/gallery/zoom_vgg16.gif --model=vgg16 --weights=hed --layers=block4_conv3 "
         "--max_dim=160 --frames=8 --zoom=1.06 --rotate=1 --steps=8 --octaves=-1,0 --later_steps=6 --later_octaves=0 "
         "--interpolate=1 --fps=8 --seed=0 --work_dir=/tmp/zoom_frames"):
        Run(f"{MOTION} --max_dim=48 --frames=2 --work_dir=zoom_frames", ("gallery_folder",)),
    (RE, "tfdream dream lapnorm.png --size=224,224 --model=vgg16 --weights=hed --layers=block4_conv3 "
         "--render=lapnorm"):
        Run(NOISE),
    (RE, "tfdream dream lapnorm.png --render=lapnorm --steps=20"): Run(f"--weights=none {QUICK} --size=75,75"),
    (RE, "tfdream channels sheet.png --model=vgg16 --weights=hed --layer=block4_conv3 --channels=0-15 "
         "--render=lapnorm --size=128,128"):
        Run(NOISE, outputs=("sheet_channels",)),
    (S, "tfdream dream photo.jpg out.png --model=vgg16 --weights=hed --layers=block4_conv3 --guide=clouds.jpg"):
        Run(PHOTO, ("photo", "guide")),
    (S, "tfdream dream photo.jpg out.png --model=vgg16 --weights=hed --layers=block4_conv3 --mask=mask.png "
        "--preserve_colors"):
        Run(PHOTO, ("photo", "mask")),
    (S, "tfdream dream photo.jpg out.png --model=vgg16 --weights=hed --objective=\"block4_conv3 - 0.5 * "
        "neuron('block5_conv3', 17) + tv(-0.05)\""):
        Run(PHOTO, ("photo",)),
    (S, "tfdream dream photo.jpg out.png --model=run/model.keras --class=kitchen"):
        Run(PHOTO, ("photo", "classifier"), large=False),
    (S, "tfdream classes run/model.keras"): Run(steps=("classifier",), large=False),
    (S, "python examples/train_mit_indoor.py --out_dir=run --data_dir=tfds "
        "--manual_dir=tfdream/training/mit_indoor67/dummy_data --architecture=vgg11_bn --image_size=32 --epochs=2 "
        "--batch_size=4 --warmup_epochs=1"):
        Run("--verbose=0", ("checkout",), ("run/model.keras",)),
    (S, "tfdream classes run/model.keras | head -3"): Run(steps=("classifier",), large=False),
    (S, "tfdream dream coffee kitchen.png --model=run/model.keras --class=kitchen --max_dim=128 --steps=10 "
        "--octaves=-1,0 --norandom_roll --seed=0 --history_csv=kitchen.csv"):
        Run(PHOTO, ("classifier",), large=False),
    # The folder of the user's own pictures (absolute in the doc) is a flag: the digits folder replaces it.
    (T, "python examples/train_mit_indoor.py --dataset=folder:/data/my_pictures --test_fraction=0.2 --split_seed=0 "
        "--architecture=resnet50 --out_dir=runs/pictures"):
        Run(f"--dataset=folder:digits --image_size=32,32 {TRAIN}", ("checkout", "digits"),
            ("runs/pictures/model.keras",)),
    (T, "python examples/evaluate_mit_indoor.py --model=runs/pictures/model.keras --dataset=folder:/data/my_pictures "
        "--test_fraction=0.2 --split_seed=0"):
        Run("--dataset=folder:digits --embedding_samples=20", ("checkout", "digits", "pictures_model"),
            ("runs/pictures/eval",)),
    # /tmp/digits is where the doc's snippet writes the digits; each test has its own folder instead.
    (T, "python examples/train_mit_indoor.py --dataset=folder:/tmp/digits --architecture=alexnet --image_size=32,32 "
        "--epochs=8 --warmup_epochs=1 --optimizer=adam --learning_rate=1e-3 --weight_decay=1e-4 --noaugmentation "
        "--label_smoothing=0 --out_dir=runs/digits"):
        Run(f"--dataset=folder:digits {TRAIN}", ("checkout", "digits"), ("runs/digits/model.keras",)),
    (T, "python examples/evaluate_mit_indoor.py --model=runs/digits/model.keras --dataset=folder:/tmp/digits"):
        Run("--dataset=folder:digits --embedding_samples=20", ("checkout", "digits", "digits_model"),
            ("runs/digits/eval",)),
    (M, "python examples/evaluate_mit_indoor.py --model=runs/vgg11/model.keras"):
        Run(f"{DUMMY_DATA} --embedding_samples=20", ("checkout", "mit_indoor_model"), ("runs/vgg11/eval",)),
}

PIP = ("installs from a package registry; checked instead (test_command_parses): the extras it names exist in "
       "setup.cfg and what they require is installed here")
MIT_INDOOR = "the MIT Indoor 67 archive in /data/mit_indoor67 (a 2.4 GB download) and a long training run"
NOT_OFFLINE: dict[tuple[str, str], str] = {
    (R, 'pip install -e ".[offline]"'): PIP,
    (R, 'pip install -e ".[test]"'): PIP,
    (R, "python -m pytest"): "the whole suite, this file included (CI runs it)",
    (R, 'pip install "tfdream[beam]"'): PIP,
    (R, "pip install 'tfdream[app]'"): PIP,
    (D, "pip install 'tfdream[app]'"): PIP,
    ("docs/atlas.md", 'pip install "tfdream[beam]"'): PIP,
    ("docs/atlas.md", "tfdream atlas vgg16 /mnt/shared/atlas --weights=hed --layers=block4_conv3 -- "
                      "--runner=DataflowRunner --project=MY_PROJECT --region=europe-west1 "
                      "--temp_location=gs://MY_BUCKET/tmp --requirements_file=requirements.txt --max_num_workers=50"):
        "Google Cloud Dataflow: a project, a bucket and the network",
    ("docs/atlas.md", "tfdream atlas vgg16 /mnt/shared/atlas --weights=hed --layers=block4_conv3 -- "
                      "--runner=FlinkRunner --flink_master=flink-host:8081 --environment_type=LOOPBACK"):
        "a Flink cluster",
    (G, "curl -LO https://storage.googleapis.com/download.tensorflow.org/models/inception5h.zip"): "a download",
    (G, "sha256sum inception5h.zip"): "checks the downloaded inception5h.zip, which is not here",
    (G, "python examples/train_mit_indoor.py --manual_dir=/data/mit_indoor67 --architecture=googlenet "
        "--out_dir=runs/googlenet"): MIT_INDOOR,
    (G, "python examples/train_mit_indoor.py --manual_dir=/data/mit_indoor67 --architecture=inception_v4 "
        "--out_dir=runs/inception_v4"): MIT_INDOOR,
    (M, 'python -c "\nimport tensorflow_datasets as tfds\nfrom tfdream.training import mit_indoor67\n'
        "mit_indoor67.Builder().download_and_prepare(\n"
        "    download_config=tfds.download.DownloadConfig(manual_dir='/data/mit_indoor67'))\""):
        "the MIT Indoor 67 archive in /data/mit_indoor67 (the builder over its dummy data: tests/training)",
    (M, "for arch in vgg11 vgg16 vgg19 resnet50 resnet101 resnet152 vgg11_bn vgg16_bn vgg19_bn alexnet; do\n"
        "python examples/train_mit_indoor.py --manual_dir=/data/mit_indoor67 --architecture=$arch "
        "--out_dir=runs/$arch\ndone"): f"ten runs on {MIT_INDOOR}",
    (S, "python benchmarks/colors_benchmark.py"): "a benchmark (76 s on the doc's machine) that asserts nothing",
    (T, "TF_CONFIG='{\"cluster\": {\"worker\": [\"host1:12345\", \"host2:12345\"]}, \"task\": {\"type\": \"worker\", "
        "\"index\": 0}}' python examples/train_mit_indoor.py --strategy=multi_worker --architecture=resnet50 "
        "--manual_dir=/shared/mit_indoor67 --data_dir=/shared/tensorflow_datasets --out_dir=/shared/runs/resnet50"):
        "two machines (and MIT Indoor 67 on a shared disk)",
}


def test_every_doc_command_is_in_one_table_and_every_entry_is_in_a_doc():
    found = set(doc_commands())
    listed = RUN.keys() | NOT_OFFLINE.keys()
    missing = [f"{doc}: {command}" for doc, command in doc_commands() if (doc, command) not in listed]
    both = [f"{doc}: {command}" for doc, command in RUN.keys() & NOT_OFFLINE.keys()]
    stale = [f"{doc}: {command}" for doc, command in [*RUN, *NOT_OFFLINE] if (doc, command) not in found]
    problems = [(missing, "doc commands in neither RUN nor NOT_OFFLINE"), (both, "doc commands in both tables"),
                (stale, "table entries that match no doc command (changed or removed)")]
    assert not (missing or both or stale), "\n".join(f"{title}:\n  " + "\n  ".join(lines)
                                                      for lines, title in problems if lines)


def test_every_fenced_block_of_commands_says_its_language():
    unlabeled = [f"{block.doc}:{block.line}" for doc in DOCS for block in blocks(doc) if not block.language
                 and any((line.split() or [""])[0] in PROGRAMS for line in block.text.splitlines())]
    assert not unlabeled, f"fenced blocks of commands without ```sh (their commands go untested): {unlabeled}"


# --- Fast: every command parses ---------------------------------------------------------------------------------

def _words(command: str) -> list[str]:
    """The words of a command's first program, before a pipe and after any `NAME=value` environment settings."""
    pipe = next((index for index, char in _unquoted(command) if char == "|"), len(command))
    words = shlex.split(command[:pipe])
    while words and re.match(r"[A-Za-z_]\w*=", words[0]):
        words.pop(0)
    return words


def with_flags(command: str, extra: str) -> str:
    """`command` with the flags `extra` appended to its own: before a `--` that starts Beam's options or a `|`."""
    if not extra:
        return command
    ends = [index for index, char in _unquoted(command) if char == "|"]
    ends += [match.start() for match in re.finditer(r"(?<=\s)--(?=\s|$)", command)
             if any(index == match.start() for index, _ in _unquoted(command))]
    end = min(ends, default=len(command))
    return f"{command[:end].rstrip()} {extra} {command[end:]}".rstrip()


def run_command(key: tuple[str, str]) -> str:
    """The command line RUN runs for the doc command `key`."""
    doc, command = key
    entry = RUN[key]
    if entry.rewrite:
        old, new = entry.rewrite
        assert old in command, f"{doc}: {command}: the rewrite's {old!r} is no longer in it"
        command = command.replace(old, new)
    return with_flags(command, entry.flags)


def _usage(name: str) -> list[tuple[str, bool]]:
    """(NAME, optional) of each argument in the USAGE line of a command's help: `tfdream NAME [INPUT] OUTPUT`."""
    from tfdream import cli

    doc = inspect.getdoc(cli.COMMANDS[name].main)
    line = next(line for line in doc.splitlines() if line.strip().startswith("USAGE:"))
    arguments = []
    for word in line.split(f"tfdream {name}", 1)[1].split():
        if not re.fullmatch(r"\[?'?[A-Z][A-Z0-9_]*'?\]?", word):
            break
        arguments.append((word.strip("[]'"), word.startswith("[")))
    return arguments


OUTPUT_ARGUMENTS = ("OUTPUT", "OUTPUT_DIR", "OUT_DIR", "KERAS_FILE")
OUTPUT_FLAGS = ("output", "output_dir", "out_dir", "keras_file", "history_csv", "history_json", "history_plot",
                "tensorboard", "work_dir")


def check_tfdream(args: list[str]) -> list[str]:
    """Parses `tfdream ARGS` as the command does before it starts TensorFlow: the command exists, every flag is
    one of its own with a value that parses, the arguments fit its USAGE line, and its dream settings (config,
    runs, channels) read without error. Returns the files and folders it names as outputs."""
    from absl import app

    from tfdream import cli
    from tfdream.cli import command, shared

    assert args and args[0] in cli.COMMANDS, f"no command {args[:1]} in {list(cli.COMMANDS)}"
    name, options = args[0], args[1:]
    if "--" in options:  # Beam's own options follow, each --name=value
        options, beam = options[:options.index("--")], options[options.index("--") + 1:]
        assert all(option.startswith("--") for option in beam), f"Beam options must be --name=value: {beam}"
    with flagsaver.flagsaver():
        try:
            given = flags.FLAGS([f"tfdream {name}", *options])[1:]
        except flags.Error as error:
            raise AssertionError(f"flags do not parse: {error}") from None
        try:
            command._check_command_flags(name)  # pylint: disable=protected-access
            own = {holder.name for holder in cli.COMMANDS[name].flags}
            if "steps" in own:
                shared.config()
            if "studies" in own:
                shared.runs()
            if name == "dream":
                shared.channels()
        except (app.UsageError, ValueError, TypeError) as error:
            raise AssertionError(str(error)) from None
        arguments = _usage(name)
        assert len(given) <= len(arguments), f"{name} takes {arguments}. Received: {given}"
        named = dict(zip([argument for argument, _ in arguments[len(arguments) - len(given):]], given))
        for argument, optional in arguments[:len(arguments) - len(given)]:
            holder = flags.FLAGS[argument.lower()] if argument.lower() in flags.FLAGS else None
            assert optional or (holder is not None and holder.present), f"missing {argument} for tfdream {name}"
        outputs = [value for argument, value in named.items() if argument in OUTPUT_ARGUMENTS]
        outputs += [flags.FLAGS[flag].value for flag in OUTPUT_FLAGS if flag in own and flags.FLAGS[flag].present]
    return outputs


SCRIPT_CHECK = r"""
import importlib.util, json, sys
from absl import flags
from absl.testing import flagsaver
script = sys.argv[1]
spec = importlib.util.spec_from_file_location("doc_script", script)
spec.loader.exec_module(importlib.util.module_from_spec(spec))  # defines its flags; not __main__: no app.run
results = []
for argv in json.loads(sys.stdin.read()):
    with flagsaver.flagsaver():
        try:
            rest = flags.FLAGS([script, *argv])[1:]
            results.append(f"unexpected arguments {rest}" if rest else None)
        except flags.Error as error:
            results.append(f"flags do not parse: {error}")
print(json.dumps(results))
"""


def _all_commands() -> list[str]:
    """Every command of both tables, as the doc has it and as RUN runs it."""
    return [*(command for _, command in NOT_OFFLINE), *(command for _, command in RUN), *map(run_command, RUN)]


def _expanded(command: str) -> list[str]:
    """A `for VAR in WORDS; do BODY; done` loop as its body once per word; any other command as itself."""
    loop = re.fullmatch(r"for (\w+) in ([^;]*); do\n(.*)\ndone", command, re.DOTALL)
    if not loop:
        return [command]
    name, words, body = loop.groups()
    return [re.sub(rf"\$\{{?{name}\b\}}?", word, body) for word in words.split()]


@functools.cache
def script_checks() -> dict[tuple[str, tuple[str, ...]], str | None]:
    """(script, its flags) -> the error of parsing them (None: they parse), for every `python SCRIPT` command:
    one process per script, which imports it (defining its flags) and parses each command's flags in turn."""
    cases: dict[str, list[tuple[str, ...]]] = {}
    for command in (part for command in _all_commands() for part in _expanded(command)):
        words = _words(command)
        if words[:1] == ["python"] and len(words) > 1 and not words[1].startswith("-"):
            cases.setdefault(words[1], []).append(tuple(words[2:]))
    processes = {script: subprocess.Popen([sys.executable, "-c", SCRIPT_CHECK, script], cwd=ROOT, env=_env(),
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True)
                 for script in cases if (ROOT / script).is_file() and any(cases[script])}
    results = {}
    for script, process in processes.items():
        stdout, stderr = process.communicate(json.dumps(cases[script]), timeout=300)
        assert process.returncode == 0, f"{script} does not import: {stderr[-2000:]}"
        results.update(zip([(script, argv) for argv in cases[script]], json.loads(stdout.splitlines()[-1])))
    return results


def _extras() -> dict[str, list[str]]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return {name: [line.split("#")[0].strip() for line in value.splitlines() if line.split("#")[0].strip()]
            for name, value in parser["options.extras_require"].items()}


def check_pip(words: list[str]) -> None:
    """`pip install` of tfdream with extras, checked instead of run: each extra exists, and what it requires is
    installed here at a version it accepts."""
    from packaging import requirements

    assert words[:2] == ["pip", "install"], f"only `pip install` is checked: {words}"
    specs = [word for word in words[2:] if not word.startswith("-")]
    assert specs, f"nothing to install: {words}"
    extras = _extras()
    for spec in specs:
        match = re.fullmatch(r"(\.|tfdream)(?:\[([\w,-]+)\])?", spec)
        assert match, f"pip installs {spec!r}, not tfdream"
        for extra in (match.group(2) or "").split(","):
            if not extra:
                continue
            assert extra in extras, f"setup.cfg has no extra {extra!r}: {sorted(extras)}"
            for line in extras[extra]:
                requirement = requirements.Requirement(line)
                try:
                    version = importlib.metadata.version(requirement.name)
                except importlib.metadata.PackageNotFoundError:
                    raise AssertionError(f"{spec}: {requirement.name} is not installed") from None
                assert requirement.specifier.contains(version, prereleases=True), f"{spec}: {line}, have {version}"


def check_command(command: str) -> list[str]:
    """Checks that `command` parses (see the test below); returns the outputs it names."""
    assert subprocess.run(["bash", "-n", "-c", command], capture_output=True).returncode == 0, "bash cannot parse it"
    if command.startswith("for "):
        for body in _expanded(command):
            check_command(body)
        return []
    words = _words(command)
    if words[0] == "tfdream":
        return check_tfdream(words[1:])
    if words[0] == "pip":
        check_pip(words)
    elif words[0] == "python" and words[1] == "-c":
        compile(words[2], "<python -c>", "exec")
    elif words[0] == "python" and words[1] == "-m":
        assert importlib.util.find_spec(words[2]), f"no module {words[2]}"
        paths = [word for word in words[3:] if not word.startswith("-")]
        assert all((ROOT / path).exists() for path in paths), f"not in the checkout: {paths}"
    elif words[0] == "python":
        assert (ROOT / words[1]).is_file(), f"no script {words[1]}"
        error = script_checks().get((words[1], tuple(words[2:])))  # none for a script given no flags
        assert error is None, error
        return [value for word in words[2:] for flag, _, value in [word[2:].partition("=")]
                if word.startswith("--") and flag in OUTPUT_FLAGS]
    return []


@pytest.mark.parametrize("key", list(dict.fromkeys([*doc_commands(), *NOT_OFFLINE, *RUN])),
                         ids=lambda key: f"{key[0]}:{key[1][:60]}")
def test_command_parses(key, monkeypatch):
    """The command's program and subcommand exist; every flag it names is one of that command's or script's,
    with a value that parses (and so does RUN's version of it), without a dream or TensorFlow in this process.
    A doc command in no table yet is parsed too."""
    monkeypatch.chdir(ROOT)  # the docs' paths (flagfiles, scripts) are the checkout's
    for command in [key[1], *([run_command(key)] if key in RUN else [])]:
        try:
            check_command(command)
        except AssertionError as error:
            raise AssertionError(f"{key[0]}: {command}\n{error}") from None


def test_python_snippets_compile():
    for block in python_blocks():
        try:
            compile(block.text, f"{block.doc}:{block.line}", "exec")
        except SyntaxError as error:
            raise AssertionError(f"{block.doc}:{block.line}: the ```python block does not compile: {error}") from None


def _resolved_names(tree: ast.Module) -> dict[str, object]:
    """What each import of a snippet binds, imported: the names of `import X` and `from X import Y`."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                module = importlib.import_module(alias.name)
                names[alias.asname or alias.name.split(".")[0]] = (
                    module if alias.asname else importlib.import_module(alias.name.split(".")[0]))
        elif isinstance(node, ast.ImportFrom):
            module = importlib.import_module(node.module)
            for alias in node.names:
                try:
                    names[alias.asname or alias.name] = getattr(module, alias.name)
                except AttributeError:
                    names[alias.asname or alias.name] = importlib.import_module(f"{node.module}.{alias.name}")
    return names


def _attribute(node: ast.expr, names: dict[str, object]):
    """The object `a.b.c` names where `a` is an imported name (KeyError otherwise, AttributeError if it is not)."""
    if isinstance(node, ast.Name):
        return names[node.id]
    if isinstance(node, ast.Attribute):
        return getattr(_attribute(node.value, names), node.attr)
    if isinstance(node, ast.Call) and inspect.isclass(made := _attribute(node.func, names)):
        return made  # an instance of an imported class: its methods are the class's
    raise KeyError(node)


def test_python_snippets_name_what_exists():
    """The ```python blocks' imports import; every `module.name` they use from them exists; and a call of a
    function or class they import takes the keyword arguments the snippet gives it."""
    import tfdream.base.startup  # noqa: F401  (turns oneDNN on before TensorFlow, as `import tfdream` does)

    problems = []
    for block in python_blocks():
        where = f"{block.doc}:{block.line}"
        tree = ast.parse(block.text)
        try:
            names = _resolved_names(tree)
        except (ImportError, AttributeError) as error:
            problems.append(f"{where}: {error}")
            continue
        for node in tree.body:  # `dreamer = Dreamer(...)`: dreamer's methods are Dreamer's
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name):
                try:
                    made = _attribute(node.value, names)
                except (KeyError, AttributeError):
                    continue
                names[node.targets[0].id] = made
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                try:
                    _attribute(node, names)
                except KeyError:
                    pass  # an attribute of a value the snippet made, not of an import
                except AttributeError as error:
                    problems.append(f"{where}: {ast.unparse(node)}: {error}")
            if isinstance(node, ast.Call):
                try:
                    function = _attribute(node.func, names)
                    signature = inspect.signature(function)
                except (KeyError, AttributeError, TypeError, ValueError):
                    continue
                parameters = signature.parameters.values()
                if any(parameter.kind is parameter.VAR_KEYWORD for parameter in parameters):
                    continue
                unknown = [keyword.arg for keyword in node.keywords
                           if keyword.arg and keyword.arg not in signature.parameters]
                if unknown:
                    problems.append(f"{where}: {ast.unparse(node.func)} takes no {unknown}")
    assert not problems, "\n".join(problems)


def _env() -> dict[str, str]:
    """This interpreter's scripts first on PATH (`tfdream`, `python`) and this checkout first on PYTHONPATH."""
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PATH": path, "PYTHONPATH": python_path}


# --- Python snippets: which run, and how ---------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Snippet:
    """How a ```python block runs here (always `large`): the `steps` that make the files it reads, the files it
    writes besides those it saves by name (`.save("x.png")`), and a `rewrite` (old, new) of its text."""

    steps: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    rewrite: tuple[str, str] | None = None


# A snippet is named by its doc and one of its lines (the table test wants each to name exactly one block).
SNIPPET_RUN: dict[tuple[str, str], Snippet] = {
    (F, 'dreamer = Dreamer("vgg16", {"block4_conv3": 1.0}, channels={"block4_conv3": [17]}, weights="hed")'):
        Snippet(),
    (F, 'dreamer = Dreamer("vgg16", objectives.neuron("block4_conv3", 17), weights="hed")'): Snippet(),
    (F, 'dreamer = Dreamer(digits.classifier(), objectives.class_logit(7), preprocessing="inception")'): Snippet(),
    (F, 'np.save("colours.npy", parameterizations.color_correlation_sqrt(photos))'): Snippet(),
    (F, 'dreamer = Dreamer("vgg16", objectives.caricature(photo, "block4_conv3"), weights="hed")'): Snippet(),
    (F, 'weights=["hed", None])   # inception_v3 random here (weights=None); "imagenet" downloads it'): Snippet(),
    # Sixteen, four and five robust renders at 128x128 take minutes here: the same at 32x32.
    (F, 'result.members[3].save("channel3.png")    # one of them'):
        Snippet(rewrite=("size=(128, 128)", "size=(32, 32)")),
    (F, 'dreamer = Dreamer("vgg16", objective, weights="hed", batch=4)'):
        Snippet(rewrite=("size=(128, 128)", "size=(32, 32)")),
    (F, 'dreamer = Dreamer("vgg16", objective, weights="hed", batch=5)'):
        Snippet(rewrite=("size=(128, 128)", "size=(32, 32)")),
    (G, 'Dreamer("inception5h.keras").dream("photo.jpg", seed=0).save("mixed4c.png")         # mixed4c'):
        Snippet(("photo", "inception5h_keras")),
    (M, 'dreamer = Dreamer("runs/vgg11/model.keras", layers="block4")'): Snippet(("photo", "mit_indoor_model")),
    (MO, 'dreamer = Dreamer("vgg16", "block4_conv3", weights="hed")'): Snippet(("clip",), ("dreamed.mp4",)),
    (RE, 'dreamer = Dreamer("vgg16", "block4_conv3", weights="hed")'): Snippet(("photo",)),
    (S, 'result = Dreamer("vgg16", objective, weights="hed").dream("photo.jpg", steps=20, seed=0)'):
        Snippet(("photo",)),
    # The snippet writes to /tmp/digits, a folder every run on the machine shares: the test's own folder instead.
    (T, 'digits = datasets.load_digits()'):
        Snippet(outputs=("digits/9",), rewrite=('pathlib.Path("/tmp/digits")', 'pathlib.Path("digits")')),
}
SNIPPET_NOT_RUN: dict[tuple[str, str], str] = {
    (R, 'd = Dreamer("inception_v3", layers={"mixed3": 1.0, "mixed5": 1.0})      # weights="imagenet" by default'):
        "InceptionV3's ImageNet weights, a download",
    (M, 'data = pipelines.load("mit_indoor67", manual_dir="/data/mit_indoor67")'): MIT_INDOOR,
    (S, 'result = dreamer.dream("photo.jpg", mask="mask.png", steps=20)          # white dreams, black stays'):
        "a fragment: two lines in the middle of the text, continuing the snippet above",
}


def _snippet_blocks(key: tuple[str, str]) -> list[Block]:
    return [block for block in python_blocks()
            if block.doc == key[0] and key[1] in [line.strip() for line in block.text.splitlines()]]


def test_every_python_snippet_is_in_one_table_and_every_entry_names_one():
    entries = [*SNIPPET_RUN, *SNIPPET_NOT_RUN]
    named = {}
    for key in entries:
        found = _snippet_blocks(key)
        assert len(found) == 1, f"{key[0]}: the line {key[1]!r} is in {len(found)} ```python blocks, not 1"
        assert found[0] not in named, f"{key[0]}:{found[0].line} is named twice: {named[found[0]]}, {key}"
        named[found[0]] = key
    unnamed = [f"{block.doc}:{block.line}" for block in python_blocks() if block not in named]
    assert not unnamed, f"```python blocks in neither SNIPPET_RUN nor SNIPPET_NOT_RUN: {unnamed}"


def _saved(text: str) -> list[str]:
    """The files a snippet saves by name: the first argument of `.save("x")`, `.to_csv("x")`, `.plot("x")`..."""
    return [node.args[0].value for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr in ("save", "to_csv", "to_json", "plot")
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)]


@pytest.mark.large
@pytest.mark.parametrize("key", list(SNIPPET_RUN), ids=lambda key: f"{key[0]}:{key[1][:50]}")
def test_python_snippet_runs(key, tmp_path):
    """The snippet runs as a program in a folder holding the files it reads, and writes the files it saves."""
    entry = SNIPPET_RUN[key]
    (block,) = _snippet_blocks(key)
    text = block.text
    if entry.rewrite:
        assert entry.rewrite[0] in text, f"{block.doc}:{block.line}: the rewrite's {entry.rewrite[0]!r} is gone"
        text = text.replace(*entry.rewrite)
    for step in entry.steps:
        STEPS[step](tmp_path)
    process = subprocess.run([sys.executable, "-c", text], cwd=tmp_path, env=_env(), capture_output=True, text=True,
                             timeout=600)
    assert process.returncode == 0, f"{block.doc}:{block.line}: exit {process.returncode}\n{process.stderr[-4000:]}"
    missing = [name for name in [*_saved(text), *entry.outputs] if not (tmp_path / name).exists()]
    assert not missing, f"{block.doc}:{block.line}: did not write {missing}"


# --- The files the docs' commands expect, made in the command's folder -------------------------------------------

def _image(folder: pathlib.Path, name: str, height: int = 80, width: int = 120, seed: int = 0) -> pathlib.Path:
    from tfdream import testing
    from tfdream.io import images

    path = folder / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        images.save_image(testing.sample_image(height, width, seed), path)
    return path


def _tiny_model(path: pathlib.Path) -> pathlib.Path:
    """The tiny test network saved with its metadata, as a trained model is."""
    from tfdream import testing
    from tfdream.models import metadata

    if not path.exists():
        testing.tiny_model().save(path)
        metadata.ModelMetadata(architecture="tiny", preprocessing="inception", image_size=(32, 32),
                               default_layers=("conv2", "conv3")).save(path)
    return path


def _shell(folder: pathlib.Path, command: str, timeout: int = 600) -> subprocess.CompletedProcess:
    process = subprocess.run(["bash", "-c", command], cwd=folder, env=_env(), capture_output=True, text=True,
                             timeout=timeout)
    assert process.returncode == 0, f"{command}\nexit {process.returncode}\n{process.stderr[-4000:]}"
    return process


def photo(folder):
    _image(folder, "photo.jpg")


def photos(folder):
    for seed in range(2):
        _image(folder, f"photos/{seed}.jpg", 48, 64, seed)


def guide(folder):
    _image(folder, "clouds.jpg", seed=1)


def mask(folder):
    import numpy as np

    from tfdream.io import images

    white_top = np.zeros((80, 120, 3), np.uint8)
    white_top[:40] = 255
    images.save_image(white_top, folder / "mask.png")


def checkout(folder):
    """The checkout's files the docs name by relative path (scripts, flagfiles, samples, tests), as links."""
    for name in ("examples", "benchmarks", "tfdream", "tests", "pyproject.toml", "setup.cfg"):
        if not (folder / name).exists():
            (folder / name).symlink_to(ROOT / name)


def gallery_folder(folder):
    (folder / "docs" / "gallery").mkdir(parents=True, exist_ok=True)


def clip(folder):
    from tfdream import testing

    testing.sample_video(folder / "clip.mp4", frames=3)


def dream(folder):
    """dream.png and its sidecar dream.json, a finished dream of the tiny model."""
    from tfdream import Dreamer
    from tfdream.core import sidecar

    _image(folder, "photo.jpg", 48, 64)
    dreamer = Dreamer(str(_tiny_model(folder / "tiny.keras")), layers={"conv2": 1.0})
    result = dreamer.dream(str(folder / "photo.jpg"), steps=2, octaves=(0,), seed=0)
    result.save(folder / "dream.png")
    sidecar.write(result, folder / "dream.png", sidecar.describe_input(folder / "photo.jpg"))


def interrupted_dream(folder):
    """dream.png, dream.json and dream.checkpoint.npz of a dream of the tiny model stopped after 2 of 6 steps."""
    from tfdream import Dreamer
    from tfdream.core import callbacks, checkpoints, sidecar

    _image(folder, "photo.jpg", 48, 64)
    source = sidecar.describe_input(folder / "photo.jpg")
    checkpointer = checkpoints.Checkpointer(checkpoints.checkpoint_path(folder / "dream.png"), every=None,
                                            source=source, image_path=folder / "dream.png")
    dreamer = Dreamer(str(_tiny_model(folder / "tiny.keras")), layers={"conv2": 1.0})
    result = dreamer.dream(str(folder / "photo.jpg"), steps=3, octaves=(-1, 0), seed=0, checkpoint=checkpointer,
                           callbacks=[callbacks.StopAfterSteps(2)])
    assert result.interrupted
    result.save(folder / "dream.png")
    sidecar.write(result, folder / "dream.png", source, checkpoint=checkpointer.path)


def classifier(folder):
    """run/model.keras: a small classifier with a softmax top over classes named like MIT Indoor's, kitchen too."""
    import keras

    from tfdream.models import metadata

    init = keras.initializers.GlorotUniform(seed=0)
    inputs = keras.Input((None, None, 3), name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", kernel_initializer=init, name="conv1")(inputs)
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", kernel_initializer=init, name="block4")(x)
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = keras.layers.Dense(3, activation="softmax", kernel_initializer=init, name="predictions")(x)
    (folder / "run").mkdir(exist_ok=True)
    keras.Model(inputs, outputs).save(folder / "run" / "model.keras")
    metadata.ModelMetadata(architecture="tiny", preprocessing="inception", image_size=(32, 32),
                           default_layers=("block4",), class_names=("bedroom", "kitchen", "library"),
                           ).save(folder / "run" / "model.keras")


def colours(folder):
    import numpy as np

    from tfdream import parameterizations
    from tfdream.io import images, samples

    photos = [images.load_image(samples.path(name)) for name in samples.NAMES]
    np.save(folder / "colours.npy", parameterizations.color_correlation_sqrt(photos))


def my_model(folder):
    _tiny_model(folder / "my_model.keras")


def atlas_folder(folder):
    """out/atlas, an atlas of two channels of the tiny model, made by `tfdream atlas`."""
    my_model(folder)
    _shell(folder, "tfdream atlas my_model.keras out/atlas --layers=conv3 --channels=0-1 --size=32,32 --steps=1 "
                   "--octaves=0")


def inception5h_zip(folder):
    """inception5h.zip holding a graph of the published GoogLeNet's shape and names, random weights."""
    import zipfile

    from tfdream import testing

    graph = testing.write_inception5h_graph(folder / "tensorflow_inception_graph.pb")
    with zipfile.ZipFile(folder / "inception5h.zip", "w") as archive:
        archive.write(graph, "tensorflow_inception_graph.pb")
    os.remove(graph)


def inception5h_keras(folder):
    from tfdream.models import googlenet

    inception5h_zip(folder)
    googlenet.convert_file(folder / "inception5h.zip", folder / "inception5h.keras")


def v3_comparison(folder):
    """out/v3, the comparison of cli.md made with random InceptionV3 weights."""
    photo(folder)
    _shell(folder, f"tfdream compare photo.jpg out/v3 --studies=inception_v3_low_vs_high {RANDOM_V3}")


def digits(folder):
    """digits/<label>/<index>.png as the snippet of training.md writes them: 20 per class here, at 32 px."""
    import numpy as np
    import PIL.Image
    from sklearn import datasets

    data = datasets.load_digits()
    for label in range(10):
        (folder / "digits" / str(label)).mkdir(parents=True, exist_ok=True)
        for index in np.flatnonzero(data.target == label)[:20]:
            image = PIL.Image.fromarray((data.images[index] * 255 / 16).astype(np.uint8)).resize((32, 32))
            image.save(folder / "digits" / str(label) / f"{index}.png")


def _trained(folder, out_dir: str, options: str):
    checkout(folder)
    _shell(folder, f"python examples/train_mit_indoor.py --out_dir={out_dir} --image_size=32,32 {TRAIN} {options}")


def digits_model(folder):
    digits(folder)
    _trained(folder, "runs/digits", "--dataset=folder:digits --architecture=alexnet")


def pictures_model(folder):
    digits(folder)
    _trained(folder, "runs/pictures", "--dataset=folder:digits --architecture=alexnet")


def mit_indoor_model(folder):
    """runs/vgg11/model.keras trained on MIT Indoor 67's dummy data (its TFDS dataset in tfds/)."""
    _trained(folder, "runs/vgg11", f"{DUMMY_DATA} --architecture=vgg11")


STEPS = {step.__name__: step for step in (
    photo, photos, guide, mask, checkout, gallery_folder, clip, dream, interrupted_dream, classifier, colours,
    my_model, atlas_folder, inception5h_zip, inception5h_keras, v3_comparison, digits, digits_model, pictures_model,
    mit_indoor_model)}


def test_every_step_named_exists():
    unknown = {step for entry in RUN.values() for step in entry.steps} - STEPS.keys()
    assert not unknown, f"RUN names steps that do not exist: {unknown}"


# --- Run: each RUN command as a process in its own folder ----------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serves(command: str, folder: pathlib.Path, timeout: float = 300) -> None:
    """Starts a server command, waits until it answers HTTP on its port, then stops it (SIGTERM) and wants exit 0."""
    port = _free_port()
    process = subprocess.Popen(["bash", "-c", f"exec {with_flags(command, f'--port={port}')}"], cwd=folder,
                               env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            assert process.poll() is None, f"{command}: exited {process.returncode}\n{process.stdout.read()[-4000:]}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    assert page.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, f"{command}: no page on port {port} after {timeout} s"
                time.sleep(1)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, f"{command}: exit {process.returncode} after SIGTERM\n{output[-4000:]}"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _run_params():
    """One test per distinct command line and entry: a command that several docs share (README.md and
    docs/cli.md, say) runs once, for all of them."""
    shared: dict[tuple[str, Run], list[tuple[str, str]]] = {}
    for (doc, command), entry in RUN.items():
        shared.setdefault((command, entry), []).append((doc, command))
    return [pytest.param(keys, id=f"{keys[0][0]}:{keys[0][1][:60]}", marks=[pytest.mark.large] if entry.large else [])
            for (_, entry), keys in shared.items()]


@pytest.mark.parametrize("keys", _run_params())
def test_command_runs(keys, tmp_path):
    """The command, with RUN's flags, exits 0 in a folder holding the files it expects, and writes the files it
    names on its command line and those RUN lists."""
    key = keys[0]
    entry = RUN[key]
    for step in entry.steps:
        STEPS[step](tmp_path)
    command = run_command(key)
    if entry.serve:
        _serves(command, tmp_path)
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        named = check_command(command)
    docs = ", ".join(doc for doc, _ in keys)
    try:
        _shell(tmp_path, command)
    except AssertionError as error:
        raise AssertionError(f"{docs}: {error}") from None
    missing = [output for output in [*named, *entry.outputs] if not (tmp_path / output).exists()]
    assert not missing, f"{docs}: {command}\ndid not write {missing}"
