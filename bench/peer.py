"""The headline rules as DuckDB SQL over the fact files: what a data engineer would write instead.

    python -m bench.peer DIR_OR_FILES... --as-of 2026-11-26 [--rules rules] [--output peer.json]

The benchmark's peer (issue 14, item 5): the rules of `bench.oracle.ORACLE_RULES`, each a query over
the JSON Lines files as DuckDB reads them, with the numbers of rules/params.yaml. It uses nothing of
the checker or of the fact loader (no pydantic, no engine): the files are read with declared column
types, taken as they stood on as_of, and queried. `--output` writes the oracle's shape,
`{facts, load_s, evaluate_s, findings: [[rule, subject], ...]}`, plus `rules` (the rules it covers)
and `left_out` (rule -> why it is not covered), so bench/run.py can compare it rule by rule.

What the SQL has to get right, as the scan does:
- Missing fields: every column is declared (a field absent from a record is NULL, whatever the first
  rows hold); a missing `scope` is `individual`, missing lists are empty.
- The records as of the scan day (facts.snapshot, docs/scope.md §3): a problem found, a chief in post,
  an interview held or a patrol made after as_of did not exist yet; a sign-off after it had not
  happened (the problem is `open` on as_of); a post left after it was still held.
- Dates: every bound is as_of minus a parameter in calendar days, computed once in Python; DuckDB
  compares DATE values and subtracts them to whole days.
- None of the twelve headline rules counts working days (the calendar is used by the supervision and
  office rules, which the oracle does not cover either), so `LEFT_OUT` is empty: a rule that needed the
  working-day calendar would be listed there with its reason and printed, not approximated in SQL.
- The oracle computes no unit scores, so neither does the peer.

Only JSON Lines is read (the generator's format): a fact file of another format for a kind the rules
read is an error, not skipped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from bench.oracle import CIVIL_POSTS, GENERAL_CHIEFS, ORACLE_RULES, PATROL_PERIODS, PATROL_RULES, load_params
from checker.bundled import RULES as RULES_DIR

Finding = tuple[str, str]

LEFT_OUT: dict[str, str] = {}
"""Oracle rules the peer does not cover -> why (printed by the peer and by the bench)."""
COVERED = tuple(rule for rule in ORACLE_RULES if rule not in LEFT_OUT)

COLUMNS: dict[str, dict[str, str]] = {
    "chief": {
        "key": "VARCHAR",
        "level": "VARCHAR",
        "role": "VARCHAR",
        "in_post_from": "DATE",
        "in_post_to": "DATE",
        "waterbodies": "VARCHAR[]",
    },
    "unit": {"key": "VARCHAR"},
    "problem": {
        "key": "VARCHAR",
        "waterbody": "VARCHAR",
        "category": "VARCHAR",
        "severity": "VARCHAR",
        "scope": "VARCHAR",
        "found_on": "DATE",
        "office": "VARCHAR",
        "assignee": "VARCHAR",
        "escalated_to": "VARCHAR[]",
        "basin_referral": "VARCHAR",
        "deadline": "DATE",
        "status": "VARCHAR",
        "signed_off_on": "DATE",
    },
    "interview": {"key": "VARCHAR", "unit": "VARCHAR", "held_on": "DATE", "problems": "VARCHAR[]"},
    "patrol": {"chief": "VARCHAR", "waterbody": "VARCHAR", "patrolled_on": "DATE"},
}
"""Kind -> the fields the rules read and their types (other fields of the records are not read)."""
STEMS = {
    "chief": "chiefs",
    "unit": "units",
    "problem": "problems",
    "interview": "interviews",
    "patrol": "patrols",
}
"""Kind -> the start of its files' names (`problems.jsonl`, `problems-2026.jsonl`, `chiefs_pd.jsonl`)."""
FACT_SUFFIXES = (".jsonl", ".json", ".yaml", ".yml", ".csv")
"""Endings the loader reads as fact files: the peer reads JSON Lines and refuses the others (files
of any other ending are not fact files, for the loader either)."""

# --- the records as of the scan day ----------------------------------------------------------------

AS_OF_VIEWS = {
    "chief": """
        SELECT key, level, role, in_post_from,
               CASE WHEN in_post_to > $as_of THEN NULL ELSE in_post_to END AS in_post_to,
               coalesce(waterbodies, []) AS waterbodies
        FROM raw_chief WHERE in_post_from <= $as_of""",
    "unit": "SELECT key FROM raw_unit",
    "problem": """
        SELECT key, waterbody, category, severity, coalesce(scope, 'individual') AS scope, found_on,
               office, assignee, coalesce(escalated_to, []) AS escalated_to, basin_referral, deadline,
               CASE WHEN signed_off_on > $as_of THEN 'open' ELSE status END AS status,
               CASE WHEN signed_off_on > $as_of THEN NULL ELSE signed_off_on END AS signed_off_on
        FROM raw_problem WHERE found_on <= $as_of""",
    "interview": """
        SELECT key, unit, held_on, coalesce(problems, []) AS problems
        FROM raw_interview WHERE held_on <= $as_of""",
    "patrol": "SELECT chief, waterbody, patrolled_on FROM raw_patrol WHERE patrolled_on <= $as_of",
}

# --- what the rules derive -------------------------------------------------------------------------

PERIOD_FROM = (
    "CASE c.level " + " ".join(f"WHEN '{lv}' THEN ${p}" for lv, p in PATROL_PERIODS.items()) + " END"
)
"""The day a chief's patrol period starts, by their level (`c`)."""
DERIVED = {
    # RECT-OVERDUE's `overdue_problem`: not signed off, assigned, due before as_of minus the grace.
    "overdue": """
        SELECT key AS problem, assignee AS unit, $as_of - deadline AS days
        FROM problem
        WHERE status <> 'signed_off' AND assignee IS NOT NULL AND deadline < $overdue_before""",
    # RECT-RECURRENCE's `suspected_false_rectification`: signed off, assigned, and a problem of the
    # same category found on the same waterbody after the sign-off, within the window.
    "suspect": """
        SELECT closed.key AS problem, closed.assignee AS unit
        FROM problem AS closed
        WHERE closed.status = 'signed_off' AND closed.assignee IS NOT NULL
          AND closed.signed_off_on IS NOT NULL
          AND EXISTS (
              SELECT 1 FROM problem AS again
              WHERE again.waterbody = closed.waterbody AND again.category = closed.category
                AND again.found_on > closed.signed_off_on
                AND again.found_on <= closed.signed_off_on + $recurrence_window)""",
    # Units interviewed within the cooldown: no new interview is due for them.
    "interviewed": "SELECT DISTINCT unit FROM interview WHERE held_on >= $cooldown_from",
    # RECT-PERSISTS's `persisting_after_interview`: an overdue problem an interview of its unit was
    # about, held more than the grace before as_of (one per problem).
    "persisting": """
        SELECT DISTINCT o.problem, o.unit
        FROM overdue AS o JOIN interview AS i
          ON i.unit = o.unit AND list_contains(i.problems, o.problem)
        WHERE i.held_on < $grace_before""",
    # PATROL-LAST's `latest_patrol`: each chief's last patrol of each waterbody within the window.
    "latest_patrol": """
        SELECT chief, waterbody, max(patrolled_on) AS last
        FROM patrol WHERE patrolled_on >= $window_from AND patrolled_on <= $as_of
        GROUP BY chief, waterbody""",
    # A patrolling chief's waterbodies, one row each, with the start of their level's period.
    "patrolling": f"""
        SELECT DISTINCT c.key AS chief, c.level, unnest(c.waterbodies) AS waterbody
        FROM chief AS c
        WHERE c.level IN ({", ".join(f"'{level}'" for level in PATROL_RULES)})
          AND c.role NOT IN ({", ".join(f"'{role}'" for role in CIVIL_POSTS)})
          AND len(c.waterbodies) > 0
          AND c.in_post_from <= {PERIOD_FROM}
          AND (c.in_post_to IS NULL OR c.in_post_to >= $as_of)""",
}
"""Table -> the query that makes it, in order (a table may read the ones before it)."""

CITY_GENERALS = ", ".join(f"'{role}'" for role in sorted(GENERAL_CHIEFS))
RULES: dict[str, str] = {
    "RECT-OVERDUE": "SELECT problem FROM overdue",
    "RECT-RECURRENCE": "SELECT problem FROM suspect",
    # A major individual problem not submitted to some city-level chief of its waterbody in post.
    "ESC-INDIVIDUAL": """
        SELECT DISTINCT p.key FROM problem AS p JOIN chief AS c
          ON list_contains(c.waterbodies, p.waterbody)
        WHERE p.severity = 'major' AND p.scope = 'individual'
          AND c.level = '市' AND c.in_post_from <= $as_of
          AND (c.in_post_to IS NULL OR c.in_post_to >= $as_of)
          AND NOT list_contains(p.escalated_to, c.key)""",
    # A major policy problem submitted to no city general or deputy general chief.
    "ESC-POLICY": f"""
        SELECT p.key FROM problem AS p
        WHERE p.severity = 'major' AND p.scope = 'policy'
          AND NOT EXISTS (
              SELECT 1 FROM chief AS c
              WHERE list_contains(p.escalated_to, c.key)
                AND c.level = '市' AND c.role IN ({CITY_GENERALS}))""",
    "ESC-BASIN": "SELECT key FROM problem WHERE scope = 'cross_provincial' AND basin_referral IS NULL",
    # Units (that exist) with enough long-overdue problems and no interview within the cooldown.
    "INTERVIEW-OVERDUE": """
        SELECT o.unit FROM overdue AS o JOIN unit AS u ON u.key = o.unit
        WHERE o.days >= $interview_min_days AND o.unit NOT IN (SELECT unit FROM interviewed)
        GROUP BY o.unit HAVING count(*) >= $interview_min_overdue""",
    "INTERVIEW-FALSE-RECT": """
        SELECT DISTINCT s.unit FROM suspect AS s JOIN unit AS u ON u.key = s.unit
        WHERE s.unit NOT IN (SELECT unit FROM interviewed)""",
    "ACCOUNTABILITY-REFERRAL": """
        SELECT p.unit FROM persisting AS p JOIN unit AS u ON u.key = p.unit
        GROUP BY p.unit HAVING count(DISTINCT p.problem) >= $accountability_min""",
    **{
        rule: f"""
        SELECT w.chief || '/' || w.waterbody FROM patrolling AS w
        LEFT JOIN latest_patrol AS l ON l.chief = w.chief AND l.waterbody = w.waterbody
        WHERE w.level = '{level}' AND (l.last IS NULL OR l.last <= ${PATROL_PERIODS[level]})"""
        for level, rule in PATROL_RULES.items()
    },
}
"""Rule -> the query whose one column is the subjects it reports."""


def bounds(as_of: dt.date, params: Mapping[str, Any]) -> dict[str, Any]:
    """The queries' parameters: as_of, the dates it minus a parameter gives, and the counts."""

    def before(name: str) -> dt.date:
        return as_of - dt.timedelta(days=int(params[name]))

    return {
        "as_of": as_of,
        "overdue_before": before("overdue_grace_days"),
        "recurrence_window": int(params["recurrence_window_days"]),
        "cooldown_from": before("interview_cooldown_days"),
        "grace_before": before("accountability_grace_days"),
        "window_from": before("patrol_window_days"),
        **{name: before(name) for name in PATROL_PERIODS.values()},
        "interview_min_days": int(params["interview_min_days_overdue"]),
        "interview_min_overdue": int(params["interview_min_overdue"]),
        "accountability_min": int(params["accountability_min_persisting"]),
    }


# --- reading the files -----------------------------------------------------------------------------


def fact_files(paths: Sequence[str | Path]) -> dict[str, list[Path]]:
    """Kind -> its JSON Lines files among `paths` (files or folders), for the kinds the rules read."""
    found: dict[str, list[Path]] = {kind: [] for kind in COLUMNS}
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise SystemExit(f"peer: no such file or folder: {path}")
        for file in sorted(path.iterdir()) if path.is_dir() else [path]:
            if file.name.startswith("."):
                continue
            name = file.name.lower()
            suffix = file.suffix.lower()
            for kind, stem in STEMS.items():
                if suffix in FACT_SUFFIXES and re.fullmatch(rf"{stem}([-_.].*)?", name):
                    if suffix != ".jsonl":
                        raise SystemExit(f"peer: {file}: the peer reads JSON Lines (.jsonl) only")
                    found[kind].append(file)
    return found


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load(con: duckdb.DuckDBPyConnection, paths: Sequence[str | Path], as_of: dt.date) -> int:
    """Read the files into tables `raw_KIND`, then the records as of the day into `KIND`; the records read."""
    read = 0
    for kind, files in fact_files(paths).items():
        columns = COLUMNS[kind]
        if files:
            struct = "{" + ", ".join(f"{_literal(n)}: {_literal(t)}" for n, t in columns.items()) + "}"
            listed = "[" + ", ".join(_literal(str(file)) for file in files) + "]"
            con.execute(
                f"CREATE TABLE raw_{kind} AS SELECT * FROM read_json({listed}, "
                f"format = 'newline_delimited', columns = {struct})"
            )
        else:
            con.execute(f"CREATE TABLE raw_{kind} ({', '.join(f'{n} {t}' for n, t in columns.items())})")
        row = con.execute(f"SELECT count(*) FROM raw_{kind}").fetchone()
        read += int(row[0]) if row else 0
        view = AS_OF_VIEWS[kind]
        con.execute(f"CREATE TABLE {kind} AS {view}", _used(view, {"as_of": as_of}))
    return read


def evaluate(con: duckdb.DuckDBPyConnection, as_of: dt.date, params: Mapping[str, Any]) -> set[Finding]:
    """Every (rule, subject) the covered rules find in the loaded tables."""
    values = bounds(as_of, params)
    for table, query in DERIVED.items():
        con.execute(f"CREATE TABLE {table} AS {query}", _used(query, values))
    found: set[Finding] = set()
    for rule in COVERED:
        query = RULES[rule]
        found.update(
            (rule, str(subject)) for (subject,) in con.execute(query, _used(query, values)).fetchall()
        )
    return found


def _used(query: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters a query names (DuckDB refuses ones it does not)."""
    return {name: value for name, value in values.items() if re.search(rf"\${name}\b", query)}


def findings(paths: Sequence[str | Path], as_of: dt.date, params: Mapping[str, Any]) -> set[Finding]:
    """Every (rule, subject) the peer finds in the fact files on `as_of` (an in-memory database)."""
    with duckdb.connect() as con:
        load(con, paths, as_of)
        return evaluate(con, as_of, params)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", help="JSON Lines fact files or folders")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, required=True, help="scan date")
    parser.add_argument("--rules", type=Path, default=RULES_DIR, help="rules folder (for params.yaml)")
    parser.add_argument("--output", type=Path, help="write {load_s, evaluate_s, findings, ...} as JSON here")
    args = parser.parse_args(argv)
    params = load_params(args.rules)
    started = time.perf_counter()
    with duckdb.connect() as con:
        read = load(con, args.paths, args.as_of)
        loaded = time.perf_counter()
        found = evaluate(con, args.as_of, params)
    done = time.perf_counter()
    if args.output:
        document = {
            "facts": read,
            "load_s": loaded - started,
            "evaluate_s": done - loaded,
            "findings": sorted(found),
            "rules": list(COVERED),
            "left_out": LEFT_OUT,
            "duckdb": duckdb.__version__,
        }
        args.output.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    counts = dict.fromkeys(COVERED, 0)
    for rule, _ in found:
        counts[rule] += 1
    for rule, count in counts.items():
        print(f"{rule:<24} {count:>8}")
    for rule, reason in LEFT_OUT.items():
        print(f"{rule:<24} not covered: {reason}")
    print(f"{read} records: loaded in {loaded - started:.2f} s, evaluated in {done - loaded:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
