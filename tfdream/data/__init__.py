"""TFDS datasets of tfdream; importing this package registers them with `tfds`."""

from tfdream.data import mit_indoor67

__all__ = ["mit_indoor67"]
