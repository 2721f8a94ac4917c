"""Dreams one image; every tfdream option is a flag (`--help` lists them).

    python examples/dream.py --output=dream.png                      # the bundled coffee photo, InceptionV3
    python examples/dream.py --input=photo.jpg --output=dream.png --model=vgg16 --weights=hed \
        --layers=block4_conv3,block5_conv3:2 --steps=30 --octaves=-2,-1,0 --seed=0 --history_plot=losses.png
    python examples/dream.py --flagfile=examples/flagfiles/vgg16_hed.cfg --output=dream.png

Same as `tfdream dream`. Ctrl-C stops after the current step and saves what was made (exit status 130).
"""

from absl import app

from tfdream import cli

if __name__ == "__main__":
    cli.adopt_flags("dream")
    app.run(cli.COMMANDS["dream"].main)
