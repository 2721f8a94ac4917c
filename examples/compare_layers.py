"""Dreams one image through several layer sets and/or models and writes a side-by-side comparison.

    python examples/compare_layers.py --output_dir=out/v3 --studies=inception_v3_low_vs_high
    python examples/compare_layers.py --output_dir=out/blocks --model=vgg16 --weights=hed \
        --layer_sets=block3_conv3 --layer_sets=block4_conv3 --layer_sets=block5_conv3
    python examples/compare_layers.py --flagfile=examples/flagfiles/inception_v3_low_vs_high.cfg --output_dir=out/v3

The folder gets every dream with its sidecar, a contact sheet, the loss curves of every layer (one panel per
run), all histories (CSV, JSON) and a summary table (CSV, Markdown). Same as `tfdream compare`.
"""

from absl import app

from tfdream import cli

if __name__ == "__main__":
    cli.adopt_flags("compare")
    app.run(cli.COMMANDS["compare"].main)
