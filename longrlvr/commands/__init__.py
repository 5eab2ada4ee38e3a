"""Subcommands of the ``longrlvr`` command."""
