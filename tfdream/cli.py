"""The `tfdream` command, on absl flags: dream, compare, layers, rerun, classes.

    tfdream dream [INPUT] OUTPUT [--model=inception_v3] [--layers=mixed3,mixed5:2] [--steps=50] ...
    tfdream compare [INPUT] OUTPUT_DIR [--presets=inception_v3_low_vs_high] [--models=..] [--layer_sets=..]
    tfdream layers [MODEL]
    tfdream rerun SIDECAR OUTPUT
    tfdream classes MODEL

`tfdream COMMAND --help` lists a command's flags; every flag also reads from `--flagfile=FILE`. The scripts in
`examples/` run the same mains. Flags are defined and read in this module only.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
import re
import sys
import typing
from collections.abc import Callable, Sequence

from absl import app
from absl import flags
from absl import logging
import tensorflow as tf

from tfdream import callbacks, compare, images, models, objectives, presets, samples, sidecar, steering
from tfdream import config as config_lib
from tfdream import dreamer as dreamer_lib
from tfdream import precision as precision_lib

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _IntsParser(flags.ListParser):
    """Comma-separated ints as a tuple, optionally of a fixed length."""

    def __init__(self, length: int | None = None):
        super().__init__()
        self.length = length

    def parse(self, argument):
        values = tuple(int(value) for value in (super().parse(argument) if isinstance(argument, str) else argument))
        if self.length is not None and len(values) != self.length:
            raise ValueError(f"expected {self.length} comma-separated ints")
        return values


class _OptionalIntParser(flags.ArgumentParser):
    """An int, or "none" for None."""

    def parse(self, argument):
        if argument is None or str(argument).lower() in ("none", ""):
            return None
        return int(argument)


def _field_docs(cls) -> dict[str, str]:
    """Each field's text from the "Attributes:" section of a dataclass docstring (the flag help)."""
    docs, name = {}, None
    for line in inspect.getdoc(cls).split("Attributes:", 1)[1].splitlines():
        match = re.match(r" {4}(\w+): (.*)", line)
        if match:
            name, docs[match[1]] = match[1], match[2]
        elif name and line.strip():
            docs[name] += " " + line.strip()
    return docs


_DEFINES = {bool: flags.DEFINE_bool, int: flags.DEFINE_integer, float: flags.DEFINE_float, str: flags.DEFINE_string}


def _define_config_flags() -> dict[str, flags.FlagHolder]:
    """One flag per `DreamConfig` field, with its type, default and documentation."""
    hints, docs, holders = typing.get_type_hints(config_lib.DreamConfig), _field_docs(config_lib.DreamConfig), {}
    for field in dataclasses.fields(config_lib.DreamConfig):
        kind, args = hints[field.name], (field.name, field.default, docs[field.name])
        if kind in _DEFINES:
            holders[field.name] = _DEFINES[kind](*args)
        elif kind == int | None:
            holders[field.name] = flags.DEFINE(_OptionalIntParser(), *args)
        elif kind == tuple[int, ...]:
            holders[field.name] = flags.DEFINE(_IntsParser(), *args, serializer=flags.CsvListSerializer(","))
        else:
            raise TypeError(f"no flag type for DreamConfig.{field.name}: {kind}")
    return holders


_MODEL = flags.DEFINE_string("model", "inception_v3", f"One of {', '.join(models.MODELS)}, or a saved .keras model.")
_WEIGHTS = flags.DEFINE_string("weights", "imagenet", "imagenet, none (random), hed (offline VGG16), or a weights file.")
_LAYERS = flags.DEFINE_string("layers", "", "NAME or NAME:WEIGHT, comma-separated, or a saved model's layer preset; "
                              "empty: the model's default layers (`tfdream layers MODEL` lists them).")
_LOSS = flags.DEFINE_enum("loss", "mean", objectives.REDUCTIONS, "Per-layer loss: mean activation or mean square.")
_CHANNELS = flags.DEFINE_multi_string("channels", [], "LAYER:C1,C2,...: dream only these channels of LAYER.")
_PREPROCESSING = flags.DEFINE_enum("preprocessing", None, list(models.PREPROCESSING), "Default: the model's own.")
_MIN_SIZE = flags.DEFINE_integer("min_size", None, "Smallest input side of a saved model.", lower_bound=1)
_JIT_COMPILE = flags.DEFINE_bool("jit_compile", False, "Compile the gradient step with XLA.")
_PRECISION = flags.DEFINE_enum("precision", "float32", precision_lib.PRECISIONS, "Arithmetic of the network.")
_STRATEGY = flags.DEFINE_enum("strategy", "none", ["none", "mirrored"], "mirrored: split tiles over all local "
                              "GPUs (tf.distribute.MirroredStrategy).")
_PRESETS = flags.DEFINE_list("presets", [], f"(model, layers) runs of the studies, instead of --model/--layers: "
                             f"{', '.join(presets.PRESETS)}.")
_MODELS = flags.DEFINE_list("models", [], "compare: models, each run with every layer set (default: --model).")
_LAYER_SETS = flags.DEFINE_multi_string("layer_sets", [], "compare: a layer set like --layers; repeat per set.")
_CONFIG = _define_config_flags()
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
_SIZE = flags.DEFINE(_IntsParser(2), "size", None, "HEIGHT,WIDTH: dream from seeded noise instead of an image.",
                     serializer=flags.CsvListSerializer(","))
_MAX_DIM = flags.DEFINE_integer("max_dim", None, "Shrink the input to at most this longer side.", lower_bound=1)
_OUTPUT = flags.DEFINE_string("output", None, "dream, rerun: output image; its sidecar .json goes beside it.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "compare: output folder (created if missing).")
_SIDECAR = flags.DEFINE_string("sidecar", None, "rerun: the sidecar .json of the dream to make again.")
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace existing output files.")
_HISTORY_CSV = flags.DEFINE_string("history_csv", None, "dream, rerun: write the per-step, per-layer losses as CSV.")
_HISTORY_JSON = flags.DEFINE_string("history_json", None, "dream, rerun: write the loss history as JSON.")
_HISTORY_PLOT = flags.DEFINE_string("history_plot", None, "dream, rerun: plot the loss history (.png, .pdf, .svg).")
_PROGRESS = flags.DEFINE_bool("progress", True, "Show a progress bar with ETA on stderr.")
_TENSORBOARD = flags.DEFINE_string("tensorboard", None, "TensorBoard log folder (compare: a subfolder per run).")

_DREAM_FLAGS = [_MODEL, _WEIGHTS, _LAYERS, _LOSS, _CHANNELS, _PREPROCESSING, _MIN_SIZE, _JIT_COMPILE, _PRECISION,
                _STRATEGY, _PRESETS, *_CONFIG.values(), _INPUT, _SIZE, _MAX_DIM, _OVERWRITE, _PROGRESS, _TENSORBOARD]
_HISTORY_FLAGS = [_HISTORY_CSV, _HISTORY_JSON, _HISTORY_PLOT]
_COMMAND_FLAGS = {
    "dream": [*_DREAM_FLAGS, _OUTPUT, *_HISTORY_FLAGS, *_STEERING_FLAGS],
    "compare": [*_DREAM_FLAGS, _MODELS, _LAYER_SETS, _OUTPUT_DIR],
    "layers": [_MODEL],
    "rerun": [_SIDECAR, _OUTPUT, *_HISTORY_FLAGS, _OVERWRITE, _PROGRESS, _TENSORBOARD, _STRATEGY],
    "classes": [_MODEL],
}


def _command(main: Callable[[list[str]], int]) -> Callable[[list[str]], int]:
    """Turns the errors a user can cause into one logged line and exit status 2 (`--verbosity=1`: traceback),
    and Ctrl-C outside of a dream into exit status 130."""

    @functools.wraps(main)
    def wrapper(argv: list[str]) -> int:
        try:
            return main(argv)
        except (app.UsageError, ValueError, TypeError, FileExistsError, ImportError,
                models.WeightsUnavailableError) as error:
            logging.debug("error details", exc_info=True)
            logging.error("%s", " ".join(str(error).split()))
            return EXIT_USAGE
        except KeyboardInterrupt:  # Ctrl-C outside a dream, or a second one during it
            logging.error("interrupted")
            return EXIT_INTERRUPTED

    return wrapper


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


def _model_path(model: str) -> str:
    """Saved models by absolute path, so the sidecar's record works from any folder."""
    return os.path.abspath(model) if model.endswith(".keras") else model


def _runs() -> list[presets.Run]:
    named = presets.resolve(_PRESETS.value)
    if named and (_MODEL.present or _LAYERS.present):
        raise app.UsageError("--presets chooses model and layers: use --models/--layer_sets (compare) to add runs, "
                             "not --model/--layers")
    if named and not (_MODELS.value or _LAYER_SETS.value):
        return named
    layer_sets = [presets.parse_layers(layer_set, "layer_sets") for layer_set in _LAYER_SETS.value]
    return [
        presets.Run(_model_path(model), layers)
        for model in _MODELS.value or [_MODEL.value]
        for layers in layer_sets or [presets.parse_layers(_LAYERS.value)]
    ] + named


def _dreamer_options() -> dict:
    weights = _WEIGHTS.value
    if weights.lower() == "none":
        weights = None
    elif os.path.isfile(weights):
        weights = os.path.abspath(weights)
    return dict(weights=weights, loss=_LOSS.value, channels=_channels(), preprocessing=_PREPROCESSING.value,
                min_size=_MIN_SIZE.value, jit_compile=_JIT_COMPILE.value, precision=_PRECISION.value,
                strategy=_strategy())


def _strategy() -> tf.distribute.Strategy | None:
    return tf.distribute.MirroredStrategy() if _STRATEGY.value == "mirrored" else None


def _config() -> config_lib.DreamConfig:
    return config_lib.DreamConfig(**{name: holder.value for name, holder in _CONFIG.items()})


def _source(value: str | None) -> tuple[str | None, tuple[int, int] | None]:
    """(image path, noise size): `--size` means noise; a bundled sample's name means its file."""
    if _SIZE.value is not None:
        if value is not None:
            raise app.UsageError(f"give either an input image or --size for noise, not both. Received: {value!r}")
        return None, _SIZE.value
    value = value or samples.DEFAULT
    if value in samples.NAMES and not os.path.exists(value):
        return str(samples.path(value)), None
    return value, None


def _callbacks(stop: callbacks.StopOnInterrupt, tensorboard: str | None, prefix: str = "") -> list:
    chosen = [stop]
    if _PROGRESS.value:
        chosen.append(callbacks.ProgressBar(prefix=prefix))
    if tensorboard:
        chosen.append(callbacks.TensorBoard(tensorboard))
    return chosen


def _check_outputs(output: str) -> None:
    """Checks the image, sidecar and history paths before any work, so a finished dream can be saved."""
    paths = [output, sidecar.sidecar_path(output), *(holder.value for holder in _HISTORY_FLAGS if holder.value)]
    images.check_output_path(output, overwrite=_OVERWRITE.value)
    for path in paths[1:]:
        images.check_output_path(path, overwrite=_OVERWRITE.value, image=False)
    if len({os.path.abspath(path) for path in paths}) < len(paths):
        raise app.UsageError(f"output files must differ (the sidecar is {sidecar.sidecar_path(output)}). "
                             f"Received: {[str(path) for path in paths]}")


def _save(result: dreamer_lib.DreamResult, output: str, source: dict) -> None:
    overwrite = _OVERWRITE.value
    path = result.save(output, overwrite=overwrite)
    sidecar.write(result, output, source, overwrite=overwrite)
    if _HISTORY_CSV.value:
        result.history.to_csv(_HISTORY_CSV.value, overwrite=overwrite)
    if _HISTORY_JSON.value:
        result.history.to_json(_HISTORY_JSON.value, overwrite=overwrite)
    if _HISTORY_PLOT.value:
        result.history.plot(_HISTORY_PLOT.value, overwrite=overwrite)
    logging.info("wrote %s and %s%s", path, sidecar.sidecar_path(path),
                 " (interrupted: the image after the last finished step)" if result.interrupted else "")


def _steered(layers):
    """The `Dreamer(layers=...)` argument with --objective, --guide and --class applied."""
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
    source, output = _arguments(argv, _INPUT, _OUTPUT, optional=1)
    _check_outputs(output)
    config = _config()
    runs = _runs()
    if len(runs) != 1:
        raise app.UsageError(f"dream makes one image but the flags name {len(runs)} runs: "
                             f"{[run.label for run in runs]}; use `tfdream compare`")
    image, size = _source(source)
    described = sidecar.describe_input(image, size=size, max_dim=_MAX_DIM.value)
    layers = _steered(runs[0].layers)
    options = _dreamer_options()
    if isinstance(layers, objectives.Objective):
        options["channels"] = None  # already in the objective's terms
    dreamer = dreamer_lib.Dreamer(runs[0].model, layers, **options)
    with callbacks.StopOnInterrupt() as stop:
        result = dreamer.dream(image, size=size, config=config, max_dim=_MAX_DIM.value,
                               callbacks=_callbacks(stop, _TENSORBOARD.value))
    _save(result, output, described)
    return EXIT_INTERRUPTED if stop.interrupted else 0


@_command
def compare_main(argv: list[str]) -> int:
    """Dreams one image through several layer sets and/or models, side by side.

    USAGE: tfdream compare [INPUT] OUTPUT_DIR [flags]
      e.g. --presets=inception_v3_low_vs_high, or --models=vgg19,resnet50, or --layer_sets=a,b --layer_sets=c
    """
    source, output_dir = _arguments(argv, _INPUT, _OUTPUT_DIR, optional=1)
    config = _config()
    runs = _runs()
    image, size = _source(source)
    tensorboard = _TENSORBOARD.value
    with callbacks.StopOnInterrupt() as stop:
        comparison = compare.compare(
            image, runs, output_dir, config=config, size=size, max_dim=_MAX_DIM.value,
            dreamer_options=_dreamer_options(), overwrite=_OVERWRITE.value,
            make_callbacks=lambda stem: _callbacks(stop, tensorboard and os.path.join(tensorboard, stem), f"{stem} "),
        )
    logging.info("wrote %d files to %s%s", len(comparison.files), output_dir,
                 " (interrupted: later runs skipped)" if comparison.interrupted else "")
    return EXIT_INTERRUPTED if stop.interrupted else 0


@_command
def layers_main(argv: list[str]) -> int:
    """Lists the dreamable layers of a model with their output shapes (nothing is downloaded).

    USAGE: tfdream layers [MODEL]
    """
    (model,) = _arguments(argv, _MODEL)
    loaded = models.load_model(_model_path(model), weights=None, preprocessing="identity")
    infos = models.list_layers(loaded)
    width = max(len(info.name) for info in infos)
    lines = [f"{info.name:<{width}}  {info.shape[1:]}" for info in infos]
    lines.append(f"default layers: {', '.join(loaded.default_layers) or '(none)'}")
    lines += [f"layer preset {name}: {', '.join(layers)}" for name, layers in loaded.layer_presets.items()]
    studies = [name for name, runs in presets.PRESETS.items() if any(run.model == model for run in runs)]
    if studies:
        lines.append(f"comparison presets (tfdream compare --presets=...): {', '.join(studies)}")
    print("\n".join(lines))
    return 0


@_command
def rerun_main(argv: list[str]) -> int:
    """Dreams again from a sidecar JSON: same model, layers, options, input and seed.

    USAGE: tfdream rerun SIDECAR OUTPUT [flags]
    """
    path, output = _arguments(argv, _SIDECAR, _OUTPUT)
    _check_outputs(output)
    source = sidecar.read(path)["input"]
    with callbacks.StopOnInterrupt() as stop:
        result = sidecar.rerun(path, callbacks=_callbacks(stop, _TENSORBOARD.value), strategy=_strategy())
    _save(result, output, source)
    return EXIT_INTERRUPTED if stop.interrupted else 0


@_command
def classes_main(argv: list[str]) -> int:
    """Lists a classifier's classes: index and name (from a saved model's metadata).

    USAGE: tfdream classes MODEL
    """
    (model,) = _arguments(argv, _MODEL)
    loaded = models.load_model(_model_path(model), weights=None, preprocessing="identity")
    top = steering.classifier_top(loaded.model)
    names = steering.class_names(_model_path(model))
    print("\n".join(f"{index}\t{names[index] if names else ''}".rstrip() for index in range(int(top.units))))
    return 0


COMMANDS = {"dream": dream_main, "compare": compare_main, "layers": layers_main, "rerun": rerun_main,
            "classes": classes_main}


def adopt_flags(command: str) -> None:
    """Makes `command`'s flags the ones `--help` shows for the running script."""
    for holder in _COMMAND_FLAGS[command]:
        flags.FLAGS.register_key_flag_for_module(sys.argv[0], flags.FLAGS[holder.name])


def run(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `tfdream` console command: `tfdream COMMAND [ARGS] [flags]`."""
    argv = list(sys.argv if argv is None else argv)
    if len(argv) < 2 or argv[1] not in COMMANDS:
        wants_help = len(argv) >= 2 and argv[1] in ("-h", "--help", "help")
        sys.stderr.write(__doc__.split("\n\n", 2)[1] + "\n")
        sys.exit(0 if wants_help else EXIT_USAGE)
    command = argv[1]
    sys.modules["__main__"].__doc__ = inspect.getdoc(COMMANDS[command]) + "\n"
    adopt_flags(command)
    app.run(COMMANDS[command], argv=[f"{argv[0]} {command}", *argv[2:]])


if __name__ == "__main__":
    run()
