"""Rebuild the shipped real-text stimulus sets from the public repositories they come from.

    python stimuli/sources/build.py --hc3 DEBIAS_GIT --shaberi SHABERI_GIT --alpaca-eval ALPACA_EVAL_GIT

Each argument is a clone (or bare git directory) of the repository named in
stimuli/sources/README.md; files are read at the commits recorded there
(``git show COMMIT:PATH``), so the output does not depend on what the clones'
branches hold now. It writes:

- ``stimuli/turing_test/items.csv``: human and model answers to the same questions
  (English: HC3 wiki_csai; Japanese: ELYZA-tasks-100 and gpt-4o's answers from shaberi);
- ``stimuli/ranking/items.csv``: four named models' answers to each prompt with a published
  per-output quality score (English: AlpacaEval 2.0; Japanese: shaberi's ELYZA-tasks-100 judgements).

Texts are copied as published; only leading and trailing whitespace is stripped and runs of
three or more line breaks become one blank line (HC3 separates ChatGPT's paragraphs with four).
Every selection rule is below, in code: nothing is picked by hand except the English ranking
prompts (AlpacaEval instruction indices, listed in ``ALPACA_PROMPTS`` with the rule that led to them).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

HC3 = ("a28e7f083e3b31d1c23965589b830505a7b362f2", "data/HC3/wiki_csai.jsonl")
SHABERI = "f8cd7a040397cf37b2cd23ef224cfc97095ef756"
SHABERI_DIR = "data/judgements/judge_gpt-4-turbo-preview/elyza__ELYZA-tasks-100"
ALPACA_EVAL = "cd543a149df89434d8a54582c0151c0b945c3d20"

HC3_LICENCE = ("HC3 (Guo et al. 2023, arXiv:2301.07597), subset wiki_csai, line {line}; CC BY-SA 4.0. "
               "{what}")
ELYZA = "ELYZA-tasks-100 (ELYZA, Inc. 2023), task {n}"
SHABERI_CITE = f"shisa-ai/shaberi@{SHABERI[:12]} {SHABERI_DIR}"

# Turing test: per language 16 main prompts and 2 practice prompts, each with a human and a model version
N_MAIN, N_PRACTICE = 16, 2
# Ranking: four models per prompt, fixed across prompts (so win rates compare like with like)
JA_RANKING_MODELS = [  # (file stem, model, display name): mean judge score over all 100 tasks in the README
    ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),
    ("gpt-3.5-turbo-0125", "gpt-3.5-turbo-0125", "gpt-3.5-turbo-0125"),
    ("elyza__ELYZA-japanese-Llama-2-13b-instruct", "elyza/ELYZA-japanese-Llama-2-13b-instruct",
     "ELYZA-japanese-Llama-2-13b-instruct"),
    ("cyberagent__calm2-7b-chat", "cyberagent/calm2-7b-chat", "calm2-7b-chat"),
]
EN_RANKING_MODELS = ["claude-2", "gpt-3.5-turbo-0301", "alpaca-7b", "falcon-7b-instruct"]
# AlpacaEval instruction indices: instructions of at most 60 words whose four outputs are 8-150 words
# each, with a spread of judge preferences (best >= 1.5, worst <= 1.1): 43 candidates, of which these
# 24 suit lay participants (no code, LaTeX, shell commands or jailbreaks).
ALPACA_PROMPTS = [88, 93, 105, 120, 159, 161, 173, 195, 207, 332, 359, 432, 617, 625, 629, 634, 641, 658, 669,
                  672, 681, 697, 709, 722]
ALPACA_SCALE = ("AlpacaEval 2.0 weighted GPT-4-Turbo preference over gpt4_1106_preview's answer, "
                "1-2 (1 = baseline better, 1.5 = tie, 2 = this output better)")
SHABERI_SCALE = ("GPT-4-Turbo judge score 1-5 with the ELYZA-tasks-100 rubric (1 = wrong or not following "
                 "the instructions, 3 = partly right, 4 = correct, 5 = helpful)")


def git_show(git_dir: str, commit: str, path: str) -> str:
    return subprocess.run(["git", "--git-dir", _git_dir(git_dir), "show", f"{commit}:{path}"], check=True,
                          capture_output=True).stdout.decode("utf-8")


def _git_dir(path: str) -> str:
    p = Path(path)
    return str(p / ".git") if (p / ".git").exists() else str(p)


def clean(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text.strip())


def words(text: str) -> int:
    return len(text.split())


def hc3_pairs(git_dir: str) -> list[dict]:
    """English: the first human and first ChatGPT answer of each wiki_csai question, both 40+ words, the
    ChatGPT answer no refusal, the human answer without reference marks ([10], [citation needed]) that
    would give it away; the N_MAIN + N_PRACTICE pairs whose longer answer is shortest (to fit one screen)."""
    rows = []
    for line, raw in enumerate(git_show(git_dir, *HC3).splitlines(), start=1):
        rec = json.loads(raw)
        human, model = clean(rec["human_answers"][0]), clean(rec["chatgpt_answers"][0])
        if min(words(human), words(model)) < 40 or re.search(r"\[[^\]]*\d[^\]]*\]|\[citation|\[update", human):
            continue
        if re.match(r"(I'm sorry|I am sorry|I'm not sure|I am not (sure|able))", model):
            continue
        rows.append({"line": line, "question": rec["question"].strip(), "human": human, "model": model,
                     "length": max(words(human), words(model))})
    rows.sort(key=lambda r: (r["length"], r["line"]))
    return sorted(rows[:N_MAIN + N_PRACTICE], key=lambda r: r["line"])


def shaberi(git_dir: str, stem: str) -> list[dict]:
    return [json.loads(line) for line in git_show(git_dir, SHABERI, f"{SHABERI_DIR}/{stem}.json").splitlines()
            if line.strip()]


def _japanese_answer(text: str, lo: int, hi: int) -> bool:
    kana = len(re.findall(r"[\u3040-\u30ff]", text))
    return lo <= len(text) <= hi and "```" not in text and "$" not in text and kana >= 0.2 * len(text)


def elyza_pairs(git_dir: str) -> list[dict]:
    """Japanese: ELYZA-tasks-100 reference answers (written by ELYZA's staff) and gpt-4o-2024-05-13's answers,
    tasks in dataset order whose question is at most 150 characters and both answers 60-250 characters of
    Japanese without code; reference answers that speak as a language model (言語モデル, AI) are left out,
    so no human text claims to be a machine."""
    out = []
    for n, rec in enumerate(shaberi(git_dir, "gpt-4o-2024-05-13"), start=1):
        human, model = clean(rec["output"]), clean(rec["ModelAnswer"])
        if (len(rec["Question"].strip()) <= 150 and _japanese_answer(human, 60, 250)
                and _japanese_answer(model, 60, 250) and not re.search(r"言語モデル|AI|ＡＩ", human)):
            out.append({"n": n, "question": rec["Question"].strip(), "human": human, "model": model})
    return out[:N_MAIN + N_PRACTICE]


def turing_rows(hc3: list[dict], elyza: list[dict]) -> list[dict]:
    rows = []

    def add(lang, k, pid, prompt, human, model, model_id, model_name, human_origin, model_origin):
        practice = k >= N_MAIN
        base = {"lang": lang, "prompt": prompt, "prompt_id": pid, "practice": int(practice)}
        # practice prompts are shown once each: the first as a human text, the second as a model text
        sources = [("human", human), ("model", model)]
        if practice:
            sources = [sources[(k - N_MAIN) % 2]]
        for source, text in sources:
            rows.append({"item_id": f"{pid}-{source}", **base, "source": source, "text": text,
                         "model": model_id if source == "model" else "",
                         "model_name": model_name if source == "model" else "",
                         "origin": human_origin if source == "human" else model_origin})

    for k, r in enumerate(hc3):
        pid = f"en{k + 1:02d}" if k < N_MAIN else f"en-p{k - N_MAIN + 1}"
        add("en", k, pid, r["question"], r["human"], r["model"], "ChatGPT", "ChatGPT (Dec 2022)",
            HC3_LICENCE.format(line=r["line"], what="Human answer: the lead section of the English Wikipedia "
                                                     "article (CC BY-SA), written by Wikipedia's editors."),
            HC3_LICENCE.format(line=r["line"], what="Model answer: ChatGPT's answer collected by HC3 from the "
                                                     "ChatGPT web interface, Dec 2022-Jan 2023."))
    for k, r in enumerate(elyza):
        pid = f"ja{k + 1:02d}" if k < N_MAIN else f"ja-p{k - N_MAIN + 1}"
        add("ja", k, pid, r["question"], r["human"], r["model"], "gpt-4o-2024-05-13", "gpt-4o-2024-05-13",
            f"{ELYZA.format(n=r['n'])}, reference answer written by ELYZA's staff; CC BY-SA 4.0.",
            f"Answer of gpt-4o-2024-05-13 to {ELYZA.format(n=r['n'])} (question CC BY-SA 4.0), "
            f"from {SHABERI_CITE}/gpt-4o-2024-05-13.json; Apache-2.0.")
    return rows


def ja_ranking(git_dir: str, n_prompts: int = 24) -> list[dict]:
    """Japanese ranking: the four JA_RANKING_MODELS' answers to ELYZA-tasks-100, tasks in dataset order whose
    question is at most 200 characters and all four answers 20-400 characters of Japanese without code.
    Chosen without looking at the scores."""
    answers = {stem: shaberi(git_dir, stem) for stem, _, _ in JA_RANKING_MODELS}
    rows = []
    for i in range(100):
        recs = [answers[stem][i] for stem, _, _ in JA_RANKING_MODELS]
        question = recs[0]["Question"].strip()
        texts = [clean(r["ModelAnswer"]) for r in recs]
        if len(question) > 200 or not all(_japanese_answer(t, 20, 400) for t in texts):
            continue
        if len({t for t in texts}) < len(texts):
            continue
        pid = f"rja{len(rows) // 4 + 1:02d}"
        for j, ((stem, model, name), rec, text) in enumerate(zip(JA_RANKING_MODELS, recs, texts)):
            rows.append({"item_id": f"{pid}-{j + 1}", "lang": "ja",
                         "source": "model", "prompt_id": pid, "prompt": question, "text": text, "model": model,
                         "model_name": name, "quality": rec["score"], "quality_scale": SHABERI_SCALE,
                         "origin": (f"Answer of {model} to {ELYZA.format(n=i + 1)} (question CC BY-SA 4.0), with "
                                    f"its judge score, from {SHABERI_CITE}/{stem}.json; Apache-2.0."),
                         "practice": 0})
        if len(rows) == 4 * n_prompts:
            break
    return rows


def en_ranking(git_dir: str) -> list[dict]:
    outputs, scores = {}, {}
    for model in EN_RANKING_MODELS:
        outputs[model] = json.loads(git_show(git_dir, ALPACA_EVAL, f"results/{model}/model_outputs.json"))
        ann = json.loads(git_show(git_dir, ALPACA_EVAL,
                                  f"results/{model}/weighted_alpaca_eval_gpt4_turbo/annotations.json"))
        scores[model] = {a["instruction"]: a["preference"] for a in ann}
    rows = []
    for k, idx in enumerate(ALPACA_PROMPTS):
        pid = f"ren{k + 1:02d}"
        instruction = outputs[EN_RANKING_MODELS[0]][idx]["instruction"]
        for j, model in enumerate(EN_RANKING_MODELS):
            rec = outputs[model][idx]
            assert rec["instruction"] == instruction, (model, idx)
            rows.append({"item_id": f"{pid}-{j + 1}", "lang": "en", "source": "model", "prompt_id": pid,
                         "prompt": instruction.strip(), "text": clean(rec["output"]), "model": model,
                         "model_name": model, "quality": round(float(scores[model][instruction]), 4),
                         "quality_scale": ALPACA_SCALE,
                         "origin": (f"Answer of {model} to AlpacaEval instruction {idx} ({rec['dataset']}), with its "
                                    f"judge preference, from tatsu-lab/alpaca_eval@{ALPACA_EVAL[:12]} results/{model}/; "
                                    "CC BY-NC 4.0 (non-commercial use only)."),
                         "practice": 0})
    return rows


def write(rows: list[dict], path: Path) -> None:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {path.relative_to(ROOT)}: {len(rows)} rows")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hc3", required=True, help="clone of github.com/andersenaaron1-bot/debias (holds HC3's files)")
    ap.add_argument("--shaberi", required=True, help="clone of github.com/shisa-ai/shaberi")
    ap.add_argument("--alpaca-eval", required=True, help="clone of github.com/tatsu-lab/alpaca_eval")
    args = ap.parse_args()
    write(turing_rows(hc3_pairs(args.hc3), elyza_pairs(args.shaberi)), ROOT / "stimuli/turing_test/items.csv")
    write(en_ranking(args.alpaca_eval) + ja_ranking(args.shaberi), ROOT / "stimuli/ranking/items.csv")


if __name__ == "__main__":
    main()
