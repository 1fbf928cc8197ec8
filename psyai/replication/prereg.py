"""The preregistration of a class replication, filled from the kit: hypothesis, design, sample size,
exclusions, analysis plan and the original study, as Markdown in English or Japanese.

Nothing in it is typed by hand except what only the students can know (names, dates, deviations):
the hypothesis and analysis plan name the kit's exact effect and test, the design gives the exact
command students run, and the sample size comes from ``psyai class power`` when its result is
given (``power.json``: :meth:`psyai.replication.power.PowerResult.to_dict`), else the section
says "to be filled" and gives the command that fills it.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from psyai import __version__
from psyai.errors import PsyaiError
from psyai.replication.kit import LANGS, Kit

__all__ = ["experiment_command", "load_power", "preregistration"]

TARGET_POWER = "80"  # the power the sample size is planned for (n_for["80"] of power.json)

# what students must leave out, by experiment, beyond the exclusions every kit shares
EXCLUSIONS = {
    "turing_test": {"en": "attention-check trials and practice trials are not counted in accuracy",
                    "ja": "注意確認試行と練習試行は正答率に含めない"},
    "self_paced_reading": {"en": "reading times under 80 ms or over 5000 ms (key bounces, pauses) are left out; "
                                 "practice texts are not analysed",
                           "ja": "80 ミリ秒未満または 5000 ミリ秒超の読み時間(キーの跳ね返り、中断)は除外し、練習文は分析しない"},
    "attention_highlight": {"en": "practice texts are not analysed; a sentence where every participant marked the "
                                  "same words (no variance) gives no correlation and is left out",
                            "ja": "練習文は分析しない。全員が同じ語を選んだ文(分散がない)は相関が計算できないため除外する"},
    "human_eval": {"en": "ties count one half; outputs of other models than the two compared are not counted",
                   "ja": "同順位は 0.5 勝として数え、比較する 2 つ以外のモデルの出力は数えない"},
}

T = {
    "title": {"en": "Preregistration", "ja": "事前登録"},
    "generated": {"en": "Filled by `psyai class new` (psyai {version}) from the kit `{kit}`. Sections marked "
                        "*to be filled* need the group's input; change nothing else without writing it under "
                        "Deviations.",
                  "ja": "キット `{kit}` から `psyai class new`(psyai {version})が記入しました。「*要記入*」の項目は"
                        "グループが記入してください。それ以外を変える場合は「計画からの逸脱」に書いてください。"},
    "group": {"en": "Group", "ja": "グループ"},
    "members": {"en": "Members and date", "ja": "メンバーと日付"},
    "to_fill": {"en": "*to be filled*", "ja": "*要記入*"},
    "h_hypothesis": {"en": "1. Hypothesis", "ja": "1. 仮説"},
    "hypothesis": {"en": "{label}: the effect is {direction} 0 (units: {scale}). The smallest effect of interest "
                         "(SESOI) is {sesoi}.",
                   "ja": "{label}:効果は 0 {direction}(単位:{scale})。関心のある最小の効果量(SESOI)は {sesoi}。"},
    "sesoi_reason": {"en": " Why: {reason}.", "ja": "理由:{reason}。"},
    "positive": {"en": "above", "ja": "より大きい"},
    "negative": {"en": "below", "ja": "より小さい"},
    "h_original": {"en": "2. The original study", "ja": "2. 元の研究"},
    "original_estimate": {"en": "Original estimate", "ja": "元の推定値"},
    "se": {"en": "standard error", "ja": "標準誤差"},
    "ci": {"en": "95% CI", "ja": "95% 信頼区間"},
    "n": {"en": "participants", "ja": "参加者数"},
    "design": {"en": "Design", "ja": "デザイン"},
    "note": {"en": "Where the numbers come from", "ja": "数値の出典"},
    "unverified": {"en": "**Warning**: not every number of the original study could be checked against the paper "
                         "({verified}); see the note above and check them before judging the replication.",
                   "ja": "**注意**:元の研究の数値の一部は論文と照合できていません({verified})。上の出典を確認し、"
                         "再現の判定の前に数値を確かめてください。"},
    "h_design": {"en": "3. Design and materials", "ja": "3. デザインと材料"},
    "experiment": {"en": "Experiment", "ja": "実験"},
    "stimuli": {"en": "Stimuli", "ja": "刺激"},
    "stimuli_made": {"en": "made before the first session with", "ja": "最初のセッションの前に次のコマンドで作成"},
    "made_with": {"en": "Model measures, made once before the analysis (the same model for every group) with",
                  "ja": "モデルの指標(分析の前に 1 回、全グループで同じモデルを使って作成)"},
    "command": {"en": "Each participant runs (one session, participant IDs P001, P002, … in order of arrival)",
                "ja": "各参加者に次を実行する(1 人 1 セッション、参加者 ID は来た順に P001、P002 …)"},
    "h_sample": {"en": "4. Sample size", "ja": "4. サンプルサイズ"},
    "sample_power": {"en": "{n} participants: the smallest N with {target}% power for {effect} ({source}) in a "
                           "one-sided test at α = {alpha}, from `psyai class power` ({method}). N for 90% power: "
                           "{n90}; for 95%: {n95}.",
                     "ja": "{n} 人:片側検定(α = {alpha})で {effect}({source})を {target}% の検定力で検出できる最小の "
                           "N(`psyai class power` による。{method})。90% の検定力には {n90} 人、95% には {n95} 人。"},
    "sample_power_class": {"en": "{n} participants per group ({groups} groups, {total} in all): the smallest N with which "
                                 "{target}% of simulated classes of {groups} groups with the effect {effect} ({source}) "
                                 "are called replicated by the report's rule, from `psyai class power --groups` "
                                 "({method}). N per group for 90%: {n90}; for 95%: {n95}.",
                           "ja": "1 グループ {n} 人({groups} グループ,計 {total} 人):効果 {effect}({source})をもつ "
                                 "{groups} グループのクラスを模擬したとき,{target}% がレポートの規則で「再現された」と判定される"
                                 "最小の N(`psyai class power --groups` による。{method})。90% には 1 グループ {n90} 人、"
                                 "95% には {n95} 人。"},
    "sample_fill": {"en": "*to be filled*: run `{command}` and give its power.json to `psyai class new --power`, or "
                          "write here the N you will collect and why.",
                    "ja": "*要記入*:`{command}` を実行し、その power.json を `psyai class new --power` に渡すか、"
                          "集める人数とその理由をここに書く。"},
    "beyond_grid": {"en": "beyond the power grid", "ja": "検定力の格子の範囲外"},
    "stopping": {"en": "Data collection stops when that many participants have completed a session, or at the "
                       "deadline, whichever comes first; the data are not looked at before.",
                 "ja": "その人数が 1 セッションを完了した時点か締め切りのいずれか早い方でデータ収集を終える。"
                       "それまでデータは見ない。"},
    "h_exclusions": {"en": "5. Exclusions", "ja": "5. 除外基準"},
    "exclusions": {"en": ["pilot sessions (`--pilot`) are practice for the experimenters and are never analysed",
                          "a session that did not run to its end (stopped with Escape, or cut off) is excluded "
                          "(`psyai class collect` refuses it unless the instructor decides otherwise)",
                          "a participant who took part twice: only the first session counts",
                          "simulated sessions are never mixed with people's"],
                   "ja": ["パイロットセッション(`--pilot`)は実験者の練習であり、分析しない",
                          "最後まで終わらなかったセッション(Escape で中断、または途中終了)は除外する"
                          "(講師が別に判断しない限り `psyai class collect` が受け付けない)",
                          "2 回参加した参加者は最初のセッションのみを数える",
                          "シミュレーションのセッションを人のデータと混ぜない"]},
    "h_analysis": {"en": "6. Analysis plan", "ja": "6. 分析計画"},
    "effect": {"en": "The effect", "ja": "効果"},
    "group_test": {"en": "Each group's test: the effect against 0, one-sided in the hypothesised direction, "
                         "t test at α = .05 (`psyai.replication.effects.one_group_test`).",
                   "ja": "各グループの検定:効果を 0 と比較する、仮説の方向への片側 t 検定(α = .05、"
                         "`psyai.replication.effects.one_group_test`)。"},
    "pooled": {"en": "Across the class: the groups' estimates pooled by a random-effects meta-analysis (REML, "
                     "Knapp–Hartung t test on k − 1 df, with a 95% prediction interval; `psyai class report`). "
                     "The replication is judged by (a) the pooled estimate's one-sided test, (b) the small-telescopes "
                     "test against d33, the effect the original had 33% power to detect (Simonsohn, 2015), and "
                     "(c) an equivalence test (TOST) against ± the SESOI.",
               "ja": "クラス全体:各グループの推定値をランダム効果メタ分析(REML、Knapp–Hartung の t 検定、自由度 k − 1、"
                     "95% 予測区間つき、`psyai class report`)で統合する。再現の判定は (a) 統合推定値の片側検定、"
                     "(b) 元の研究が 33% の検定力で検出できた効果 d33 に対する small telescopes 検定(Simonsohn, 2015)、"
                     "(c) ±SESOI に対する同等性検定(TOST)による。"},
    "full_report": {"en": "The experiment's full analysis (`psyai analyze {analysis}`) may be reported besides; it "
                          "is exploratory for this replication.",
                    "ja": "実験の完全な分析(`psyai analyze {analysis}`)を併せて報告してよいが、この再現研究では探索的分析とする。"},
    "h_deviations": {"en": "7. Deviations from this plan", "ja": "7. 計画からの逸脱"},
}


def _t(key: str, lang: str, **values) -> str:
    return T[key][lang].format(**values) if values else T[key][lang]


def _number(value) -> str:
    return "—" if value is None else f"{value:g}"


def experiment_command(kit: Kit, participant: str = "P001") -> str:
    """The command students type for one participant: the experiment script with the kit's settings."""
    args = ["python", f"experiments/{kit.experiment}.py", "--participant", participant]
    for key, value in kit.settings.items():
        flag = "--" + str(key).replace("_", "-")
        if value is True:
            args.append(flag)
        elif value is not None and value is not False:
            args += [flag, str(value)]
    if kit.stimuli is None:
        args += ["--stimuli", "stimuli/kit_items.csv"]
    return shlex.join(args)


def load_power(path: str | Path) -> dict:
    """A ``psyai class power`` result (power.json), checked for what the sample-size section needs."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PsyaiError(f"--power {path}: no such file; give the power.json `psyai class power` wrote") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PsyaiError(f"--power {path}: not a JSON file ({exc}); give the power.json `psyai class power` wrote") \
            from None
    if not isinstance(data, dict) or not isinstance(data.get("n_for"), dict) or "effect" not in data:
        raise PsyaiError(f"--power {path}: no n_for and effect fields; give the power.json `psyai class power` wrote")
    return data


def _power_command(kit: Kit) -> str:
    return f"psyai class power {kit.id} --effect sesoi --out power"


def preregistration(kit: Kit, lang: str, *, group: str | None = None, power: dict | None = None) -> str:
    """The preregistration of one group (or of the class, ``group=None``) as Markdown in ``lang``."""
    if lang not in LANGS:
        raise PsyaiError(f"--lang {lang!r}: choose {' or '.join(LANGS)}")
    o, e = kit.original, kit.effect
    lines = [f"# {_t('title', lang)}: {kit.title[lang]}", "",
             _t("generated", lang, version=__version__, kit=kit.id), ""]
    lines += [f"- **{_t('group', lang)}**: {group or _t('to_fill', lang)}",
              f"- **{_t('members', lang)}**: {_t('to_fill', lang)}", ""]

    lines += [f"## {_t('h_hypothesis', lang)}", "",
              _t("hypothesis", lang, label=e["label"][lang], direction=_t(e["direction"], lang),
                 scale=e["scale"][lang], sesoi=_number(e["sesoi"]))
              + (_t("sesoi_reason", lang, reason=e["sesoi_reason"][lang].rstrip(".。"))
                 if e.get("sesoi_reason") else ""), ""]

    interval = (f"{_t('se', lang)} {_number(o['se'])}" if o.get("se") is not None
                else f"{_t('ci', lang)} [{_number(o['ci_low'])}, {_number(o['ci_high'])}]")
    lines += [f"## {_t('h_original', lang)}", "", o["citation"], "",
              f"- **{_t('original_estimate', lang)}**: {_number(o['estimate'])} ({interval}); "
              f"{_t('n', lang)} N = {o['n']}",
              f"- **{_t('design', lang)}**: {o['design'][lang]}",
              f"- **{_t('note', lang)}**: {o['note'][lang]}", ""]
    if o.get("verified", True) is not True:
        lines[-1:-1] = ["", _t("unverified", lang, verified=f"verified: {str(o['verified']).lower()}")]

    stimuli = (f"`{kit.stimuli.relative_to(_root())}`" if kit.stimuli is not None and _inside(kit.stimuli)
               else f"{_t('stimuli_made', lang)} `{kit.stimuli_command}`")
    lines += [f"## {_t('h_design', lang)}", "",
              f"- **{_t('experiment', lang)}**: `experiments/{kit.experiment}.py`",
              f"- **{_t('stimuli', lang)}**: {stimuli}",
              *([f"- **{_t('made_with', lang)}**: `{kit.stimuli_command}`"] if kit.stimuli and kit.stimuli_command else []),
              f"- **{_t('command', lang)}**:", "", "```", experiment_command(kit), "```", ""]

    lines += [f"## {_t('h_sample', lang)}", ""]
    n80 = (power or {}).get("n_for", {}).get(TARGET_POWER)
    if power is not None and n80 is not None:
        n_for = power["n_for"]
        lines.append(_t("sample_power_class" if power.get("groups") else "sample_power", lang, n=n80,
                        groups=power.get("groups"), total=n80 * (power.get("groups") or 1),
                        target=TARGET_POWER, effect=_number(power["effect"]),
                        source=(power.get("effect_sources") or {}).get(lang) or power.get("effect_source", ""),
                        alpha=power.get("alpha", 0.05),
                        method=((power.get("methods") or {}).get(lang) or power.get("method", "")).rstrip(".。"),
                        n90=n_for.get("90") or _t("beyond_grid", lang), n95=n_for.get("95") or _t("beyond_grid", lang)))
        lines += ["", _t("stopping", lang)]
    else:
        lines.append(_t("sample_fill", lang, command=_power_command(kit)))
    lines.append("")

    extra = EXCLUSIONS.get(kit.experiment)
    lines += [f"## {_t('h_exclusions', lang)}", ""]
    lines += [f"- {item}" for item in T["exclusions"][lang] + ([extra[lang]] if extra else [])]
    lines.append("")

    lines += [f"## {_t('h_analysis', lang)}", "",
              f"- **{_t('effect', lang)}** (`{e['name']}`): {e['scale'][lang]}",
              f"- {_t('group_test', lang)}",
              f"- {_t('pooled', lang)}"]
    if kit.analysis:
        lines.append(f"- {_t('full_report', lang, analysis=kit.analysis)}")
    lines += ["", f"## {_t('h_deviations', lang)}", "", _t("to_fill", lang), ""]
    return "\n".join(lines)


def _root() -> Path:
    from psyai.study import packaged_root

    return packaged_root()


def _inside(path: Path) -> bool:
    try:
        path.relative_to(_root())
    except ValueError:
        return False
    return True
