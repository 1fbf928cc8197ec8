"""The whole InstructGPT loop on a laptop: ``psyai demo instructgpt --out DIR``.

Ouyang et al. (2022) trained InstructGPT in three steps and then asked people
which model they preferred. This runs the same loop end to end, on the CPU,
with simulated participants going through psyai's real experiment scripts —
the windows, key presses and durable logs a person's session has — and the
same ``psyai`` commands a lab types:

1. **pretraining** — a tiny GPT-2 (``psyai.models.demo``) learns to answer the
   loop's prompts with "bags of words" in which good words (``clear``,
   ``accurate`` …) and bad words (``vague``, ``wrong`` …) are equally common;
2. **demonstrations** — simulated writers answer prompts in
   ``experiments/demonstrations.py``, drawing from a corpus of better answers
   (more good words than bad);
3. **SFT** — ``psyai sft train`` fine-tunes the base model on the curated
   demonstrations (TRL's SFTTrainer);
4. **rankings** — ``psyai generate`` writes K outputs of the SFT model per
   prompt; simulated rankers order them in ``experiments/ranking.py`` by a
   known utility of the text (good words minus bad words, plus noise);
5. **reward model** — ``psyai reward train`` (InstructGPT's listwise loss);
6. **policy** — ``psyai policy train`` (TRL's RLOO, KL penalty to the SFT model);
7. **human evaluation** — on held-out prompts, the base, SFT and policy models
   each answer once; simulated raters, who judge each *text* by the same
   utility and never see model names, rate and rank them in
   ``experiments/human_eval.py``;
8. **report** — ``psyai analyze human_eval``: the policy's win rate over the
   SFT model (crossed rater × prompt GLMM), Bradley–Terry, ratings.

``DIR/results.json`` holds ``policy_vs_sft_win_rate`` (``estimate``,
``ci_low``, ``ci_high``), the KL to the SFT model at the end of policy
training, the true mean utility of each model's held-out outputs, and the
seconds each step took; ``DIR/report.html`` says the same in words, with the
analysis report beside it. Everything is seeded.

What the loop shows and what it does not: the raters' preference follows a
known function of the text, so a policy that is preferred has learned what
the rankings rewarded — the mechanism of RLHF — on a model of a few hundred
thousand parameters, whose "answers" are word lists, not sense. The same
commands take real models by name (``--model gpt2``) on a lab machine.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from psyai.errors import PsyaiError

logger = logging.getLogger(__name__)

__all__ = ["LoopSettings", "run_loop", "world_prompts", "world_answers"]


@dataclass
class LoopSettings:
    """Sizes of one run of the loop (the defaults end in under 10 minutes on 2 CPU cores)."""

    lang: str = "en"
    seed: int = 0
    model: str | None = None           # a real base model by name or path; None: pretrain the tiny world model
    train_prompts: int = 40            # prompts for demonstrations, rankings and RL
    eval_prompts: int = 32             # held-out prompts of the human evaluation
    writers: int = 4
    demonstrations_per_writer: int = 10
    rankers: int = 5
    rankings_per_ranker: int = 16
    k: int = 4                         # outputs per ranking
    raters: int = 10
    base_steps: int = 400
    sft_epochs: int = 8
    sft_learning_rate: float = 3e-3
    reward_epochs: int = 12
    reward_learning_rate: float = 1e-3
    policy_steps: int = 100
    policy_learning_rate: float = 2e-3
    beta: float = 0.3                 # KL coefficient: the tiny policy drifts fast (InstructGPT: 0.02)
    max_new_tokens: int = 16
    jobs: int = 2

    def for_pretrained_model(self) -> LoopSettings:
        """Learning rates and KL coefficient for a real pretrained base model (``--model gpt2``) instead of the
        tiny world model, whose rates would wreck it: the defaults of ``psyai sft|reward|policy train``
        (2e-5, 1e-5, 1e-5; β 0.05), fewer SFT and reward epochs."""
        return replace(self, sft_learning_rate=2e-5, sft_epochs=3, reward_learning_rate=1e-5, reward_epochs=2,
                       policy_learning_rate=1e-5, beta=0.05)


# -- the world: prompts and answers whose utility is known ---------------------------------------

# templates beyond psyai.participants.rankers' four, so the loop has 80 prompts per language
_MORE_TEMPLATES = {
    "en": ("Explain {} simply.", "Give me tips on {}.", "What is a good way to start {}?", "Why does {} matter?"),
    "ja": ("{}を簡単に説明してください。", "{}のコツを教えてください。", "{}を始めるよい方法は何ですか。",
           "{}はなぜ大切なのですか。"),
}


def world_prompts(lang: str) -> list[dict]:
    """The loop's prompts: every template × topic of :mod:`psyai.participants.rankers`, and four more
    templates (80 per language)."""
    from psyai.participants.rankers import _PROMPTS, _TOPICS

    out = []
    for t, template in enumerate(_PROMPTS[lang] + _MORE_TEMPLATES[lang]):
        for k, topic in enumerate(_TOPICS[lang]):
            out.append({"prompt_id": f"{lang}-t{t + 1}-{k + 1:02d}", "lang": lang, "prompt": template.format(topic)})
    return out


def world_answers(prompts: list[dict], per_prompt: int, p_good: float, p_bad: float, *, seed: int,
                  n_words: int = 6) -> list[dict]:
    """Word-bag answers to ``prompts``: each word good with ``p_good``, bad with ``p_bad``, else neutral."""
    from psyai.participants.rankers import BAD_WORDS, GOOD_WORDS, NEUTRAL_WORDS

    rng = np.random.default_rng([seed, 11])
    rows = []
    for prompt in prompts:
        lang = prompt["lang"]
        joiner, end = (" ", ".") if lang == "en" else ("、", "。")
        lists = (GOOD_WORDS[lang], BAD_WORDS[lang], NEUTRAL_WORDS[lang])
        for j in range(per_prompt):
            kinds = rng.choice(3, size=n_words, p=[p_good, p_bad, 1 - p_good - p_bad])
            words = [lists[k][rng.integers(len(lists[k]))] for k in kinds]
            rows.append({"prompt_id": prompt["prompt_id"], "lang": lang, "prompt": prompt["prompt"],
                         "answer_id": f"{prompt['prompt_id']}-a{j + 1}", "text": joiner.join(words) + end})
    return rows


# -- running psyai's own commands in this process -------------------------------------------------

def psyai_command(argv: list[str]) -> dict:
    """Run ``psyai ARGV…`` in this process (the command a lab types) and return the JSON it prints."""
    from psyai.cli import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = main(argv)
    if status != 0:
        raise PsyaiError(f"psyai {' '.join(argv[:2])} failed (exit {status}); see the message above")
    text = buffer.getvalue().strip()
    start = text.find("{")
    return json.loads(text[start:]) if start >= 0 else {"output": text}


def analysis_command(name: str, argv: list[str]) -> None:
    """Run ``analysis/<name>.py`` as a script (psyai never imports analysis/), as ``psyai analyze`` does."""
    import subprocess
    import sys

    from psyai.study import script_path

    res = subprocess.run([sys.executable, str(script_path("analysis", name)), *argv], capture_output=True, text=True)
    if res.returncode != 0:
        tail = "\n".join((res.stderr or res.stdout).strip().splitlines()[-5:])
        raise PsyaiError(f"analysis/{name}.py failed (exit {res.returncode}): {tail}")


def _write_csv(rows: list[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


class Loop:
    """One run of the loop into ``out`` (see the module docstring); :meth:`run` returns the results."""

    def __init__(self, out: str | Path, settings: LoopSettings | None = None) -> None:
        self.out = Path(out)
        self.s = settings or LoopSettings()
        self.seconds: dict[str, float] = {}
        self.facts: dict[str, Any] = {}

    @contextlib.contextmanager
    def step(self, name: str):
        print(f"instructgpt loop: {name} …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - started, 1)
        print(f"instructgpt loop: {name} done in {self.seconds[name]:.0f} s", file=sys.stderr, flush=True)

    def run(self) -> dict:
        from psyai.participants.cohort import CohortRun, run_cohort

        s, out = self.s, self.out
        if out.exists() and any(out.iterdir()):
            raise PsyaiError(f"{out} exists and is not empty; psyai never overwrites a run: choose another --out")
        if s.lang not in ("en", "ja"):
            raise PsyaiError(f"--lang {s.lang}: use en or ja")
        started = time.perf_counter()
        if not s.model:
            # a tiny model on a shared CPU: threads waiting on each other make it several times slower
            import torch

            torch.set_num_threads(1)
        from datasets.utils.logging import disable_progress_bar

        disable_progress_bar()  # psyai's own progress lines say how far each step got
        prompts = world_prompts(s.lang)
        rng = np.random.default_rng([s.seed, 3])
        order = [prompts[i] for i in rng.permutation(len(prompts))]
        if s.train_prompts + s.eval_prompts > len(order):
            raise PsyaiError(f"{s.train_prompts} training + {s.eval_prompts} held-out prompts: the world has "
                             f"{len(order)}")
        train, held = order[: s.train_prompts], order[s.train_prompts: s.train_prompts + s.eval_prompts]
        files = out / "files"
        prompts_train = _write_csv(train, files / "prompts_train.csv")
        prompts_eval = _write_csv(held, files / "prompts_eval.csv")
        models = out / "models"

        with self.step("pretraining"):
            base = str(models / "base")
            if s.model:
                base = s.model
            else:
                from psyai.models.demo import DemoModelConfig, build_model

                corpus = tuple((a["lang"], a["prompt"], a["text"])
                               for a in world_answers(prompts, 6, 0.3, 0.3, seed=s.seed))
                build_model(models / "base", DemoModelConfig(vocab_size=512, n_positions=96, n_embd=64, n_layer=2,
                                                             n_head=2, train_steps=s.base_steps, batch_size=16,
                                                             learning_rate=5e-3, seed=s.seed),
                            corpus, own_answers=True)

        with self.step("demonstrations"):
            demo_prompts = [{"item_id": p["prompt_id"], "prompt_id": p["prompt_id"], "lang": p["lang"],
                             "source": "human", "origin": "the psyai InstructGPT loop's prompt world",
                             "text": p["prompt"]} for p in train]
            answers = [{"answer_id": a["answer_id"], "prompt_id": a["prompt_id"], "lang": a["lang"],
                        "origin": "word-bag answers of the loop's world (good words 0.6, bad 0.1)",
                        "text": a["text"]} for a in world_answers(train, 3, 0.6, 0.1, seed=s.seed + 1)]
            stim = _write_csv(demo_prompts, files / "demonstrations" / "prompts.csv")
            corpus_file = _write_csv(answers, files / "demonstrations" / "answers.csv")
            run_cohort(CohortRun(experiment="demonstrations", n_participants=s.writers, out=out / "data",
                                 seed=s.seed, lang=s.lang, stimuli=str(stim), n_trials=s.demonstrations_per_writer,
                                 observer_args=["--sim-answers", str(corpus_file)], jobs=s.jobs))

        with self.step("sft"):
            sft = models / "sft"
            self.facts["sft"] = psyai_command([
                "sft", "train", str(out / "data" / "demonstrations"), "--model", base, "--out", str(sft),
                "--num-epochs", str(s.sft_epochs), "--learning-rate", str(s.sft_learning_rate), "--batch-size", "8",
                "--device", "cpu", "--seed", str(s.seed), "--no-progress"])

        with self.step("rankings"):
            ranking_items = files / "ranking_items.csv"
            psyai_command(["generate", str(prompts_train), "--model", str(sft), "--out", str(ranking_items),
                           "--n-per-prompt", str(s.k), "--max-new-tokens", str(s.max_new_tokens),
                           "--seed", str(s.seed), "--device", "cpu", "--label", "sft", "--model-name", "sft"])
            run_cohort(CohortRun(experiment="ranking", n_participants=s.rankers, out=out / "data", seed=s.seed,
                                 lang=s.lang, stimuli=str(ranking_items), n_trials=s.rankings_per_ranker,
                                 observer_args=["--sim-noise", "1.0"], jobs=s.jobs))

        with self.step("reward model"):
            reward = models / "reward"
            self.facts["reward"] = psyai_command([
                "reward", "train", str(out / "data" / "ranking"), "--model", str(sft), "--out", str(reward),
                "--num-epochs", str(s.reward_epochs), "--learning-rate", str(s.reward_learning_rate),
                "--eval-fraction", "0.25", "--device", "cpu", "--seed", str(s.seed), "--no-progress"])

        with self.step("policy"):
            policy = models / "policy"
            self.facts["policy"] = psyai_command([
                "policy", "train", "--sft", str(sft), "--reward", str(reward), "--prompts", str(prompts_train),
                "--out", str(policy), "--max-steps", str(s.policy_steps), "--learning-rate",
                str(s.policy_learning_rate), "--beta", str(s.beta), "--max-completion-length",
                str(s.max_new_tokens), "--device", "cpu", "--seed", str(s.seed), "--no-progress"])

        with self.step("human evaluation"):
            eval_items = files / "human_eval_items.csv"
            for label, path in (("base", base), ("sft", str(sft)), ("policy", str(policy))):
                psyai_command(["generate", str(prompts_eval), "--model", path, "--out", str(eval_items),
                               "--max-new-tokens", str(s.max_new_tokens), "--seed", str(s.seed + 7),
                               "--device", "cpu", "--label", label, "--model-name", label,
                               *(["--append"] if eval_items.exists() else [])])
            items = pd.read_csv(eval_items, dtype=str, keep_default_na=False)
            items["condition"] = "none"
            items["model"] = items["model_name"]
            items.to_csv(eval_items, index=False)
            # the overall rating only: the word-bag world has nothing for the other scales to measure
            run_cohort(CohortRun(experiment="human_eval", n_participants=s.raters, out=out / "data", seed=s.seed,
                                 lang=s.lang, stimuli=str(eval_items), experiment_args=["--scales", "overall"],
                                 observer_args=["--sim-utilities", "text"], jobs=s.jobs))

        with self.step("analysis"):
            analysis_command("human_eval", [str(out / "data" / "human_eval"), "--out", str(out / "human_eval"),
                                            "--reference", "sft"])
        return self._results(items, time.perf_counter() - started)

    def _results(self, items: pd.DataFrame, total: float) -> dict:
        from psyai.participants.rankers import utility
        from psyai.report import HtmlReport, write_results

        analysis = json.loads((self.out / "human_eval" / "results.json").read_text(encoding="utf-8"))
        win = analysis["win_rates"]["policy"]
        true_utility = items.assign(u=items["text"].map(utility)).groupby("model_name")["u"].mean()
        policy = self.facts["policy"]
        kl = {k: policy.get(k) for k in ("first_kl", "last_kl", "kl_first_quarter", "kl_last_quarter", "first_reward",
                                         "last_reward", "reward_first_quarter", "reward_last_quarter") if k in policy}
        kl["kl_is"] = "mean per response token of TRL's k1 estimate log π − log π_SFT (psyai policy train's log)"
        results = {
            "policy_vs_sft_win_rate": {"estimate": win["estimate"], "ci_low": win["ci_low"],
                                       "ci_high": win["ci_high"],
                                       "method": "crossed rater × prompt binomial GLMM (analysis/human_eval.py)"},
            "base_vs_sft_win_rate": {k: analysis["win_rates"].get("base", {}).get(k)
                                     for k in ("estimate", "ci_low", "ci_high")},
            "policy_kl_to_sft": kl,
            "mean_utility_of_heldout_outputs": {k: round(float(v), 3) for k, v in true_utility.items()},
            "sft": {k: self.facts["sft"].get(k) for k in ("first_loss", "last_loss", "heldout_loss_before",
                                                          "heldout_loss_after", "demonstrations")},
            "reward_model": {k: self.facts["reward"].get(k) for k in ("heldout_accuracy", "split")},
            "settings": asdict(self.s),
            "seconds": {**self.seconds, "total": round(total, 1)},
        }
        report = HtmlReport("The InstructGPT loop with simulated participants")
        pct = lambda x: "n/a" if x is None else f"{100 * x:.1f}%"  # noqa: E731
        base = results["base_vs_sft_win_rate"]
        report.paragraph(
            f"Simulated raters preferred the policy's output to the SFT model's {pct(win['estimate'])} of the time, "
            f"95% CI [{pct(win['ci_low'])}, {pct(win['ci_high'])}] (crossed rater × prompt binomial GLMM; the "
            "estimate is the rate for a typical rater and prompt), and the base model's to the SFT model's "
            f"{pct(base['estimate'])} [{pct(base['ci_low'])}, {pct(base['ci_high'])}]. For comparison, InstructGPT's "
            "labelers preferred the 175B PPO model's outputs to GPT-3's 85 ± 3 % of the time (Ouyang et al., 2022).")
        if kl.get("kl_last_quarter") is not None:
            report.paragraph(
                f"Over {self.s.policy_steps} RLOO steps the policy's mean reward rose from "
                f"{kl['reward_first_quarter']:.2f} (first quarter of the steps) to {kl['reward_last_quarter']:.2f} "
                f"(last quarter), while its KL to the SFT model stayed at {kl['kl_last_quarter']:.2f} nats per "
                f"response token (last quarter; KL penalty β = {self.s.beta}). The reward model ranked held-out "
                f"raters' pairs as they did {pct(results['reward_model'].get('heldout_accuracy'))} of the time.")
        report.paragraph("Each step ran the command a lab types, and simulated participants went through the real "
                         "experiment scripts. The raters judged each text by a known utility (good words minus bad "
                         "words, plus noise), never a model's name, so the policy is preferred only for what it "
                         "writes. The models are tiny and write word lists, not sense.")
        report.table(pd.DataFrame({"step": list(results["seconds"]), "seconds": list(results["seconds"].values())}),
                     caption="Time per step (this machine)")
        report.table(pd.DataFrame({"model": list(true_utility.index), "mean utility": true_utility.to_numpy()}),
                     caption="True utility of the held-out outputs (good minus bad words)")
        report.raw('<p><a href="human_eval/report.html">The full human-evaluation report</a></p>')
        report.settings(asdict(self.s))
        write_results(results, report, self.out)
        return results


def run_loop(out: str | Path, settings: LoopSettings | None = None) -> dict:
    """Run the loop into ``out`` (a new or empty folder); see the module docstring."""
    return Loop(out, settings).run()
