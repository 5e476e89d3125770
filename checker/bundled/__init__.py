"""Where the bundled rules and demo are: in the installed package, or in the checkout.

The repository keeps `rules/` and `demo/` at its top level (where maintainers edit them). A wheel
ships them as package data under this package (`checker/bundled/rules`, `checker/bundled/demo`: the
mapping is in setup.py), so an office that installs rivercheck without the repository has them too.
An editable install (`pip install -e .`, as `tasks.py` makes) does not resolve such mapped folders,
so when there is no installed copy beside this file the checkout's own folder is used. Every default
rules or demo path is computed here, so no caller needs to know which case it is in.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parents[1]
"""The repository root, when this file is the checkout's (`checker/bundled/__init__.py`)."""


def bundled(name: str) -> Path:
    """The installed `checker/bundled/<name>` folder if there is one, else the checkout's `<name>`."""
    installed = HERE / name
    return installed if installed.is_dir() else CHECKOUT / name


RULES = bundled("rules")
"""The bundled rules folder: rules, params.yaml, case files and articles.yaml."""
DEMO = bundled("demo")
DEMO_DISTRICT = DEMO / "district"
"""The demo district's fact files (what `rivercheck scan` with no paths reads)."""
DEMO_EXPORTS = DEMO / "exports"
"""A sample spreadsheet export of the demo district and its mapping."""
PARAMS = RULES / "params.yaml"
"""The bundled rules' parameters (the synthetic city is planned against them)."""
