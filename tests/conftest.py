"""Shared fixtures: a display for real PsychoPy windows, offline hubs, tiny models, synthetic stimuli."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from psyai.participants.stimuli import write_synthetic_stimuli


@pytest.fixture(scope="session", autouse=True)
def display():
    """Real windows need an X display: the one we are given (xvfb-run in `make test`) or our own Xvfb."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    from psyai.participants.cohort import headless_display

    with headless_display() as env:
        os.environ["DISPLAY"] = env["DISPLAY"]
        yield env["DISPLAY"]
        del os.environ["DISPLAY"]


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
