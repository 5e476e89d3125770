"""Writing what rivercheck produces: whole files or nothing, errors that name the file.

A file is written to a temporary file beside its target (same folder, so same file system),
flushed to disk, then renamed over the target: a reader sees the old file or the new one, never a
half-written one, and a full disk or a crash leaves the old one. `write_all` does that for several
files at once: every temporary file first, then every rename, so a scan's reports are all new or
all as they were. An output that cannot be written is a problem of the environment the user can
fix (a missing folder, a full disk): a `CheckerError` with the code `output-write`, exit status 2.
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from checker.errors import CheckerError, Diagnostic, Location

NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
UNTOUCHED = ("nothing was put in place: every target is as it was",)


def _file_mode(path: Path) -> int:
    """The existing report's mode, or what a new file gets under the current umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write to a temporary file beside the target, then rename: never a half-written report."""
    write_all([(path, text)])


def write_all(files: Iterable[tuple[Path, str | bytes]]) -> None:
    """Write every file or none: each to a temporary file beside its target, then all renamed.

    `files` may be a generator that renders each file as it is asked for: only one file's content
    is held at a time. Any failure before the renames (a full disk, a missing folder, an error while
    rendering the next file, an interrupt) removes the temporary files and leaves every target as it
    was. What remains is the renames, which write no data: if one fails, or the process is killed
    between two, the targets renamed before it are new and the others as they were; the error says
    which. A process killed while writing leaves its temporary file (`.NAME.xxxxxxxx`) beside the
    target, never a partial target.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files:
            staged.append((path, _stage(path, data)))
        for done, (path, temporary) in enumerate(staged):
            _put_in_place(path, temporary, [target for target, _ in staged[:done]])
    finally:
        for _, temporary in staged:
            temporary.unlink(missing_ok=True)  # renamed ones are gone already


def _stage(path: Path, data: str | bytes) -> Path:
    """The data in a new temporary file beside `path`, on disk (so a crash after the rename cannot
    leave an empty report), with the mode the report will have."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as error:
        raise _write_error(path, "cannot write the report here", error, UNTOUCHED) from None
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data.encode() if isinstance(data, str) else data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _file_mode(path))  # mkstemp makes it owner-only; a report is an ordinary file
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise _write_error(path, "cannot write the report", error, UNTOUCHED) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _put_in_place(path: Path, temporary: Path, done: list[Path]) -> None:
    """Rename the temporary file over `path`; an error says which targets `done` are new already."""
    try:
        os.replace(temporary, path)
    except OSError as error:
        detail = (f"already in place: {', '.join(map(str, done))}; the others are as they were",)
        raise _write_error(path, "cannot put it in place", error, detail if done else UNTOUCHED) from None


def _write_error(path: Path, what: str, error: OSError, detail: tuple[str, ...] = ()) -> CheckerError:
    """`PATH: output-write: WHAT: No space left on device`, with a hint when the disk is full."""
    full = error.errno in NO_SPACE
    hint = "free some space on that disk, or write elsewhere, and run again" if full else ""
    return CheckerError(
        [Diagnostic(Location(str(path)), "output-write", f"{what}: {error.strerror}", detail, hint)]
    )


@contextmanager
def printing() -> Iterator[None]:
    """Print a report to standard output: a full disk or a closed pipe there is an `output-write`
    error naming `<stdout>` (exit 2), raised here, before the history records the scan."""
    try:
        yield
        sys.stdout.flush()
    except OSError as error:
        raise _write_error(Path("<stdout>"), "cannot write the report", error) from None


def make_folder(path: Path) -> None:
    """Create an output folder (and its parents); a file in the way is a usage error."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CheckerError.at(
            Location(str(path)), "output-write", f"cannot create the folder: {error.strerror}"
        ) from None
