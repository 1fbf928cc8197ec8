"""Progress of long work on stderr: a bar on a terminal, periodic lines otherwise.

One helper for every long ``psyai`` command (simulate, generate, attention extract), so
a run piped to a file or watched in a CI log says how far it got instead of staying
silent until it ends::

    with progress("simulating turing_test", total=16) as advance:
        for ...:
            advance()       # or advance(n)

On a terminal: rich's bar (description, bar, done/total, time left). Elsewhere: a
line ``description: done/total (pct%), elapsed`` whenever another tenth of the work
is done or ``every`` seconds have passed, and at the end. stdout is never touched.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator


def _elapsed(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m // 60}:{m % 60:02d}:{s:02d}" if m >= 60 else f"{m}:{s:02d}"


@contextlib.contextmanager
def progress(description: str, total: int, *, enabled: bool = True, every: float = 30.0,
             stream=None) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n=1)``; see the module docstring. ``enabled=False`` shows nothing."""
    stream = stream or sys.stderr
    if not enabled:
        yield lambda n=1: None
        return
    if stream.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                       console=Console(file=stream), transient=True)
        with bar:
            task = bar.add_task(description, total=total)
            yield lambda n=1: bar.advance(task, n)
        return
    start = last = time.monotonic()
    state = {"done": 0, "tenth": 0}

    def line() -> None:
        pct = 100 * state["done"] / total if total else 100.0
        print(f"{description}: {state['done']}/{total} ({pct:.0f}%), {_elapsed(time.monotonic() - start)} elapsed",
              file=stream, flush=True)

    def advance(n: int = 1) -> None:
        nonlocal last
        state["done"] += n
        tenth = int(10 * state["done"] / total) if total else 10
        now = time.monotonic()
        if tenth > state["tenth"] or now - last >= every:
            state["tenth"] = max(tenth, state["tenth"])
            last = now
            line()

    yield advance
    if state["tenth"] < 10:  # the last line says where it ended, finished or not
        line()
