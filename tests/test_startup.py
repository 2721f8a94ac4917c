"""`import tfdream` imports no TensorFlow and chooses the environment TensorFlow reads when it is imported."""

import os
import subprocess
import sys

import pytest

import tfdream


def _python(code: str, onednn: str | None = None) -> str:
    """The output of `code` run by a fresh interpreter, with TF_ENABLE_ONEDNN_OPTS=`onednn` (None: unset)."""
    environ = {key: value for key, value in os.environ.items() if key != "TF_ENABLE_ONEDNN_OPTS"}
    if onednn is not None:
        environ["TF_ENABLE_ONEDNN_OPTS"] = onednn
    return subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True,
                          check=True).stdout


def test_import_is_lazy_and_prefers_onednn():
    out = _python("import os, sys, tfdream; print('tensorflow' in sys.modules, 'keras' in sys.modules, "
                  "os.environ['TF_ENABLE_ONEDNN_OPTS'])")
    assert out.split() == ["False", "False", "1"]


def test_a_users_onednn_choice_wins():
    assert _python("import os, tfdream; print(os.environ['TF_ENABLE_ONEDNN_OPTS'])", onednn="0") == "0\n"


def test_public_names_resolve_on_first_use():
    assert set(tfdream.__all__) <= set(dir(tfdream))
    assert tfdream.Dreamer.__module__ == "tfdream.dreamer" and tfdream.list_layers.__module__ == "tfdream.models"
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        tfdream.nope  # pylint: disable=pointless-statement
