"""The `tfdream` command, on absl flags: one subcommand per job, one module per subcommand.

    tfdream dream [INPUT] OUTPUT [--model=inception_v3] [--layers=mixed3,mixed5:2] [--steps=50] ...
    tfdream compare [INPUT] OUTPUT_DIR [--studies=inception_v3_low_vs_high] [--models=..] [--layer_sets=..]
    tfdream layers [MODEL]
    tfdream rerun SIDECAR OUTPUT
    tfdream resume SIDECAR_OR_CHECKPOINT
    tfdream video INPUT.mp4 OUTPUT.mp4|.gif [--coherence=flow] [--blend=0.5] [--later_steps=10] [--start=0] ...
    tfdream zoom [INPUT] OUTPUT.mp4|.gif [--frames=48] [--zoom=1.05] [--rotate=0] [--interpolate=0] ...
    tfdream convert GRAPH KERAS_FILE   (tensorflow_inception_graph.pb or inception5h.zip -> .keras)
    tfdream channels [INPUT] OUTPUT --layer=block4_conv3 --channels=0-15 [--render=lapnorm] [--size=128,128]
    tfdream classes MODEL
    tfdream atlas MODEL OUT_DIR --layers=block4_conv3 [--channels=all|0-63] [--examples=DIR] [--workers=2] [-- BEAM]
    tfdream batch 'photos/*.jpg' OUT_DIR [dream flags] [--workers=2] [-- BEAM_OPTIONS]
    tfdream app [--port=7860] [--model=inception_v3] [--atlas=FOLDER]   (the web app: pip install 'tfdream[app]')

`tfdream COMMAND --help` lists a command's flags; every flag also reads from `--flagfile=FILE`. A flag of
another command is a usage error, whether given on the command line or in a flagfile (a value that would be
silently ignored); absl's own flags (--verbosity, --flagfile, --help, ...) go with every command. Flags are
defined and read in this package only (`shared` holds those several commands take, `command` the
registration and error handling); the scripts in `examples/` run the same mains. This is the top of the house:
it may import every part of tfdream, inside the commands, so that defining the flags and answering `--help`
import no TensorFlow.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from absl import app as absl_app
from absl import flags

from tfdream.cli import (
    app,
    atlas,
    batch,
    channels,
    classes,
    command,
    compare,
    convert,
    dream,
    helptext,
    layers,
    rerun,
    resume,
    video,
    zoom,
)

# The commands, registered by importing their modules above, in the order `tfdream --help` lists them.
COMMANDS = {name: command.COMMANDS[name] for name in (
    dream.NAME, compare.NAME, layers.NAME, rerun.NAME, resume.NAME, video.NAME, zoom.NAME, convert.NAME,
    channels.NAME, classes.NAME, atlas.NAME, batch.NAME, app.NAME)}
EXIT_USAGE = command.EXIT_USAGE
EXIT_INTERRUPTED = command.EXIT_INTERRUPTED


def adopt_flags(name: str) -> None:
    """Makes `command`'s flags the ones absl's `--help` shows for the running script (`examples/`)."""
    for holder in COMMANDS[name].flags:
        flags.FLAGS.register_key_flag_for_module(sys.argv[0], flags.FLAGS[holder.name])


def run(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `tfdream` console command: `tfdream COMMAND [ARGS] [flags]`. Help and usage errors
    are answered here, without TensorFlow; absl parses the flags of a command that runs."""
    argv = list(sys.argv if argv is None else argv)
    name = argv[1] if len(argv) > 1 else None
    if name in (*helptext.HELP_FLAGS, "help"):
        sys.stdout.write(helptext.usage(COMMANDS))
        sys.exit(0)
    if name not in COMMANDS:
        problem = "missing command" if name is None else f"unknown command {name!r}"
        sys.stderr.write(f"{helptext.usage(COMMANDS)}\nerror: {problem}\n")
        sys.exit(EXIT_USAGE)
    options = argv[2:argv.index("--")] if "--" in argv else argv[2:]
    if any(option in helptext.HELP_FLAGS for option in options):
        sys.stdout.write(helptext.command_help(COMMANDS[name]))
        sys.exit(0)
    try:
        with command.terminated_by_signals():  # also while absl parses, before the command's own handling
            absl_app.run(COMMANDS[name].main, argv=[f"{argv[0]} {name}", *argv[2:]], flags_parser=_parse_flags)
    except command.Terminated as stop:
        sys.stderr.write(f"error: {stop}\n")
        sys.exit(128 + stop.signum)


def _parse_flags(argv: list[str]) -> list[str]:
    """absl's parse, with a bad flag value or flagfile as one line and exit status 2 (absl's own: two lines, 1)."""
    try:
        return flags.FLAGS(argv)
    except (flags.Error, UnicodeDecodeError, OSError) as error:  # a flagfile that is not UTF-8 or not readable
        problem = " ".join(str(error).split())
        if isinstance(error, UnicodeDecodeError):
            problem = f"a flagfile must be UTF-8 text: {problem}"
        sys.stderr.write(f"error: {problem} (`{argv[0]} --help` lists the flags)\n")
        sys.exit(EXIT_USAGE)
