"""Evaluates a model trained by train_mit_indoor.py on the test split of its dataset.

    python examples/evaluate_mit_indoor.py --model=runs/vgg11_bn/model.keras
    python examples/evaluate_mit_indoor.py --model=runs/mine/model.keras --dataset=folder:/data/my_pictures

Writes metrics.json, per_class_accuracy.csv, confusion_matrix.png, curves.png, pca.png and tsne.png to
`--out_dir` (default: an `eval` folder beside the model). PCA and t-SNE need scikit-learn. For a folder, give
the `--test_fraction` and `--split_seed` of the training run, so the test images are the ones held out.
"""

import pathlib

from absl import app, flags, logging

from tfdream.training import evaluate, pipelines

_MODEL = flags.DEFINE_string("model", None, "A .keras model saved by train_mit_indoor.py (with its .json).")
_OUT_DIR = flags.DEFINE_string("out_dir", None, "Report folder (default: <model folder>/eval).")
_DATASET = flags.DEFINE_string("dataset", "mit_indoor67", "mit_indoor67, or folder:PATH (as for training).")
_DATA_DIR = flags.DEFINE_string("data_dir", None, "mit_indoor67: TFDS data directory (default ~/tensorflow_datasets).")
_MANUAL_DIR = flags.DEFINE_string("manual_dir", None, "mit_indoor67: only if the dataset is not built yet.")
_TEST_FRACTION = flags.DEFINE_float("test_fraction", 0.2, "folder: as for training.")
_SPLIT_SEED = flags.DEFINE_integer("split_seed", 0, "folder: as for training.")
_BATCH_SIZE = flags.DEFINE_integer("batch_size", 64, "Evaluation batch size.")
_EMBEDDING_SAMPLES = flags.DEFINE_integer("embedding_samples", 2000, "Test images in the PCA/t-SNE plots.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the embedding sample and of t-SNE.")

flags.mark_flag_as_required("model")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    out_dir = _OUT_DIR.value or pathlib.Path(_MODEL.value).parent / "eval"
    try:
        data = pipelines.load(
            _DATASET.value, data_dir=_DATA_DIR.value, manual_dir=_MANUAL_DIR.value,
            test_fraction=_TEST_FRACTION.value, split_seed=_SPLIT_SEED.value,
        )
    except ValueError as error:
        raise app.UsageError(str(error)) from error
    if data.test is None:
        raise app.UsageError(f"{_DATASET.value} has no test images: give --test_fraction > 0 or test/ folders.")
    metrics = evaluate.evaluate(
        _MODEL.value, data.test, out_dir, class_names=data.class_names,
        batch_size=_BATCH_SIZE.value, embedding_samples=_EMBEDDING_SAMPLES.value, seed=_SEED.value,
    )
    logging.info("Wrote %s: %s", out_dir, metrics)


if __name__ == "__main__":
    app.run(main)
