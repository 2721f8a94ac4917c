"""Starting the app: Gradio set up to work offline (no analytics, version check, share link or tunnel; its
cache in the workspace), the queue of one dream at a time, and the launch on a local address.

    with workspace.Workspace() as folder:
        server.serve(folder, model="vgg16", weights="hed")     # until Ctrl-C or SIGTERM; then the folder goes
"""

from __future__ import annotations

import logging
import os
import pathlib
import signal
import threading

from tfdream.app import workspace as workspace_lib

logger = logging.getLogger(__name__)

# Gradio reads these when it is imported and when it launches: nothing leaves the machine, the browser's uploads
# land in the workspace.
OFFLINE = {"GRADIO_ANALYTICS_ENABLED": "False", "GRADIO_SHARE": "False", "HF_HUB_OFFLINE": "1",
           "HF_HUB_DISABLE_TELEMETRY": "1", "GRADIO_SSR_MODE": "False", "GRADIO_MCP_SERVER": "False"}


def check_atlas(atlas: str | os.PathLike | None) -> pathlib.Path | None:
    """The atlas folder, checked to hold an index.html (None stays None).

    Raises:
        ValueError: no index.html in it.
    """
    if atlas is None:
        return None
    folder = pathlib.Path(atlas).resolve()
    if not (folder / "index.html").is_file():
        raise ValueError(f"atlas must be a folder with an index.html (made by `tfdream atlas`). Received: "
                         f"atlas={str(atlas)!r}")
    return folder


def start(workspace: workspace_lib.Workspace, *, host: str = "127.0.0.1", port: int | None = 7860,
          model: str = "inception_v3", weights: str = "imagenet", atlas: str | os.PathLike | None = None):
    """Launches the page in the background; returns the `gradio.Blocks` (`.local_url`, `.close()`).

    Args:
        workspace: The folder of uploads and outputs.
        host: The address to listen on (127.0.0.1: this machine only).
        port: The port; None for the first free one from 7860.
        model: The model chosen when the page opens: a name or a saved .keras model.
        weights: Its weights (named models).
        atlas: A folder made by `tfdream atlas`, opened in the Atlas tab.
    """
    folder = check_atlas(atlas)
    os.environ.update(OFFLINE, GRADIO_TEMP_DIR=str(workspace.uploads))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # Gradio's own start-up requests, one line each
    from tfdream.app import page as page_lib  # pylint: disable=import-outside-toplevel  (imports gradio)

    app = page_lib.DreamApp(workspace, model=model, weights=weights, atlas=folder)
    page = page_lib.build(app).queue(default_concurrency_limit=1)
    page.launch(server_name=host, server_port=port, share=False, prevent_thread_lock=True, inbrowser=False,
                quiet=True, show_error=False, footer_links=[], ssr_mode=False, mcp_server=False,
                allowed_paths=[str(folder)] if folder else None, max_file_size="200mb")
    return page


def serve(workspace: workspace_lib.Workspace, **options) -> str:
    """`start`s the page and serves until Ctrl-C or SIGTERM, then closes it; returns the address it had."""
    page = start(workspace, **options)
    logger.info("tfdream app at %s (Ctrl-C stops it)", page.local_url)
    stopped = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stopped.set()) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        stopped.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        page.close()
    return page.local_url
