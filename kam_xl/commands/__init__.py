"""Subcommands of kam-xl."""
