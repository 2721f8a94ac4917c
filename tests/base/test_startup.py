"""`import tfdream` imports no TensorFlow and chooses the environment it reads at import; the quiet start."""

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
    assert tfdream.Dreamer.__module__ == "tfdream.core.dreamer"
    assert tfdream.list_layers.__module__ == "tfdream.models.layers"
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        tfdream.nope  # pylint: disable=pointless-statement


@pytest.mark.parametrize("works", [True, False])
def test_quiet_import_hides_start_up_lines_unless_it_fails(tmp_path, works):
    fake = tmp_path / "tensorflow"  # a TensorFlow that writes to file descriptor 2 as the real one's C++ core does
    fake.mkdir()
    devices = "config = types.SimpleNamespace(list_physical_devices=lambda: os.write(2, b'E0000 cuInit\\n'))\n"
    broken = "raise ImportError('libtensorflow_framework.so.2: cannot open shared object file')\n"
    start = "import os, types\nos.write(2, b'I0000 port.cc] oneDNN custom operations are on\\n')\n"
    (fake / "__init__.py").write_text(start + (devices if works else broken))
    code = "from tfdream import startup\nstartup.import_tensorflow(quiet=True)\nprint('imported')"
    environ = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True)
    if works:
        assert (process.returncode, process.stdout, process.stderr) == (0, "imported\n", "")
    else:
        assert process.returncode == 1
        assert process.stderr.startswith("I0000 port.cc] oneDNN custom operations are on\nTraceback")
        assert "cannot open shared object file" in process.stderr
