"""The local web app (`tfdream app`): a Gradio page to dream a photo in the browser, compare layer sets and
models side by side, and open an atlas folder.

Every dream goes through the same `Dreamer`, tiles, octaves, loss history, callbacks and sidecars as the
library and the command line (`dreams`: the callback that feeds the page, the dream run in a worker thread,
the outputs written; `settings`: the page's values as `DreamConfig`, `Source` and `Dreamer` arguments).
Uploads and outputs live in one temporary folder removed on exit (`workspace`); `server` sets Gradio up to
work offline and launches `page`. Gradio is an optional extra (`pip install 'tfdream[app]'`), imported only
by `server` and `page`. It may import the features (`tfdream.studies`, `tfdream.renders`) and below.
"""
