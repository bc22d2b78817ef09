"""Command-line subcommands: one module each, registered by bot.py; wiring only, no logic."""
