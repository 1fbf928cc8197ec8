"""Reward models trained on people's rankings (InstructGPT step 2).

- :mod:`psyai.reward.config`: :class:`RewardConfig`, every setting with its help.
- :mod:`psyai.reward.model`: :class:`RewardModel` (backbone + scalar head), checkpoints.
- :mod:`psyai.reward.data`: rankings and their comparisons from the long-form table.
- :mod:`psyai.reward.trainer`: :class:`RewardTrainer` with InstructGPT's listwise loss.
- :mod:`psyai.reward.evaluate`: held-out accuracy beside the agreement ceiling, with intervals.
- :mod:`psyai.reward.bench`: listwise against pairwise training, timed.
- :mod:`psyai.reward.cli`: ``psyai reward train|eval|score|bench``.

Importing this package does not import torch or transformers; the submodules do.
"""

from __future__ import annotations

__all__ = ["RewardConfig", "RewardModel", "RewardTrainer"]


def __getattr__(name: str):
    if name == "RewardConfig":
        from psyai.reward.config import RewardConfig

        return RewardConfig
    if name == "RewardModel":
        from psyai.reward.model import RewardModel

        return RewardModel
    if name == "RewardTrainer":
        from psyai.reward.trainer import RewardTrainer

        return RewardTrainer
    raise AttributeError(f"module 'psyai.reward' has no attribute {name!r}")
