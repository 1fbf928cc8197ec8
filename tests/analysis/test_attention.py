"""Attention analysis: recovery from simulated participants, the composition of psyai.stats, outputs.

The statistics themselves are tested in tests/stats: Spearman's rho and its permutation
baseline in test_correlation.py, Holm in test_multiple.py, the mixed model against
R ``lme4::lmer`` in test_mixed.py and here (tests/stats/reference/attention_lme4.R → attention_lme4.json,
on attention_lmm_data.csv written by attention_make_data.py, which uses
:func:`synthetic_model_measures` below). Here: that ``layer_agreement`` gives scipy's and
statsmodels' numbers, that ``reading_time_lmm`` is the lme4 model, and that the per-item agreement of raw
and residual human scores and its length and frequency baselines are base R's ``cor(method = "spearman")``
(tests/stats/reference/attention_spearman.R → attention_spearman.json, on attention_spearman_data.csv written
by attention_spearman_make_data.py, which uses :func:`length_driven_tables` below).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from analysis.attention import AttentionConfig, analyze, layer_agreement, reading_time_lmm, write_results
from psyai.errors import DataError
from psyai.participants.attention import SimulatedCohort, SimulationConfig

REF = Path(__file__).resolve().parents[1] / "stats" / "reference"
VOCAB = ("the a of cat dog house river mountain quickly beautiful ran is was under over table "
         "computer, language. model! 42 déjà-vu").split()


def synthetic_model_measures(n_items: int = 20, n_words: int = 12, n_layers: int = 6, n_heads: int = 3,
                             seed: int = 1) -> pd.DataFrame:
    """Random but fixed model measures: attention and rollout per layer and head, surprisal per word."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_items):
        words = [VOCAB[k] for k in rng.integers(0, len(VOCAB), n_words)]
        for w, word in enumerate(words):
            rows.append((f"t{i:02d}", w, word, "surprisal", -1, -1, rng.gamma(2, 3)))
            for layer in range(n_layers):
                for head in range(n_heads):
                    rows.append((f"t{i:02d}", w, word, "attention", layer, head, rng.random()))
                    rows.append((f"t{i:02d}", w, word, "rollout", layer, head, rng.random()))
    return pd.DataFrame(rows, columns=["text_id", "word_index", "word", "measure", "layer", "head", "value"])


@pytest.fixture(scope="module")
def model_measures():
    return synthetic_model_measures()


@pytest.fixture(scope="module")
def results(model_measures):
    cohort = SimulatedCohort(SimulationConfig(n_participants=20, selection_layer=3, selection_slope=1.0, seed=4))
    human = cohort.generate(model_measures)
    return analyze(human, model_measures, AttentionConfig(n_perm=100, lmm_attention_layer=3))


@pytest.mark.parametrize("layer", [1, 4])
def test_selection_recovers_generating_layer(model_measures, layer):
    human = SimulatedCohort(SimulationConfig(n_participants=15, selection_layer=layer, seed=layer,
                                             measures=("selected",))).generate(model_measures)
    res = analyze(human, model_measures, AttentionConfig(n_perm=50))
    best = [b for b in res["best"] if b["human_measure"] == "selection_rate"][0]
    assert (best["model_measure"], best["layer"]) == ("attention", layer)
    assert best["p_holm"] < 0.001
    # the generating layer stands well clear of every other layer and measure
    others = res["tables"]["agreement"].query("human_measure == 'selection_rate' and layer != @layer")
    assert best["mean_diff"] > 2 * others["mean_diff"].abs().max()


def test_lmm_recovers_surprisal_slope(results):
    truth = SimulationConfig()
    fixed = {r["term"]: r for r in results["lmm"]["fixed"]}
    for term, true in [("surprisal", truth.b_surprisal), ("length", truth.b_length), ("position", truth.b_position),
                       ("attention", truth.b_attention)]:
        assert fixed[term]["ci_low"] <= true <= fixed[term]["ci_high"], term
    assert results["lmm"]["sd_residual"] == pytest.approx(truth.sd_residual, rel=0.05)
    # t tests with degrees of freedom (Satterthwaite), not z; spillover terms in the default model
    assert all(r["df"] > 0 for r in results["lmm"]["fixed"]) and "prev_surprisal" in fixed
    assert results["lmm"]["formula"].startswith("log_rt ~ surprisal") and "| participant)" in results["lmm"]["formula"]
    assert "Satterthwaite" in results["method"]["lmm"] and "wilcox.test" in results["method"]["across_items"]
    assert "log ms" not in results["sentences"]["lmm"] and "factor of" in results["sentences"]["lmm"]


def test_layer_agreement_t_and_wilcoxon_against_scipy():
    rng = np.random.default_rng(3)
    corrs = pd.DataFrame({"item": np.tile(np.arange(10), 2), "human_measure": "h", "model_measure": "attention",
                          "layer": np.repeat([0, 1], 10), "rho": rng.normal(0.2, 0.3, 20),
                          "rho_perm_mean": rng.normal(0, 0.02, 20)})
    corrs["rho_minus_baseline"] = corrs["rho"] - corrs["rho_perm_mean"]
    out = layer_agreement(corrs).set_index("layer")
    for layer in (0, 1):
        d = corrs.query("layer == @layer")["rho_minus_baseline"]
        assert out.at[layer, "t"] == pytest.approx(stats.ttest_1samp(d, 0).statistic)
        assert out.at[layer, "p_val"] == pytest.approx(stats.ttest_1samp(d, 0).pvalue)
        assert out.at[layer, "p_wilcoxon"] == pytest.approx(stats.wilcoxon(d).pvalue)
    assert np.allclose(out["p_holm"], multipletests(out["p_val"], method="holm")[1])


def test_reading_time_lmm_is_the_lme4_model():
    """reading_time_lmm with the older random-intercept formula reproduces lmer(log_rt ~ surprisal + attention +
    length + log_freq + position + (1|participant) + (1|item)) (attention_lme4.R)."""
    ref = json.loads((REF / "attention_lme4.json").read_text())
    data = pd.read_csv(REF / "attention_lmm_data.csv", dtype={"participant": str, "item": str})
    formula = "log_rt ~ surprisal + attention + length + log_freq + position + (1 | participant) + (1 | item)"
    fixed, info = reading_time_lmm(data, formula)
    assert list(fixed.columns) == ["term", "estimate", "se", "t", "df", "p_val", "ci_low", "ci_high"]
    assert list(fixed["term"]) == ref["terms"] and info["formula"] == formula
    assert fixed["estimate"].to_numpy() == pytest.approx(ref["estimate"], abs=1e-4, rel=1e-3)
    assert fixed["se"].to_numpy() == pytest.approx(ref["se"], rel=1e-2)
    assert (info["n_obs"], info["n_participants"], info["n_items"]) == (ref["n_obs"], 12, 12)
    assert info["loglik_reml"] == pytest.approx(-ref["reml_criterion"] / 2, abs=1e-2)
    assert info["random"]["participant:sd__(Intercept)"] == pytest.approx(ref["random_sd"]["participant"], rel=1e-2)


def test_reading_time_slope_and_type_one_error():
    """Surprisal's slope is recovered within its interval, and a predictor with no effect (here the previous
    word's length) is significant at .05 in about 5 % of simulated studies (Satterthwaite t tests)."""
    from psyai.stats.bench import reading_data

    hits, covered = [], []
    for seed in range(30):
        data = reading_data(n_readers=12, n_texts=10, n_words=12, seed=seed).assign(
            prev_length=lambda d: np.random.default_rng(seed + 1000).permutation(d["length"].to_numpy()))
        fixed, _ = reading_time_lmm(data, "log_rt ~ surprisal + length + log_freq + position + prev_surprisal + "
                                          "prev_length + (1 + surprisal | participant) + (1 | item)")
        row = fixed.set_index("term")
        covered.append(row.at["surprisal", "ci_low"] <= 0.03 <= row.at["surprisal", "ci_high"])
        hits.append(row.at["prev_length", "p_val"] < 0.05)
    assert np.mean(covered) >= 0.85
    assert np.mean(hits) <= 0.15  # nominal .05; 30 studies: P(more than 4 hits | .05) < .06



def test_results_json_strict_and_report_has_figures(results, tmp_path):
    paths = write_results(results, tmp_path)
    text = paths["json"].read_text()
    summary = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    for key in ("experiment", "run_modes", "banner", "n_participants", "n_items", "best", "agreement", "lmm",
                "settings", "method", "sentences", "versions", "tables"):
        assert key in summary
    assert set(summary["tables"]["item_correlations"][0]) >= {"item", "human_measure", "model_measure", "layer",
                                                              "rho", "rho_perm_mean", "p_perm"}
    html = paths["html"].read_text()
    assert html.count("<img") >= 4  # two heat maps, two example-text figures
    assert "simulated" in html.lower()  # banner for simulated data


def test_cli_runs_on_files(tmp_path, model_measures):
    from analysis.attention import main

    human = SimulatedCohort(SimulationConfig(n_participants=5, measures=("selected",))).generate(model_measures)
    human.to_csv(tmp_path / "human.csv", index=False)
    model_measures.to_csv(tmp_path / "mm.csv", index=False)
    assert main([str(tmp_path / "human.csv"), "--model-measures", str(tmp_path / "mm.csv"),
                 "--out", str(tmp_path / "out"), "--n-perm", "20"]) == 0
    assert (tmp_path / "out" / "report.html").exists()
    assert "wordfreq" in json.loads((tmp_path / "out" / "results.json").read_text())["method"]["frequency"]
    assert main([str(tmp_path / "human.csv"), "--model-measures", str(tmp_path / "mm.csv"),
                 "--out", str(tmp_path / "local"), "--n-perm", "20", "--frequency", "local"]) == 0
    local = json.loads((tmp_path / "local" / "results.json").read_text())
    assert local["settings"]["frequency"] == "local" and "within the item set" in local["method"]["frequency"]
    assert main([str(tmp_path / "nope.csv"), "--model-measures", str(tmp_path / "mm.csv"),
                 "--out", str(tmp_path / "out")]) == 1


def test_human_and_model_tables_of_different_words_are_refused(model_measures):
    """Model measures from another segmentation (here: every word shifted by one) would pair different
    words silently; the analysis names the item, the index and both words."""
    from psyai.errors import DataError

    human = SimulatedCohort(SimulationConfig(n_participants=3, measures=("selected",))).generate(model_measures)
    shifted = model_measures.copy()
    first = shifted["text_id"] == "t00"
    words = shifted[first].drop_duplicates("word_index").set_index("word_index")["word"]
    shifted.loc[first, "word"] = shifted.loc[first, "word_index"].map(lambda i: words.get(i + 1, "end"))
    assert words[0] != words[1]  # the fixed seed gives different first words
    with pytest.raises(DataError, match=f"item 't00', word_index 0: people saw {words[0]!r}, the model table has "
                                        f"{words[1]!r}.*--unit"):
        analyze(human, shifted, AttentionConfig(n_perm=10))
    # punctuation and case alone do not count: an eye-tracking export may strip them
    stripped = model_measures.assign(word=model_measures["word"].str.upper().str.strip(",.!"))
    assert analyze(human, stripped, AttentionConfig(n_perm=10))["n_items"] == 20


def test_example_figures_draw_japanese_in_a_cjk_font_and_words_never_overlap():
    """Kana and kanji come out as glyphs (matplotlib warns of a missing glyph otherwise), and each word's box,
    measured by the renderer, ends before the next one on its line begins."""
    import warnings

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from analysis.attention import _fig_examples
    from psyai.report import figure_to_html

    words = ["東京大学の", "学生が", "新しい", "本を", "読んでいる。", "GPT-4の", "文章を", "読んでください。"] * 3
    scores = pd.DataFrame({"item": "ja1", "measure": "selection_rate", "word_index": range(len(words)),
                           "word": words, "value": np.linspace(0, 1, len(words))})
    model = scores.rename(columns={"item": "text_id"}).assign(measure="attention", layer=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = _fig_examples(scores, model, "selection_rate", "attention", 0, ["ja1"])
        assert figure_to_html(fig, alt="examples").startswith("<img")
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert isinstance(fig.canvas, FigureCanvasAgg)  # the canvas the words were measured on
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        boxes = [(t.get_position()[1], t.get_bbox_patch().get_window_extent(renderer)) for t in ax.texts]
        assert len(boxes) == len(words) and len({y for y, _ in boxes}) >= 2  # wrapped onto several lines
        for (y0, a), (y1, b) in zip(boxes, boxes[1:]):
            assert y0 != y1 or a.x1 <= b.x0


def test_missing_model_values_are_left_out_word_by_word(model_measures, tmp_path):
    """extract leaves a word without a token of its own empty; the table still reads and analyses."""
    from psyai.data.word_tables import read_model_measures

    human = SimulatedCohort(SimulationConfig(n_participants=3, measures=("selected",))).generate(model_measures)
    holes = model_measures.copy()
    holes.loc[holes["word_index"] == 2, "value"] = np.nan
    holes.to_csv(tmp_path / "mm.csv", index=False)
    table = read_model_measures(tmp_path / "mm.csv")
    assert table["value"].isna().sum() == (model_measures["word_index"] == 2).sum()
    res = analyze(human, table, AttentionConfig(n_perm=10))
    corrs = res["tables"]["item_correlations"]
    assert (corrs["n_words"] == 11).all()  # 12 words, one without model values
    assert res["n_items"] == res["n_items_correlated"] == 20
    some = model_measures.copy()  # five items lose a word's values: with min_words 12 they are not correlated
    some.loc[(some["word_index"] == 2) & (some["text_id"] < "t05"), "value"] = np.nan
    few = analyze(human, some, AttentionConfig(n_perm=10, min_words=12))
    assert few["n_items"] == 20 and few["n_items_correlated"] == 15


def test_no_spread_in_any_item_is_a_clear_error(model_measures):
    from psyai.errors import DataError

    human = SimulatedCohort(SimulationConfig(n_participants=3, measures=("selected",))).generate(model_measures)
    with pytest.raises(DataError, match="no item has a rank correlation.*nobody selected any word"):
        analyze(human.assign(value=0.0), model_measures, AttentionConfig(n_perm=10))


def test_items_without_model_measures_are_refused_and_several_tables_join(model_measures, tmp_path):
    from analysis.attention import main
    from psyai.errors import DataError

    human = SimulatedCohort(SimulationConfig(n_participants=3, measures=("selected",))).generate(model_measures)
    first = model_measures[model_measures["text_id"] < "t10"]
    with pytest.raises(DataError, match="10 of 20 items have no model measures \\(first: 't10'.*--lang ja"):
        analyze(human, first, AttentionConfig(n_perm=10))
    human.to_csv(tmp_path / "human.csv", index=False)
    first.to_csv(tmp_path / "a.csv", index=False)
    model_measures[model_measures["text_id"] >= "t10"].to_csv(tmp_path / "b.csv", index=False)
    assert main([str(tmp_path / "human.csv"), "--model-measures", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"),
                 "--out", str(tmp_path / "out"), "--n-perm", "10"]) == 0
    assert json.loads((tmp_path / "out" / "results.json").read_text())["n_items"] == 20


def test_the_banner_counts_participants_by_their_run_mode(model_measures):
    """Simulated sessions (IDs like sim001, as `psyai simulate` writes them) were bannered 'MIXED DATA …
    human (12 trials)': the run mode came from the ID's prefix and the count was of participants."""
    human = SimulatedCohort(SimulationConfig(n_participants=6, selection_layer=1, seed=2,
                                             measures=("selected",))).generate(model_measures)
    human["participant"] = human["participant"].str.replace("sim-", "sim", regex=False)
    config = AttentionConfig(n_perm=20)
    res = analyze(human, model_measures, config)
    assert res["run_modes"] == {"simulated": 6}
    assert res["banner"].startswith("SIMULATED DATA")
    # a table without run_mode (an imported corpus) is real data: no banner
    res = analyze(human.drop(columns="run_mode"), model_measures, config)
    assert res["run_modes"] == {"real": 6} and res["banner"] is None
    # real and simulated participants together: refused, or named with their counts when allowed
    mixed = human.assign(run_mode=np.where(human["participant"].isin(["sim001", "sim002"]), "real", "simulated"))
    with pytest.raises(DataError, match="simulated participants are mixed with real ones"):
        analyze(mixed, model_measures, config)
    res = analyze(mixed, model_measures, AttentionConfig(n_perm=20, allow_mixed=True))
    assert res["banner"] == ("MIXED DATA — this report mixes run modes: real (2 participants), simulated "
                             "(4 participants). Only real sessions are data from participants.")
    with pytest.raises(DataError, match=r"line 2, column 'run_mode': 'sim'; use one of real, pilot, simulated"):
        analyze(human.assign(run_mode="sim"), model_measures, config)


# --------------------------------------------------------------------------- raw and residual human scores

LENGTH_VOCAB = ("a I the of cat dog was house river table quickly mountain computer beautiful language "
                "understanding international").split()


def length_driven_tables(n_items: int = 30, n_words: int = 10, n_participants: int = 8,
                         seed: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """People's total fixation time driven by word length AND by the model's attention (independent of length);
    the model's saliency driven by word length alone, as a summed-over-tokens saliency of a long word is.

    log TRT = 5.3 + 0.12 length + 0.25 attention + participant + noise; saliency = length + noise."""
    rng = np.random.default_rng(seed)
    human, model = [], []
    for i in range(n_items):
        words = [LENGTH_VOCAB[k] for k in rng.integers(0, len(LENGTH_VOCAB), n_words)]
        length = np.array([len(w) for w in words], float)  # (n_words,)
        attention = rng.normal(0, 1, n_words)  # (n_words,)
        saliency = length + rng.normal(0, 1.5, n_words)  # (n_words,)
        for w, word in enumerate(words):
            model.append((f"s{i:02d}", w, word, "saliency", -1, -1, saliency[w]))
            model.append((f"s{i:02d}", w, word, "attention", 0, -1, attention[w]))
        for p in range(n_participants):
            log_trt = 5.3 + 0.12 * length + 0.25 * attention + rng.normal(0, 0.1) + rng.normal(0, 0.2, n_words)
            human += [(f"P{p:02d}", f"s{i:02d}", w, word, "total_fixation_time", float(np.exp(log_trt[w])))
                      for w, word in enumerate(words)]
    return (pd.DataFrame(human, columns=["participant", "item", "word_index", "word", "measure", "value"]),
            pd.DataFrame(model, columns=["text_id", "word_index", "word", "measure", "layer", "head", "value"]))


@pytest.fixture(scope="module")
def length_driven():
    human, model = length_driven_tables()
    return (human, model, analyze(human, model, AttentionConfig(n_perm=50)),
            analyze(human, model, AttentionConfig(n_perm=50, human_score="residual")))


def _agreement_row(res: dict, human_measure: str, model_measure: str) -> dict:
    return next(r for r in res["agreement"] if r["human_measure"] == human_measure
                and r["model_measure"] == model_measure)


def test_raw_scores_are_the_default_and_keep_a_length_driven_agreement(length_driven):
    """The published comparisons (Hollenstein & Beinborn 2021) correlate raw fixation scores with saliency per
    sentence; psyai regressed length out first and turned a strong saliency-fixation correlation into none."""
    _, _, raw, resid = length_driven
    assert raw["settings"]["human_score"] == "raw" and resid["settings"]["human_score"] == "residual"
    assert {r["human_measure"] for r in raw["agreement"]} == {"total_fixation_time_mean"}
    assert {r["human_measure"] for r in resid["agreement"]} == {"total_fixation_time_resid"}
    assert _agreement_row(raw, "total_fixation_time_mean", "saliency")["mean_rho"] > 0.5
    # residualising removes the length part: saliency, driven by length alone, falls to chance …
    assert abs(_agreement_row(resid, "total_fixation_time_resid", "saliency")["mean_rho"]) < 0.15
    # … and attention, the part of people's score length does not explain, stands out more
    raw_att = _agreement_row(raw, "total_fixation_time_mean", "attention")["mean_rho"]
    resid_att = _agreement_row(resid, "total_fixation_time_resid", "attention")["mean_rho"]
    assert 0.1 < raw_att < resid_att and resid_att > 0.4


def test_the_human_score_is_named_in_the_method_sentences_and_report(length_driven, tmp_path):
    _, _, raw, resid = length_driven
    assert "raw" in raw["method"]["human_score"] and "Hollenstein & Beinborn 2021" in raw["method"]["human_score"]
    assert "residualised" in resid["method"]["human_score"]
    assert "(raw: mean over participants, nothing regressed out)" in raw["sentences"]["total_fixation_time_mean"]
    assert "(residualised on word length, log frequency and position)" in \
        resid["sentences"]["total_fixation_time_resid"]
    html = write_results(raw, tmp_path)["html"].read_text()
    assert "--human-score raw, the default" in html and "human_score" in html


def test_raw_scores_are_per_word_means_and_rho_is_scipys_per_item(length_driven):
    """Outside check: the per-word mean over participants and scipy.stats.spearmanr, item by item."""
    human, model, raw, _ = length_driven
    corrs = raw["tables"]["item_correlations"].query("model_measure == 'saliency'").set_index("item")
    means = human.groupby(["item", "word_index"])["value"].mean()
    sal = model.query("measure == 'saliency'").set_index(["text_id", "word_index"])["value"]
    for item in ("s00", "s07", "s29"):
        expected = stats.spearmanr(means.loc[item].sort_index(), sal.loc[item].sort_index()).statistic
        assert corrs.at[item, "rho"] == pytest.approx(expected, abs=1e-12)
    assert _agreement_row(raw, "total_fixation_time_mean", "saliency")["mean_rho"] == pytest.approx(corrs["rho"].mean())


def test_an_unknown_human_score_is_refused(length_driven):
    human, model, _, _ = length_driven
    with pytest.raises(DataError, match="human score 'resid': use one of raw, residual"):
        analyze(human, model, AttentionConfig(n_perm=5, human_score="resid"))


def test_length_and_frequency_baselines_stand_beside_every_model_measure(length_driven):
    """Per item, Spearman of the human score with word length and with word frequency on the same words, averaged
    over the same items in every agreement row: raw fixation times follow length (and, inversely, frequency);
    the residual scores do not."""
    human, model, raw, resid = length_driven
    corrs = raw["tables"]["item_correlations"]
    assert {"rho_length", "rho_freq"} <= set(corrs.columns)
    for res in (raw, resid):
        assert all(np.isfinite(r["mean_rho_length"]) and np.isfinite(r["mean_rho_freq"]) for r in res["agreement"])
        assert {"mean_rho_length", "mean_rho_freq"} <= set(res["best"][0])
    row = _agreement_row(raw, "total_fixation_time_mean", "saliency")
    assert row["mean_rho_length"] > 0.7 and row["mean_rho_freq"] < -0.4
    assert row["mean_rho_length"] == pytest.approx(corrs.query("model_measure == 'saliency'")["rho_length"].mean())
    assert abs(_agreement_row(resid, "total_fixation_time_resid", "saliency")["mean_rho_length"]) < 0.2
    # outside check, item by item: scipy's Spearman of the per-word mean with the word's length in characters
    means = human.groupby(["item", "word_index"]).agg(value=("value", "mean"), word=("word", "first"))
    first = corrs.query("model_measure == 'attention'").set_index("item")
    for item in ("s00", "s13"):
        m = means.loc[item].sort_index()
        assert first.at[item, "rho_length"] == pytest.approx(
            stats.spearmanr(m["value"], m["word"].str.len()).statistic, abs=1e-12)
    assert "word length alone gave mean rho = ." in raw["sentences"]["total_fixation_time_mean"]
    assert "word frequency mean rho = -." in raw["sentences"]["total_fixation_time_mean"]
    assert "mean_rho_length" in raw["method"]["correlation"]


def test_cli_takes_the_human_score_min_words_and_measure_names_and_records_them(length_driven, tmp_path, capsys):
    from analysis.attention import build_parser, main

    human, model, _, _ = length_driven
    human.to_csv(tmp_path / "human.csv", index=False)
    model.to_csv(tmp_path / "mm.csv", index=False)
    base = [str(tmp_path / "human.csv"), "--model-measures", str(tmp_path / "mm.csv"), "--n-perm", "10"]
    defaults = build_parser().parse_args([*base, "--out", "x"])  # the command line's defaults are the config's
    assert {k: getattr(defaults, k) for k in ("human_score", "min_words", "rt_measure", "surprisal_measure",
                                              "lmm_attention_measure", "example_model_measure")} == \
        {k: getattr(AttentionConfig(), k) for k in ("human_score", "min_words", "rt_measure", "surprisal_measure",
                                                    "lmm_attention_measure", "example_model_measure")}
    assert main([*base, "--out", str(tmp_path / "out"), "--human-score", "residual", "--min-words", "10",
                 "--rt-measure", "total_fixation_time", "--lmm-attention-measure", "saliency",
                 "--example-model-measure", "saliency"]) == 0
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    assert {k: res["settings"][k] for k in ("human_score", "min_words", "rt_measure", "lmm_attention_measure",
                                            "example_model_measure")} == {
        "human_score": "residual", "min_words": 10, "rt_measure": "total_fixation_time",
        "lmm_attention_measure": "saliency", "example_model_measure": "saliency"}
    assert "--human-score residual --min-words 10" in res["command_line"]
    assert "residualised" in res["method"]["human_score"] and res["n_items_correlated"] == 30
    assert {r["human_measure"] for r in res["agreement"]} == {"total_fixation_time_resid"}
    html = (tmp_path / "out" / "report.html").read_text()
    assert "saliency at layer -1 (right)" in html  # the example texts draw the measure asked for
    # every item has 10 words: with --min-words 11 none is left, and the error says so
    assert main([*base, "--out", str(tmp_path / "none"), "--min-words", "11"]) == 1
    assert "no item has human scores and model measures" in capsys.readouterr().err
    assert main([*base, "--out", str(tmp_path / "two"), "--min-words", "2"]) == 1
    assert "min_words 2: Spearman's rho of fewer than 3 words" in capsys.readouterr().err
    assert main([*base, "--out", str(tmp_path / "typo"), "--surprisal-measure", "surprise"]) == 1
    assert ("--surprisal-measure 'surprise' is not a measure of the model table (attention, saliency); pass one of "
            "those") in capsys.readouterr().err
    assert main([*base, "--out", str(tmp_path / "typo"), "--rt-measure", "trt"]) == 1
    assert "--rt-measure 'trt' is not a measure of the human table (total_fixation_time)" in capsys.readouterr().err


@pytest.mark.parametrize("human_score", ["raw", "residual"])
def test_agreement_matches_r_cor_spearman(human_score):
    """Outside check against base R: per-word mean (raw, skipped words as 0) or OLS residual of log time averaged
    over participants (residual), then cor(method = "spearman") per item with saliency, length and log frequency,
    and their means over items. R: tests/stats/reference/attention_spearman.R on attention_spearman_data.csv."""
    ref = json.loads((REF / "attention_spearman.json").read_text())[human_score]
    data = pd.read_csv(REF / "attention_spearman_data.csv", dtype={"participant": str, "item": str})
    human = data[["participant", "item", "word_index", "word", "value"]].assign(measure="total_fixation_time")
    model = (data.drop_duplicates(["item", "word_index"])[["item", "word_index", "word", "saliency"]]
             .rename(columns={"item": "text_id", "saliency": "value"}).assign(measure="saliency", layer=-1, head=-1))
    res = analyze(human, model, AttentionConfig(n_perm=10, human_score=human_score, frequency="local"))
    corrs = res["tables"]["item_correlations"].set_index("item").loc[ref["item"]]
    for column in ("rho", "rho_length", "rho_freq"):
        assert corrs[column].to_numpy() == pytest.approx(ref[column], abs=1e-9), column
    row = res["agreement"][0]
    for key in ("mean_rho", "mean_rho_length", "mean_rho_freq"):
        assert row[key] == pytest.approx(ref[key], abs=1e-9), key


def test_readme_and_data_md_say_which_human_score_and_options_the_analysis_uses():
    from tests.helpers import ROOT

    readme, data_md = (ROOT / "README.md").read_text(), (ROOT / "docs" / "DATA.md").read_text()
    for text in (readme, data_md):
        assert "--human-score" in text and "--min-words" in text and "--rt-measure" in text
    assert "raw` (default)" in data_md and "Hollenstein & Beinborn 2021" in data_md
    assert "`rho_length`" in data_md and "`mean_rho_freq`" in data_md


def test_the_analysis_reads_an_imported_eye_tracking_folder_with_go_past_time_and_fixation_counts(model_measures,
                                                                                               tmp_path):
    """psyai import eye-tracking writes a folder the analysis takes as its human data (issue 13). Go-past time is a
    duration (logged for the residual score, zeros left out); a fixation count is not logged."""
    from analysis.attention import human_word_scores, main
    from psyai.data.importers.eye_tracking import WordImportSettings, import_word_reports
    from psyai.data.importing import write_import

    rng = np.random.default_rng(5)
    words = model_measures.drop_duplicates(["text_id", "word_index"])
    for subject in ("s01", "s02", "s03", "s04"):
        gpt = rng.gamma(4, 60, len(words)).round()
        gpt[rng.random(len(words)) < 0.15] = 0
        pd.DataFrame({"sentence_id": words["text_id"].to_numpy(), "word_id": words["word_index"].to_numpy(),
                      "word": words["word"].to_numpy(), "GPT": gpt,
                      "nFixations": rng.integers(0, 4, len(words))}).to_csv(tmp_path / f"{subject}-feats.csv")
    imported = import_word_reports([tmp_path], WordImportSettings(preset="zuco"))
    write_import(imported, tmp_path / "imported", argv=["psyai", "import", "eye-tracking"])
    model_measures.to_csv(tmp_path / "mm.csv", index=False)
    assert main([str(tmp_path / "imported"), "--model-measures", str(tmp_path / "mm.csv"), "--out",
                 str(tmp_path / "res"), "--n-perm", "10", "--human-score", "residual"]) == 0
    res = json.loads((tmp_path / "res" / "results.json").read_text())
    assert res["n_participants"] == 4 and set(res["human_measures"]) == {"go_past_time", "fixation_count"}
    human = imported.tables["human_words"]
    scores = human_word_scores(human, human_score="residual")
    assert set(scores["measure"]) == {"go_past_time_resid", "fixation_count_resid"}
    # zeros (skipped words) are left out of the logged duration, kept in the unlogged count
    gpt = scores[scores["measure"] == "go_past_time_resid"]
    nonzero = human[(human["measure"] == "go_past_time") & (human["value"] > 0)]
    assert len(gpt) == nonzero.drop_duplicates(["item", "word_index"]).shape[0]
    assert (scores["measure"] == "fixation_count_resid").sum() == len(words)


# --------------------------------------------------------------------------- sessions that did not run to the end


def measures_for(human: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Random model measures on exactly the words people read (surprisal, and attention in two layers)."""
    rng = np.random.default_rng(seed)
    words = human.drop_duplicates(["item", "word_index"])
    rows = [(w.item, w.word_index, w.word, measure, layer, -1, rng.gamma(2, 3))
            for w in words.itertuples() for measure, layer in (("surprisal", -1), ("attention", 0), ("attention", 1))]
    return pd.DataFrame(rows, columns=["text_id", "word_index", "word", "measure", "layer", "head", "value"])


@pytest.fixture(scope="module")
def unfinished(tmp_path_factory):
    """Five simulated readers through experiments/self_paced_reading.py, four texts each; then the first
    session as if killed after two texts (no end record) and the second as if stopped with Escape after three."""
    import subprocess
    import sys

    from psyai.data.word_tables import load_human_table
    from psyai.participants.stimuli import write_synthetic_texts
    from tests.helpers import ROOT, stop_session_early

    base = tmp_path_factory.mktemp("unfinished")
    texts = write_synthetic_texts(base / "texts.csv", n_items=4, langs=("en",))
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "simulate", "self_paced_reading", "--participants", "5",
                          "--stimuli", str(texts), "--out", str(base / "data")],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    data = base / "data"
    measures = base / "measures.csv"
    measures_for(load_human_table(data)).to_csv(measures, index=False)
    logs = sorted(data.rglob("*_log.jsonl"))
    stop_session_early(logs[0], 2)
    stop_session_early(logs[1], 3, "aborted")
    return data, measures, [log.name.split("_")[0].removeprefix("sub-") for log in logs[:2]]


def test_unfinished_reading_sessions_are_named_and_kept_by_default(unfinished, tmp_path):
    from analysis.attention import main

    data, measures, (killed, aborted) = unfinished
    out = tmp_path / "out"
    assert main([str(data), "--model-measures", str(measures), "--out", str(out), "--n-perm", "20"]) == 0
    saved = json.loads((out / "results.json").read_text())
    s = saved["sessions"]
    assert saved["settings"]["exclude_incomplete"] is False and s["excluded"] is False
    assert [(u["participant"], u["session_status"], u["n_trials"], u["n_planned"]) for u in s["unfinished"]] == \
        [(killed, "incomplete", 2, 4), (aborted, "aborted", 3, 4)]
    assert saved["n_participants"] == 5
    assert s["sentence"].startswith(
        f"2 sessions of 5 did not run to the end: {killed} session 1 (no end record: killed or crashed, not "
        f"resumed; 2 of 4 texts); {aborted} session 1 (aborted: the participant stopped it with Escape; 3 of 4 "
        "texts). Their 5 texts are included (the default")
    assert s["sentence"] in (out / "report.html").read_text(encoding="utf-8").replace("&#x27;", "'")


def test_exclude_incomplete_leaves_out_unfinished_reading_sessions(unfinished, tmp_path, capsys):
    from analysis.attention import main
    from psyai.data.word_tables import load_human_table

    data, measures, (killed, aborted) = unfinished
    out = tmp_path / "out"
    assert main([str(data), "--model-measures", str(measures), "--out", str(out), "--n-perm", "20",
                 "--exclude-incomplete"]) == 0
    saved = json.loads((out / "results.json").read_text())
    assert saved["settings"]["exclude_incomplete"] is True and saved["sessions"]["excluded"] is True
    assert saved["n_participants"] == 3
    assert saved["sessions"]["sentence"].endswith("They were left out with their 5 texts (--exclude-incomplete).")
    # a table without session logs cannot say which sessions ended: the option is refused, not ignored
    table = tmp_path / "human.csv"
    load_human_table(data).to_csv(table, index=False)
    capsys.readouterr()
    assert main([str(table), "--model-measures", str(measures), "--out", str(tmp_path / "t"),
                 "--exclude-incomplete"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --exclude-incomplete needs to know how each session ended") and "\n" not in err
    assert "a table without them" in err
    assert main([str(table), "--model-measures", str(measures), "--out", str(tmp_path / "t"), "--n-perm", "20"]) == 0
    assert "not known" in json.loads((tmp_path / "t" / "results.json").read_text())["sessions"]["sentence"]
