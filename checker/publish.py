"""After the scan, before the reports: waivers and history annotate the result; redaction hides
people's names in reports that leave the office; the history records the scan last of all."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from checker.findings import ScanResult

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
        from checker.waivers import apply_waivers, load_waivers

        result = apply_waivers(result, load_waivers(waivers))
    if history is not None:
        from checker import history as store

        with store.open_history(history.path) as db:
            result = store.annotate(result, db)
    return result


def record(result: ScanResult, history: History | None) -> None:
    if history is not None:
        from checker import history as store

        with store.open_history(history.path) as db:
            store.record(result, db)


def redacted(result: ScanResult) -> ScanResult:
    from checker.redact import redact, redaction_key

    return redact(result, None, redaction_key(os.environ))


def history_report(history: History, lang: str) -> str:
    from checker import history as store

    with store.open_history(history.path, create=False) as db:
        return store.render_history(store.scans(db), lang)


def waiver_audit(result: ScanResult, waivers: Path, lang: str) -> str:
    from checker.waivers import apply_waivers, load_waivers, render_waiver_audit

    return render_waiver_audit(apply_waivers(result, load_waivers(waivers)), lang)
