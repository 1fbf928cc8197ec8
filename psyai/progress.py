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


def trainer_progress(description: str, *, enabled: bool = True, fields: tuple[str, ...] = ("loss",),
                     csv_rows: list | None = None):
    """A transformers ``TrainerCallback`` for TRL's trainers: :func:`progress` over the optimiser steps.

    Install it with :func:`quiet_trainer` in place of transformers' own printer and tqdm bar,
    which write every logged dict to stdout (where psyai's commands print their JSON). Each
    log the trainer makes is appended to ``csv_rows`` (a list of dicts, the step first) and,
    on a terminal, the bar's description shows ``fields`` of the latest one.
    """
    from transformers import TrainerCallback

    class _Progress(TrainerCallback):
        def __init__(self) -> None:
            self._context = None
            self._advance = None
            self._done = 0

        def on_train_begin(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                self._context = progress(description, total=int(state.max_steps or 0), enabled=enabled)
                self._advance = self._context.__enter__()

        def on_step_end(self, args, state, control, **kwargs):
            if self._advance is not None:
                self._advance(state.global_step - self._done)
                self._done = state.global_step

        def on_log(self, args, state, control, logs=None, **kwargs):
            if csv_rows is not None and logs and state.is_world_process_zero:
                csv_rows.append({"step": state.global_step, **{k: v for k, v in logs.items()}})

        def on_train_end(self, args, state, control, **kwargs):
            if self._context is not None:
                self._context.__exit__(None, None, None)
                self._context = self._advance = None

    return _Progress()


def quiet_trainer(trainer, callback) -> None:
    """Replace a transformers Trainer's stdout printer and tqdm bar by ``callback`` (from :func:`trainer_progress`)."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    trainer.add_callback(callback)
