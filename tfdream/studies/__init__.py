"""Comparisons: named (model, layers) runs (`runs`: `STUDIES`, `Run`, layer sets written as text) and one
input dreamed through several runs with side-by-side outputs (`compare`). The run names below come without
TensorFlow, for the command line's flags; `compare` imports the core. It may import `tfdream.core` and below.
"""

from tfdream.studies.runs import STUDIES, Run, parse_layers, resolve

__all__ = ["STUDIES", "Run", "parse_layers", "resolve"]
