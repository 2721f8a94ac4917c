"""Files: outputs checked before the work and written atomically (never a half-written file), and digests.

Every file the library writes goes through `atomic_write`: images (`images.save_image`), sidecars, loss
histories, figures (`save_figure`), text (`write_text`), model metadata and training outputs.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pathlib
import uuid
from collections.abc import Collection, Iterator
from typing import IO


class OutputExistsError(FileExistsError):
    """The output file exists and `overwrite` was not set."""


class OutputWriteError(OSError):
    """An output file could not be written (no space, too large, permission, ...); the message names the file
    and the cause, and the file that was there before is unchanged."""

    @classmethod
    def of(cls, path: pathlib.Path, error: OSError) -> OutputWriteError:
        """The one-line error for `error` raised while writing `path`."""
        cause = (error.strerror or str(error) or type(error).__name__).rstrip(".")
        return cls(error.errno, f"Cannot write '{path}': {cause[0].lower()}{cause[1:]}; the previous file, if any, "
                                "is unchanged")

    def __str__(self) -> str:
        return self.strerror


def check_output_path(path: str | os.PathLike, *, overwrite: bool = False,
                      suffixes: Collection[str] | None = None) -> pathlib.Path:
    """Checks that `path` can be written, before any expensive work is done.

    Args:
        path: the output file.
        overwrite: whether an existing file may be replaced.
        suffixes: if given, the lower-case extensions (".png", ...) the path may end in.

    Returns:
        The resolved path.

    Raises:
        ValueError: the path is a directory, its folder is missing or not writable, or its extension is not
            one of `suffixes`.
        OutputExistsError: the file exists and `overwrite` is False.
    """
    path = pathlib.Path(path).expanduser().resolve()
    if path.is_dir():
        raise ValueError(f"path must be a file, not a directory. Received: path='{path}'")
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise ValueError(f"path must end in one of {', '.join(suffixes)}. Received: path='{path}'")
    if path.parent.exists() and not path.parent.is_dir():
        raise ValueError(f"The folder of path is a file. Received: path='{path}'")
    if not path.parent.is_dir():
        raise ValueError(f"The folder of path does not exist. Received: path='{path}'")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise ValueError(f"The folder of path is not writable. Received: path='{path}'")
    if path.exists() and not overwrite:
        raise OutputExistsError(f"Output file '{path}' already exists; pass overwrite=True "
                                "(CLI: --overwrite) to replace it.")
    return path


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, *, overwrite: bool = False,
                 mode: str = "wb") -> Iterator[IO]:
    """Opens a file whose content appears at `path` only when the block succeeds.

    Data goes to a hidden temporary file in the same folder, which is flushed,
    fsynced and renamed over `path` (`os.replace`) when the block exits
    normally. On an exception the temporary file is removed and `path` is left
    untouched; a killed process leaves at most a stray `.<name>.*.tmp` file.

    Args:
        path: the destination file.
        overwrite: whether an existing file may be replaced.
        mode: "wb" (binary) or "w" (UTF-8 text, no newline translation).

    Yields:
        The open temporary file.

    Raises:
        ValueError: bad `mode`, or a path `check_output_path` rejects.
        OutputExistsError: the file exists and `overwrite` is False.
        OutputWriteError: the file could not be written (the previous file is kept).
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb'. Received: mode={mode!r}")
    path = check_output_path(path, overwrite=overwrite)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        # os.open (unlike tempfile.mkstemp) gives the file the usual umask-based permissions.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as error:
        raise OutputWriteError.of(path, error) from error
    try:
        text = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **text) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except OutputWriteError:
        tmp.unlink(missing_ok=True)
        raise
    except OSError as error:  # no space, file too large, I/O error, ...: the old file stays as it was
        tmp.unlink(missing_ok=True)
        raise OutputWriteError.of(path, error) from error
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike, text: str, *, overwrite: bool = False) -> pathlib.Path:
    """Writes UTF-8 `text` to `path` atomically; returns the path given."""
    with atomic_write(path, overwrite=overwrite, mode="w") as handle:
        handle.write(text)
    return pathlib.Path(path)


def save_figure(fig, path: str | os.PathLike, *, overwrite: bool = False) -> pathlib.Path:
    """Saves a matplotlib figure atomically, the format taken from the extension; returns the path given."""
    path = pathlib.Path(path)
    with atomic_write(path, overwrite=overwrite) as handle:
        fig.savefig(handle, format=path.suffix.lstrip(".").lower() or "png", dpi=120)
    return path


def sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes, read in blocks (the records that let a rerun refuse a changed input)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
