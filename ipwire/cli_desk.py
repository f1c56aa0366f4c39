"""`ipwire search`, `ipwire show` and `ipwire report`: the analyst's desk on the command line."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Add the desk's commands to `cli`."""
