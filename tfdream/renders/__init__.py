"""Renders: named recipes of `DreamConfig` values (`recipes`: the notebook's `naive`, `multiscale`,
`lapnorm`), and channel galleries (`gallery`: every channel of a layer as its own dream, with a contact sheet).
The recipes come without TensorFlow, for the command line's flags; `channel_gallery` and `Gallery` load the
core on first use. It may import `tfdream.core` and below."""

from tfdream.renders.recipes import RENDERS, channel_stem, gallery_folder, options, parse_channels

__all__ = ["RENDERS", "channel_stem", "gallery_folder", "options", "parse_channels"]


def __getattr__(name: str):
    if name in ("Gallery", "channel_gallery"):
        from tfdream.renders import gallery  # pylint: disable=import-outside-toplevel  (needs TensorFlow)

        return getattr(gallery, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
