"""Multi-worker training on localhost: workers are processes of examples/train_mit_indoor.py with a TF_CONFIG.

Each worker imports TensorFlow and trains on the CPU, so these tests take tens of seconds: they are `large`.
`tests/test_training.py` keeps the always-on check that the custom loop matches `Model.fit`.
"""

import contextlib
import csv
import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
from PIL import Image
from sklearn import datasets

from tfdream.training import train

pytestmark = pytest.mark.large

_ROOT = pathlib.Path(__file__).resolve().parents[2]
_TIMEOUT = 240  # seconds for one training run of a worker
# Plain SGD on fixed data (no augmentation, dropout or batch norm): the weights depend only on the global batches.
_FLAGS = [
    "--architecture=alexnet", "--image_size=16,16", "--batch_size=8", "--warmup_epochs=0", "--optimizer=sgd",
    "--momentum=0", "--weight_decay=0", "--label_smoothing=0", "--dropout=0", "--noaugmentation",
    "--learning_rate=0.1", "--test_fraction=0.25", "--verbose=0",
]


@pytest.fixture(scope="module")
def digits(tmp_path_factory) -> pathlib.Path:
    """The first 40 scikit-learn digits (8x8) as PNG files in one folder per class."""
    root = tmp_path_factory.mktemp("digits")
    data = datasets.load_digits()
    for index, (image, label) in enumerate(zip(data.images[:40], data.target[:40])):
        folder = root / f"digit{label}"
        folder.mkdir(exist_ok=True)
        Image.fromarray((image * 255 / 16).astype(np.uint8)).save(folder / f"{index}.png")
    return root


def _free_ports(count: int) -> list[int]:
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


class _Cluster:
    """Worker processes on 127.0.0.1; every one still running is killed on exit."""

    def __init__(self, num_workers: int, args: list[str], logs: pathlib.Path):
        self.addresses = [f"127.0.0.1:{port}" for port in _free_ports(num_workers)]
        self.args, self.logs, self.processes, self.log_paths, self.started = args, logs, {}, {}, 0

    def start(self, index: int) -> subprocess.Popen:
        config = {"cluster": {"worker": self.addresses}, "task": {"type": "worker", "index": index}}
        env = dict(os.environ, TF_CONFIG=json.dumps(config), TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
        self.started += 1
        self.log_paths[index] = self.logs / f"worker{index}_{self.started}.log"
        log = self.log_paths[index].open("w")
        process = subprocess.Popen(
            [sys.executable, "examples/train_mit_indoor.py", *self.args], cwd=_ROOT, env=env, stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.processes[index] = process
        return process

    def wait(self, index: int, timeout: float = _TIMEOUT) -> int:
        return self.processes[index].wait(timeout=timeout)

    def log(self, index: int, last: int | None = 3000) -> str:
        text = self.log_paths[index].read_text()
        return text if last is None else text[-last:]

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)


def _train_cluster(num_workers: int, out_dir: pathlib.Path, args: list[str]) -> None:
    with _Cluster(num_workers, [f"--out_dir={out_dir}", *args], out_dir.parent) as cluster:
        for index in range(num_workers):
            cluster.start(index)
        for index in range(num_workers):
            assert cluster.wait(index) == 0, cluster.log(index)


def _train_alone(out_dir: pathlib.Path, args: list[str]) -> None:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    env.pop("TF_CONFIG", None)
    run = subprocess.run(
        [sys.executable, "examples/train_mit_indoor.py", f"--out_dir={out_dir}", *args],
        cwd=_ROOT, env=env, capture_output=True, text=True, timeout=_TIMEOUT,
    )
    assert run.returncode == 0, run.stderr[-3000:]


def _assert_same_weights(first: pathlib.Path, second: pathlib.Path) -> None:
    expected = keras.saving.load_model(first).get_weights()
    actual = keras.saving.load_model(second).get_weights()
    assert len(actual) == len(expected)
    for one, other in zip(expected, actual):
        np.testing.assert_allclose(other, one, rtol=1e-5, atol=1e-6)


def _epochs(history_csv: pathlib.Path) -> list[str]:
    with history_csv.open() as file:
        return [row["epoch"] for row in csv.DictReader(file)]


@pytest.mark.parametrize("num_workers", [2, 3])
def test_workers_train_the_weights_of_one_worker(tmp_path, digits, num_workers):
    """Two epochs: 30 training images in global batches of 8 (the last one of 6, split unevenly)."""
    args = [f"--dataset=folder:{digits}", "--epochs=2", *_FLAGS]
    _train_alone(tmp_path / "one", [*args, "--strategy=multi_worker"])
    _train_cluster(num_workers, tmp_path / "many", [*args, "--strategy=multi_worker"])
    _assert_same_weights(tmp_path / "one" / "model.keras", tmp_path / "many" / "model.keras")

    out = tmp_path / "many"
    assert sorted(path.name for path in out.iterdir()) == [
        "backup", "history.csv", "logs", "model.json", "model.keras", "train_config.json"
    ]
    assert _epochs(out / "history.csv") == ["0", "1"]
    many, one = train.read_history(out / "history.csv"), train.read_history(tmp_path / "one" / "history.csv")
    for key in one:
        np.testing.assert_allclose(many[key], one[key], rtol=1e-6)
    assert json.loads((out / "model.json").read_text())["class_names"] == [f"digit{d}" for d in range(10)]
    assert list((out / "logs" / "train").glob("events.out.tfevents.*"))


def test_one_epoch_on_workers_matches_model_fit(tmp_path, digits):
    """The first epoch of `loop.fit` sees the batches of `Model.fit`'s first epoch."""
    args = [f"--dataset=folder:{digits}", "--epochs=1", *_FLAGS]
    _train_alone(tmp_path / "fit", [*args, "--strategy=default"])
    _train_cluster(2, tmp_path / "workers", [*args, "--strategy=multi_worker"])
    _assert_same_weights(tmp_path / "fit" / "model.keras", tmp_path / "workers" / "model.keras")


def test_killed_worker_restarts_from_the_backup_and_the_run_finishes(tmp_path, digits):
    args = [f"--dataset=folder:{digits}", "--epochs=6", *_FLAGS, "--strategy=multi_worker"]
    out = tmp_path / "run"
    with _Cluster(2, [f"--out_dir={out}", *args], tmp_path) as cluster:
        chief, worker = cluster.start(0), cluster.start(1)
        deadline = time.monotonic() + _TIMEOUT
        checkpoint = out / "backup" / "checkpoint"
        while not (checkpoint.is_file() and "ckpt-2" in checkpoint.read_text()):
            assert time.monotonic() < deadline and chief.poll() is None, cluster.log(0)
            time.sleep(0.05)
        worker.kill()  # during epoch 3
        worker.wait(timeout=30)
        cluster.start(1)  # the chief restarts itself when its collective operations fail
        for index in (0, 1):
            assert cluster.wait(index) == 0, cluster.log(index)
        chief_log = cluster.log(0, last=None)
        assert "Another worker failed" in chief_log, chief_log[-3000:]
        assert re.search(r"Resuming from .* after [2-5] epochs", chief_log), chief_log[-3000:]

    assert _epochs(out / "history.csv") == ["0", "1", "2", "3", "4", "5"]
    assert not list(out.glob(".*"))  # no temporary backups of the other worker are left
    _train_alone(tmp_path / "uninterrupted", args)
    _assert_same_weights(tmp_path / "uninterrupted" / "model.keras", out / "model.keras")
