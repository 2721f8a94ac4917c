"""The atlas on Beam's local multi-process runner: the same bits with one worker as with two, and a run killed
part way (SIGTERM or SIGKILL) goes on, when run again, to the files of an uninterrupted one. Each run starts
worker processes that import TensorFlow: large."""

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.pipelines.conftest import tree

pytestmark = pytest.mark.large
pytest.importorskip("apache_beam", reason="the pipelines run on Apache Beam: pip install 'tfdream[beam]'")


def atlas_command(model, out_dir, workers, examples) -> list[str]:
    return [sys.executable, "-m", "tfdream.cli", "atlas", str(model), str(out_dir), "--layers=conv2,conv3",
            "--channels=0-5", "--render=lapnorm", "--steps=1", "--octaves=-1,0", "--tile_size=32", "--size=32,32",
            "--weights=none", "--preprocessing=inception", "--precision=float32", f"--examples={examples}",
            "--top_k=2", f"--workers={workers}", "--worker_threads=1"]


def run(command) -> str:
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr[-3000:]
    return finished.stderr


@pytest.fixture(scope="module")
def one_worker(tiny_keras, example_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("one_worker")
    run(atlas_command(tiny_keras, out, 1, example_folder))
    return out


def test_two_workers_write_the_same_bits_as_one(one_worker, tiny_keras, example_folder, tmp_path):
    log = run(atlas_command(tiny_keras, tmp_path, 2, example_folder))
    assert "atlas of 12 channels: 12 rendered now, 0 already there, examples for 12" in log
    assert len(tree(one_worker)) > 12 * 5 and tree(tmp_path) == tree(one_worker)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_run_goes_on_to_the_files_of_an_uninterrupted_one(one_worker, tiny_keras, example_folder,
                                                                   tmp_path, stop):
    command = atlas_command(tiny_keras, tmp_path, 2, example_folder)
    started = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while len(list(tmp_path.glob("units/*/c*[0-9].json"))) < 3 and started.poll() is None:
        assert time.monotonic() < deadline, "no unit finished in time"
        time.sleep(0.2)
    os.killpg(started.pid, stop)  # the command and its worker processes, as a terminal's Ctrl-\ or a kill would
    started.wait(timeout=60)
    done_before = len(list(tmp_path.glob("units/*/c*[0-9].json")))
    assert started.returncode != 0 and 3 <= done_before < 12 and not (tmp_path / "index.html").exists()
    log = run(command)
    assert f"atlas of 12 channels: {12 - done_before} rendered now, {done_before} already there" in log
    assert tree(tmp_path) == tree(one_worker)
