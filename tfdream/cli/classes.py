"""The `tfdream classes` command: a classifier's class indices and names."""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

from tfdream.cli import command, shared

NAME = "classes"


@command.command(NAME, [shared.MODEL])
def classes_main(argv: list[str]) -> int:
    """Lists a classifier's classes: index and name (from a saved model's metadata).

    USAGE: tfdream classes MODEL
    """
    from tfdream import models
    from tfdream.models import classifiers

    (model,) = shared.arguments(argv, shared.MODEL)
    loaded = models.load_model(model, weights=None, preprocessing="identity")
    top = classifiers.classifier_top(loaded.model)
    names = classifiers.class_names(model)
    print("\n".join(f"{index}\t{names[index] if names else ''}".rstrip() for index in range(int(top.units))))
    return 0
