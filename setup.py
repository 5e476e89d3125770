"""Which files the wheel holds: the code's packages, found, and the bundled rules and demo, mapped.

pyproject.toml has the rest of the configuration. This file exists because pyproject.toml alone
cannot say both things at once: its `packages` is either a hand-written list or a `find` directive,
and `find` only finds folders under their parent package's folder, while `rules/` and `demo/` stay
at the top of the repository (where maintainers edit them) and are installed as
`checker/bundled/rules` and `checker/bundled/demo`. A hand list would miss the next subpackage a
branch adds; here `find_packages` discovers every package of `checker/` and `facts/`, and the mapped
folders (and each of their subfolders, so that setuptools installs them as listed packages rather
than as deprecated stray data) are added to it. `checker.bundled` finds the folders at run time,
installed or in a checkout (README, "Install without the repository").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent
BUNDLED = {"checker.bundled.rules": "rules", "checker.bundled.demo": "demo"}
"""Package name -> the repository folder installed as it."""


def bundled_packages() -> Iterator[str]:
    """Each mapped folder and its subfolders, as package names (they hold data, not code)."""
    for package, folder in BUNDLED.items():
        root = HERE / folder
        yield package
        for sub in sorted(path for path in root.rglob("*") if path.is_dir()):
            parts = sub.relative_to(root).parts
            if not any(part.startswith((".", "__")) for part in parts):
                yield ".".join((package, *parts))


setup(
    py_modules=["cli"],
    packages=[*find_packages(include=["checker", "checker.*", "facts", "facts.*"]), *bundled_packages()],
    package_dir=dict(BUNDLED),
    package_data={package: ["*"] for package in bundled_packages()},
    exclude_package_data={package: ["*.pyc"] for package in bundled_packages()},
)
