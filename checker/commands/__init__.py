"""The command line's commands, by group; `cli.py` puts them together (`rivercheck = "cli:main"`)."""
