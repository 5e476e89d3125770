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

from checker.engine import adapter as engine
from checker.engine.evaluate import Absence, Counting, Output, outputs_for, outputs_streamed
from checker.engine.partition import DEFAULT_TARGET, engine_facts, normalise, partition
from checker.engine.partition import engine_value as _engine_value
from checker.engine.ruleset import durable_ruleset
from checker.engine.workers import run_tasks
from checker.language.program import FINDING_FIELDS, FINDING_KIND, SHADOW, Pass, Program
from facts.load.factset import Consumer, FactSet
from facts.models import MODELS, Record

MAX_FACTS_PER_TASK = 15_000
"""Facts one worker asserts before it exits: about 120 MB of engine memory (pitfall 5, docs/engine.md), so two
workers and the parent stay near 2 GB at city scale (docs/performance.md)."""


@dataclass(frozen=True)
class RunOptions:
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    partition_size: int = DEFAULT_TARGET
    progress: Callable[[str, int, int], None] | None = None


@dataclass(frozen=True)
class RunStats:
    passes: int
    partitions: int
    tasks: int
    asserted: int
    salted: int


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
    totals = [0, 0, 0, 0]
    for stratum in sorted({step.stratum for step in program.passes}):
        produced: list[Output] = []
        for step in (s for s in program.passes if s.stratum == stratum):
            if not step.engine:
                produced += _run_local(program, step, facts, available, counted)
                continue
            results, counts = _run_pass(program, step, available, options)
            produced += results
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
        merged = _merge(_unsilenced(produced, program.silenced))
        outputs.update(merged)
        for (kind, _), output in sorted(merged.items()):
            available.setdefault(kind, []).append(engine_fact(output))
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
        # one engine fact per record, with only the fields the counts read: millions pass here
        needed = sorted({"key"} | {name for counting in targets for name in counting.reads()})

        def feed_flat(record: Record) -> None:
            values = vars(record)
            fact = {
                "kind": kind,
                **{name: _engine_value(values[name]) for name in needed if values.get(name) is not None},
            }
            for counting in targets:
                counting.add(fact)

        return feed_flat

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


def _run_pass(
    program: Program, step: Pass, available: dict[str, list[engine.Fact]], options: RunOptions
) -> tuple[list[Output], list[int]]:
    partitions = partition(step, available, options.partition_size)
    tasks = _tasks(step, partitions, options.jobs)
    definition = durable_ruleset(step)

    def work(task: _Task) -> tuple[list[Output], engine.SessionStats]:
        chunk = [partitions[i] for i in task.partitions]
        shadows = [fact for facts in chunk for fact in facts if str(fact["kind"]).startswith(SHADOW)]
        plain = [[fact for fact in facts if not str(fact["kind"]).startswith(SHADOW)] for facts in chunk]
        matches, stats = engine.run_partitions(definition, plain)
        results: list[Output] = []
        for rule in step.rules:
            results += outputs_for(rule, matches[rule.id], program, Absence(rule, shadows))
        return results, stats

    report = options.progress

    def progress(done: int, total: int) -> None:
        if report is not None:
            report(step.name, done, total)

    done = run_tasks(tasks, work, jobs=options.jobs, label=lambda t: t.label, progress=progress)
    results = [output for outputs, _ in done for output in outputs]
    asserted = sum(stats.asserted for _, stats in done)
    salted = sum(stats.salted for _, stats in done)
    return results, [len(partitions), len(tasks), asserted, salted]


def _tasks(step: Pass, partitions: Sequence[Sequence[engine.Fact]], jobs: int) -> list[_Task]:
    """Runs of partitions for the workers: at most MAX_SIDS sessions and MAX_FACTS_PER_TASK facts
    each, and at least two tasks per worker when there are enough partitions, so both cores work."""
    total = sum(map(len, partitions))
    limit = max(1, min(MAX_FACTS_PER_TASK, -(-total // (2 * max(1, jobs)))))
    tasks: list[_Task] = []
    current: list[int] = []
    size = 0
    for index, facts in enumerate(partitions):
        if current and (len(current) >= engine.MAX_SIDS or size + len(facts) > limit):
            tasks.append(_task(step, current))
            current, size = [], 0
        current.append(index)
        size += len(facts)
    if current:
        tasks.append(_task(step, current))
    return tasks


def _task(step: Pass, indexes: list[int]) -> _Task:
    rules = ", ".join(rule.id for rule in step.rules)
    return _Task(0, tuple(indexes), f"pass {step.name} ({rules}) partitions {indexes[0]}-{indexes[-1]}")


def _canonical(output: Output) -> str:
    return json.dumps(
        [output.rule, output.fields, output.message, output.remedy, output.finding],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )


def _merge(produced: list[Output]) -> dict[tuple[str, str], Output]:
    """One output per (kind, key): the same rule and subject from several partitions or firings is one
    result, resting on everything that led to it; which one is kept does not depend on order."""
    merged: dict[tuple[str, str], Output] = {}
    for output in produced:
        key = (output.kind, output.key)
        if key not in merged:
            merged[key] = output
            continue
        kept = merged[key]
        first = min((kept, output), key=_canonical)
        basis = tuple(sorted(set(kept.basis) | set(output.basis)))
        merged[key] = Output(
            first.rule, first.kind, first.key, first.fields, basis, first.finding, first.message, first.remedy
        )
    return merged
