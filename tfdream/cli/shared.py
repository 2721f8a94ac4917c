"""The flags several commands share and the functions that read them: the model and dreamer flags, every
`DreamConfig` field, the input and output flags, and the motion flags of `video` and `zoom`.

Defining these flags imports no TensorFlow: the modules they need at the top are TensorFlow-free, and every
other one is imported inside the function that uses it.
"""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from absl import app, flags, logging

from tfdream import renders, studies
from tfdream.base import choices, flag_fields
from tfdream.core import config as config_lib
from tfdream.io import samples

if TYPE_CHECKING:
    import tensorflow as tf

    from tfdream.io import sources

MODEL = flags.DEFINE_string("model", "inception_v3", "A named model (inception_v3, vgg16, resnet50, ...: "
                            "tfdream.models.MODELS) or a saved .keras model; dream: several, comma-separated, "
                            "dreamed together (their layers named MODEL/LAYER).")
WEIGHTS = flags.DEFINE_string("weights", "imagenet", "imagenet, none (random), hed (offline VGG16), or a weights file; "
                              "with several models one for all or one each, comma-separated.")
LAYERS = flags.DEFINE_string("layers", "", "NAME or NAME:WEIGHT, comma-separated, or a saved model's layer set; "
                             "empty: the model's default layers (`tfdream layers MODEL` lists them); atlas: the "
                             "layers whose channels are rendered (names only).")
LOSS = flags.DEFINE_enum("loss", "mean", choices.REDUCTIONS, "Per-layer loss: mean activation or mean square.")
CHANNELS = flags.DEFINE_multi_string("channels", [], "LAYER:C1,C2,...: dream only these channels of LAYER; "
                                     "channels: the channels of --layer, one dream each, e.g. 0-15,20; atlas: all (the "
                                     "default) or such a list, in every layer.")
PREPROCESSING = flags.DEFINE_string("preprocessing", None, "The model's input space instead of its own, a name in "
                                    "tfdream.models.PREPROCESSING: inception ([-1, 1]), caffe (BGR minus the "
                                    "ImageNet mean), unit ([0, 1]), identity ([0, 255]), ...")
MIN_SIZE = flags.DEFINE_integer("min_size", None, "Smallest input side of a saved model.", lower_bound=1)
JIT_COMPILE = flags.DEFINE_bool("jit_compile", False, "Compile the gradient step with XLA.")
PRECISION = flags.DEFINE_enum("precision", "auto", choices.PRECISIONS, "Arithmetic of the network; auto: mixed "
                              "bfloat16 on CPUs with native bfloat16, else float32 (as the library).")
STRATEGY = flags.DEFINE_enum("strategy", "none", ["none", "mirrored"], "mirrored: split tiles over all local "
                             "GPUs (tf.distribute.MirroredStrategy).")
STUDIES = flags.DEFINE_list("studies", [], f"(model, layers) runs of the studies, instead of --model/--layers: "
                            f"{', '.join(studies.STUDIES)}.")
PRESETS = flags.DEFINE_list("presets", [], "Deprecated name of --studies.")
CONFIG = flag_fields.define_flags(config_lib.DreamConfig)
RENDER = flags.DEFINE_string("render", None, f"A named render ({', '.join(renders.RENDERS)}: the TensorFlow "
                             f"DeepDream notebook's and feature visualization's robust one): its DreamConfig "
                             f"values, under config flags given.")
INPUT = flags.DEFINE_string("input", None, f"Image file or bundled sample ({', '.join(samples.NAMES)}); "
                            f"default: {samples.DEFAULT}.")
# `tfdream channels`' default --batch: channels per compiled step (benchmarks/README.md#channels-in-batches).
CHANNELS_PER_BATCH = 8
SIZE = flags.DEFINE(flag_fields.IntsParser(2), "size", None,
                    "HEIGHT,WIDTH (one number: a square): dream from seeded noise instead of an image.",
                    serializer=flags.CsvListSerializer(","))
MAX_DIM = flags.DEFINE_integer("max_dim", None, "Shrink the input to at most this longer side.", lower_bound=1)
BATCH = flags.DEFINE_integer(
    "batch", None, "dream, channels: images dreamed together in one compiled step. dream: that many images of the "
    "objective (from noise, each its own; from a photo, all from it), saved as one contact sheet (diversity(...) "
    "or channel_interpolate(...) terms make them differ; default 1). channels: that many channels at once, one "
    "image each (default "
    f"{CHANNELS_PER_BATCH}; measured in benchmarks/README.md).", lower_bound=1)
OUTPUT = flags.DEFINE_string("output", None, "dream, rerun: output image; its sidecar .json goes beside it.")
SIDECAR = flags.DEFINE_string("sidecar", None, "rerun: the sidecar .json of the dream to make again; resume: that of "
                              "an interrupted dream, or its .checkpoint.npz.")
CHECKPOINT_EVERY = flags.DEFINE_float("checkpoint_every", 10.0, "dream, resume: minutes between checkpoints of the "
                                      "dream's state (OUTPUT.checkpoint.npz; 0: only when it is stopped).",
                                      lower_bound=0.0)
OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace existing output files.")
HISTORY_CSV = flags.DEFINE_string("history_csv", None, "dream, rerun: write the per-step, per-layer losses as CSV.")
HISTORY_JSON = flags.DEFINE_string("history_json", None, "dream, rerun: write the loss history as JSON.")
HISTORY_PLOT = flags.DEFINE_string("history_plot", None, "dream, rerun: plot the loss history (.png, .pdf, .svg).")
PROGRESS = flags.DEFINE_bool("progress", True, "Show a progress bar with ETA on stderr.")
TENSORBOARD = flags.DEFINE_string("tensorboard", None, "TensorBoard log folder (compare: a subfolder per run).")
LATER_STEPS = flags.DEFINE_integer("later_steps", None, "video, zoom: steps per octave of the frames after the "
                                   "first (default: --steps).", lower_bound=1)
LATER_OCTAVES = flags.DEFINE(flag_fields.IntsParser(), "later_octaves", None, "video, zoom: octaves of the frames "
                             "after the first, e.g. 0 (default: --octaves).", serializer=flags.CsvListSerializer(","))
WORK_DIR = flags.DEFINE_string("work_dir", None, "video, zoom: folder of the dreamed frames and manifest, where a "
                               "rerun resumes (default: OUTPUT with the suffix .frames).")
OUT_DIR = flags.DEFINE_string("out_dir", None, "atlas, batch: the output folder (a rerun goes on where a stopped "
                              "run ended).")
WORKERS = flags.DEFINE_integer("workers", 1, "atlas, batch: worker processes of Beam's local runner (FnApiRunner, "
                               "multi_processing); with --runner=... after `--`, that runner's own options instead.",
                               lower_bound=1)
WORKER_THREADS = flags.DEFINE_integer("worker_threads", None, "atlas, batch: TensorFlow threads per worker "
                                      "(default: the cores divided among --workers).", lower_bound=1)
MODELS = flags.DEFINE_list("models", [], "compare: models, each run with every layer set (default: --model).")
LAYER_SETS = flags.DEFINE_multi_string("layer_sets", [], "compare: a layer set like --layers; repeat per set.")

HISTORY = [HISTORY_CSV, HISTORY_JSON, HISTORY_PLOT]
DREAMER = [MODEL, WEIGHTS, LAYERS, LOSS, CHANNELS, PREPROCESSING, MIN_SIZE, JIT_COMPILE, PRECISION, STRATEGY]
DREAM = [*DREAMER, STUDIES, PRESETS, *CONFIG.values(), RENDER, INPUT, SIZE, MAX_DIM, OVERWRITE, PROGRESS,
         TENSORBOARD]
MOTION = [*DREAMER, PRESETS, *CONFIG.values(), INPUT, OUTPUT, MAX_DIM, OVERWRITE, PROGRESS, LATER_STEPS,
          LATER_OCTAVES, WORK_DIR]
PIPELINE = [OUT_DIR, WORKERS, WORKER_THREADS, OVERWRITE]


def arguments(argv: Sequence[str], *holders: flags.FlagHolder, optional: int = 0) -> list:
    """The values of `holders`, the last ones given as positional arguments instead; the first `optional` may
    be missing."""
    args = list(argv[1:])
    if len(args) > len(holders):
        names = " ".join(holder.name.upper() for holder in holders)
        raise app.UsageError(f"expected at most the arguments {names}. Received: {args}")
    values = [holder.value for holder in holders]
    for index, arg in enumerate(args, start=len(holders) - len(args)):
        if holders[index].present:
            raise app.UsageError(f"{arg!r} is given both as an argument and as --{holders[index].name}")
        values[index] = arg
    for holder, value in list(zip(holders, values))[optional:]:
        if not value:
            raise app.UsageError(f"missing {holder.name.upper()}: give it as an argument or --{holder.name}")
    return values


def split_pipeline_args(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """(the arguments, the Beam pipeline options): everything from the first `--option` on, which absl leaves
    after `--` (`tfdream atlas MODEL OUT_DIR -- --runner=DataflowRunner --project=P`)."""
    for index, arg in enumerate(argv[1:], start=1):
        if arg.startswith("-"):
            return list(argv[:index]), list(argv[index:])
    return list(argv), []


def pipeline_dreamer_options() -> dict:
    """The `Dreamer` options of the flags as JSON values, for a pipeline's workers (no `--strategy`, no
    `--channels`)."""
    weights = None if WEIGHTS.value.lower() == "none" else WEIGHTS.value
    return dict(weights=weights, loss=LOSS.value, preprocessing=PREPROCESSING.value, min_size=MIN_SIZE.value,
                jit_compile=JIT_COMPILE.value, precision=PRECISION.value)


def config_overrides() -> dict:
    """The `DreamConfig` fields given as flags."""
    return {name: holder.value for name, holder in CONFIG.items() if holder.present}


def channels() -> dict[str, list[int]] | None:
    channels = {}
    for value in CHANNELS.value:
        layer, _, indices = value.rpartition(":")
        if not layer or not all(index.strip().isdigit() for index in indices.split(",")):
            raise ValueError(f"channels must be LAYER:C1,C2,... Received: channels={value!r}")
        channels[layer] = [int(index) for index in indices.split(",")]
    return channels or None


def runs() -> list[studies.Run]:
    if PRESETS.present:
        logging.warning("--presets is deprecated and will be removed: use --studies")
    named = studies.resolve(STUDIES.value + PRESETS.value)
    if named and (MODEL.present or LAYERS.present):
        raise app.UsageError("--studies chooses model and layers: use --models/--layer_sets (compare) to add runs, "
                             "not --model/--layers")
    if named and not (MODELS.value or LAYER_SETS.value):
        return named
    layer_sets = [studies.parse_layers(layer_set, "layer_sets") for layer_set in LAYER_SETS.value]
    return [
        studies.Run(model, layers)
        for model in MODELS.value or [MODEL.value]
        for layers in layer_sets or [studies.parse_layers(LAYERS.value)]
    ] + named


def dreamer_options(read_channels: bool = True) -> dict:
    """The `Dreamer` options the flags give; `read_channels=False` leaves `--channels` to the command."""
    weights = per_model(WEIGHTS.value, lambda value: None if value.lower() == "none" else value)
    preprocessing = None if PREPROCESSING.value is None else per_model(PREPROCESSING.value, str)
    return dict(weights=weights, loss=LOSS.value, channels=channels() if read_channels else None,
                preprocessing=preprocessing, min_size=MIN_SIZE.value, jit_compile=JIT_COMPILE.value,
                precision=PRECISION.value, strategy=strategy())


def per_model(value: str, convert):
    """A flag's value for one model, or a list of one per model where it is comma-separated ("hed,none")."""
    return [convert(part.strip()) for part in value.split(",")] if "," in value else convert(value)


def strategy() -> tf.distribute.Strategy | None:
    import tensorflow as tf

    return tf.distribute.MirroredStrategy() if STRATEGY.value == "mirrored" else None


def config() -> config_lib.DreamConfig:
    values = {name: holder.value for name, holder in CONFIG.items()}
    if RENDER.value:  # the render's values, except where a config flag is given
        render = renders.options(RENDER.value)
        values.update({name: value for name, value in render.items() if not CONFIG[name].present})
    return config_lib.DreamConfig(**values)


def source(value: str | None) -> sources.Source:
    """The input: `--size` means noise; else a file or a bundled sample's name. Its record (with the file's
    sha256) is taken now, so the sidecar describes the file the dream read. An input whose arrays alone
    exceed the memory available is refused here, before any network is built."""
    from tfdream.core import memory
    from tfdream.io import sources

    source = sources.Source.parse(value, size=SIZE.value, max_dim=MAX_DIM.value)
    decoded_shape, input_shape = source.shapes()
    memory.check_input(input_shape, decoded_shape)
    return sources.Source.from_config(source.get_config())


def checkpoint_seconds() -> float | None:
    """`--checkpoint_every` in seconds, None for checkpoints only when a dream is stopped."""
    return CHECKPOINT_EVERY.value * 60 or None
