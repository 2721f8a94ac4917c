"""The `tfdream app` command: the local web app, a page to dream in the browser (`tfdream.app`)."""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

import importlib.util

from absl import flags, logging

from tfdream.cli import command, shared

NAME = "app"

PORT = flags.DEFINE_integer("port", 7860, "app: the port the page is served on (0: the first free one from 7860).",
                            lower_bound=0, upper_bound=65535)
HOST = flags.DEFINE_string("host", "127.0.0.1", "app: the address to listen on (127.0.0.1: this machine only; "
                           "0.0.0.0: every network the machine is on).")
ATLAS = flags.DEFINE_string("atlas", None, "app: a folder made by `tfdream atlas` (with index.html), opened in "
                            "the Atlas tab.")


@command.command(NAME, [shared.MODEL, shared.WEIGHTS, PORT, HOST, ATLAS])
def app_main(argv: list[str]) -> int:
    """Serves the web app until Ctrl-C: drop a photo, choose model, layers and settings, watch it dream.

    USAGE: tfdream app [--port=7860] [--model=inception_v3] [--weights=imagenet] [--atlas=FOLDER]
      Uploads and outputs live in a temporary folder removed on exit (pip install 'tfdream[app]').
    """
    shared.arguments(argv)
    if importlib.util.find_spec("gradio") is None:  # not imported here: Gradio reads its settings at import
        raise ImportError("the app needs Gradio: pip install 'tfdream[app]'")
    from tfdream.app import server, workspace

    server.check_atlas(ATLAS.value)
    with workspace.Workspace() as folder:
        address = server.serve(folder, host=HOST.value, port=PORT.value or None, model=shared.MODEL.value,
                               weights=shared.WEIGHTS.value, atlas=ATLAS.value)
    logging.info("closed %s; its temporary folder is removed", address)
    return 0
