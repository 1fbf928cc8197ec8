"""Simulated participants for the attention comparisons, generated from a model's word measures.

Given a MODEL MEASURES table (see :mod:`psyai.data.word_tables`), :class:`SimulatedCohort`
writes a HUMAN WORD TABLE as the highlight and self-paced-reading experiments would,
with known weights and noise, so that ``analysis/attention.py`` can be checked end to
end (does it find the layer the cohort was generated from? does the mixed model give
back the surprisal slope?).

Generative model, for participant p, item i, word w:

* ``selected``: Bernoulli with ``logit P = selection_intercept + selection_slope · z``,
  where ``z`` is ``selection_measure`` at ``selection_layer`` (head average),
  z-scored within the item;
* ``reading_time`` (ms) = ``exp(log_rt)`` with
  ``log_rt = b0 + b_surprisal·surprisal + b_attention·z_att + b_length·length
  + b_log_freq·log_freq + b_position·position + u_p + v_i + e``,
  ``u_p ~ N(0, sd_participant²)``, ``v_i ~ N(0, sd_item²)``, ``e ~ N(0, sd_residual²)``;
  ``surprisal`` is the model's surprisal (layer-less, raw bits/nats as extracted),
  ``z_att`` is ``rt_measure`` at ``rt_layer`` z-scored within the item, and length,
  log frequency and position are :func:`psyai.data.word_tables.word_predictors`.

Randomness comes only from ``seed``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from psyai.data.word_tables import head_average, within_item_z, word_predictors
from psyai.errors import DataError

__all__ = ["SimulationConfig", "SimulatedCohort"]


@dataclass
class SimulationConfig:
    """Weights and noise of the simulated cohort (one description per field)."""

    n_participants: int = 30  # number of simulated participants; each reads every item
    seed: int = 0  # seed of the only random generator
    selection_measure: str = "attention"  # model measure that drives which words get selected
    selection_layer: int = 3  # its layer (head average)
    selection_intercept: float = -1.0  # logit of selecting a word of average z
    selection_slope: float = 1.5  # change in logit per within-item SD of the selection measure
    rt_measure: str = "attention"  # model measure entering log reading time as z_att
    rt_layer: int | None = None  # its layer; None: the selection layer
    surprisal_measure: str = "surprisal"  # the layer-less measure used as surprisal
    b0: float = 5.6  # intercept of log reading time (log ms)
    b_surprisal: float = 0.04  # per unit of surprisal
    b_attention: float = 0.03  # per within-item SD of the rt measure
    b_length: float = 0.02  # per letter
    b_log_freq: float = -0.03  # per unit of log relative frequency
    b_position: float = -0.004  # per word of position
    sd_participant: float = 0.15  # SD of participant intercepts (log ms)
    sd_item: float = 0.08  # SD of item intercepts (log ms)
    sd_residual: float = 0.2  # SD of the word-level noise (log ms)
    measures: tuple[str, ...] = ("selected", "reading_time")  # which human measures to write


class SimulatedCohort:
    """Simulated participants; ``generate`` returns a human word table.

    After :meth:`generate`: ``participant_effects_`` and ``item_effects_`` (Series of
    the drawn random intercepts), ``words_`` (the word-level predictors used).
    """

    def __init__(self, config: SimulationConfig | None = None) -> None:
        self.config = config or SimulationConfig()

    def _layer_values(self, per_word: pd.DataFrame, measure: str, layer: int | None) -> pd.Series:
        rows = per_word[per_word["measure"] == measure]
        if layer is not None:
            rows = rows[rows["layer"] == layer]
        if rows.empty:
            have = sorted(set(zip(per_word["measure"], per_word["layer"])))
            raise DataError(f"the model-measure table has no {measure!r} at layer {layer}; "
                            f"available (measure, layer): {have[:12]}{' …' if len(have) > 12 else ''}")
        return rows.set_index(["text_id", "word_index"])["value"]

    def generate(self, model_measures: pd.DataFrame) -> pd.DataFrame:
        """Human word table (participant, item, word_index, word, measure, value, run_mode = simulated)."""
        c = self.config
        rng = np.random.default_rng(c.seed)
        per_word = head_average(model_measures)
        words = word_predictors(per_word.rename(columns={"text_id": "item"}))
        key = pd.MultiIndex.from_frame(words[["item", "word_index"]])
        sel = self._layer_values(per_word, c.selection_measure, c.selection_layer).reindex(key).to_numpy()
        rt_layer = c.selection_layer if c.rt_layer is None else c.rt_layer
        att = self._layer_values(per_word, c.rt_measure, rt_layer).reindex(key).to_numpy()
        items = words["item"]
        words["z_sel"] = within_item_z(pd.Series(sel, index=words.index), items)
        words["z_att"] = within_item_z(pd.Series(att, index=words.index), items)
        if "reading_time" in c.measures:
            surp = per_word[per_word["measure"] == c.surprisal_measure]
            if surp.empty:
                raise DataError(f"the model-measure table has no {c.surprisal_measure!r}; reading times need "
                                "surprisal (or set measures=('selected',))")
            surp = surp.groupby(["text_id", "word_index"])["value"].mean()
            words["surprisal"] = surp.reindex(key).to_numpy()
        self.words_ = words

        participants = [f"sim-{k + 1:03d}" for k in range(c.n_participants)]
        item_ids = sorted(items.unique())
        self.participant_effects_ = pd.Series(rng.normal(0, c.sd_participant, len(participants)), index=participants)
        self.item_effects_ = pd.Series(rng.normal(0, c.sd_item, len(item_ids)), index=item_ids)

        n_w = len(words)
        frames = []
        for p in participants:
            base = words[["item", "word_index", "word"]].assign(participant=p)
            if "selected" in c.measures:
                logit = c.selection_intercept + c.selection_slope * words["z_sel"].to_numpy()
                chosen = rng.random(n_w) < 1 / (1 + np.exp(-logit))
                frames.append(base.assign(measure="selected", value=chosen.astype(float)))
            if "reading_time" in c.measures:
                log_rt = (c.b0 + c.b_surprisal * words["surprisal"].to_numpy() + c.b_attention * words["z_att"].to_numpy()
                          + c.b_length * words["length"].to_numpy() + c.b_log_freq * words["log_freq"].to_numpy()
                          + c.b_position * words["position"].to_numpy() + self.participant_effects_[p]
                          + self.item_effects_.reindex(items).to_numpy() + rng.normal(0, c.sd_residual, n_w))
                frames.append(base.assign(measure="reading_time", value=np.exp(log_rt)))
        out = pd.concat(frames, ignore_index=True).assign(run_mode="simulated")
        return out[["participant", "item", "word_index", "word", "measure", "value", "run_mode"]]

    def truth(self) -> dict:
        """The generating settings, for recovery checks."""
        return asdict(self.config)
