"""Run a compiled program over a fact set: stratum by stratum, pass by pass, partitions in workers.

Derived facts of one stratum are the input of the next (forward chaining across strata). Results of
all partitions are merged by (kind, key) in an order-independent way, so the outcome does not
depend on partition sizes, worker counts or input order.
"""

from __future__ import annotations

import json
import os
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from checker.engine import adapter as engine
from checker.engine.counting import Counting, outputs_streamed
from checker.engine.evaluate import MATCHES_KEPT, Output, outputs_for
from checker.engine.flatten import NUMBER, engine_facts, normalise
from checker.engine.flatten import engine_value as _engine_value
from checker.engine.matcher import Match
from checker.engine.plan import SESSION_FACTS, Matches, Plan, Session, match_pass, packed
from checker.engine.ruleset import UNIT, durable_ruleset, engine_fields
from checker.engine.workers import Workers
from checker.errors import EngineError
from checker.language.program import FINDING_FIELDS, FINDING_KIND, Pass, Program
from facts.load.factset import Consumer, FactSet, Feed
from facts.load.table import Rows
from facts.models import MODELS, Record

ENGINE_RUNS = 3
"""Runs of a task's sessions before a lost match is an error (`_engine_confirmed`, pitfall 12)."""
MAX_FACTS_PER_TASK = 15_000
"""Facts one worker asserts before it exits: about 120 MB of engine memory (pitfall 5, docs/engine.md), so two
workers and the parent stay near 2 GB at city scale (docs/performance.md)."""
MIN_FACTS_PER_TASK = 6_000
"""Facts below which a pass's sessions are not cut further to balance the workers: a task's fork and
exit cost about as much as asserting 1,000-2,000 facts (docs/engine.md), and the tasks of the other
passes of the stratum, queued behind, keep both workers busy meanwhile."""


@dataclass(frozen=True)
class RunOptions:
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    partition_size: int = SESSION_FACTS
    progress: Callable[[str, int, int], None] | None = None


@dataclass(frozen=True)
class RunStats:
    passes: int
    partitions: int
    tasks: int
    asserted: int
    salted: int
    rerun: int = 0
    """Tasks whose sessions were run again because the engine lost a planned match (pitfall 12)."""


@dataclass(frozen=True)
class Derivation:
    """Everything the rules derived, findings included, by (kind, key)."""

    outputs: dict[tuple[str, str], Output]
    stats: RunStats


@dataclass(frozen=True)
class _Task:
    step: int
    partitions: tuple[int, ...]
    label: str
    order: tuple[int, int]
    """(pass, task) numbers: the order its results are combined in."""


def run(
    program: Program,
    facts: FactSet,
    options: RunOptions | None = None,
    counted: Mapping[str, Counting] | None = None,
) -> Derivation:
    """Derive everything. `counted` holds local counting rules already fed while the facts were
    read (their records were streamed, not kept: `counting_plan`)."""
    options = options or RunOptions()
    counted = counted or {}
    engine_kinds = {kind for step in program.passes if step.engine for kind in step.kinds}
    available = normalise(facts, program.base_kinds & engine_kinds)  # local rules read records as they go
    outputs: dict[tuple[str, str], Output] = {}
    totals = [0, 0, 0, 0, 0]
    for stratum in sorted({step.stratum for step in program.passes}):
        produced: list[Output] = []
        steps = [step for step in program.passes if step.stratum == stratum]
        for step in steps:
            if not step.engine:
                produced += _run_local(program, step, facts, available, counted)
        results, counts = _run_engine_passes(program, [s for s in steps if s.engine], available, options)
        produced += results
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        merged = _merge(_unsilenced(produced, program.silenced))
        outputs.update(merged)
        number = sum(map(len, available.values()))
        for (kind, _), output in sorted(merged.items()):
            available.setdefault(kind, []).append({**engine_fact(output), NUMBER: number})
            number += 1
    stats = RunStats(len(program.passes), *totals)
    return Derivation(dict(sorted(outputs.items())), stats)


def _unsilenced(produced: list[Output], silenced: frozenset[str]) -> list[Output]:
    """Without the findings of silenced rules (`Program.silenced`): no later rule sees them, so they
    are neither reported nor deducted; what those rules derive stays, no longer naming a finding."""
    if not silenced:
        return produced
    return [
        replace(output, finding=None) if output.rule in silenced and output.finding else output
        for output in produced
        if output.rule not in silenced or output.kind != FINDING_KIND
    ]


def counting_plan(program: Program) -> tuple[dict[str, Counting], dict[str, Consumer]]:
    """Kinds that only local counting rules read need never be kept: the loader hands each record
    to the counts (2 million patrols become one running count per chief and waterbody)."""
    engine_kinds = {kind for step in program.passes if step.engine for kind in step.kinds}
    counts: dict[str, Counting] = {}
    by_kind: dict[str, list[Counting]] = {}
    for step in program.passes:
        for rule in step.rules:
            kind = rule.patterns[0].kind
            if not step.engine and kind in MODELS and kind not in engine_kinds:
                counts[rule.id] = Counting(rule, program)
                by_kind.setdefault(kind, []).append(counts[rule.id])

    def consumer(kind: str) -> Consumer:
        targets = by_kind[kind]
        model = MODELS[kind]
        if any(typing.get_origin(info.annotation) is list for info in model.model_fields.values()):

            def feed(record: Record) -> None:
                for fact in engine_facts(kind, vars(record)):
                    for counting in targets:
                        counting.add(fact)

            return feed
        direct = [counting for counting in targets if counting.reads_records]
        general = [counting for counting in targets if not counting.reads_records]
        # counts of the usual shape read the record itself; others get an engine fact with only the
        # fields they read: millions of records pass here
        needed = sorted({"key"} | {name for counting in general for name in counting.reads()})

        def feed_flat(record: Record) -> None:
            values = vars(record)
            for counting in direct:
                counting.add_record(values)
            if general:
                fact = {
                    "kind": kind,
                    **{name: _engine_value(values[name]) for name in needed if values.get(name) is not None},
                }
                for other in general:
                    other.add(fact)

        if general or not all(counting.reads_rows for counting in direct):
            return feed_flat

        def feed_rows(rows: Rows) -> None:
            for counting in direct:
                counting.add_rows(rows)

        return Feed(feed_flat, feed_rows)

    return counts, {kind: consumer(kind) for kind in by_kind}


def _run_local(
    program: Program,
    step: Pass,
    facts: FactSet,
    available: dict[str, list[engine.Fact]],
    counted: Mapping[str, Counting],
) -> list[Output]:
    """Counting rules over one kind, evaluated while the records stream past (no engine)."""
    results: list[Output] = []
    for rule in step.rules:
        kind = rule.patterns[0].kind
        if rule.id in counted:
            results += counted[rule.id].outputs()
            continue
        if kind in available:
            stream: Iterable[engine.Fact] = available[kind]
        else:
            stream = (f for fact in facts.of_kind(kind) for f in engine_facts(kind, fact.record.model_dump()))
        results += outputs_streamed(rule, stream, program)
    return results


def engine_fact(output: Output) -> engine.Fact:
    """A derived fact as later strata see it (findings: their declared fields only)."""
    names = FINDING_FIELDS if output.kind == FINDING_KIND else tuple(output.fields)
    values = {name: output.fields[name] for name in names if output.fields.get(name) is not None}
    return {**values, "kind": output.kind, "key": output.key}


@dataclass
class _Planned:
    """A pass planned in the parent, and what its workers need of it."""

    step: Pass
    plan: Plan
    definition: dict[str, dict[str, Any]]
    given: frozenset[str]
    tasks: int = 0
    done: int = 0


@dataclass(frozen=True)
class _Planning:
    """The planning of one pass (`match_pass`), a worker's task like the running of sessions."""

    step: int
    label: str


def _run_engine_passes(
    program: Program, steps: Sequence[Pass], available: dict[str, list[engine.Fact]], options: RunOptions
) -> tuple[list[Output], list[int]]:
    """The engine passes of one stratum, which read the same facts and not each other's results.
    Each pass's matches are found in a worker (`checker.engine.plan`: the work of planning, sent
    back as fact numbers); as each plan arrives the parent packs its sessions into tasks, which the
    workers take after the passes still to plan, so no worker waits for the slowest plan while
    another pass's sessions could run. Results are combined in pass and task order, however they
    arrived."""
    if not steps:
        return [], [0, 0, 0, 0, 0]
    constants = {"as_of": program.as_of_day, "params": program.params}
    planned: dict[int, _Planned] = {}
    done: dict[tuple[int, int], tuple[list[Output], engine.SessionStats]] = {}

    def work(task: _Planning | _Task) -> Matches | tuple[list[Output], engine.SessionStats]:
        if isinstance(task, _Planning):
            return match_pass(steps[task.step], available, constants)
        current = planned[task.step]
        chunk = [current.plan.sessions[i] for i in task.partitions]
        asserted = [current.plan.facts(session, current.given) for session in chunk]
        confirmed, stats = _engine_confirmed(current, chunk, asserted, task.label)
        results: list[Output] = []
        for rule in current.step.rules:
            if rule.group is None:
                results += outputs_for(rule, confirmed.get(rule.id, []), program)
        return results, stats

    with Workers(work, options.jobs, lambda task: task.label) as workers:
        for number, step in enumerate(steps):
            rules = ", ".join(rule.id for rule in step.rules)
            workers.submit(_Planning(number, f"the plan of pass {step.name} ({rules})"))
        by_number = {fact[NUMBER]: fact for facts in available.values() for fact in facts}
        while not workers.idle:
            task, result = workers.next_result()
            if isinstance(task, _Planning):
                step = steps[task.step]
                assert isinstance(result, Matches)
                definition = durable_ruleset(step)
                plan = packed(step, result, by_number, options.partition_size)
                made = _tasks(task.step, step, plan.sessions, options.jobs)
                given = engine_fields(definition) | {NUMBER, UNIT}
                planned[task.step] = _Planned(step, plan, definition, given, len(made))
                for made_task in made:
                    workers.submit(made_task)
                continue
            assert isinstance(task, _Task) and not isinstance(result, Matches)
            done[task.order] = result
            current = planned[task.step]
            current.done += 1
            if options.progress is not None:
                options.progress(current.step.name, current.done, current.tasks)
    ran = [done[key] for key in sorted(done)]
    results = [output for outputs, _ in ran for output in outputs]
    for number in sorted(planned):
        results += _grouped_outputs(program, planned[number].step, planned[number].plan)
    sessions = sum(len(current.plan.sessions) for current in planned.values())
    asserted = sum(stats.asserted for _, stats in ran)
    salted = sum(stats.salted for _, stats in ran)
    rerun = sum(1 for _, stats in ran if stats.rerun)
    return results, [sessions, len(ran), asserted, salted, rerun]


def _engine_confirmed(
    current: _Planned, chunk: Sequence[Session], asserted: list[list[engine.Fact]], label: str
) -> tuple[dict[str, list[dict[str, engine.Fact]]], engine.SessionStats]:
    """The engine's run of a task's sessions, every planned match confirmed. durable-rules now and
    then lost matches on a run that another run of the same facts found (pitfall 12: 1-2 runs in 100
    of a crowded task under load, none seen since hosts start no threads): the sessions are run
    again on a fresh host, up to
    `ENGINE_RUNS` times, and only a run that finds every planned match counts. A retry cannot hide
    a loss: what must be found is the plan's, not the engine's, and the run kept found all of it."""
    for run_number in range(1, ENGINE_RUNS + 1):
        matches, stats = engine.run_partitions(current.definition, asserted)
        try:
            confirmed = _confirmed(current.step, chunk, current.plan.by_number, matches, label)
        except LostMatch:
            if run_number == ENGINE_RUNS:
                raise
            continue
        return confirmed, replace(stats, rerun=run_number - 1)
    raise AssertionError("unreachable")


class LostMatch(EngineError):
    """The engine did not find a match the plan found (pitfall 12)."""


def _confirmed(
    step: Pass,
    chunk: Sequence[Session],
    by_number: Mapping[int, engine.Fact],
    matches: engine.Matches,
    label: str,
) -> dict[str, list[dict[str, engine.Fact]]]:
    """The planned matches the engine found, per rule, bound to the planned facts (the engine was
    given only the fields it reads); a planned match it did not find is an error (durable-rules
    lost matches now and then, pitfall 12: never let that pass as "no finding")."""
    kept: dict[str, list[dict[str, engine.Fact]]] = {}
    planned_in = [session.planned() for session in chunk]
    for rule in step.rules:
        names = [p.name for p in rule.positive]
        found: set[tuple[int, tuple[int, Match]]] = set()
        for index, bound in matches[rule.id]:
            numbers = tuple(int(bound[name][NUMBER]) for name in names)
            found.add((index, (int(bound[names[0]][UNIT]), numbers)))
        for index, planned_here in enumerate(planned_in):
            for planned in sorted(planned_here.get(rule.id, ())):
                if (index, planned) not in found:
                    raise LostMatch(
                        f"the engine lost a match of {rule.id} in {label}, session {index}: facts "
                        f"{planned[1]} of unit {planned[0]} were planned and not matched in "
                        f"{ENGINE_RUNS} runs (pitfall 12)"
                    )
                bound = {name: by_number[number] for name, number in zip(names, planned[1], strict=True)}
                kept.setdefault(rule.id, []).append(bound)
        for session in chunk:  # the evidence of results whose match the engine confirmed
            for unit in session.units:
                for match in unit.evidence.get(rule.id, ()):
                    bound = {name: by_number[number] for name, number in zip(names, match, strict=True)}
                    kept.setdefault(rule.id, []).append(bound)
    return kept


def _tasks(number: int, step: Pass, sessions: Sequence[Session], jobs: int) -> list[_Task]:
    """Runs of sessions for the workers: at most MAX_SIDS sessions and MAX_FACTS_PER_TASK facts
    each, and at least two tasks per worker when there are enough facts (`MIN_FACTS_PER_TASK` each),
    so both cores work."""
    total = sum(session.size for session in sessions)
    limit = min(MAX_FACTS_PER_TASK, max(MIN_FACTS_PER_TASK, -(-total // (2 * max(1, jobs)))))
    tasks: list[_Task] = []
    current: list[int] = []
    size = 0
    for index, session in enumerate(sessions):
        if current and (len(current) >= engine.MAX_SIDS or size + session.size > limit):
            tasks.append(_task(number, len(tasks), step, current))
            current, size = [], 0
        current.append(index)
        size += session.size
    if current:
        tasks.append(_task(number, len(tasks), step, current))
    return tasks


def _task(number: int, index: int, step: Pass, indexes: list[int]) -> _Task:
    rules = ", ".join(rule.id for rule in step.rules)
    label = f"pass {step.name} ({rules}) sessions {indexes[0]}-{indexes[-1]}"
    return _Task(number, tuple(indexes), label, (number, index))


def _canonical(output: Output) -> str:
    return json.dumps(
        [output.rule, output.fields, output.message, output.remedy, output.finding],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )


def _merge(produced: list[Output]) -> dict[tuple[str, str], Output]:
    """One output per (kind, key): a result produced by several matches (in several sessions) is one,
    made from its first match (`Output.order`: by the keys of the facts it binds) and resting on the
    facts of its first `MATCHES_KEPT` matches; which is kept does not depend on the order of work.
    Outputs of equal order (counts, which have none; several rules deriving one fact) are taken in
    the order of their contents."""
    by_key: dict[tuple[str, str], list[Output]] = {}
    for output in produced:
        by_key.setdefault((output.kind, output.key), []).append(output)
    merged: dict[tuple[str, str], Output] = {}
    for key, outputs in by_key.items():
        if len(outputs) == 1:
            merged[key] = outputs[0]
            continue
        ranked = sorted(outputs, key=lambda o: (o.order, _canonical(o)))
        first = ranked[0]
        kept, seen = [], set()
        for output in ranked:
            if output.order and output.order in seen:
                continue
            seen.add(output.order)
            kept.append(output)
        evidence = kept[:MATCHES_KEPT] if first.order else kept
        basis = tuple(sorted({b for output in evidence for b in output.basis}))
        merged[key] = replace(first, basis=basis)
    return merged


def _grouped_outputs(program: Program, step: Pass, plan: Plan) -> list[Output]:
    """The results of the pass's rules with `group`, from all their matches at once (the engine
    confirmed them, in however many sessions they were sliced)."""
    results: list[Output] = []
    for rule in step.rules:
        if rule.group is not None:
            results += outputs_for(rule, plan.grouped[rule.id], program)
    return results
