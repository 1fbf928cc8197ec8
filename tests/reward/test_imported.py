"""An imported preference file (the hub's layout, written here) → psyai reward train → psyai reward eval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from psyai import cli
from psyai.participants.rankers import CohortRankers, simulate_rankings, synthetic_ranking_items

TRAIN = ["--learning-rate", "1e-3", "--device", "cpu", "--no-progress", "--folds", "2", "--num-epochs", "2"]


def psyai(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def preference_file(tmp_path_factory) -> Path:
    """TRL's standard layout with an annotator column: each simulated rater's best against worst output of
    each of 12 prompts (raters often pick the same two, so many pairs are rated more than once), and one
    pair with an empty reply."""
    frame = simulate_rankings(CohortRankers(seed=5), synthetic_ranking_items(12, 4, seed=5), 6)
    rows = []
    for (rater, prompt_id), trial in frame.groupby(["participant", "prompt_id"]):
        trial = trial.sort_values("rank")
        rows.append({"prompt": trial.prompt.iloc[0], "chosen": trial.text.iloc[0], "rejected": trial.text.iloc[-1],
                     "annotator": rater, "id": f"{rater}-{prompt_id}"})
    rows.append({"prompt": "An empty one.", "chosen": "", "rejected": "something", "annotator": "sim001",
                 "id": "empty"})
    path = tmp_path_factory.mktemp("hub") / "prefs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_imported_preferences_train_and_eval_with_baselines_split_and_ceiling(preference_file, tmp_path, capsys,
                                                                               tiny):
    status, out, err = psyai(capsys, "import", "preferences", str(preference_file), "--rater-column", "annotator",
                             "--out", str(tmp_path / "imp"))
    assert status == 0 and "dropped 1 row(s): 1 empty reply" in out, err
    table = tmp_path / "imp" / "rankings.csv"
    ckpt = tmp_path / "rm"
    status, out, err = psyai(capsys, "reward", "train", str(table), "--model", tiny, "--out", str(ckpt), *TRAIN,
                             "--eval-fraction", "0.34")
    assert status == 0, err
    trained = json.loads(out)
    assert trained["split"] == "rater" and trained["eval_participants"] == 2 and trained["train_participants"] == 4
    status, out, err = psyai(capsys, "reward", "eval", str(ckpt), str(table), "--folds", "2")
    assert status == 0, err
    result = json.loads(out)
    assert result["split"] == "rater" and result["split_description"].startswith("held-out raters")
    assert result["n_heldout_participants"] == 2 and result["n_comparisons"] == 24
    assert set(result["baselines"]) == {"longer_wins", "shorter_wins", "train_majority"}
    for name in ("longer_wins", "shorter_wins"):
        assert result["baselines"][name]["n_comparisons"] == 24
        assert 0 <= result["baselines"][name]["pooled"] <= 1
    majority = result["baselines"]["train_majority"]
    assert 0 < majority["n_comparisons"] <= 24 and majority["coverage"] == majority["n_comparisons"] / 24
    assert result["agreement_n_doubly_rated"] > 0 and result["agreement_ceiling"] is not None
    assert result["agreement_ceiling_reason"] is None and result["rater_ids"] is True
    assert result["heldout_accuracy"] == pytest.approx(trained["heldout_accuracy"])


def test_without_rater_ids_the_cap_is_skipped_and_the_output_says_so(preference_file, tmp_path, capsys, tiny):
    assert psyai(capsys, "import", "preferences", str(preference_file), "--out", str(tmp_path / "imp"))[0] == 0
    table = tmp_path / "imp" / "rankings.csv"
    status, out, err = psyai(capsys, "reward", "train", str(table), "--model", tiny, "--out", str(tmp_path / "rm"),
                             *TRAIN, "--split", "prompt", "--eval-fraction", "0.25")
    assert status == 0, err
    trained = json.loads(out)
    assert trained["split"] == "prompt" and trained["eval_prompts"] == 3
    notes = " ".join(trained["notes"])
    assert "per-participant prompt cap (--max-prompts-per-participant) was skipped" in notes
    assert "no rater ids: each pair is its own participant" in notes
    assert trained["baselines"]["train_majority"]["accuracy"] is None  # no held-out prompt was trained on
    status, out, err = psyai(capsys, "reward", "eval", str(tmp_path / "rm"), str(table), "--folds", "2")
    result = json.loads(out)
    assert status == 0 and result["split"] == "prompt" and result["rater_ids"] is False
    # the ceiling's count, by hand: held-out pairs whose two outputs another pair also compared
    import pandas as pd

    meta = json.loads((tmp_path / "rm" / "psyai_reward.json").read_text())
    rows = pd.read_csv(table)
    held = rows[rows.prompt_id.isin(meta["eval_prompts"])]
    pairs = held.groupby("participant").item_id.apply(lambda items: tuple(sorted(items)))
    expected = int(pairs.map(pairs.value_counts()).gt(1).sum())
    assert result["agreement_n_doubly_rated"] == expected > 0
    assert result["agreement_ceiling"] is not None and result["agreement_ceiling_reason"] is None
