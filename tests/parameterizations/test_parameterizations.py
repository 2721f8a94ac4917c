"""Parameterizations: round trips, the adjoint against autodiff, the spectrum's scaling, colour matrices."""

import numpy as np
import pytest
import tensorflow as tf

from tfdream import models, parameterizations
from tfdream.parameterizations import spectrum

INCEPTION = models.PREPROCESSING["inception"]
CAFFE = models.PREPROCESSING["caffe"]


def _inside(shape, preprocessing, seed=0):
    """A model-space image well inside the value range."""
    rgb = np.random.default_rng(seed).uniform(20, 235, size=(*shape, 3)).astype(np.float32)
    return preprocessing.preprocess(rgb).numpy()


def _parameterizations(preprocessing):
    return [parameterizations.Parameterization(kind, preprocessing, decay=decay, color=color, squash=squash)
            for kind, decay in (("pixel", 1.0), ("fourier", 1.0), ("fourier", 1.7))
            for color in (None, parameterizations.IMAGENET_COLOR_SQRT) for squash in ("clip", "sigmoid")]


@pytest.mark.parametrize("preprocessing", [INCEPTION, CAFFE], ids=["inception", "caffe"])
@pytest.mark.parametrize("shape", [(6, 8), (7, 9)])
def test_decode_of_encode_is_the_image(preprocessing, shape):
    image = _inside(shape, preprocessing)
    for parameterization in _parameterizations(preprocessing):
        parameters = parameterization.encode(image)
        assert parameters.dtype == np.float32
        np.testing.assert_allclose(parameterization.decode(parameters, shape), image, atol=2e-4 * 255 / 127.5
                                   if preprocessing is INCEPTION else 2e-3)


def test_a_fourier_spectrum_round_trips_through_its_image():
    shape = (8, 10)
    parameterization = parameterizations.Parameterization("fourier", INCEPTION,
                                                          color=parameterizations.IMAGENET_COLOR_SQRT)
    parameters = parameterization.encode(_inside(shape, INCEPTION))
    again = parameterization.encode(parameterization.decode(parameters, shape))
    np.testing.assert_allclose(again, parameters, atol=1e-3)
    assert parameters.shape == (8, 6, 6)  # 10 // 2 + 1 complex columns, real and imaginary interleaved


@pytest.mark.parametrize("shape", [(6, 8), (7, 9), (5, 6)])
def test_the_spectrum_adjoint_is_the_transpose(shape):
    rng = np.random.default_rng(1)
    scale = spectrum.spectrum_scale(shape, 1.0)
    columns = shape[1] // 2 + 1
    spec = (rng.normal(size=(shape[0], columns, 3)) + 1j * rng.normal(size=(shape[0], columns, 3))).astype(np.complex64)
    y = rng.normal(size=(*shape, 3)).astype(np.float32)
    back = spectrum.adjoint(y, scale)
    forward = float(np.sum(spectrum.to_image(spec, scale, shape).astype(np.float64) * y))
    transposed = float(np.sum(spec.real * back.real + spec.imag * back.imag, dtype=np.float64))
    assert forward == pytest.approx(transposed, rel=1e-4)


def _tf_decode(parameterization, parameters, shape):
    """An independent TensorFlow forward of the module docstring's chain, for autodiff."""
    gain = 255.0 / np.asarray(parameterization.preprocessing.scale, np.float32)
    bias = -np.asarray(parameterization.preprocessing.offset, np.float32) / np.asarray(
        parameterization.preprocessing.scale, np.float32)
    if parameterization.kind == "fourier":
        pairs = tf.reshape(parameters, [shape[0], shape[1] // 2 + 1, 3, 2])
        spec = tf.complex(pairs[..., 0], pairs[..., 1]) * spectrum.spectrum_scale(shape, parameterization.decay)
        channels_first = tf.signal.irfft2d(tf.transpose(spec, [2, 0, 1]), fft_length=shape)
        d = tf.transpose(channels_first, [1, 2, 0]) * float(np.sqrt(shape[0] * shape[1]))
    else:
        d = parameters
    z = d if parameterization.color is None else tf.tensordot(d, parameterization.color.T, 1)
    u = tf.sigmoid(z) if parameterization.squash == "sigmoid" else z + 0.5
    u = u[..., ::-1] if parameterization.preprocessing.bgr else u
    return u * gain + bias


@pytest.mark.parametrize("preprocessing", [INCEPTION, CAFFE], ids=["inception", "caffe"])
def test_the_pullback_is_the_gradient_autodiff_takes(preprocessing):
    shape = (6, 7)
    image = _inside(shape, preprocessing, seed=2)
    upstream = np.random.default_rng(3).normal(size=(*shape, 3)).astype(np.float32)
    for parameterization in _parameterizations(preprocessing):
        parameters = tf.Variable(parameterization.encode(image))
        np.testing.assert_allclose(_tf_decode(parameterization, parameters, shape).numpy(),
                                   parameterization.decode(parameters.numpy(), shape), rtol=1e-4, atol=1e-2)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(_tf_decode(parameterization, parameters, shape) * upstream)
        expected = tape.gradient(loss, parameters).numpy()
        pulled = parameterization.pullback(parameterization.decode(parameters.numpy(), shape), upstream)
        np.testing.assert_allclose(pulled, expected, rtol=1e-3, atol=1e-3 * np.abs(expected).max())


def test_the_spectrum_scale_falls_as_one_over_f_to_the_decay():
    scale = spectrum.spectrum_scale((64, 64), decay=1.0)[..., 0]
    assert scale.shape == (64, 33)
    assert scale[0, 0] == pytest.approx(64.0)  # the floor 1 / max(H, W) keeps DC finite
    assert scale[0, 8] == pytest.approx(8.0) and scale[0, 32] == pytest.approx(2.0)  # f = 1/8, 1/2 cycles per pixel
    assert scale[3, 4] == pytest.approx(64 / 5)  # |f| = sqrt(3^2 + 4^2) / 64
    steeper = spectrum.spectrum_scale((64, 64), decay=2.0)[..., 0]
    np.testing.assert_allclose(steeper, scale**2, rtol=1e-5)
    np.testing.assert_array_equal(spectrum.spectrum_scale((64, 64), decay=0.0), 1.0)


def test_a_white_spectrum_makes_an_image_of_power_law_spectrum():
    shape = (64, 64)
    parameterization = parameterizations.Parameterization("fourier", models.PREPROCESSING["identity"], decay=1.0)
    rng = np.random.default_rng(4)
    white = rng.normal(size=(64, 33, 6)).astype(np.float32) * 0.01
    image = parameterization.decode(white, shape) - 127.5
    power = np.abs(np.fft.rfft2(image[..., 0])) ** 2
    freqs = spectrum.frequencies(shape)
    low, high = power[(freqs > 0.05) & (freqs < 0.1)].mean(), power[(freqs > 0.2) & (freqs < 0.4)].mean()
    assert 8 < low / high < 60  # 1/f amplitude: power falls as 1/f^2, about (0.3 / 0.075)^2 = 16 here


def test_color_correlation_sqrt_is_the_square_root_of_the_covariance():
    rng = np.random.default_rng(5)
    mixing = np.array([[40.0, 5.0, 1.0], [38.0, -4.0, 2.0], [35.0, 0.0, -3.0]])
    pixels = rng.normal(size=(20000, 3)) @ mixing.T + 128
    sqrt = parameterizations.color_correlation_sqrt([pixels.reshape(100, 200, 3)])
    covariance = np.cov((pixels / 255).T)
    ratio = (sqrt.astype(np.float64) @ sqrt.T) / covariance
    np.testing.assert_allclose(ratio, ratio[0, 0], rtol=1e-4)  # C C^T is the covariance up to one factor
    assert np.max(np.linalg.norm(sqrt, axis=0)) == pytest.approx(1.0) and np.all(sqrt[:, 0] > 0)
    assert np.max(np.linalg.norm(parameterizations.IMAGENET_COLOR_SQRT, axis=0)) == pytest.approx(1.0)


def test_color_matrices_load_by_name_or_file_and_bad_ones_are_refused(tmp_path):
    assert parameterizations.load_color_matrix("imagenet") is parameterizations.IMAGENET_COLOR_SQRT
    np.save(tmp_path / "mine.npy", np.eye(3) * 0.5)
    np.testing.assert_array_equal(parameterizations.load_color_matrix(tmp_path / "mine.npy"), np.eye(3) * 0.5)
    np.save(tmp_path / "flat.npy", np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"invertible, finite 3x3 matrix"):
        parameterizations.load_color_matrix(tmp_path / "flat.npy")
    with pytest.raises(ValueError, match=r"color_matrix must be \"imagenet\" or a .npy file"):
        parameterizations.load_color_matrix(tmp_path / "missing.npy")


def test_bad_kinds_name_the_argument():
    with pytest.raises(ValueError, match=r"parameterization must be one of \('pixel', 'fourier'\)\. Received: "
                                         r"parameterization='wavelet'"):
        parameterizations.Parameterization("wavelet", INCEPTION)
    with pytest.raises(ValueError, match=r"Received: squash='tanh'"):
        parameterizations.Parameterization("pixel", INCEPTION, squash="tanh")
