"""Shared fixtures: a display for real PsychoPy windows, offline hubs, tiny models, synthetic stimuli."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from psyai.participants.stimuli import write_synthetic_stimuli


def pytest_configure(config):
    """Under pytest-xdist (`make test` runs two workers) every worker starts its own Xvfb, before it
    collects anything: two workers' windows on one screen would take each other's keyboard focus, and
    pyglet opens its shadow GL window on the display it sees when it is first imported (collection
    imports it), so the display must be the worker's own by then."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    from contextlib import ExitStack

    from psyai.participants.cohort import headless_display

    os.environ.pop("DISPLAY", None)  # headless_display starts an Xvfb only when there is no display
    stack = ExitStack()
    env = stack.enter_context(headless_display())
    os.environ["DISPLAY"] = env["DISPLAY"]
    config._psyai_display = stack


# Modules that take minutes (whole simulated cohorts, sessions killed and resumed in real time), run first: a
# pytest-xdist worker takes modules in collection order (--dist loadscope --no-loadscope-reorder, see the
# Makefile), and one of these left to the end would run alone while the other workers idle.
LONG_MODULES = ("tests/test_faults.py", "tests/experiments/test_turing_test.py", "tests/replication/test_power.py",
                "tests/replication/test_class_demo.py", "tests/pipelines/test_instructgpt.py")


def pytest_collection_modifyitems(session, config, items):
    def first(item) -> int:
        path = item.nodeid.split("::")[0]
        return 0 if item.get_closest_marker("slow") or path in LONG_MODULES else 1

    items.sort(key=first)  # stable: a module's tests keep their order


def pytest_unconfigure(config):
    stack = getattr(config, "_psyai_display", None)
    if stack is not None:
        stack.close()


@pytest.fixture(scope="session", autouse=True)
def display():
    """Real windows need an X display: the one we are given (xvfb-run in `make test`, or a worker's own,
    see :func:`pytest_configure`) or our own Xvfb."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    from psyai.participants.cohort import headless_display

    with headless_display() as env:
        os.environ["DISPLAY"] = env["DISPLAY"]
        yield env["DISPLAY"]
        del os.environ["DISPLAY"]


@pytest.fixture
def own_display(monkeypatch):
    """An X server of the test's own, for a test that presses keys and moves the pointer in a session's window
    (xdotool: real key presses through the X server). A server shared with earlier tests keeps what they
    left behind: a key still held down there (seen: Return, auto-repeating from before the session's first
    screen, so that the test's own Return was only a release), keys rebound with xmodmap, a window that
    took the focus. Everything the test starts (the session, xdotool) inherits the new DISPLAY; a window
    the test process opens itself stays on the worker's display (pyglet connected when it was imported)."""
    import importlib

    importlib.import_module("pyglet.window")  # connects this process to the worker's display (and opens its shadow
    # window there) before DISPLAY changes: else a test that first imports it here would tie pyglet to the
    # server that goes when the test ends, and the next window in this process would fail
    from psyai.participants.cohort import headless_display

    monkeypatch.delenv("DISPLAY", raising=False)  # headless_display starts an Xvfb only where there is no display
    with headless_display() as env:
        monkeypatch.setenv("DISPLAY", env["DISPLAY"])
        yield env["DISPLAY"]


@pytest.fixture(autouse=True)
def psychopy_log_flushed():
    """PsychoPy buffers its log and prints it to stdout when it next flushes: flush after every test, so
    that a window's warnings land in that test's output, not in a later test that parses stdout."""
    yield
    import sys

    logging = sys.modules.get("psychopy.logging")
    if logging is not None:
        logging.flush()


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Nothing in the tests may reach a model hub."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny models run fastest on one torch thread: on a shared 2-core CPU, threads spin-waiting
    on each other make them about 10x slower."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    """A tiny GPT-2 and tokenizer built locally (psyai.models.demo), loaded by path like a hub name."""
    from psyai.models.demo import tiny_causal_lm

    return str(tiny_causal_lm(tmp_path_factory.mktemp("tiny") / "gpt2"))


@pytest.fixture
def stim_file(tmp_path: Path) -> Path:
    return write_synthetic_stimuli(tmp_path / "items.csv", n_prompts=12)
