"""Rules into strata, partition schemes and passes: the order the engine runs them in, and together.

A rule runs in the stratum after every rule that produces a kind it matches, so negation and counting
see complete inputs; its partition scheme names, per fact kind, the fields whose values facts that
join share; rules of a stratum with compatible schemes form one pass (docs/engine.md).
"""

from __future__ import annotations

from checker.errors import Diagnostic
from checker.language import expr as ex
from checker.language.program import CompiledRule, Pass, join_target


def assign_strata(rules: list[CompiledRule], problems: list[Diagnostic]) -> dict[str, int]:
    """Rule id -> stratum; a cycle of rules deriving from each other is reported at each of them."""
    producers: dict[str, list[CompiledRule]] = {}
    for rule in rules:
        for kind in rule.produced_kinds():
            producers.setdefault(kind, []).append(rule)
    strata: dict[str, int] = {}
    visiting: list[str] = []
    by_id = {rule.id: rule for rule in rules}
    reported: set[tuple[str, ...]] = set()

    def stratum(rule: CompiledRule) -> int:
        if rule.id in strata:
            return strata[rule.id]
        if rule.id in visiting:
            cycle = visiting[visiting.index(rule.id) :]
            first = cycle.index(min(cycle))
            ring = (*cycle[first:], *cycle[:first])
            if ring not in reported:  # at every rule of the cycle: which one closed it, a person knows
                reported.add(ring)
                for member in ring:
                    problems.append(
                        Diagnostic(
                            by_id[member].loaded.source.where(("when",)),
                            "rule-cycle",
                            "rules derive from each other in a cycle: " + " -> ".join([*ring, ring[0]]),
                            help="a derived fact may not feed back into the rules that produce it",
                        )
                    )
            return 0
        visiting.append(rule.id)
        level = 0
        for kind in sorted(rule.matched_kinds()):
            for producer in producers.get(kind, ()):
                level = max(level, stratum(producer) + 1)
        visiting.pop()
        strata[rule.id] = level
        return level

    for rule in rules:
        stratum(rule)
    return strata


def choose_scheme(rule: CompiledRule, problems: list[Diagnostic]) -> dict[str, tuple[str, ...]]:
    """Kind -> fields such that every combination the rule can match shares one partition value.

    Each class of fields joined by equality that reaches every pattern is one such field per kind;
    when several do (waterbody and category), the partition is by all of them, which keeps
    partitions small. A counting rule is partitioned only by classes it groups by.
    """
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(node: tuple[str, str]) -> tuple[str, str]:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    names = [p.name for p in rule.patterns]
    for pattern in rule.patterns:
        for comparison in pattern.comparisons:
            target = join_target(comparison, set(names)) if comparison.op == "eq" else None
            if target:
                parent[find((pattern.name, comparison.field))] = find(target)
    if len(rule.patterns) == 1 and rule.group is None:
        return {}
    classes: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for node in list(parent):
        classes.setdefault(find(node), set()).add(node)
    group_nodes = set()
    if rule.group:
        for _, value in rule.group.by:
            for ref in ex.refs(value):
                if ref.root in names and ref.field:
                    group_nodes.add((ref.root, ref.field))
                    classes.setdefault(find((ref.root, ref.field)), {(ref.root, ref.field)})
        if not group_nodes:
            problems.append(
                Diagnostic(
                    rule.loaded.source.where(("group", "by")),
                    "rule-partition",
                    "a group must be by at least one field of a matched fact",
                    help="group by the field the count is per, e.g. unit: $overdue.unit",
                )
            )
            return {}
    scheme: dict[str, tuple[str, ...]] = {}
    for members in sorted(classes.values(), key=lambda m: sorted(m)):
        covered = {name for name, _ in members}
        if covered != set(names) or (group_nodes and not group_nodes & members):
            continue
        fields = {p.kind: min(f for n, f in members if n == p.name) for p in rule.patterns}
        if all(min(f for n, f in members if n == p.name) == fields[p.kind] for p in rule.patterns):
            # every class that covers all patterns narrows the partition: joined facts share them all
            for kind, field_name in fields.items():
                scheme[kind] = (*scheme.get(kind, ()), field_name)
    if scheme:
        return scheme
    problems.append(
        Diagnostic(
            rule.loaded.source.where(("when",)),
            "rule-partition",
            "the rule's patterns do not all share one joined value, "
            "so their facts cannot be partitioned together",
            help="join every pattern through one common field (carry it into derived facts if needed)"
            + ("; group by that field" if rule.group else ""),
        )
    )
    return {}


def form_passes(rules: list[CompiledRule]) -> tuple[Pass, ...]:
    """Rules of one stratum whose schemes agree, as one pass; each local rule as a pass of its own."""
    passes: list[tuple[int, list[CompiledRule], dict[str, tuple[str, ...]]]] = []
    local = [rule for rule in rules if rule.local]
    ordered = sorted((r for r in rules if not r.local), key=lambda r: (r.stratum, not r.scheme, r.id))
    for rule in ordered:
        for stratum, members, scheme in passes:
            if stratum != rule.stratum:
                continue
            wanted = rule.scheme or {kind: scheme.get(kind, ("key",)) for kind in rule.matched_kinds()}
            if all(scheme.get(kind, fields) == fields for kind, fields in wanted.items()):
                members.append(rule)
                scheme.update(wanted)
                break
        else:
            passes.append((rule.stratum, [rule], dict(rule.scheme)))
    steps = [
        Pass(f"s{stratum}p{index}", stratum, tuple(members), dict(sorted(scheme.items())))
        for index, (stratum, members, scheme) in enumerate(passes)
    ]
    steps += [
        Pass(f"s{rule.stratum}local{index}", rule.stratum, (rule,), {}, engine=False)
        for index, rule in enumerate(sorted(local, key=lambda r: r.id))
    ]
    return tuple(sorted(steps, key=lambda step: (step.stratum, step.engine, step.name)))
