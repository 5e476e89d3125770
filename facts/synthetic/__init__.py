"""A synthetic Shanghai whose violations are known by construction.

    from facts.synthetic import generate
    generated = generate("small", seed=1, out_dir=Path("/tmp/city"), as_of=date(2026, 11, 26))
    generated.counts     # records written per kind: {"waterbody": 160, ..., "patrol": 5679}
    generated.expected   # findings a scan with the bundled rules reports, per rule id

`generate` writes `waterbodies.jsonl`, `chiefs.jsonl`, `units.jsonl`, `problems.jsonl`,
`interviews.jsonl` and `patrols.jsonl` (UTF-8, Chinese as is, dates `YYYY-MM-DD`, fields that are
None, empty or False left out). Everything is fictional but shaped like the real thing: the sixteen
districts, levels 市/区/街镇/村居, offices, member units and town offices, chiefs with tenures and
handovers, a year of problems with deadlines and statuses, interviews, and patrols in each level's
rhythm. The same seed gives the same bytes.

Every violation is planned (which problems are overdue and by how much, which units reach the
interview threshold, which major problems go unescalated, which problems recur, which posts miss
their patrol period ...) and everything else is kept compliant on purpose, against the numbers of
`rules/params.yaml` read when it runs; so `expected` is exact, not an estimate. See `ledger`,
`world` and `patrols` for the plan.
"""

from facts.synthetic.generator import FILES, FINDING_RULES, SCALES, Generated, generate
from facts.synthetic.params import PARAMS_FILE, RuleParams, SyntheticError, load_params
from facts.synthetic.world import Scale

__all__ = [
    "FILES",
    "FINDING_RULES",
    "PARAMS_FILE",
    "SCALES",
    "Generated",
    "RuleParams",
    "Scale",
    "SyntheticError",
    "generate",
    "load_params",
]
