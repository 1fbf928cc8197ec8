"""Supervised fine-tuning on demonstrations (InstructGPT's step 1) with TRL's ``SFTTrainer``.

- :mod:`psyai.sft.config`: :class:`SFTSettings`, one help text per field (the flags are made from them).
- :mod:`psyai.sft.trainer`: :class:`SFTRun` (demonstrations → TRL prompt-completion dataset → SFTTrainer with
  the prompt's tokens masked → a transformers folder with ``psyai_sft.json``).
- :mod:`psyai.sft.cli`: ``psyai sft train``.
"""
