"""A synthetic Shanghai whose violations are known by construction.

    from facts.synthetic import generate
    generated = generate("small", seed=1, out_dir=Path("/tmp/city"), as_of=date(2026, 11, 26))
    generated.counts     # records written per kind: {"waterbody": 160, ..., "patrol": 5679}
    generated.expected   # findings a scan with the bundled rules reports, per planned rule id

`generate` writes `waterbodies.jsonl`, `chiefs.jsonl`, `units.jsonl`, `problems.jsonl`,
`interviews.jsonl`, `patrols.jsonl` and `documents.jsonl` (UTF-8, Chinese as is, dates
`YYYY-MM-DD`, fields that are None, empty or False left out). Everything is fictional but shaped
like the real thing: the sixteen districts, levels 市/区/街镇/村居, offices, member units and town
offices, chiefs with tenures and handovers, a year of problems with deadlines and statuses,
interviews, patrols in each level's rhythm, and the documents a compliant office keeps
(signboards, river files and policies, health evaluations, plans, summaries, working systems,
mechanisms ...). The same seed gives the same bytes.

Every violation is planned (which problems are overdue and by how much, which units reach the
interview threshold, which major problems go unescalated, which problems recur, which posts miss
their patrol period ...) and everything else is kept compliant on purpose, against the numbers of
`rules/params.yaml` read when it runs; so `expected` is exact, not an estimate, for the rules it
plans (FINDING_RULES, and DERIVED_RULES for `derived`). Its documents are all in order, so the
document rules (rules/office, rules/records) report nothing. The city has no complaints or matters
(UNMODELLED_KINDS), and the rules listed in UNPLANNED_RULES (the office, records, complaint, matter and
supervision rules) run on it too and may report findings that are not planned (a vacant post, a
deadline due soon ...). See `ledger`, `world`, `patrols` and `documents` for the plan.

Scales (SCALES; records with seed 1 as of 2026-11-26):

    small              2,000 problems        8,073 records    tests
    district          30,000 problems      234,524 records
    million          125,000 problems    1,000,922 records    the reliability oracle's size
    city             300,000 problems    2,386,988 records    the Shanghai office's year
    dense-small        2,000 problems        2,861 records    on 20 waterbodies, 7 categories (tests)
    dense            200,000 problems      200,865 records    on 20 waterbodies, 7 categories
    adversarial-small  2,000 problems       18,554 records    a fifth on one waterbody (tests)
    adversarial      200,000 problems      409,618 records    half on one waterbody

The last four are crowded ledgers (`shapes`): legal, shaped to strain a join engine (one waterbody
holding a large share of the problems, all signed off and recurring; one unit rectifying a huge
number; one village chief on many waterbodies; thousands of patrols on one post; a long chain of
tenures), and exact all the same: their recurrences are counted once every problem is placed
rather than planned pair by pair.
"""

from facts.synthetic.generator import (
    DERIVED_RULES,
    FILES,
    FINDING_RULES,
    SCALES,
    UNMODELLED_KINDS,
    UNPLANNED_RULES,
    Generated,
    generate,
)
from facts.synthetic.params import PARAMS_FILE, RuleParams, SyntheticError, load_params
from facts.synthetic.world import Scale

__all__ = [
    "DERIVED_RULES",
    "FILES",
    "FINDING_RULES",
    "PARAMS_FILE",
    "SCALES",
    "UNMODELLED_KINDS",
    "UNPLANNED_RULES",
    "Generated",
    "RuleParams",
    "Scale",
    "SyntheticError",
    "generate",
    "load_params",
]
