"""MIT Indoor 67 TFDS dataset (manual download); importing this module registers `mit_indoor67`."""

from tfdream.training.mit_indoor67 import mit_indoor67_dataset_builder

Builder = mit_indoor67_dataset_builder.Builder
