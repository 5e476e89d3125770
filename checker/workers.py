"""Worker processes: each runs one task and exits, which is what gives durable-rules' memory back.

durable-rules frees memory only when its process ends and can crash on the way (PITFALLS.md #5),
so every task runs in a forked child that sends its result through a pipe and leaves with
`os._exit`. A child that dies without a result is an EngineError naming the task: never an empty
result. Forking (not spawning) lets children read the parent's facts without copying them.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from checker.errors import CheckerError, EngineError

Task = TypeVar("Task")
Result = TypeVar("Result")


def run_tasks(
    tasks: Sequence[Task],
    work: Callable[[Task], Result],
    *,
    jobs: int,
    label: Callable[[Task], str] = str,
    progress: Callable[[int, int], None] | None = None,
) -> list[Result]:
    """Run `work(task)` for every task in at most `jobs` child processes at once; results in task order."""
    context = multiprocessing.get_context("fork")
    results: list[Any] = [None] * len(tasks)
    pending = list(enumerate(tasks))
    pending.reverse()
    running: dict[Any, tuple[int, Any]] = {}
    done = 0
    try:
        while pending or running:
            while pending and len(running) < max(1, jobs):
                index, task = pending.pop()
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(work, task, writer), daemon=True)
                process.start()
                writer.close()
                running[reader] = (index, process)
            for ready in multiprocessing.connection.wait(list(running)):
                index, process = running.pop(ready)
                results[index] = _receive(ready, process, label(tasks[index]))
                done += 1
                if progress:
                    progress(done, len(tasks))
    finally:
        for reader, (_, process) in running.items():
            process.kill()
            process.join()
            reader.close()
    return results


def _receive(reader: Any, process: Any, label: str) -> Any:
    try:
        status, payload = reader.recv()
    except (EOFError, OSError):
        process.join()
        code = process.exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        raise EngineError(f"worker for {label} died ({how}) before returning its result") from None
    finally:
        reader.close()
    process.join()
    if status == "ok":
        return payload
    if status == "checker":
        raise payload
    raise EngineError(f"worker for {label} failed: {payload}")


def _child(work: Callable[[Any], Any], task: Any, writer: Any) -> None:
    try:
        try:
            writer.send(("ok", work(task)))
        except CheckerError as error:
            writer.send(("checker", error))
        except BaseException as error:  # noqa: BLE001 - everything reaches the parent as a failure
            writer.send(("error", f"{type(error).__name__}: {error}\n{traceback.format_exc()}"))
        writer.close()
    finally:
        os._exit(0)  # skip interpreter teardown: durable-rules can crash there (PITFALLS.md #5)
