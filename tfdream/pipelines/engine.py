"""The atlas and the batch as Apache Beam pipelines: the units (or photos) spread over workers, each worker
with its network loaded once (`DoFn.setup`), the examples' top-k combined per unit across workers.

Locally, and in the tests, they run on Beam's `FnApiRunner` with `--direct_running_mode=multi_processing
--direct_num_workers=N`: worker processes on this machine and nothing fetched from outside (Beam's default
local runner first tries Prism, which downloads a binary). Any other runner's options pass through unchanged
(`--runner=DataflowRunner --project=...`); the output folder must then be a file system every worker mounts.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import pathlib
import time
from collections.abc import Iterable, Sequence

try:
    import apache_beam as beam
    from apache_beam.options import pipeline_options
except ImportError as error:  # the optional extra
    raise ImportError(f"tfdream atlas and batch run on Apache Beam: pip install 'tfdream[beam]' ({error})") from error

from tfdream.io import files
from tfdream.pipelines import examples as examples_lib
from tfdream.pipelines import photos as photos_lib
from tfdream.pipelines import render, site
from tfdream.pipelines import units as units_lib

LOCAL_RUNNER = "FnApiRunner"
MANIFEST = site.MANIFEST
_LOG = logging.getLogger(__name__)


def beam_options(pipeline_args: Sequence[str] = (), workers: int = 1) -> pipeline_options.PipelineOptions:
    """Beam's options: `pipeline_args` as given; without a `--runner`, the local multi-process FnApiRunner with
    `workers` worker processes in front of them."""
    args = list(pipeline_args)
    if not any(arg == "--runner" or arg.startswith("--runner=") for arg in args):
        args = [f"--runner={LOCAL_RUNNER}", "--direct_running_mode=multi_processing",
                f"--direct_num_workers={workers}", *args]
    return pipeline_options.PipelineOptions(args)


def default_threads(workers: int) -> int:
    """TensorFlow threads per worker so that `workers` local workers share the cores without fighting."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def start_worker(threads: int | None) -> None:
    """Gives this process's TensorFlow `threads` intra- and inter-op threads (before its first operation)."""
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    if threads is None:
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already ran here (an in-process runner): its threads stay as they are
        _LOG.info("TensorFlow already started in this process: its thread counts stay")


class _RenderUnits(beam.DoFn):
    """Renders batches of units, the network loaded once per worker; skips a unit whose files are complete."""

    def __init__(self, spec: units_lib.AtlasSpec, out_dir: str, threads: int | None, overwrite: bool):
        self.spec, self.out_dir, self.threads, self.overwrite = spec, out_dir, threads, overwrite

    def setup(self):
        start_worker(self.threads)
        self.renderer = render.UnitRenderer(self.spec)

    def process(self, batch: Sequence[units_lib.Unit]) -> Iterable[str]:
        for unit in batch:
            if self.overwrite or not units_lib.is_complete(unit, self.out_dir):
                render.render_unit(self.spec, unit, self.out_dir, self.renderer)
                yield unit.label


class _ScoreImages(beam.DoFn):
    """Every image through the model once: ((layer, channel), (peak, key, box)) per unit."""

    def __init__(self, spec: units_lib.AtlasSpec, units: Sequence[units_lib.Unit], threads: int | None):
        self.spec, self.units, self.threads = spec, list(units), threads

    def setup(self):
        start_worker(self.threads)
        self.scorer = examples_lib.ExampleScorer(self.spec, self.units)

    def process(self, element: tuple[str, bytes]):
        key, data = element
        try:
            yield from self.scorer.score(key, data)
        except (ValueError, OSError) as error:  # a broken image is left out of every unit's examples
            _LOG.warning("examples: %s left out: %s", key, error)


@dataclasses.dataclass
class AtlasRun:
    """What `atlas` did: every unit, those it rendered now, how many had their examples written, the seconds."""

    units: list[units_lib.Unit]
    rendered: list[units_lib.Unit]
    examples: int
    seconds: float
    index: pathlib.Path


def atlas(spec: units_lib.AtlasSpec, out_dir: str | os.PathLike, *, workers: int = 1, threads: int | None = None,
          pipeline_args: Sequence[str] = (), overwrite: bool = False) -> AtlasRun:
    """Renders every unit of `spec` (and its examples) into `out_dir` and writes the atlas's web page.

    A rerun skips the units whose files are complete, so a stopped run goes on where it stopped; the bits of a
    unit do not depend on the number of workers. The examples' top-k needs every image, so a rerun with units
    whose examples are missing scores all images again (for those units only).

    Args:
        spec: What to render.
        out_dir: The atlas's folder (`docs/atlas.md` lists its files); made if missing.
        workers: Local worker processes (the local runner only).
        threads: TensorFlow threads per worker; None: the cores divided among the local workers.
        pipeline_args: Beam pipeline options, e.g. `["--runner=DataflowRunner", "--project=..."]`.
        overwrite: Render every unit again, and accept an `out_dir` made with another spec.

    Raises:
        ValueError: `out_dir` holds an atlas of another spec (without `overwrite`), or a bad spec.
    """
    start = time.monotonic()
    out_dir = pathlib.Path(out_dir)
    _check_manifest(spec, out_dir, overwrite)
    counts = render.UnitRenderer(spec).channel_counts()
    every = units_lib.enumerate_units(spec.layers, counts, spec.channels)
    if spec.examples and not spec.examples.startswith(examples_lib.TFDS_PREFIX):
        examples_lib.folder_keys(spec.examples)  # a folder without images is refused before any work
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_stray_temporaries(out_dir)
    files.write_text(out_dir / MANIFEST, json.dumps({"spec": spec.get_config(), "channel_counts": counts},
                                                    indent=1) + "\n", overwrite=True)
    todo = [unit for unit in every if overwrite or not units_lib.is_complete(unit, out_dir)]
    wanted = [unit for unit in every if spec.examples and (
        overwrite or not units_lib.is_complete(unit, out_dir, units_lib.EXAMPLE_FILES))]
    threads = default_threads(workers) if threads is None else threads
    if todo or wanted:
        with beam.Pipeline(options=beam_options(pipeline_args, workers)) as pipeline:
            if todo:
                _ = (pipeline | "Units" >> beam.Create(_batches(todo, workers)) | "SpreadUnits" >> beam.Reshuffle()
                     | "Render" >> beam.ParDo(_RenderUnits(spec, str(out_dir), threads, overwrite)))
            if wanted:
                _examples(pipeline, spec, wanted, str(out_dir), threads)
    index = site.build(out_dir)
    return AtlasRun(every, todo, len(wanted), time.monotonic() - start, index)


def _batches(todo: Sequence, workers: int, most: int = 8) -> list[list]:
    """`todo` in order, cut into batches: a few per worker (so all get work), at most `most` long."""
    size = max(1, min(most, math.ceil(len(todo) / (4 * max(1, workers)))))
    return [list(todo[start:start + size]) for start in range(0, len(todo), size)]


def _examples(pipeline, spec: units_lib.AtlasSpec, wanted: Sequence[units_lib.Unit], out_dir: str,
              threads: int | None) -> None:
    """The examples' map (score every image once), combine (top-k per unit across workers) and write."""
    top = (_read_examples(pipeline, spec, "Score")
           | "Score" >> beam.ParDo(_ScoreImages(spec, wanted, threads))
           | "TopK" >> beam.combiners.Top.PerKey(spec.top_k))
    requests = (top | "Requests" >> beam.FlatMapTuple(examples_lib.requests_of)
                | "ByImage" >> beam.GroupByKey())
    _ = (_read_examples(pipeline, spec, "Crop")
         | "Crop" >> beam.FlatMap(_crop_wanted, wanted=beam.pvalue.AsDict(requests), max_dim=spec.example_size)
         | "ByUnit" >> beam.GroupByKey()
         | "Write" >> beam.MapTuple(lambda unit, ranked: str(examples_lib.write_examples(
             units_lib.Unit(*unit), list(ranked), out_dir))))


def _crop_wanted(element: tuple[str, bytes], wanted: dict, max_dim: int):
    key, data = element
    if key in wanted:
        yield from examples_lib.crop(key, data, list(wanted[key]), max_dim)


def _read_examples(pipeline, spec: units_lib.AtlasSpec, label: str):
    """(key, encoded image) of every example image, spread over the workers."""
    if spec.examples.startswith(examples_lib.TFDS_PREFIX):
        return (pipeline | f"{label}Split" >> beam.Create([spec.examples])
                | f"{label}ReadSplit" >> beam.FlatMap(examples_lib.read_tfds)
                | f"{label}Spread" >> beam.Reshuffle())
    return (pipeline | f"{label}Images" >> beam.Create(examples_lib.folder_keys(spec.examples))
            | f"{label}Spread" >> beam.Reshuffle()
            | f"{label}Read" >> beam.Map(lambda key, folder: examples_lib.read_folder_image(folder, key),
                                         folder=spec.examples))


def _check_manifest(spec: units_lib.AtlasSpec, out_dir: pathlib.Path, overwrite: bool) -> None:
    path = out_dir / MANIFEST
    if overwrite or not path.is_file():
        return
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))["spec"]
    except (OSError, ValueError, KeyError) as error:
        raise ValueError(f"{path} is not an atlas record ({error}); give another OUT_DIR or --overwrite") from error
    if recorded != spec.get_config():
        changed = sorted(key for key in {**recorded, **spec.get_config()}
                         if recorded.get(key) != spec.get_config().get(key))
        raise ValueError(f"OUT_DIR holds an atlas made with other settings ({', '.join(changed)} differ, see {path}): "
                         "give the same settings to go on with it, another OUT_DIR, or --overwrite")


def _remove_stray_temporaries(out_dir: pathlib.Path) -> None:
    """Removes the temporary files of atomic writes that a killed run left (this run is the folder's writer)."""
    for path in out_dir.glob(f"{units_lib.UNITS_FOLDER}/**/.*.tmp"):
        path.unlink(missing_ok=True)


class _DreamPhotos(beam.DoFn):
    """Dreams photos, the `Dreamer` built once per worker; a photo that fails is reported, not raised."""

    def __init__(self, spec: photos_lib.BatchSpec, out_dir: str, threads: int | None):
        self.spec, self.out_dir, self.threads = spec, out_dir, threads

    def setup(self):
        start_worker(self.threads)
        self.dreamer = photos_lib.PhotoDreamer(self.spec)

    def process(self, batch: Sequence[str]):
        for photo in batch:
            try:
                self.dreamer.dream(photo, self.out_dir)
                yield {"photo": photo, "error": None}
            except (ValueError, OSError, MemoryError) as error:
                yield {"photo": photo, "error": " ".join(str(error).split())}


def batch(spec: photos_lib.BatchSpec, photos: Sequence[str | os.PathLike], out_dir: str | os.PathLike, *,
          workers: int = 1, threads: int | None = None, pipeline_args: Sequence[str] = (),
          overwrite: bool = False) -> dict:
    """Dreams every photo with one recipe into `out_dir`; a rerun skips the photos whose files are complete.

    A photo that cannot be dreamed (a broken file) is reported in `OUT_DIR/batch_summary.json` and does not stop
    the others.

    Returns:
        The summary: `photos` (how many), `done` (dreamed now), `skipped` (done before), `failed` (photo, error).
    """
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    photos = [str(pathlib.Path(photo).resolve()) for photo in photos]
    todo = [photo for photo in photos if overwrite or not photos_lib.is_done(photo, out_dir)]
    skipped = [photo for photo in photos if photo not in todo]
    threads = default_threads(workers) if threads is None else threads
    if todo:
        with beam.Pipeline(options=beam_options(pipeline_args, workers)) as pipeline:
            _ = (pipeline | "Photos" >> beam.Create(_batches(todo, workers)) | "Spread" >> beam.Reshuffle()
                 | "Dream" >> beam.ParDo(_DreamPhotos(spec, str(out_dir), threads))
                 | "Outcomes" >> beam.combiners.ToList()
                 | "Summary" >> beam.Map(photos_lib.write_summary, photos=photos, skipped=skipped,
                                         out_dir=str(out_dir)))
    else:
        photos_lib.write_summary([], photos=photos, skipped=skipped, out_dir=str(out_dir))
    return json.loads((out_dir / photos_lib.SUMMARY).read_text(encoding="utf-8"))
