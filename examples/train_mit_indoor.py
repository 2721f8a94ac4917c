"""Trains a classifier from scratch on MIT Indoor 67 (official split) and saves it for dreaming.

    python examples/train_mit_indoor.py --manual_dir=/data/mit_indoor67 --architecture=vgg11_bn \
        --out_dir=runs/vgg11_bn

The first run builds the TFDS dataset from `--manual_dir` (see docs/mit_indoor67.md). Rerunning the same
command after an interruption resumes from the last finished epoch; a larger `--epochs` trains further.
`out_dir/model.keras` then dreams with `tfdream.Dreamer("runs/vgg11_bn/model.keras", layers="block4")`.
"""

from absl import app
from absl import flags
from absl import logging

from tfdream.training import architectures
from tfdream.training import pipelines
from tfdream.training import train

_DEFAULTS = train.TrainConfig()

_OUT_DIR = flags.DEFINE_string("out_dir", None, "Output folder (model, metadata, history, backup, logs).")
_DATA_DIR = flags.DEFINE_string("data_dir", None, "TFDS data directory (default ~/tensorflow_datasets).")
_MANUAL_DIR = flags.DEFINE_string(
    "manual_dir", None, "Folder with indoorCVPR_09.tar (or Images/), TrainImages.txt and TestImages.txt."
)
_ARCHITECTURE = flags.DEFINE_enum(
    "architecture", _DEFAULTS.architecture, sorted(architectures.ARCHITECTURES), "Network to train."
)
_IMAGE_SIZE = flags.DEFINE_integer("image_size", _DEFAULTS.image_size[0], "Side of the square training crops.")
_EPOCHS = flags.DEFINE_integer("epochs", _DEFAULTS.epochs, "Total epochs (a resumed run continues to this).")
_BATCH_SIZE = flags.DEFINE_integer("batch_size", _DEFAULTS.batch_size, "Global batch size.")
_OPTIMIZER = flags.DEFINE_enum("optimizer", _DEFAULTS.optimizer, train.OPTIMIZERS, "sgd (Nesterov) or adam.")
_LEARNING_RATE = flags.DEFINE_float("learning_rate", _DEFAULTS.learning_rate, "Peak learning rate.")
_MOMENTUM = flags.DEFINE_float("momentum", _DEFAULTS.momentum, "SGD momentum.")
_WEIGHT_DECAY = flags.DEFINE_float("weight_decay", _DEFAULTS.weight_decay, "Decoupled weight decay.")
_WARMUP_EPOCHS = flags.DEFINE_integer("warmup_epochs", _DEFAULTS.warmup_epochs, "Linear warmup epochs.")
_LABEL_SMOOTHING = flags.DEFINE_float("label_smoothing", _DEFAULTS.label_smoothing, "Label smoothing.")
_DROPOUT = flags.DEFINE_float("dropout", _DEFAULTS.dropout, "Dropout before the last layer.")
_AUGMENTATION = flags.DEFINE_bool(
    "augmentation", _DEFAULTS.augmentation, "Random crops, flips, colour jitter (--noaugmentation: center crops)."
)
_MIN_CROP_AREA = flags.DEFINE_float("min_crop_area", _DEFAULTS.min_crop_area, "Smallest crop (area fraction).")
_COLOR_JITTER = flags.DEFINE_float("color_jitter", _DEFAULTS.color_jitter, "Colour jitter strength.")
_MIXED_PRECISION = flags.DEFINE_bool("mixed_precision", _DEFAULTS.mixed_precision, "float16 compute (GPUs).")
_STRATEGY = flags.DEFINE_enum(
    "strategy", _DEFAULTS.strategy, train.STRATEGIES, "default (one device) or mirrored (all local GPUs)."
)
_SEED = flags.DEFINE_integer("seed", _DEFAULTS.seed, "Seed of initialization, shuffling and augmentation.")
_VERBOSE = flags.DEFINE_integer("verbose", 1, "Keras progress: 0 silent, 1 progress bar, 2 one line per epoch.")

flags.mark_flag_as_required("out_dir")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    config = train.TrainConfig(
        architecture=_ARCHITECTURE.value,
        image_size=(_IMAGE_SIZE.value, _IMAGE_SIZE.value),
        epochs=_EPOCHS.value,
        batch_size=_BATCH_SIZE.value,
        optimizer=_OPTIMIZER.value,
        learning_rate=_LEARNING_RATE.value,
        momentum=_MOMENTUM.value,
        weight_decay=_WEIGHT_DECAY.value,
        warmup_epochs=_WARMUP_EPOCHS.value,
        label_smoothing=_LABEL_SMOOTHING.value,
        dropout=_DROPOUT.value,
        augmentation=_AUGMENTATION.value,
        min_crop_area=_MIN_CROP_AREA.value,
        color_jitter=_COLOR_JITTER.value,
        mixed_precision=_MIXED_PRECISION.value,
        strategy=_STRATEGY.value,
        seed=_SEED.value,
    )
    train_data, class_names = pipelines.load_mit_indoor67(
        "train", data_dir=_DATA_DIR.value, manual_dir=_MANUAL_DIR.value
    )
    test_data, _ = pipelines.load_mit_indoor67("test", data_dir=_DATA_DIR.value)
    model_path = train.train(
        config, _OUT_DIR.value, train_data, test_data, class_names,
        split=pipelines.MIT_INDOOR67_SPLIT, verbose=_VERBOSE.value,
    )
    logging.info("Saved %s", model_path)


if __name__ == "__main__":
    app.run(main)
