"""The names some options choose from, in a module that imports nothing heavy: the command line defines its
flags and help from them without importing TensorFlow. The module that acts on each choice re-exports it."""

PRECISIONS = ("auto", "float32", "mixed_bfloat16", "mixed_float16")  # Dreamer(precision=...): tfdream.inference
REDUCTIONS = ("mean", "l2")  # Dreamer(loss=...), objectives.layer(reduction=...): tfdream.objectives
NORMALIZATIONS = ("std", "mean", "laplacian")  # DreamConfig.normalization: tfdream.smoothing
COHERENCE = ("flow", "blend", "none")  # Dreamer.dream_video(coherence=...): tfdream.motion
PARAMETERIZATIONS = ("pixel", "fourier")  # DreamConfig.parameterization: tfdream.parameterizations
SQUASHES = ("clip", "sigmoid")  # DreamConfig.squash: tfdream.parameterizations
OPTIMIZERS = ("ascent", "adam")  # DreamConfig.optimizer: tfdream.core.optimizers
