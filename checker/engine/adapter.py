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
 5. memory and sid limits: a fresh ruleset per chunk of partitions, at most MAX_SIDS sessions per
    chunk, each chunk in a worker process that exits (`checker.engine.workers`);
 6. the global host of `durable.lang` is never used: each ruleset is JSON given to durable's C
    engine, named uniquely;
 7. arithmetic only on the right of a comparison: arranged by `checker.language.expr.isolate`, and
    arithmetic over fields never reaches the engine at all (see 11);
 8. no dates: dates are day numbers (`checker.language.program.day_number`);
 9. swallowed action errors: durable's Host, which swallows them, is not used; recording a
    firing is the only action, and an error in it is an EngineError naming the rule;
10. comparisons against a missing field (error 311, or a wrong match) and
11. crashes comparing against a joined fact's field: the engine gets only comparisons with
    constants and equality joins; the rest is checked on each match (`checker.language.program.in_engine`);
12. matches lost on identical runs: durable's `Host` starts two timer threads that, every 0.2 s,
    take pending actions of any session (`Ruleset.dispatch`) while the main thread asserts; under
    load a run then loses matches (1-2 runs in 100 of a crowded session, none in 350 without the
    threads: docs/engine.md). The adapter drives the C engine itself, on the thread that asserts
    (`run_partitions`): no rule uses timers or queued messages, so there is nothing else to do.
    Every planned match is still checked to be found, and a run that loses one is run again
    (`checker.engine.run`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import durable_rules_engine as matcher  # durable-rules' C engine

from checker.errors import EngineError

MAX_SIDS = 500
"""Sessions per ruleset: durable-rules refuses the 1,025th live sid with MemoryError (#5)."""
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


def default_ids(sequence: int) -> str:
    return f"f{sequence}"


def run_partitions(
    definition: Mapping[str, Mapping[str, Any]],
    partitions: Sequence[Iterable[Fact]],
    *,
    ids: Callable[[int], str] = default_ids,
) -> tuple[Matches, SessionStats]:
    """Assert each partition's facts into its own session of a fresh ruleset and record every firing.

    `definition` is a durable-rules JSON ruleset (rule name -> {"all": [...]}) without actions.
    Facts are asserted in the given order. The ruleset lives in durable-rules' C engine, which
    matches; this drives it as durable's Python `Host` does (assert a fact, then take the session's
    pending actions one by one until none is left) without the Host: no threads (pitfall 12) and
    none of the objects it makes per firing, nearly half of the engine's time (docs/engine.md).
    """
    if len(partitions) > MAX_SIDS:
        raise EngineError(f"{len(partitions)} partitions in one engine host; at most {MAX_SIDS} (pitfall 5)")
    matches: Matches = {name: [] for name in definition}
    handle = matcher.create_ruleset(f"rivercheck{next(_names)}", json.dumps(definition, ensure_ascii=False))
    stats = SessionStats()
    sequence = itertools.count()
    for index, facts in enumerate(partitions):
        sid = f"p{index}"
        for fact in facts:
            salted, state = _assert(handle, {**fact, "sid": sid}, next(sequence), ids)
            stats.salted += salted
            stats.asserted += 1
            if state is not None:
                _fired(handle, state, matches, index)
    return matches, stats


def _fired(handle: int, state: int, matches: Matches, index: int) -> None:
    """Record the actions the last assert made pending in its session, each completed before the
    next is taken, as durable's `Ruleset.do_actions` does (the recorded facts are the action)."""
    started = matcher.start_action_for_state(handle, state)
    if not started:
        return
    content, message = started[0], started[1]
    while message:
        rule, bound = next(iter(json.loads(message).items()))  # one rule per action, as durable reads it
        try:
            partition = int(str(next(iter(bound.values()))["sid"])[1:])
            matches[rule].append((partition, {name: plain(fact) for name, fact in bound.items()}))
        except Exception as error:  # named with its rule and partition (pitfall 9)
            raise EngineError(
                f"a rule action failed in partition {index}: rule {rule}: {type(error).__name__}: {error}"
            ) from error
        matcher.update_state(handle, content)
        message = matcher.complete_and_start_action(handle, state)


def plain(fact: dict[str, Any]) -> dict[str, Any]:
    """A matched fact without the engine's own fields."""
    return {k: v for k, v in fact.items() if k not in ENGINE_FIELDS}


_NOT_HANDLED, _OBSERVED, _NO_STATE = 1, 2, 3
"""durable-rules' result codes of an assert (its `Ruleset._handle_result`)."""


def _assert(handle: int, fact: Fact, sequence: int, ids: Callable[[int], str]) -> tuple[int, int | None]:
    """Assert one fact: the salted retries it needed (pitfall 1) and the session state whose
    actions to take, None when no rule took the fact (pitfall 4: normal)."""
    base = ids(sequence)
    for salt in range(MAX_SALTS):
        fact["id"] = base if salt == 0 else f"{base}~{salt}"
        result = matcher.assert_fact(handle, json.dumps(fact, ensure_ascii=False))
        if result[0] == _OBSERVED:
            continue
        if result[0] == _NOT_HANDLED:
            return salt, None
        return salt, 0 if result[0] == _NO_STATE else int(result[1])
    raise EngineError(
        f"the engine refused fact {fact.get('kind')} '{fact.get('key')}' {MAX_SALTS} times as a duplicate"
    )


def engine_version() -> str:
    from importlib.metadata import version

    return f"durable-rules {version('durable_rules')}"
