"""The `tfdream layers` command: a model's dreamable layers, default layers, layer sets and studies."""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

from tfdream import studies
from tfdream.cli import command, shared

NAME = "layers"


@command.command(NAME, [shared.MODEL])
def layers_main(argv: list[str]) -> int:
    """Lists the dreamable layers of a model with their output shapes (nothing is downloaded).

    USAGE: tfdream layers [MODEL]
    """
    from tfdream import models

    (model,) = shared.arguments(argv, shared.MODEL)
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
