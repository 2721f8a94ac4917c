"""Trains a classifier from scratch on MIT Indoor 67 (official split) or an image folder, and saves it for dreaming.

    python examples/train_mit_indoor.py --manual_dir=/data/mit_indoor67 --architecture=vgg11_bn \
        --out_dir=runs/vgg11_bn
    python examples/train_mit_indoor.py --dataset=folder:/data/my_pictures --test_fraction=0.2 \
        --architecture=resnet50 --out_dir=runs/mine

The first MIT Indoor 67 run builds the TFDS dataset from `--manual_dir` (see docs/mit_indoor67.md). Ctrl-C,
SIGTERM or SIGHUP end training after the current batch (exit 130, 143, 129); rerunning the same command after
an interruption resumes from the last finished epoch; a larger `--epochs` trains further. With `--strategy=multi_worker`, run the same command on every worker of the cluster described by
`TF_CONFIG` (docs/training.md, "More than one machine"). Every field of `TrainConfig` is a flag.
`out_dir/model.keras` then dreams with `tfdream.Dreamer("runs/vgg11_bn/model.keras", layers="block4")`.
"""

import contextlib
import os
import sys

from absl import app, flags, logging

# isort: off
from tfdream.base import flag_fields  # before TensorFlow: `import tfdream` turns oneDNN on (tfdream.base.startup)
from tfdream.core import callbacks
from tfdream.training import pipelines, train
import tensorflow as tf  # pylint: disable=wrong-import-order
# isort: on

_OUT_DIR = flags.DEFINE_string("out_dir", None, "Output folder (model, metadata, history, backup, logs).")
_DATASET = flags.DEFINE_string(
    "dataset", "mit_indoor67", "mit_indoor67, or folder:PATH for a folder with one sub-folder of images per class "
    "(or train/ and test/ folders of those)."
)
_DATA_DIR = flags.DEFINE_string("data_dir", None, "mit_indoor67: TFDS data directory (default ~/tensorflow_datasets).")
_MANUAL_DIR = flags.DEFINE_string(
    "manual_dir", None, "mit_indoor67: folder with indoorCVPR_09.tar (or Images/), TrainImages.txt, TestImages.txt."
)
_TEST_FRACTION = flags.DEFINE_float(
    "test_fraction", 0.2, "folder: fraction of the images held out for testing (0: none), unless it has train/ and "
    "test/ folders."
)
_SPLIT_SEED = flags.DEFINE_integer("split_seed", 0, "folder: seed of the random train/test split.")
_RESTART = flags.DEFINE_bool(
    "restart_after_peer_failure", True, "multi_worker: when another worker fails, restart this process (it waits "
    "for all workers, then resumes from the last backup) instead of exiting with an error."
)
_VERBOSE = flags.DEFINE_integer("verbose", 1, "Keras progress: 0 silent, 1 progress bar, 2 one line per epoch.")
_CONFIG = flag_fields.define_flags(train.TrainConfig)
for _holder in _CONFIG.values():
    flags.declare_key_flag(_holder.name)  # listed by --help with this script's own flags

flags.mark_flag_as_required("out_dir")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    try:
        config = train.TrainConfig(**{name: holder.value for name, holder in _CONFIG.items()})
        # Before any other TensorFlow operation: MultiWorkerMirroredStrategy configures the runtime.
        strategy = train.make_strategy(config.strategy)
        data = pipelines.load(
            _DATASET.value, data_dir=_DATA_DIR.value, manual_dir=_MANUAL_DIR.value,
            test_fraction=_TEST_FRACTION.value, split_seed=_SPLIT_SEED.value,
        )
    except ValueError as error:
        raise app.UsageError(str(error)) from error
    # One machine: a stop signal ends training after the current batch (exit 128 + signal). Several workers
    # stop together only by being killed: the others would wait for a stopped one forever.
    stop = callbacks.StopOnInterrupt()
    try:
        with stop if config.strategy != "multi_worker" else contextlib.nullcontext():
            model_path = train.train(
                config, _OUT_DIR.value, data.train, data.test, data.class_names,
                split=data.split, strategy=strategy, verbose=_VERBOSE.value, should_stop=stop.should_stop,
            )
    except (tf.errors.AbortedError, tf.errors.UnavailableError) as error:
        if config.strategy != "multi_worker" or not _RESTART.value:
            raise
        # Collective operations cannot recover within a process: start afresh, as a cluster manager would.
        logging.warning("Another worker failed (%s); restarting to resume from the backup.", type(error).__name__)
        os.execv(sys.executable, [sys.executable, *sys.argv])
    if stop.interrupted:
        return stop.exit_status  # 130 for Ctrl-C, 143 for SIGTERM: the backup is kept, a rerun resumes
    logging.info("Saved %s", model_path)
    return 0


if __name__ == "__main__":
    app.run(main)
