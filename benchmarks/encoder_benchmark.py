"""How often libx264 encodes the same frames into other bytes: the same 12 frames written N times (run it
once on an idle machine and once beside a busy process: the difference shows under load).

    python benchmarks/encoder_benchmark.py --repeats=200

Prints the machine, then each distinct file's sha256 prefix with its count and the largest decoded pixel
difference from the most common one (docs/motion.md quotes it).
"""

from __future__ import annotations

import collections
import hashlib
import pathlib
import tempfile

import machine
import numpy as np
from absl import app, flags

from tfdream import testing
from tfdream.io import video

_REPEATS = flags.DEFINE_integer("repeats", 200, "Encodings of the same frames.", lower_bound=2)
_WIDTH = flags.DEFINE_integer("width", 96, "Frame width in pixels.", lower_bound=2)


def main(argv: list[str]) -> None:
    del argv
    print(machine.describe(machine.machine()))
    frames = [np.roll(testing.sample_image(64, _WIDTH.value, seed=1), 3 * index, axis=1) for index in range(12)]
    with tempfile.TemporaryDirectory() as folder:
        files, counts = {}, collections.Counter()
        for index in range(_REPEATS.value):
            path = video.write_video(pathlib.Path(folder) / f"{index}.mp4", frames, 12)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            counts[digest] += 1
            files.setdefault(digest, path)
        common = np.stack([pixels for _, pixels in video.read_frames(files[counts.most_common(1)[0][0]])])
        for digest, count in counts.most_common():
            decoded = np.stack([pixels for _, pixels in video.read_frames(files[digest])])
            print(f"{digest}: {count} of {_REPEATS.value}, decoded max difference "
                  f"{int(np.abs(decoded.astype(int) - common).max())}")


if __name__ == "__main__":
    app.run(main)
