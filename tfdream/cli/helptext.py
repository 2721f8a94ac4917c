"""The help texts of `tfdream --help` and `tfdream COMMAND --help`, made from the commands' docstrings and flags."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping

from absl import flags

from tfdream.cli import command

HELP_FLAGS = ("-h", "-help", "--help", "--helpshort")


_GLOBAL_FLAGS = {
    "--flagfile=FILE": "read flags from FILE, one per line (# starts a comment); later flags override them",
    "--verbosity=1": "absl's prefixes (time, file, line), the traceback of an error, TensorFlow's start-up lines",
}


def usage(commands: Mapping[str, command.Command]) -> str:
    """The text of `tfdream --help`: the usage line and every command with its one-line summary."""
    width = max(map(len, commands))
    lines = ["usage: tfdream COMMAND [ARGS] [flags]", "", "commands:"]
    lines += [f"  {name:<{width}}  {_summary(entry.main)}" for name, entry in commands.items()]
    return "\n".join([*lines, "", "`tfdream COMMAND --help` lists a command's arguments and flags."]) + "\n"


def command_help(entry: command.Command) -> str:
    """The text of `tfdream COMMAND --help`: what it does, its usage, and its own flags with their defaults."""
    lines = [inspect.getdoc(entry.main), "", "flags:"]
    for name in dict.fromkeys(holder.name for holder in entry.flags):
        flag = flags.FLAGS[name]
        shown = f"--[no]{name}" if flag.boolean else f"--{name}"
        default = "" if flag.default in (None, "", []) else f" (default: {flag.default_as_str.strip(chr(39))})"
        lines.append(_wrapped(f"{shown}: {' '.join(flag.help.split())}{default}"))
    lines += ["", "every command:"] + [_wrapped(f"{name}: {text}") for name, text in _GLOBAL_FLAGS.items()]
    return "\n".join(lines) + "\n"


def _summary(main: Callable) -> str:
    return " ".join(inspect.getdoc(main).split("\n\n", 1)[0].split())


def _wrapped(text: str) -> str:
    return flags.text_wrap(text, length=110, indent="      ", firstline_indent="  ")
