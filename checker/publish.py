"""After the scan, before the reports: waivers and history annotate the result; redaction hides
people's names in reports that leave the office; the history records the scan last of all."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from checker.errors import CheckerError
from checker.results.document import ScanResult
from facts.nogc import collector_paused

HISTORY_ENV = "RIVERCHECK_HISTORY"
HISTORY_DEFAULT = Path(".rivercheck") / "history.sqlite"


@dataclass(frozen=True)
class History:
    """Where the history database is (a nightly job keeps one per scanned target)."""

    path: Path

    @classmethod
    def at(cls, path: Path | None) -> History:
        """The given path, else $RIVERCHECK_HISTORY, else .rivercheck/history.sqlite here."""
        return cls(path or Path(os.environ.get(HISTORY_ENV) or HISTORY_DEFAULT))


def annotate(result: ScanResult, waivers: Path | None, history: History | None) -> ScanResult:
    """The result with waiver states (when a waivers file is given) and history states."""
    if waivers is not None:
        from checker.state.waivers import apply_waivers, load_waivers

        result = apply_waivers(result, load_waivers(waivers))
    if history is not None:
        from checker.state import history as store

        with store.open_history(history.path) as db:
            result = store.annotate(result, db)
    return result


def publish(
    result: ScanResult,
    shown: ScanResult,
    targets: Sequence[tuple[str, Path]],
    lang: str,
    history: History | None,
) -> None:
    """Write the reports of `shown`, then record `result` in the history: each step whole or not at all.

    The reports are written together (`output.write_all`): when one cannot be written (a missing
    folder, a full disk: `output-write`, exit 2) no target changes and the history is not touched.
    The scan is recorded last, in one transaction: when that fails (`history-db`, exit 2; another
    error, 3; an interrupt, 130) the reports stand and the history is as it was, so running the
    scan again records it (and rewrites the same bytes).
    """
    from checker.output import write_all
    from checker.reports import render

    try:
        with collector_paused():  # the whole result dumped to dicts: no cycles, millions of objects
            write_all((path, render(shown, fmt, lang)) for fmt, path in targets)
    except CheckerError as error:
        raise _noting(error, "the history is unchanged") from None
    try:
        record(result, history)
    except CheckerError as error:
        note = "the reports were written, the scan was not recorded: the history is unchanged"
        raise _noting(error, note) from None


def _noting(error: CheckerError, note: str) -> CheckerError:
    """The same error with `note` as the last detail line of each diagnostic."""
    return CheckerError(replace(d, detail=(*d.detail, note)) for d in error.diagnostics)


def record(result: ScanResult, history: History | None) -> None:
    """Store the scan (one transaction: on any failure the database stays as it was)."""
    if history is not None:
        from checker.state import history as store

        with store.open_history(history.path) as db:
            store.record(result, db)


def redacted(result: ScanResult) -> ScanResult:
    from checker.results.redact import redact, redaction_key

    return redact(result, None, redaction_key(os.environ))


def history_report(history: History, lang: str) -> str:
    from checker.state import history as store
    from checker.state import trend

    with store.open_history(history.path, create=False) as db:
        return trend.render_history(trend.scans(db), lang)


def waiver_audit(result: ScanResult, waivers: Path, lang: str) -> str:
    from checker.state.waivers import apply_waivers, load_waivers, render_waiver_audit

    return render_waiver_audit(apply_waivers(result, load_waivers(waivers)), lang)
