"""Policy optimisation against a reward model with a KL penalty to the SFT model (InstructGPT step 3).

- :mod:`psyai.policy.config`: :class:`PolicyConfig`, every setting with its help.
- :mod:`psyai.policy.trainer`: :class:`PolicyTrainer` on TRL's ``RLOOTrainer``, the reward checkpoint as a
  TRL reward function, the output folder and its provenance.
- :mod:`psyai.policy.cli`: ``psyai policy train``.

Importing this package does not import torch, transformers or trl; the submodules do.
"""

from __future__ import annotations

__all__ = ["PolicyConfig", "PolicyTrainer"]


def __getattr__(name: str):
    if name == "PolicyConfig":
        from psyai.policy.config import PolicyConfig

        return PolicyConfig
    if name == "PolicyTrainer":
        from psyai.policy.trainer import PolicyTrainer

        return PolicyTrainer
    raise AttributeError(f"module 'psyai.policy' has no attribute {name!r}")
