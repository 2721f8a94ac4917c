"""Channel galleries: every channel of one layer dreamed as its own objective, with a contact sheet.

| file | content |
|---|---|
| `OUTPUT` | the contact sheet, one labelled image per channel |
| `<stem>_channels/<layer>_cNNNN.png`, `.json` | each channel's dream and its sidecar (`tfdream rerun` makes it again) |
| `<stem>_channels/<layer>_cNNNN_history.csv` | its per-step loss |
| `<stem>_channels/losses.png` | every channel's loss curve, one panel each |
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tfdream import models, objectives
from tfdream.base import checks
from tfdream.core import callbacks as callbacks_lib
from tfdream.core import config as config_lib
from tfdream.core import dreamer as dreamer_lib
from tfdream.core import history, sidecar
from tfdream.core import result as result_lib
from tfdream.io import files, images, sheets
from tfdream.renders.recipes import channel_stem, gallery_folder


@dataclasses.dataclass
class Gallery:
    """What `channel_gallery` made.

    Attributes:
        channels: The channels dreamed, in order (fewer than asked when interrupted).
        results: Their `DreamResult`s.
        files: Output name -> path: "sheet", "losses", and each channel image's stem with ".png", ".json" or
            "_history.csv".
        interrupted: True when a callback stopped a channel's dream; later channels were skipped.
    """

    channels: list[int]
    results: list[result_lib.DreamResult]
    files: dict[str, pathlib.Path]
    interrupted: bool


class ChannelDreamers:
    """`Dreamer`s of one channel each that share one loaded network: a new objective needs a new compiled step,
    not a new network. The network is loaded on the first `dreamer` or `channel_count` call.

    Args:
        model: A name in `tfdream.models.MODELS` or a path to a saved `.keras` model.
        dreamer_options: Further `Dreamer` keyword arguments (`weights`, `loss`, `precision`, ...), not `channels`.
    """

    def __init__(self, model: str | os.PathLike, dreamer_options: Mapping[str, Any] | None = None):
        self.model = model
        self.options = dict(dreamer_options or {})
        if self.options.pop("channels", None) is not None:
            raise ValueError(f"dreamer_options cannot hold channels: give them as channels. "
                             f"Received: dreamer_options={self.options!r}")
        self._first: dreamer_lib.Dreamer | None = None

    def dreamer(self, layer: str, channel: int) -> dreamer_lib.Dreamer:
        """A `Dreamer` of channel `channel` of `layer` over the shared network."""
        return self._dreamer({layer: 1.0}, channels={layer: [channel]})

    def batch_dreamer(self, layer: str, channels: Sequence[int]) -> dreamer_lib.Dreamer:
        """A `Dreamer` of a batch of images, image `m` dreaming channel `channels[m]` of `layer` (its
        `objectives.per_image` objective), over the shared network: one compiled step for them all."""
        reduction = self.options.get("loss", "mean")
        return self._dreamer(objectives.per_image([objectives.layer(layer, channels=[channel], reduction=reduction)
                                                   for channel in channels]))

    def _dreamer(self, layers, **options) -> dreamer_lib.Dreamer:
        if self._first is None:
            self._first = dreamer_lib.Dreamer(self.model, layers, **options, **self.options)
            return self._first
        first = self._first
        shared = {key: value for key, value in self.options.items() if key in ("loss", "jit_compile", "strategy")}
        return dreamer_lib.Dreamer(first.loaded.model, layers, preprocessing=first.loaded.preprocessing,
                                   min_size=first.min_size, precision=first.precision, **options, **shared)

    def channel_count(self, layer: str) -> int:
        """The number of channels of `layer` (an unknown layer names close matches)."""
        first = self._first or self.dreamer(layer, 0)
        models.check_layer(first.loaded, layer)
        return int(first.loaded.model.get_layer(layer).output.shape[-1])

    def record_loaded_model(self, result: result_lib.DreamResult) -> None:
        """Makes `result`'s dreamer record name the model as loaded (name or file), not the in-memory network,
        so that its sidecar reruns."""
        result.dreamer = {**self._first.get_config(), "terms": result.dreamer["terms"],
                          "batch": result.dreamer["batch"]}


def channel_gallery(
    model: str | os.PathLike,
    layer: str,
    channels: Sequence[int],
    output: str | os.PathLike,
    *,
    image: str | os.PathLike | None = None,
    size: tuple[int, int] | None = (128, 128),
    config: config_lib.DreamConfig | None = None,
    max_dim: int | None = None,
    dreamer_options: Mapping[str, Any] | None = None,
    make_callbacks: Callable[[str], Sequence[callbacks_lib.Callback]] | None = None,
    columns: int = 4,
    sheet_width: int = 128,
    overwrite: bool = False,
    batch: int = 1,
) -> Gallery:
    """Dreams every channel of `layer` as its own objective and writes a contact sheet of them to `output`.

    The network is loaded once: each channel, or each `batch` of channels dreamed together in one compiled step
    (image `m` of the batch dreaming its channel alone, `objectives.per_image`), gets a `Dreamer` over the same
    `keras.Model`, and each channel's sidecar records `model` and its weights (and its place in its batch) so
    that `tfdream rerun` makes the channel again. Every output path is checked before the first dream; an
    interrupted channel (or batch) keeps its partial dream and later channels are skipped.

    A batch's first image starts from the noise a dream of one channel starts from, the others from noise of
    their own seeds; from a photo, each image of a batch is the dream of its channel alone.

    Args:
        model: A name in `tfdream.models.MODELS` or a path to a saved `.keras` model.
        layer: The layer whose channels are dreamed.
        channels: Channel indices, e.g. `range(16)` or `parse_channels("0-15")`.
        output: The contact sheet's image file; the per-channel files go to `gallery_folder(output)`.
        image: Input file, or None to dream from seeded noise of `size`.
        size: (height, width) of the noise when `image` is None.
        config: The `DreamConfig` of every channel (one seed for all; e.g. `DreamConfig(**options("lapnorm"))`).
        max_dim: Downscale the input so its longer side is at most this.
        dreamer_options: Further `Dreamer` keyword arguments (`weights`, `loss`, `precision`, ...).
        make_callbacks: Channel file stem (a batch's: its first and last channels', `layer_c0000-c0015`) ->
            callbacks for that dream.
        columns: Images per row of the sheet.
        sheet_width: Width in pixels of each image in the sheet.
        overwrite: Replace existing outputs.
        batch: Channels dreamed together, >= 1 (16 channels in batches of 8: two dreams).

    Returns:
        A `Gallery`.
    """
    channels = [int(channel) for channel in channels]
    if not channels or len(set(channels)) != len(channels) or min(channels) < 0:
        raise ValueError(f"channels must be distinct indices >= 0, at least one. Received: channels={channels}")
    if not (checks.is_int(batch) and batch >= 1):
        raise ValueError(f"batch must be an int >= 1. Received: batch={batch!r}")
    output, folder = pathlib.Path(output), gallery_folder(output)
    stems = [channel_stem(layer, channel) for channel in channels]
    images.check_output_path(output, overwrite=overwrite)
    if folder.is_dir():  # a new folder has nothing to overwrite; it is made once the layer and channels are known
        for path in [folder / "losses.png"] + [folder / f"{stem}{end}" for stem in stems
                                               for end in (".png", ".json", "_history.csv")]:
            images.check_output_path(path, overwrite=overwrite, image=False)
    elif folder.exists():
        raise ValueError(f"the channels' folder must be a folder. Received: '{folder}' is a file")
    if image is not None:
        size = None
    source = sidecar.describe_input(image, size=size, max_dim=max_dim)
    config = (config or config_lib.DreamConfig()).seeded()  # one seed for all channels: only objectives differ
    dreamers = ChannelDreamers(model, dreamer_options)
    objectives.layer(layer, channels=channels).check_channels({layer: dreamers.channel_count(layer)})
    folder.mkdir(exist_ok=True)
    done, results, written = [], [], {}
    for start in range(0, len(channels), batch):
        group, group_stems = channels[start : start + batch], stems[start : start + batch]
        dreamer = dreamers.dreamer(layer, group[0]) if len(group) == 1 else dreamers.batch_dreamer(layer, group)
        run_stem = group_stems[0] if len(group) == 1 else f"{group_stems[0]}-{group_stems[-1].rsplit('_', 1)[-1]}"
        result = dreamer.dream(image, size=size, config=config, max_dim=max_dim,
                               callbacks=make_callbacks(run_stem) if make_callbacks else ())
        for channel, stem, member in zip(group, group_stems, result.members or (result,)):
            dreamers.record_loaded_model(member)
            written.update(sidecar.save_run(member, folder, stem, source, overwrite=overwrite))
            done.append(channel)
            results.append(member)
        if result.interrupted:
            break
    labels = [f"{layer} {channel}" for channel in done]
    figure = history.loss_figure([result.history for result in results], labels, columns=columns)
    written["losses"] = files.save_figure(figure, folder / "losses.png", overwrite=overwrite)
    sheet = sheets.contact_sheet([result.image for result in results], labels, columns=columns, width=sheet_width)
    written["sheet"] = images.save_image(sheet, output, overwrite=overwrite)
    return Gallery(done, results, written, results[-1].interrupted)
