"""Training classifiers from scratch to dream with: architectures, input pipelines, training, evaluation.

    from tfdream.training import evaluate, pipelines, train

    train_data, class_names = pipelines.load_mit_indoor67("train", manual_dir="/data/mit_indoor67")
    test_data, _ = pipelines.load_mit_indoor67("test")
    model_path = train.train(train.TrainConfig(architecture="vgg11_bn"), "runs/vgg11_bn",
                             train_data, test_data, class_names, split=pipelines.MIT_INDOOR67_SPLIT)
    evaluate.evaluate(model_path, test_data, "runs/vgg11_bn/eval")
"""

from tfdream.training import architectures, evaluate, pipelines, plots, train

__all__ = ["architectures", "evaluate", "pipelines", "plots", "train"]
