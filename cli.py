"""rivercheck's command line: parse arguments, call one library function, render, choose the exit status.

Exit status: 0 nothing at or above --fail-on; 1 findings at or above it; 2 bad input or usage (the
message names the file and line), or an output or history that cannot be written (a missing folder,
a full disk: the message names the file); 3 internal failure (the engine crashed, a worker died);
130 interrupted (Ctrl-C: 128 + SIGINT, as shells report it). On 2, 3 and 130 no report is half
written and the history is as it was (checker/publish.py says what each failure leaves).

Each command is defined in `checker/commands/` (scan, history, waivers and explain in `scan`; facts
and demo in `facts`; rules and schema in `rules`; what they share, including the one place errors
become exit statuses, in `common`); this module only puts them together as the `rivercheck` group.
"""

from __future__ import annotations

import click

from checker.commands import facts, rules, scan
from checker.scan import tool_version


@click.group()
@click.version_option(tool_version(), "--version", message="%(version)s")
def main() -> None:
    """rivercheck: compliance checks for the river and lake chief system (河长制)."""


for command in (
    scan.scan_command,
    scan.history_command,
    scan.waivers_group,
    scan.explain_command,
    facts.demo_group,
    facts.facts_group,
    rules.schema_command,
    rules.rules_group,
):
    main.add_command(command)


if __name__ == "__main__":
    main()
