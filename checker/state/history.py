"""The scan history: an embedded SQLite database of every recorded scan and its findings.

Nightly jobs `record` each scan; `annotate` compares a result with the scans stored before it, so a
supervisor sees what is new since last night, what persists (and for how long), what came back and
what was resolved. `annotate` only reads, and only scans strictly before the result's `as_of`: running
the same night again gives the same bytes, recorded or not.

How long a finding has been open: a finding's *streak* is the unbroken run of stored scans, ending at
the previous scan, that all contain it (a night with no stored scan does not break a streak; a stored
scan without the finding does). `first_seen` is the `as_of` of the first scan of the streak, and
`days_open` counts calendar days from it. A finding that comes back after a scan without it
(`regressed`) starts a new streak: its first_seen is this scan's as_of.

The schema carries its version (table `schema_version`) and the file an application id, so a file
that is not a rivercheck history, or one written by a newer rivercheck, is refused instead of being
altered. `MIGRATIONS[n]` takes the schema from version n to n + 1; pending migrations run in one
transaction. `recorded_at` is the only wall-clock value stored, and no report shows it.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from checker.errors import CheckerError, Location
from checker.language.schema import SEVERITIES, Text
from checker.results.document import Finding, ResolvedFinding, ScanResult
from checker.results.document import History as FindingHistory

HISTORY_DEFAULT = Path(".rivercheck/history.sqlite")
APPLICATION_ID = 0x52564348
"""'RVCH' in the SQLite header: marks a file as a rivercheck history."""

MIGRATIONS: list[str] = [
    # version 0 -> 1
    """
    CREATE TABLE schema_version (version INTEGER NOT NULL);
    INSERT INTO schema_version (version) VALUES (0);
    CREATE TABLE scans (
        as_of TEXT PRIMARY KEY,          -- ISO date YYYY-MM-DD: sorts as text
        rules_version TEXT NOT NULL,
        params_digest TEXT NOT NULL,
        facts_digest TEXT NOT NULL,
        tool TEXT NOT NULL,
        engine TEXT NOT NULL,
        result_version TEXT NOT NULL,
        counts TEXT NOT NULL,            -- JSON: the result's counts (by_severity, by_rule, by_kind)
        recorded_at TEXT NOT NULL        -- wall clock, for operators only: never in a report
    );
    CREATE TABLE findings (
        as_of TEXT NOT NULL REFERENCES scans (as_of) ON DELETE CASCADE,
        fingerprint TEXT NOT NULL,
        rule TEXT NOT NULL,
        article INTEGER NOT NULL,
        severity TEXT NOT NULL,
        subject TEXT NOT NULL,
        responsible TEXT,
        message_zh TEXT NOT NULL,
        message_en TEXT NOT NULL,
        PRIMARY KEY (as_of, fingerprint)
    );
    CREATE INDEX findings_by_fingerprint ON findings (fingerprint, as_of);
    """,
]
"""SQL scripts, in order; the schema version is how many have run. Append, never edit."""


class History:
    """An open history database (use `open_history`); a context manager that closes it."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> History:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def fail(self, message: str, help: str = "") -> CheckerError:
        """A `history-db` error naming this database file."""
        return CheckerError.at(Location(str(self.path)), "history-db", message, help=help)


def open_history(path: Path, *, create: bool = True) -> History:
    """Open (or create, with its folders) the history at `path`, migrating it to the current schema.

    With `create=False` (for commands that only read) a missing file is an error instead.
    """
    where = Location(str(path))
    if not create and not path.exists():
        raise CheckerError.at(
            where,
            "history-db",
            "no history database here (no scan has been recorded)",
            help="a scan records one; give the path the nightly job uses",
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    except (OSError, sqlite3.Error) as error:
        raise CheckerError.at(where, "history-db", f"cannot open the history database: {error}") from None
    history = History(connection, path)
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        _migrate(history)
    except sqlite3.OperationalError as error:  # locked, read-only, I/O: the file may be fine
        connection.close()
        raise history.fail(f"cannot open the history database: {error}") from None
    except sqlite3.DatabaseError as error:
        connection.close()
        raise history.fail(
            f"not a rivercheck history database: {error}",
            help="give the file rivercheck made, or a new path (it is created)",
        ) from None
    except BaseException:
        connection.close()
        raise
    return history


def _migrate(history: History) -> None:
    connection = history.connection
    current = len(MIGRATIONS)
    if _version(history) == current:  # the usual case, without taking the write lock
        return
    connection.execute("BEGIN IMMEDIATE")  # re-read under the lock: another job may have migrated it
    try:
        version = _version(history)
        for number in range(version, current):
            try:
                for statement in _statements(MIGRATIONS[number]):
                    connection.execute(statement)
            except sqlite3.Error as error:
                raise history.fail(
                    f"cannot migrate the history from schema version {number} to {number + 1}: {error}",
                    help="the file is unchanged; report this with the rivercheck version",
                ) from None
            connection.execute("UPDATE schema_version SET version = ?", (number + 1,))
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute("COMMIT")
    except BaseException:
        _roll_back(connection)
        raise


def _roll_back(connection: sqlite3.Connection) -> None:
    """Undo the open transaction (SQLite may already have undone it after some errors)."""
    if connection.in_transaction:
        connection.execute("ROLLBACK")


def _version(history: History) -> int:
    """The schema version of the file (0 for an empty one); refuses foreign or newer files."""
    connection = history.connection
    (application,) = connection.execute("PRAGMA application_id").fetchone()
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if application == 0 and not tables:
        return 0
    if application != APPLICATION_ID or "schema_version" not in tables:
        raise history.fail(
            "not a rivercheck history database (it holds other data)",
            help="give the file rivercheck made, or a new path (it is created)",
        )
    row = connection.execute("SELECT version FROM schema_version").fetchone()
    version = int(row[0]) if row else 0
    if version > len(MIGRATIONS):
        raise history.fail(
            f"the history has schema version {version}; this rivercheck knows up to {len(MIGRATIONS)}",
            help="use the rivercheck that wrote it (or a newer one)",
        )
    return version


def _statements(script: str) -> Iterator[str]:
    """A script's statements one by one (`executescript` would commit the open transaction)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        yield pending.strip()


# --- comparing with earlier scans ---------------------------------------------------------------


def annotate(result: ScanResult, history: History) -> ScanResult:
    """The result with each finding's history, the resolved findings and the previous scan's date.

    Reads only scans strictly before the result's as_of: re-running a night gives the same bytes.
    """
    as_of = result.stamp.as_of
    earlier = _scan_dates(history, before=as_of)
    current = {f.fingerprint for f in result.findings}
    if not earlier:
        findings = [_with_history(f, "new", as_of, as_of) for f in result.findings]
        return result.model_copy(update={"findings": findings, "previous_scan": None, "resolved": []})
    previous = earlier[-1]
    before_rows = _finding_rows(history, previous)
    seen = _dates_seen(history, current | set(before_rows), before=as_of)
    findings = []
    for finding in result.findings:
        dates = seen.get(finding.fingerprint, set())
        if previous in dates:
            first = _streak_start(dates, earlier)
            findings.append(_with_history(finding, "persisting", first, as_of))
        elif dates:
            findings.append(_with_history(finding, "regressed", as_of, as_of))
        else:
            findings.append(_with_history(finding, "new", as_of, as_of))
    resolved = [
        ResolvedFinding(
            fingerprint=row["fingerprint"],
            rule=row["rule"],
            article=row["article"],
            severity=row["severity"],
            subject=row["subject"],
            responsible=row["responsible"],
            message=Text(zh=row["message_zh"], en=row["message_en"]),
            first_seen=_streak_start(seen[fingerprint], earlier),
            last_seen=previous,
        )
        for fingerprint, row in before_rows.items()
        if fingerprint not in current
    ]
    resolved.sort(key=lambda r: (-severity_rank(r.severity), r.rule, r.subject, r.fingerprint))
    return result.model_copy(update={"findings": findings, "previous_scan": previous, "resolved": resolved})


def _with_history(finding: Finding, state: str, first_seen: dt.date, as_of: dt.date) -> Finding:
    history = FindingHistory.model_validate(
        {"state": state, "first_seen": first_seen, "days_open": (as_of - first_seen).days}
    )
    return finding.model_copy(update={"history": history})


def _streak_start(dates: set[dt.date], scans: Sequence[dt.date]) -> dt.date:
    """The first scan of the unbroken run of `scans` (oldest first) that ends at the last one."""
    start = scans[-1]
    for scan in reversed(scans):
        if scan not in dates:
            break
        start = scan
    return start


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def _scan_dates(history: History, before: dt.date | None = None) -> list[dt.date]:
    query = "SELECT as_of FROM scans"
    params: tuple[str, ...] = ()
    if before is not None:
        query += " WHERE as_of < ?"
        params = (before.isoformat(),)
    rows = read_rows(history, query + " ORDER BY as_of", params)
    return [dt.date.fromisoformat(row[0]) for row in rows]


_COLUMNS = (
    "fingerprint",
    "rule",
    "article",
    "severity",
    "subject",
    "responsible",
    "message_zh",
    "message_en",
)
"""The stored columns of a finding, as `annotate` reads them back."""


def _finding_rows(history: History, as_of: dt.date) -> dict[str, dict[str, Any]]:
    columns = _COLUMNS
    rows = read_rows(
        history,
        f"SELECT {', '.join(columns)} FROM findings WHERE as_of = ? ORDER BY fingerprint",
        (as_of.isoformat(),),
    )
    return {row[0]: dict(zip(columns, row, strict=True)) for row in rows}


def _dates_seen(history: History, fingerprints: set[str], before: dt.date) -> dict[str, set[dt.date]]:
    """For each fingerprint, the stored scans before `before` that had it."""
    seen: dict[str, set[dt.date]] = {}
    ordered = sorted(fingerprints)
    chunk = 500  # stays under SQLite's limit on bound parameters
    for start in range(0, len(ordered), chunk):
        part = ordered[start : start + chunk]
        marks = ", ".join("?" * len(part))
        rows = read_rows(
            history,
            f"SELECT fingerprint, as_of FROM findings WHERE as_of < ? AND fingerprint IN ({marks})",
            (before.isoformat(), *part),
        )
        for fingerprint, as_of in rows:
            seen.setdefault(fingerprint, set()).add(dt.date.fromisoformat(as_of))
    return seen


def read_rows(history: History, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    try:
        return history.connection.execute(query, tuple(params)).fetchall()
    except sqlite3.Error as error:
        raise history.fail(f"cannot read the history: {error}") from None


# --- recording a scan ---------------------------------------------------------------------------


def record(result: ScanResult, history: History) -> None:
    """Store this scan in one transaction, replacing a stored scan with the same as_of (a re-run).

    Any failure part-way (an error, an interrupt) rolls back: the database stays as it was.
    """
    connection = history.connection
    stamp = result.stamp
    as_of = stamp.as_of.isoformat()
    try:
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute("DELETE FROM findings WHERE as_of = ?", (as_of,))
            connection.execute("DELETE FROM scans WHERE as_of = ?", (as_of,))
            connection.execute(
                "INSERT INTO scans (as_of, rules_version, params_digest, facts_digest, tool, engine,"
                " result_version, counts, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    as_of,
                    stamp.rules_version,
                    stamp.params_digest,
                    stamp.facts_digest,
                    stamp.tool,
                    stamp.engine,
                    stamp.result_version,
                    json.dumps(result.counts, sort_keys=True, ensure_ascii=False),
                    dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                ),
            )
            connection.executemany(
                "INSERT INTO findings (as_of, fingerprint, rule, article, severity, subject, responsible,"
                " message_zh, message_en) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (_finding_row(as_of, finding) for finding in result.findings),
            )
            connection.execute("COMMIT")
        except BaseException:
            _roll_back(connection)
            raise
    except sqlite3.Error as error:
        raise history.fail(f"cannot record the scan of {as_of}: {error}") from None


def _finding_row(as_of: str, finding: Finding) -> tuple[Any, ...]:
    return (
        as_of,
        finding.fingerprint,
        finding.rule,
        finding.article,
        finding.severity,
        finding.subject,
        finding.responsible,
        finding.message.zh,
        finding.message.en,
    )
