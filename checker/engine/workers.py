"""Worker processes: each runs one task and exits, which is what gives durable-rules' memory back.

durable-rules frees memory only when its process ends and can crash on the way (pitfall 5, docs/engine.md),
so every task runs in a forked child that sends its result through a pipe and leaves with
`os._exit`. A child that dies without a result (killed, crashed, exited) or raises is an
EngineError naming the task and how it ended, in one line: never an empty result. The child's own
traceback travels as the error's cause, shown only by `--debug`. When one task fails the workers
still running are killed and reaped before the error reaches the caller, and workers ignore Ctrl-C:
the parent alone decides, so an interrupt is an interrupt (exit 130), not a worker failure.
Forking (not spawning) lets children read the parent's facts without copying them.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from checker.errors import CheckerError, EngineError

Task = TypeVar("Task")
Result = TypeVar("Result")


class WorkerTraceback(Exception):
    """The traceback of an exception raised in a worker, as text (the cause of its EngineError)."""

    def __str__(self) -> str:
        return "\n\n" + str(self.args[0]) if self.args else ""


def run_tasks(
    tasks: Iterable[Task],
    work: Callable[[Task], Result],
    *,
    jobs: int,
    label: Callable[[Task], str] = str,
    progress: Callable[[Task, int], None] | None = None,
) -> list[Result]:
    """Run `work(task)` for every task in at most `jobs` child processes at once; results in task order.

    `tasks` may be a generator that does work of its own to make the next task (planning the next
    pass): it is asked for one while every worker is busy, so the parent's work and the workers'
    overlap, and a task is made before the worker that runs it is forked (the child reads it from
    the parent's memory). `progress(task, done)` is called as each task's result arrives."""
    results: dict[int, Result] = {}
    made: list[Task] = []
    source = iter(tasks)
    exhausted = False
    workers: Workers[tuple[int, Task], Result] = Workers(
        lambda item: work(item[1]), jobs, lambda item: label(item[1])
    )
    with workers:
        while True:
            while not exhausted and not workers.waiting:  # one task made ahead while all are busy
                try:
                    task = next(source)
                except StopIteration:
                    exhausted = True
                    break
                made.append(task)
                workers.submit((len(made) - 1, task))
            if workers.idle:
                break
            (index, task), result = workers.next_result()
            results[index] = result
            if progress:
                progress(task, len(results))
    return [results[index] for index in range(len(made))]


class Workers(Generic[Task, Result]):
    """Tasks submitted at any time, each run by `work` in a forked child of its own, at most `jobs`
    at once, in the order submitted; results taken as they arrive (`next_result`), so a result can
    make further tasks (a pass planned becomes the tasks that run its sessions) while the other
    workers go on. Leaving the `with` block kills and reaps every worker still running."""

    def __init__(self, work: Callable[[Task], Result], jobs: int, label: Callable[[Task], str]) -> None:
        self._work, self._jobs, self._label = work, max(1, jobs), label
        self._context = multiprocessing.get_context("fork")
        self._pending: deque[Task] = deque()
        self._running: dict[Any, tuple[Task, Any]] = {}
        self._arrived: deque[tuple[Task, Result]] = deque()

    def __enter__(self) -> Workers[Task, Result]:
        return self

    def __exit__(self, *exc: object) -> None:
        for reader, (_, process) in self._running.items():
            process.kill()
            process.join()
            reader.close()
        self._running.clear()

    @property
    def waiting(self) -> int:
        """Tasks submitted and not yet started (every worker busy)."""
        return len(self._pending)

    @property
    def idle(self) -> bool:
        """Nothing running, waiting or arrived and not yet taken."""
        return not (self._pending or self._running or self._arrived)

    def submit(self, task: Task) -> None:
        self._pending.append(task)
        self._start()

    def next_result(self) -> tuple[Task, Result]:
        """The next result to arrive (a worker's error raised here), after starting the tasks that
        waited for the workers it freed."""
        while not self._arrived:
            if not self._running:
                raise RuntimeError("no task is running")
            for ready in multiprocessing.connection.wait(list(self._running)):
                task, process = self._running.pop(ready)
                self._arrived.append((task, _receive(ready, process, self._label(task))))
            self._start()
        return self._arrived.popleft()

    def _start(self) -> None:
        while self._pending and len(self._running) < self._jobs:
            task = self._pending.popleft()
            with _interrupts_held():  # a worker started is a worker `__exit__` can kill
                reader, writer = self._context.Pipe(duplex=False)
                process = self._context.Process(target=_child, args=(self._work, task, writer), daemon=True)
                process.start()
                self._running[reader] = (task, process)
            writer.close()


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) until the block ends: a KeyboardInterrupt raised inside
    `Process.start`, after the fork, would leave a worker nobody knows to kill. The child starts
    with it held too, until it ignores it (`_child`). A signal is held per thread; a scan runs in
    one thread, so none other takes it meanwhile."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _receive(reader: Any, process: Any, label: str) -> Any:
    try:
        status, payload = reader.recv()
    except (EOFError, OSError):
        process.join()
        raise EngineError(f"worker for {label} died {_ending(process)}") from None
    finally:
        reader.close()
    process.join()
    if status == "ok":
        return payload
    if status == "checker":
        raise payload
    summary, details = payload
    raise EngineError(f"worker for {label} failed: {summary}") from WorkerTraceback(details)


def _ending(process: Any) -> str:
    """How a worker that sent nothing ended, with its pid (the kernel's log names the pid when the
    out-of-memory killer chose it): `(killed by signal 9) ... (SIGKILL; pid 4242)`."""
    code = process.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "unknown signal"
        return f"(killed by signal {-code}) before returning its result ({name}; pid {process.pid})"
    return f"(exit code {code}) before returning its result (pid {process.pid})"


def _child(work: Callable[[Any], Any], task: Any, writer: Any) -> None:
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent acts
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # held since the fork
        try:
            writer.send(("ok", work(task)))
        except CheckerError as error:
            writer.send(("checker", error))
        except BaseException as error:  # noqa: BLE001 - everything reaches the parent as a failure
            writer.send(("error", (_summary(error), traceback.format_exc())))
        writer.close()
    finally:
        os._exit(0)  # skip interpreter teardown: durable-rules can crash there (pitfall 5, docs/engine.md)


def _summary(error: BaseException) -> str:
    """`Type: first line of the message`: one line for the parent's message (the rest is in the traceback)."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
