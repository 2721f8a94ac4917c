"""Training classifiers from scratch to dream with: architectures, input pipelines, training, evaluation.

    from tfdream.training import evaluate, pipelines, train

    data = pipelines.load("mit_indoor67", manual_dir="/data/mit_indoor67")   # or "folder:/path/to/pictures"
    model_path = train.train(train.TrainConfig(architecture="vgg11_bn"), "runs/vgg11_bn",
                             data.train, data.test, data.class_names, split=data.split)
    evaluate.evaluate(model_path, data.test, "runs/vgg11_bn/eval")

`train` runs `Model.fit` on one machine and `loop.fit`, a custom loop, on several (`MultiWorkerMirroredStrategy`).
The TFDS builder of MIT Indoor 67 is `mit_indoor67/`. It may import `tfdream.core` and below.
"""

from tfdream.training import architectures, evaluate, loop, pipelines, plots, train

__all__ = ["architectures", "evaluate", "loop", "pipelines", "plots", "train"]
