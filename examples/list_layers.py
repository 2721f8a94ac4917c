"""Lists the dreamable layers of a model with their output shapes; nothing is downloaded.

    python examples/list_layers.py --model=inception_v3
    python examples/list_layers.py --model=path/to/model.keras

Same as `tfdream layers MODEL`.
"""

from absl import app

from tfdream import cli

if __name__ == "__main__":
    cli.adopt_flags("layers")
    app.run(cli.COMMANDS["layers"].main)
