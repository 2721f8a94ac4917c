"""Evaluates a model trained by train_mit_indoor.py on the MIT Indoor 67 test split.

    python examples/evaluate_mit_indoor.py --model=runs/vgg11_bn/model.keras

Writes metrics.json, per_class_accuracy.csv, confusion_matrix.png, curves.png, pca.png and tsne.png to
`--out_dir` (default: an `eval` folder beside the model). PCA and t-SNE need scikit-learn.
"""

import pathlib

from absl import app
from absl import flags
from absl import logging

from tfdream.training import pipelines
from tfdream.training import evaluate

_MODEL = flags.DEFINE_string("model", None, "A .keras model saved by train_mit_indoor.py (with its .json).")
_OUT_DIR = flags.DEFINE_string("out_dir", None, "Report folder (default: <model folder>/eval).")
_DATA_DIR = flags.DEFINE_string("data_dir", None, "TFDS data directory (default ~/tensorflow_datasets).")
_MANUAL_DIR = flags.DEFINE_string("manual_dir", None, "Only if the dataset is not built yet (see training).")
_BATCH_SIZE = flags.DEFINE_integer("batch_size", 64, "Evaluation batch size.")
_EMBEDDING_SAMPLES = flags.DEFINE_integer("embedding_samples", 2000, "Test images in the PCA/t-SNE plots.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the embedding sample and of t-SNE.")

flags.mark_flag_as_required("model")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    out_dir = _OUT_DIR.value or pathlib.Path(_MODEL.value).parent / "eval"
    test_data, _ = pipelines.load_mit_indoor67("test", data_dir=_DATA_DIR.value, manual_dir=_MANUAL_DIR.value)
    metrics = evaluate.evaluate(
        _MODEL.value, test_data, out_dir,
        batch_size=_BATCH_SIZE.value, embedding_samples=_EMBEDDING_SAMPLES.value, seed=_SEED.value,
    )
    logging.info("Wrote %s: %s", out_dir, metrics)


if __name__ == "__main__":
    app.run(main)
