"""The engine adapter: the only module that imports durable-rules, and every workaround for it.

durable-rules 2.0.28 has sharp edges, numbered in docs/engine.md ("The pitfalls and their
workarounds"), which says what was observed for each. Each is handled once, below, and tested in
tests/engine/test_engine_pitfalls.py:

 1. refused facts: a fact refused as "already observed" gets a salted internal id and is asserted
    again (the engine compares 32-bit FNV-1a hashes of ids only); retries are counted;
 2. quadratic sessions: each planned session is its own sid, kept small by `checker.engine.plan`;
 3. joins on `id`: facts carry their own `key`; the compiler joins on fields, never `id` or `sid`;
 4. unhandled facts: a fact no rule matches is normal; facts are asserted one at a time, never in
    `assert_facts` batches that one unmatched fact would silently drop;
 5. memory and sid limits: a fresh `Host` per chunk of partitions, at most MAX_SIDS sessions per
    chunk, each chunk in a worker process that exits (`checker.engine.workers`);
 6. the global host of `durable.lang` is never used: rulesets are JSON on a fresh `engine.Host`,
    named uniquely;
 7. arithmetic only on the right of a comparison: arranged by `checker.language.expr.isolate`, and
    arithmetic over fields never reaches the engine at all (see 11);
 8. no dates: dates are day numbers (`checker.language.program.day_number`);
 9. swallowed action errors: actions only record what matched; an error inside one is kept and
    raised after the assert returns, as an EngineError;
10. comparisons against a missing field (error 311, or a wrong match) and
11. crashes comparing against a joined fact's field: the engine gets only comparisons with
    constants and equality joins; the rest is checked on each match (`checker.language.program.in_engine`);
12. matches lost on identical runs: durable's `Host` starts two timer threads that, every 0.2 s,
    take pending actions of any session (`Ruleset.dispatch`) while the main thread asserts; under
    load a run then loses matches (1-2 runs in 100 of a crowded session, none in 350 without the
    threads: docs/engine.md). Hosts here start no threads (`_Host`): no rule uses timers or queued
    messages, so they have nothing else to do. Every planned match is still checked to be found,
    and a run that loses one is run again (`checker.engine.run`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from durable import engine as durable

from checker.errors import EngineError

MAX_SIDS = 500
"""Sessions per Host: durable-rules refuses the 1,025th live sid with MemoryError (#5)."""
MAX_SALTS = 8
ENGINE_FIELDS = ("id", "sid", "$s")

Fact = dict[str, Any]
Matches = dict[str, list[tuple[int, dict[str, dict[str, Any]]]]]
"""Rule id -> one entry per firing: (the partition it fired in, bound name -> the fact, engine fields
removed)."""


@dataclass
class SessionStats:
    """What a chunk of partitions cost: facts asserted and refused-then-salted ids."""

    asserted: int = 0
    salted: int = 0
    rerun: int = 0
    """Runs of the same sessions before this one (a lost match, `checker.engine.run`)."""


_names = itertools.count()


class _Host(durable.Host):  # type: ignore[misc]  # durable-rules has no type hints
    """A Host without its dispatch and timer threads (pitfall 12): actions run only inside
    `assert_fact`, on the thread that asserts."""

    def _run(self) -> None:
        pass


def default_ids(sequence: int) -> str:
    return f"f{sequence}"


def run_partitions(
    definition: Mapping[str, Mapping[str, Any]],
    partitions: Sequence[Iterable[Fact]],
    *,
    ids: Callable[[int], str] = default_ids,
) -> tuple[Matches, SessionStats]:
    """Assert each partition's facts into its own session of a fresh Host and record every firing.

    `definition` is a durable-rules JSON ruleset (rule name -> {"all": [...]}) without actions; each
    rule gets an action that records the facts it bound. Facts are asserted in the given order.
    """
    if len(partitions) > MAX_SIDS:
        raise EngineError(f"{len(partitions)} partitions in one engine host; at most {MAX_SIDS} (pitfall 5)")
    matches: Matches = {name: [] for name in definition}
    failures: list[str] = []
    ruleset = {name: {**rule, "run": _recorder(name, matches, failures)} for name, rule in definition.items()}
    name = f"rivercheck{next(_names)}"
    host = _Host()
    host.set_rulesets({name: ruleset})
    stats = SessionStats()
    sequence = itertools.count()
    for index, facts in enumerate(partitions):
        sid = f"p{index}"
        for fact in facts:
            stats.salted += _assert(host, name, {**fact, "sid": sid}, next(sequence), ids)
            stats.asserted += 1
            if failures:
                raise EngineError(f"a rule action failed in partition {index}: {failures[0]}")
    return matches, stats


def _recorder(rule: str, matches: Matches, failures: list[str]) -> Callable[[Any], None]:
    def record(closure: Any) -> None:
        try:
            bound = closure._m  # the bound facts by pattern name (durable's Closure keeps them here)
            partition = int(str(next(iter(bound.values()))["sid"])[1:])
            matches[rule].append((partition, {name: plain(fact) for name, fact in bound.items()}))
        except Exception as error:  # noqa: BLE001 - kept and raised after the assert (pitfall 9)
            failures.append(f"rule {rule}: {type(error).__name__}: {error}")

    return record


def plain(fact: dict[str, Any]) -> dict[str, Any]:
    """A matched fact without the engine's own fields."""
    return {k: v for k, v in fact.items() if k not in ENGINE_FIELDS}


def _assert(host: Any, ruleset: str, fact: Fact, sequence: int, ids: Callable[[int], str]) -> int:
    """Assert one fact; returns how many salted retries it needed (pitfalls 1 and 4)."""
    base = ids(sequence)
    for salt in range(MAX_SALTS):
        fact["id"] = base if salt == 0 else f"{base}~{salt}"
        try:
            host.assert_fact(ruleset, fact)
        except durable.MessageNotHandledException:
            return salt
        except durable.MessageObservedException:
            continue
        return salt
    raise EngineError(
        f"the engine refused fact {fact.get('kind')} '{fact.get('key')}' {MAX_SALTS} times as a duplicate"
    )


def engine_version() -> str:
    from importlib.metadata import version

    return f"durable-rules {version('durable_rules')}"
