"""Optical flow between frames (OpenCV's DIS), warping along it, and where it can be trusted."""

from __future__ import annotations

import cv2
import numpy as np

from tfdream.io import images


def optical_flow(target: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """Dense flow from `target` back to `previous`, by OpenCV's DIS (medium preset).

    DIS (dense inverse search) rather than Farneback: it follows large displacements through its coarse-to-fine
    patch search and is several times faster at the same size (`benchmarks/flicker_benchmark.py` times both).

    Args:
        target: RGB (H, W, 3), uint8 or float in [0, 255]: the new frame.
        previous: RGB of the same shape: the frame before.

    Returns:
        float32 (H, W, 2): for each pixel of `target`, the (x, y) displacement to where it was in `previous`.
    """
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    return dis.calc(_gray(target), _gray(previous), None)


def _gray(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(images.to_uint8(rgb), cv2.COLOR_RGB2GRAY)


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """`image` moved along `flow` (bilinear, edges repeated): `out[y, x] = image[y + fy, x + fx]`.

    Args:
        image: float32 (H, W, C).
        flow: float32 (H, W, 2) from `optical_flow(target, previous)`, with `image` aligned to `previous`.

    Returns:
        float32 (H, W, C), aligned to `target`.
    """
    height, width = flow.shape[:2]
    grid_y, grid_x = np.mgrid[0:height, 0:width].astype(np.float32)
    return cv2.remap(image, grid_x + flow[..., 0], grid_y + flow[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def flow_reliability(backward: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """Where a backward flow can be trusted: 1 where the pixel was inside the previous frame and following the
    flow back then forward returns to it, 0 at occlusions, disocclusions and content entering the frame.

    The round trip may miss by 0.01 (|b|^2 + |f|^2) + 0.5 pixels (the test of Ruder et al., "Artistic style
    transfer for videos", 2016).

    Args:
        backward: float32 (H, W, 2), `optical_flow(target, previous)`.
        forward: float32 (H, W, 2), `optical_flow(previous, target)`.

    Returns:
        float32 (H, W) of 0 and 1.
    """
    height, width = backward.shape[:2]
    grid_y, grid_x = np.mgrid[0:height, 0:width].astype(np.float32)
    x, y = grid_x + backward[..., 0], grid_y + backward[..., 1]
    inside = (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)
    forward_there = warp(forward, backward)
    miss = np.sum((backward + forward_there) ** 2, axis=-1)
    allowed = 0.01 * (np.sum(backward**2, axis=-1) + np.sum(forward_there**2, axis=-1)) + 0.5
    return (inside & (miss <= allowed)).astype(np.float32)
