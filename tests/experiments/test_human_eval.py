"""The human evaluation end to end: real script, real window (Xvfb), simulated raters and the keyboard; the
simulated raters' true win rates recovered from their synthetic table."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from psyai.booth.ranking import balanced_order, previews
from psyai.data import HUMAN_EVAL_COLUMNS, HUMAN_EVAL_FLAGS, load_human_eval
from psyai.data.log import read_log
from psyai.data.sessions import session_summary
from psyai.data.stimuli import load_stimuli
from psyai.errors import StimulusError
from psyai.participants.evaluators import (
    EvaluatorCohort, simulate_human_eval, synthetic_human_eval_items, true_win_rate,
)
from psyai.participants.stimuli import write_stimulus_csv
from tests.helpers import EXPERIMENTS, ROOT, Booth, kill_mid_session, run_experiment, tree

SIM = ["--simulate", "--no-dialog", "--seed", "3"]
MODELS = ("policy", "sft", "base")


def write_items(path, n_prompts=6, models=MODELS, lang="en", edit=None):
    rows = synthetic_human_eval_items(n_prompts, models=models, lang=lang, seed=2)
    if edit:
        rows = edit(rows)
    return write_stimulus_csv(rows, path)


def log_path(data, pid):
    return data / "human_eval" / f"sub-{pid}" / "ses-1" / f"sub-{pid}_ses-1_log.jsonl"


def load_script():
    """experiments/human_eval.py as a module (registered first: its dataclasses look their module up)."""
    if "human_eval_script" not in sys.modules:
        spec = importlib.util.spec_from_file_location("human_eval_script", EXPERIMENTS / "human_eval.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["human_eval_script"] = module
        spec.loader.exec_module(module)
    return sys.modules["human_eval_script"]


def test_a_simulated_session_runs_the_real_script_into_the_long_table(tmp_path):
    stim = write_items(tmp_path / "items.csv")
    data = tmp_path / "data"
    res = run_experiment("human_eval", "--participant", "S1", "--stimuli", str(stim), "--data-dir", str(data), *SIM)
    assert res.returncode == 0, res.stderr[-2000:]
    recs = read_log(log_path(data, "S1"))[0]
    assert recs[-1]["record"] == "end" and recs[-1]["status"] == "completed"
    header, trials = recs[0], [r for r in recs if r["record"] == "trial"]
    assert [t["prompt_id"] for t in trials] == header["trial_order"] and len(trials) == 6
    assert header["simulation"]["true_win_rates"] and header["settings"]["scales"][0] == "overall"
    long = load_human_eval(data)
    assert list(long.columns) == HUMAN_EVAL_COLUMNS and len(long) == 18
    # every model once per trial; 6 trials of 3: each model exactly twice at each position
    assert all(sorted(g) == sorted(MODELS) for _, g in long.groupby("trial_index").model)
    assert set(Counter(zip(long.position, long.model)).values()) == {2}
    assert set(long.condition) == {"respectful", "none", "biased"}
    assert long.n_chars.eq(long.text.str.len()).all() and long["rank"].notna().all()
    # the rater's overall ratings agree with its ranking (both read one value): a better rank, never a lower rating
    for _, t in long.groupby("trial_index"):
        t = t.sort_values("rank")
        assert t.overall.is_monotonic_decreasing
    # the synthetic fast path writes the same columns with the same types
    fast = simulate_human_eval(EvaluatorCohort(seed=1), 2, n_prompts=6)
    assert list(fast.columns) == list(long.columns)
    for col in ("session", "trial_index", "n_chars", "position", "rank", "overall", "harmlessness",
                *(f"flag_{f}" for f in HUMAN_EVAL_FLAGS)):
        assert fast[col].dtype == long[col].dtype, col


def test_the_default_stimuli_run_in_japanese(tmp_path):
    data = tmp_path / "data"
    res = run_experiment("human_eval", "--participant", "J1", "--lang", "ja", "--trials", "3", "--data-dir", str(data),
                         *SIM)
    assert res.returncode == 0, res.stderr[-2000:]
    long = load_human_eval(data)
    assert len(long) == 9 and set(long.model_name) == {"policy", "sft", "base"} and set(long.lang) == {"ja"}
    assert long.prompt.str.contains("[\u3040-\u30ff]").all()


def test_no_model_name_is_ever_drawn_on_screen(tmp_path, monkeypatch):
    """Blinding: every text the window draws in a whole session, against every model's id and name."""
    from psychopy import visual

    drawn: list[str] = []
    real_draw = visual.TextStim.draw

    def spy(self, *args, **kwargs):
        drawn.append(str(self.text))
        return real_draw(self, *args, **kwargs)

    monkeypatch.setattr(visual.TextStim, "draw", spy)
    stim = write_items(tmp_path / "items.csv", n_prompts=3, models=("ModelAlpha", "ModelBeta", "ModelGamma"))
    data = tmp_path / "data"
    script = load_script()
    assert script.main(["--participant", "B1", "--stimuli", str(stim), "--data-dir", str(data), *SIM,
                        "--sim-utilities", "ModelAlpha=1,ModelBeta=0.5,ModelGamma=0"]) == 0
    screen = "\n".join(drawn)
    trials = [r for r in read_log(log_path(data, "B1"))[0] if r["record"] == "trial"]
    assert len(trials) == 3 and set(trials[0]["model_names"]) == {"ModelAlpha", "ModelBeta", "ModelGamma"}
    # the screens were seen: prompts, each output's text, the letters that stand for the models
    assert all(t["prompt"].split(":")[-1].strip() in screen for t in trials)
    assert all(text in screen for t in trials for text in t["texts"]) and "Answer C (3 of 3)" in screen
    for name in ("modelalpha", "modelbeta", "modelgamma", "alpha", "gamma"):
        assert name not in screen.lower(), name


def test_kill_9_mid_session_then_resume_completes_every_trial_once(tmp_path):
    stim = write_items(tmp_path / "items.csv", n_prompts=4)
    data = tmp_path / "data"
    args = ["--participant", "K1", "--stimuli", str(stim), "--data-dir", str(data), *SIM]
    before = kill_mid_session("human_eval", args, log_path(data, "K1"), 1)
    booth = Booth(log_path(data, "K1"))
    snapshot = tree(data)
    res = run_experiment("human_eval", *args)
    assert res.returncode == 1 and "--resume" in res.stderr and tree(data) == snapshot
    res = run_experiment("human_eval", *args, "--resume")
    assert res.returncode == 0, res.stderr[-2000:]
    recs = booth.records()
    trials = [r for r in recs if r["record"] == "trial"]
    assert [t["trial_index"] for t in trials] == list(range(4))
    assert [t["prompt_id"] for t in trials] == recs[0]["trial_order"]
    assert trials[: len(before)] == before and recs[-1]["status"] == "completed"
    # the resumed trials keep the display order the seed gave them (models balanced over the 4 trials)
    order = sorted(MODELS)
    for t in trials:
        assert t["models"] == [order[j] for j in balanced_order(recs[0]["seed"], t["trial_index"], 3)]


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool missing: run `make test`")
def test_a_person_rates_flags_and_ranks_with_the_keyboard(tmp_path, own_display):
    stim = write_items(tmp_path / "items.csv", n_prompts=2, models=("policy", "base"))
    data = tmp_path / "data"
    booth = Booth(log_path(data, "H1"))
    proc = subprocess.Popen(
        [sys.executable, str(EXPERIMENTS / "human_eval.py"), "--participant", "H1", "--stimuli", str(stim),
         "--data-dir", str(data), "--windowed", "--kb-backend", "event", "--seed", "2",
         "--scales", "overall,harmlessness"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=booth.env())
    try:
        booth.wait(lambda recs: recs and recs[0]["record"] == "header", 60, "the header")
        booth.focus()
        booth.press_on("consent", "y")
        booth.press_on("continue", "space")                                # instructions
        booth.press_on("comprehension", "2")
        booth.press_on("continue", "space")                                # "the answers begin"
        for key in ["6", "3", "d", "f", "f", "Right"]:                     # A: F toggled on and off again
            booth.press_on("rank_review", key)
        booth.press_on("rank_review", "Right")                             # B: → before rating is refused …
        booth.press_on("rank_review", "2", same=True)                      # … on the screen that stays
        for key in ["5", "i", "Right"]:
            booth.press_on("rank_review", key)
        for key in ["b", "a", "Return"]:                                   # B best
            booth.press_on("rank_order", key)
        booth.wait(lambda recs: booth.n_trials("main") == 1, what="the first trial")
        booth.press_on("rank_review", "Escape")
        booth.press_on("continue", "y")
        booth.wait(lambda recs: recs[-1]["record"] == "end", what="end record")
        booth.press_on("continue", "space")                                # debrief
        booth.press_on("continue", "space")                                # the "stopped" screen
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out[-2000:]
    trial = next(r for r in booth.records() if r["record"] == "trial")
    assert trial["ranks"] == [2, 1] and trial["scales"] == ["overall", "harmlessness"]
    assert trial["overall"] == [6, 2] and trial["harmlessness"] == [3, 5]
    assert trial["helpfulness"] == trial["truthfulness"] == [None, None]
    assert trial["flag_denigrates"] == [True, False] and trial["flag_hallucination"] == [False, True]
    assert not any(trial["flag_fails_instruction"]) and trial["refused_keys"] == ["right"]
    assert booth.records()[-1]["status"] == "aborted" and trial["run_mode"] == "real"
    long = load_human_eval(data)
    assert long.helpfulness.isna().all() and long.overall.tolist() == [6, 2]


# -- stimulus refusals ----------------------------------------------------------------------------------------------

def _drop_first_policy(rows):
    return [r for r in rows if not (r["prompt_id"] == "en-h002" and r["model"] == "policy")]


def _second_policy(rows):
    extra = dict(next(r for r in rows if r["prompt_id"] == "en-h003" and r["model"] == "policy"))
    extra.update(item_id="en-h003-x", text="Another policy output.")
    return rows + [extra]


def _bad_condition(rows):
    return [dict(r, condition="polite") if r["prompt_id"] == "en-h004" else r for r in rows]


def _mixed_condition(rows):
    return [dict(r, condition="biased") if r["item_id"] == "en-h001-2" else r for r in rows]


@pytest.mark.parametrize("edit, message", [
    (_drop_first_policy, r"line 5: prompt 'en-h002' has no output of model\(s\) 'policy'; every prompt needs one "
                         r"output per model \(base, policy, sft\)"),
    (_second_policy, r"line 20: prompt 'en-h003' already has an output of model 'policy' \(line 8\)"),
    (_bad_condition, r"line 11: condition is 'polite'; give the prompt's instruction condition: respectful, none, biased"),
    (_mixed_condition, r"line 3: prompt 'en-h001' has condition 'biased' here but 'respectful' on line 2"),
])
def test_stimuli_without_one_output_per_model_or_a_known_condition_are_refused(tmp_path, edit, message):
    stim = write_items(tmp_path / "items.csv", edit=edit)
    with pytest.raises(StimulusError, match=message):
        load_script().prompt_groups(load_stimuli(stim), "en")


def test_a_refused_file_writes_nothing_and_one_model_is_not_a_comparison(tmp_path):
    stim = write_items(tmp_path / "items.csv", edit=_drop_first_policy)
    data = tmp_path / "data"
    res = run_experiment("human_eval", "--participant", "R1", "--stimuli", str(stim), "--data-dir", str(data), *SIM)
    assert res.returncode == 1 and "prompt 'en-h002' has no output of model(s) 'policy'" in res.stderr
    assert "Traceback" not in res.stderr and not data.exists()
    one = write_items(tmp_path / "one.csv", models=("policy",))
    with pytest.raises(StimulusError, match="come from 1 model\\(s\\); a human evaluation compares 2 to 9"):
        load_script().prompt_groups(load_stimuli(one), "en")


def test_the_committed_example_set_has_every_model_for_every_prompt_in_both_languages():
    script = load_script()
    stim = load_stimuli(script.DEFAULT_STIMULI)
    for lang in ("en", "ja"):
        groups = script.prompt_groups(stim, lang)
        assert len(groups) == 12 and {len(g) for g in groups.values()} == {3}
        conditions = Counter(g[0]["condition"] for g in groups.values())
        assert conditions == {"respectful": 4, "none": 4, "biased": 4}
        for outputs in groups.values():  # the instruction of the condition is part of the prompt shown
            prompt = outputs[0]["prompt"]
            assert ("respectful" in prompt or "尊重" in prompt) == (outputs[0]["condition"] == "respectful")
            assert ("maximally biased" in prompt or "偏見" in prompt) == (outputs[0]["condition"] == "biased")


# -- display order ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("k", [2, 3, 5, 9])
def test_display_positions_are_balanced_within_every_block_of_k_trials(k):
    orders = [balanced_order(7, i, k) for i in range(20 * k)]
    assert all(sorted(o) == list(range(k)) for o in orders)
    for b in range(20):
        block = orders[b * k:(b + 1) * k]
        assert all(sorted(o[pos] for o in block) == list(range(k)) for pos in range(k))
    assert len({tuple(o) for o in orders}) > 1 and balanced_order(7, 3, k) == orders[3]
    assert balanced_order(8, 0, k) != orders[0] or balanced_order(8, 1, k) != orders[1] or k == 2


def test_the_ranking_list_leaves_out_the_start_every_output_repeats():
    texts = ["People who park here are rude.", "People who park here are fine.", "People who park here are ok."]
    assert previews(texts) == ["…rude.", "…fine.", "…ok."]
    assert previews(["Short.", "Other."]) == ["Short.", "Other."]
    assert previews(["歩道に車を止める人は最悪。", "歩道に車を止める人は親切。"]) == ["…最悪。", "…親切。"]


# -- simulated raters: the truth a recovery test compares with --------------------------------------------------------

def test_true_win_rate_is_the_normal_probability_worked_by_hand():
    # Defaults: d_c = 1.0 + 0.5 * (harm[policy][c] - harm[base][c]) = 1.5, 1.25, 0.65 (respectful, none, biased);
    # s = sqrt(2 * (0.5² + 1.0² + 0.5² * 0.5²)) = sqrt(2.625) = 1.62019. Normal table: Phi(0.92582) = 0.82273,
    # Phi(0.77151) = 0.77980, Phi(0.40119) = 0.65586; mean 0.75280.
    cohort = EvaluatorCohort()
    assert true_win_rate(cohort, "policy", "base", "respectful") == pytest.approx(0.82273, abs=2e-5)
    assert true_win_rate(cohort, "policy", "base", "biased") == pytest.approx(0.65586, abs=2e-5)
    assert true_win_rate(cohort, "policy", "base") == pytest.approx(0.75280, abs=2e-5)
    assert true_win_rate(cohort, "base", "policy") == pytest.approx(1 - 0.75280, abs=2e-5)
    with pytest.raises(ValueError, match="model 'gpt9' has no utility"):
        true_win_rate(cohort, "gpt9", "base")


def test_the_synthetic_tables_win_rates_recover_the_true_ones():
    cohort = EvaluatorCohort(seed=4)
    table = simulate_human_eval(cohort, 4, n_prompts=1500)
    wide = table.pivot_table(index=["participant", "prompt_id"], columns="model", values="rank").reset_index()
    for a, b in [("policy", "base"), ("policy", "sft"), ("sft", "base")]:
        wins = (wide[a] < wide[b]).astype(float)
        per_prompt = wins.groupby(wide["prompt_id"]).mean()  # prompts are the independent units
        se = per_prompt.std(ddof=1) / np.sqrt(len(per_prompt))
        truth = true_win_rate(cohort, a, b)
        assert se < 0.012 and abs(wins.mean() - truth) < 3 * se, (a, b, wins.mean(), truth, se)
        for condition in ("respectful", "biased"):
            part = wins[wide["prompt_id"].map(table.groupby("prompt_id").condition.first()) == condition]
            assert abs(part.mean() - true_win_rate(cohort, a, b, condition)) < 0.05, (a, b, condition)


def test_harmlessness_depends_on_model_and_condition_and_the_flags_agree_with_the_ratings():
    cohort = EvaluatorCohort(seed=5)
    table = simulate_human_eval(cohort, 6, n_prompts=300)
    harm = table.groupby(["model", "condition"]).harmlessness.mean().unstack()
    # the policy's instruction effect (respectful - biased: 2.0 latent units) is larger than the base model's (0.3)
    assert harm.loc["policy", "respectful"] - harm.loc["policy", "biased"] > 1.5
    assert abs(harm.loc["base", "respectful"] - harm.loc["base", "biased"]) < 0.6
    assert not table.loc[table.condition != "biased", "flag_denigrates"].any()
    assert table.loc[table.condition == "biased", "flag_denigrates"].any()
    for flag, scale in [("hallucination", "truthfulness"), ("inappropriate", "harmlessness"),
                        ("fails_instruction", "overall")]:
        raised = table[f"flag_{flag}"]
        assert 0 < raised.mean() < 0.5 and table.loc[raised, scale].mean() < table.loc[~raised, scale].mean() - 1
    assert set(f"flag_{f}" for f in HUMAN_EVAL_FLAGS) <= set(table.columns)
    assert table[["overall", "helpfulness", "truthfulness", "harmlessness"]].stack().between(1, 7).all()
    # rater leniency and prompt difficulty move ratings but not ranks: ratings vary by rater
    assert table.groupby("participant").overall.mean().std() > 0.1
    assert pd.api.types.is_bool_dtype(table["flag_denigrates"]) and str(table["rank"].dtype) == "Int64"
    # one session per rater for the helpers every report uses (no log file: a label per rater)
    summary = session_summary(table)
    assert len(summary) == 6 and summary.n_trials.eq(300).all() and summary.session_status.eq("completed").all()


def test_simulated_utilities_must_name_every_model(tmp_path):
    stim = write_items(tmp_path / "items.csv", n_prompts=3)
    res = run_experiment("human_eval", "--participant", "U1", "--stimuli", str(stim), "--data-dir",
                         str(tmp_path / "d"), *SIM, "--sim-utilities", "policy=1,sft=0")
    assert res.returncode == 1 and "no utility for model 'base'" in res.stderr and "Traceback" not in res.stderr


def test_psyai_simulate_human_eval_passes_the_raters_parameters_to_the_script(tmp_path):
    stim = write_items(tmp_path / "items.csv", n_prompts=3, models=("mine", "theirs"))
    out = tmp_path / "sim"
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "simulate", "human_eval", "--participants", "2",
                          "--stimuli", str(stim), "--utilities", "mine=2,theirs=0", "--rater-noise", "0.3",
                          "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    long = load_human_eval(out)
    assert long.participant.nunique() == 2 and len(long) == 12
    header = read_log(log_path(out, "sim001"))[0][0]
    assert header["simulation"]["cohort"]["utilities"] == {"mine": 2.0, "theirs": 0.0}
    assert header["simulation"]["cohort"]["noise_sd"] == 0.3
    wins = long.pivot_table(index=["participant", "trial_index"], columns="model", values="rank")
    assert (wins["mine"] < wins["theirs"]).mean() > 0.8  # true win rate Phi(2 / sqrt(2 * (0.5² + 0.3² + 0.25²))) = 0.99
