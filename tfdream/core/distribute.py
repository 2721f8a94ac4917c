"""Spreading each batch of tiles over the replicas of a `tf.distribute.Strategy` (e.g. several GPUs).

The batch is cut into equal contiguous shares, one per replica (padded with copies of its first tile when
the count does not divide, as a network may fail on an empty batch; the copies' results are dropped). Each
replica runs the tile-gradient function on its share with its own copy of the network (made in the
strategy's scope by `inference.build`), and the results are concatenated back in tile order, so the
output equals one device's up to floating-point rounding. `DreamConfig.batch_pixels` stays the budget of
one device: with N replicas the dreamer sends N times as many tiles per call. Each replica reads its share
from the whole batch (a few megabytes of tiles).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import tensorflow as tf


def spread(
    strategy: tf.distribute.Strategy,
    replica_fn: Callable[..., tf.Tensor],
    input_signature: Sequence[tf.TensorSpec],
    per_tile: Sequence[int] = (),
) -> tf.types.experimental.GenericFunction:
    """Compiles `(tiles, *args) -> replica_fn` results over a whole batch, each replica taking its share.

    Args:
        strategy: Where the replicas are; `replica_fn`'s variables must have been made in its scope.
        replica_fn: `(tiles (n, h, w, c), *args) -> nest of tensors with a leading tile axis`.
        input_signature: Of `(tiles, *args)`, tiles first.
        per_tile: Indices into `args` of inputs with one row per tile (a batch's `members`), shared out with
            the tiles; the other arguments go whole to every replica.

    Returns:
        A `tf.function` with `input_signature`, returning `replica_fn`'s nest for all tiles, in order.
    """

    replicas = strategy.num_replicas_in_sync

    def on_replica(tiles, *args):
        share = tf.shape(tiles)[0] // replicas
        first = tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group, tf.int32) * share
        args = [arg[first : first + share] if index in per_tile else arg for index, arg in enumerate(args)]
        return replica_fn(tiles[first : first + share], *args)

    def padded(rows, padding):
        return tf.concat([rows, tf.repeat(rows[:1], padding, axis=0)], axis=0)

    @tf.function(input_signature=input_signature)
    def run(tiles, *args):
        count = tf.shape(tiles)[0]
        padding = -count % replicas
        args = [padded(arg, padding) if index in per_tile else arg for index, arg in enumerate(args)]
        results = strategy.run(on_replica, args=(padded(tiles, padding), *args))
        return tf.nest.map_structure(
            lambda value: tf.concat(strategy.experimental_local_results(value), 0)[:count], results
        )

    return run
