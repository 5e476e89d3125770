"""The one family of errors rivercheck reports to people.

Every known problem with the input is a `Diagnostic` that names a place (file, line, column), what
was expected and what was found; a `CheckerError` carries all diagnostics of a stage, sorted by place,
so that a maintainer fixes a file in one pass (exit status 2). `EngineError` is an internal failure:
the rule engine or a worker process died (exit status 3). Only `cli.py` turns them into exit codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True, slots=True)
class Location:
    """A place in an input file: path, 1-based line and column (either may be unknown)."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        text = self.path
        if self.line:
            text += f":{self.line}"
            if self.column:
                text += f":{self.column}"
        return text


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem with the input: where, a stable code, a message, detail lines and a cheap fix."""

    location: Location
    code: str
    message: str
    detail: tuple[str, ...] = field(default=(), compare=False)
    help: str = field(default="", compare=False)

    def render(self) -> str:
        lines = [f"{self.location}: {self.code}: {self.message}"]
        lines += [f"    {line}" for line in self.detail]
        if self.help:
            lines.append(f"    help: {self.help}")
        return "\n".join(lines)


class CheckerError(Exception):
    """Bad input or usage: one or more diagnostics, shown together, sorted by place (exit 2)."""

    exit_status = 2

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        if not self.diagnostics:
            raise ValueError("CheckerError needs at least one diagnostic")
        super().__init__(self.render())

    def __reduce__(self) -> tuple[type[CheckerError], tuple[list[Diagnostic]]]:
        # rebuilt from its diagnostics when it crosses from a worker process to the parent
        return (CheckerError, (self.diagnostics,))

    @classmethod
    def at(cls, location: Location, code: str, message: str, *, help: str = "") -> CheckerError:
        return cls([Diagnostic(location, code, message, help=help)])

    def render(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)


class EngineError(Exception):
    """The rule engine or a worker failed: never an empty result (exit 3)."""

    exit_status = 3


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean ...?' hint for a misspelt name, or '' when nothing is close."""
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""
