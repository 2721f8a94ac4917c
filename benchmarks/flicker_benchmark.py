"""How much a dreamed video flickers: frames dreamed independently, blended, and warped along optical flow.

    python benchmarks/flicker_benchmark.py                       # VGG16 (HED weights, offline), a few minutes
    python benchmarks/flicker_benchmark.py --frames=24 --timing_frames=0

Makes a synthetic moving scene: a bundled photo, panned and rotated a little every frame (--frames frames of
--width x --height, encoded as an MP4), so the motion between any two frames is known exactly. Dreams it with
`Dreamer.dream_video` three ways, with the same steps for every frame: each frame on its own
(`coherence="none"`), starting from the previous dream as it is (`"blend"`), and from the previous dream warped
along the optical flow (`"flow"`); then `"flow"` again with one step after the first frame (the cheap budget).
Flicker is the mean absolute difference (0-255) between consecutive dreamed frames after moving the earlier one
by the known motion, over the pixels both frames see. Two references: the source frames (interpolation and
compression alone) and an ideal coherent dream (one dream of the photo, moved with the scene: its flicker is
what resampling dreamed detail costs). Dream strength is the mean absolute change from the source frame, so
flicker / strength compares runs that dream more or less. Then times one DIS and one Farneback optical flow at
854x480, and `"flow"` at 854x480 for --timing_frames frames.
"""

from __future__ import annotations

import pathlib
import tempfile
import time

import cv2
import numpy as np
from absl import app, flags

import tfdream
from tfdream import motion
from tfdream.io import images, samples, video

_MODEL = flags.DEFINE_string("model", "vgg16", "Named model.")
_WEIGHTS = flags.DEFINE_string("weights", "hed", "Weights: 'hed' (VGG16 offline), 'imagenet', None, or a file.")
_LAYERS = flags.DEFINE_list("layers", ["block4_conv3"], "Layers to dream.")
_FRAMES = flags.DEFINE_integer("frames", 48, "Frames of the synthetic scene.")
_WIDTH = flags.DEFINE_integer("width", 128, "Frame width of the flicker table.")
_HEIGHT = flags.DEFINE_integer("height", 96, "Frame height of the flicker table.")
_STEPS = flags.DEFINE_integer("steps", 4, "Ascent steps of every frame (one octave).")
_STEP_SIZE = flags.DEFINE_float("step_size", 0.02, "Step size.")
_BLEND = flags.DEFINE_float("blend", 0.3, "Share of the new source frame in a frame's start (blend, flow).")
_PAN = flags.DEFINE_float("pan", 1.5, "Pixels the scene moves right per frame.")
_TURN = flags.DEFINE_float("turn", 0.4, "Degrees the scene turns per frame.")
_TIMING_FRAMES = flags.DEFINE_integer("timing_frames", 3, "Frames dreamed at 854x480 for the timing (0: none).")


def scene_matrices(frames: int, width: int, height: int, pan: float, turn: float) -> list[np.ndarray]:
    """Affine maps (2x3) from frame coordinates to the photo's, one per frame: the view pans and turns."""
    matrices = []
    for index in range(frames):
        centre = (width / 2 + pan * index, height / 2)
        turned = cv2.getRotationMatrix2D((0.0, 0.0), turn * index, 1.0)
        offset = np.array([[1, 0, -width / 2], [0, 1, -height / 2], [0, 0, 1]])
        to_photo = np.vstack([turned, [0, 0, 1]]) @ offset
        to_photo[:2, 2] += np.array(centre) + np.array([60.0, 40.0])
        matrices.append(to_photo[:2])
    return matrices


def render(photo: np.ndarray, matrix: np.ndarray, width: int, height: int) -> np.ndarray:
    return cv2.warpAffine(photo, matrix, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REFLECT)


def between(earlier: np.ndarray, later: np.ndarray) -> np.ndarray:
    """The map from the later frame's coordinates to the earlier frame's (2x3)."""
    return (np.linalg.inv(np.vstack([earlier, [0, 0, 1]])) @ np.vstack([later, [0, 0, 1]]))[:2]


def flicker(frames: list[np.ndarray], matrices: list[np.ndarray], margin: int = 4) -> float:
    """Mean |later - earlier moved by the known motion| over pixels both see (a margin from any border)."""
    height, width = frames[0].shape[:2]
    inside = np.zeros((height, width), np.float32)
    inside[margin:-margin, margin:-margin] = 1
    total, count = 0.0, 0.0
    for index in range(1, len(frames)):
        motion_map = between(matrices[index - 1], matrices[index])
        moved = cv2.warpAffine(frames[index - 1].astype(np.float32), motion_map, (width, height),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
        seen = cv2.warpAffine(inside, motion_map, (width, height), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
        mask = (seen > 0) & (inside > 0)
        total += np.abs(moved - frames[index].astype(np.float32))[mask].sum()
        count += mask.sum() * 3
    return total / count


def row(label: str, dreamed, sources, matrices, seconds: float | None) -> None:
    """Prints a table row: flicker, strength (mean |dream - source| after the first frame), their ratio, time."""
    value = flicker(dreamed, matrices)
    strength = float(np.mean([np.abs(dream - source).mean() for dream, source in zip(dreamed[1:], sources[1:])]))
    timing = "" if seconds is None else f"{seconds:.2f}"
    print(f"| {label} | {value:.2f} | {strength:.2f} | {value / strength:.2f} | {timing} |")


def main(argv):
    del argv
    width, height, frames = _WIDTH.value, _HEIGHT.value, _FRAMES.value
    photo = images.to_uint8(images.load_image(samples.path("astronaut")))
    matrices = scene_matrices(frames, width, height, _PAN.value, _TURN.value)
    dreamer = tfdream.Dreamer(_MODEL.value, _LAYERS.value, weights=_WEIGHTS.value)
    config = tfdream.DreamConfig(steps=_STEPS.value, step_size=_STEP_SIZE.value, octaves=(0,), tile_size=512,
                                 seed=0)
    print(f"model {_MODEL.value} (weights {_WEIGHTS.value}, {dreamer.precision}), layers {_LAYERS.value}, {frames} frames of "
          f"{width}x{height}, {_STEPS.value} steps of {_STEP_SIZE.value} per frame, one octave, blend "
          f"{_BLEND.value}; the scene pans {_PAN.value} px and turns {_TURN.value} degrees per frame\n")
    with tempfile.TemporaryDirectory() as folder:
        folder = pathlib.Path(folder)
        source = video.write_video(folder / "scene.mp4", (render(photo, m, width, height) for m in matrices), 24)
        decoded = [pixels for _, pixels in video.read_frames(source)]
        sources = [images.load_image(pixels) for pixels in decoded]
        print("| frames | flicker (mean abs. difference, 0-255) | dream strength (mean abs. change) | "
              "flicker / strength | seconds per frame |")
        print("|---|---|---|---|---|")
        print(f"| source frames (measurement floor) | {flicker(decoded, matrices):.2f} | | | |")
        still = dreamer.dream(photo, config=config).image  # one dream of the photo, moved with the scene
        ideal = [render(still, m, width, height) for m in matrices]
        row("ideal: one dream of the photo, moved with the scene", ideal, sources, matrices, None)
        for coherence, later_steps, label in (
            ("none", None, "(a) dreamed independently"),
            ("blend", None, "(b) blended with the previous dream, no flow"),
            ("flow", None, "(c) previous dream warped along the optical flow"),
            ("flow", 1, "(c) warped along the flow, 1 step after the first frame"),
        ):
            began = time.perf_counter()
            result = motion.dream_video(dreamer, source, folder / f"{coherence}{later_steps}.mp4", config=config,
                                         coherence=coherence, blend=_BLEND.value, later_steps=later_steps)
            seconds = (time.perf_counter() - began) / frames
            dreamed = [images.load_image(result.work_dir / f"frame_{n:06d}.png") for n in range(frames)]
            row(label, dreamed, sources, matrices, seconds)
        if _TIMING_FRAMES.value:
            big = scene_matrices(_TIMING_FRAMES.value + 1, 854, 480, _PAN.value, _TURN.value)
            scene = [render(photo, m, 854, 480) for m in big]
            for name, flow in (("DIS (medium)", motion.optical_flow),
                               ("Farneback", lambda a, b: cv2.calcOpticalFlowFarneback(
                                   motion._gray(a), motion._gray(b), None, 0.5, 4, 21, 3, 5, 1.1, 0))):
                began = time.perf_counter()
                for index in range(1, len(scene)):
                    flow(scene[index], scene[index - 1])
                print(f"\n{name} optical flow at 854x480: "
                      f"{(time.perf_counter() - began) / (len(scene) - 1) * 1000:.0f} ms per frame")
            source = video.write_video(folder / "scene480.mp4", iter(scene), 24)
            motion.dream_video(dreamer, source, folder / "warm.mp4", config=config, end=1)  # traces the step at 480p
            began = time.perf_counter()
            motion.dream_video(dreamer, source, folder / "480.mp4", config=config, start=1, coherence="flow",
                                blend=_BLEND.value, later_steps=max(1, _STEPS.value // 2))
            seconds = (time.perf_counter() - began) / _TIMING_FRAMES.value
            print(f"\n854x480, coherence flow, {_STEPS.value} steps on the first frame and "
                  f"{max(1, _STEPS.value // 2)} on the others, tile 512: {seconds:.2f} s per frame "
                  f"({1 / seconds:.2f} frames per second), decoding, flow, PNGs and encoding included")


if __name__ == "__main__":
    app.run(main)
