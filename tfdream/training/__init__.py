"""Training classifiers from scratch to dream with: architectures, input pipelines, training, evaluation.

    from tfdream.training import data, evaluate, train

    train_data, class_names = data.load_mit_indoor67("train", manual_dir="/data/mit_indoor67")
    test_data, _ = data.load_mit_indoor67("test")
    model_path = train.train(train.TrainConfig(architecture="vgg11_bn"), "runs/vgg11_bn",
                             train_data, test_data, class_names, split=data.MIT_INDOOR67_SPLIT)
    evaluate.evaluate(model_path, test_data, "runs/vgg11_bn/eval")
"""

from tfdream.training import architectures, data, evaluate, plots, train

__all__ = ["architectures", "data", "evaluate", "plots", "train"]
