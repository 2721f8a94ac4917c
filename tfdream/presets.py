"""Former name of `tfdream.studies` (whose `STUDIES` were `PRESETS` here); import `tfdream.studies` instead."""

from tfdream.studies import STUDIES as PRESETS, Run, parse_layers, resolve  # noqa: F401
