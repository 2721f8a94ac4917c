"""`python -m tfdream.cli COMMAND ...`: the `tfdream` command."""

from tfdream import cli

cli.run()
