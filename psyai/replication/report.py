"""``psyai class report``: each group's estimate, the pooled estimate, and a verdict against the original.

For one kit's collected class (``psyai class collect``'s folder):

1. each group's estimate of the kit's effect (:func:`psyai.replication.effects.group_effect`);
2. the pooled estimate by a random-effects meta-analysis of the groups' estimates
   (:func:`psyai.stats.meta.random_effects`: REML τ², Knapp–Hartung t on k − 1 df, I², the
   prediction interval; a forest plot with the original's estimate as reference), and by the
   kit's mixed model on every group's trials together, groups as a random effect
   (:func:`psyai.replication.effects.pooled_model`, :func:`psyai.stats.mixed.fit_mixed`);
3. the verdict (:func:`judge`), by a rule stated in every report:

   * **replicated** — the pooled effect is significantly different from 0 in the hypothesised
     direction (one-sided Knapp–Hartung t, α) *and* not significantly smaller than d33, the effect
     the original study had 33 % power to detect (small telescopes; Simonsohn, 2015);
   * **not replicated** — the pooled effect is significantly smaller than d33, or equivalent to 0
     within ± the kit's smallest effect of interest (TOST; Lakens, 2017);
   * **inconclusive** — neither.

   Whether the original estimate lies in the pooled prediction interval is reported beside the
   verdict (a new study's true effect is expected there), not used by the rule.

A class folder holds one kit's groups; ``psyai class report`` also takes a folder of such class
folders (the demo's) and then judges each kit. ``results.json`` maps kit → verdict under
``verdicts``.

References: Simonsohn, U. (2015). Small telescopes. *Psychological Science, 26*, 559–569.
Lakens, D. (2017). Equivalence tests. *Social Psychological and Personality Science, 8*, 355–362.
Knapp, G., & Hartung, J. (2003). Improved tests for a random effects meta-regression with a single
covariate. *Statistics in Medicine, 22*, 2693–2710.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from psyai.errors import DataError, PsyaiError
from psyai.replication.effects import GroupEffect, group_effect, one_group_test, pooled_model

__all__ = ["VERDICTS", "class_folders", "class_groups", "judge", "build_report", "report_class", "write_class_report"]

logger = logging.getLogger(__name__)

VERDICTS = ("replicated", "not replicated", "inconclusive")
TINY = "psyai's tiny local demo model"  # results.json's measures_model when no --model was given
TINY_NOTE = {"en": "extracted with psyai's tiny local demo model, not a real language model: pass --model (e.g. gpt2) "
                   "or --measures for a real class",
             "ja": "psyai の小さなローカルのデモモデルで抽出(実際の言語モデルではない。実際のクラスでは --model(例:gpt2)"
                   "か --measures を指定する)"}
MANIFEST = "collect_report.json"  # written by `psyai class collect`: "kit", "groups": [{"group", "status", "data_dir"}]

RULE = {
    "en": ("Decision rule (fixed before the data): replicated = the pooled effect is significantly different from 0 "
           "in the hypothesised direction (one-sided Knapp–Hartung t, α = {alpha}) and not significantly smaller "
           "than d33, the effect the original had 33% power to detect (small telescopes, Simonsohn, 2015); "
           "not replicated = significantly smaller than d33, or equivalent to 0 within ± the smallest effect of "
           "interest ({sesoi}; TOST, Lakens, 2017); otherwise inconclusive. Whether the original estimate lies in "
           "the prediction interval is reported, not used by the rule."),
    "ja": ("判定規則(データを見る前に固定):再現された=統合効果が仮説の方向に 0 と有意に異なり"
           "(片側 Knapp–Hartung t 検定,α = {alpha}),かつ d33(原研究が 33% の検定力で検出できた効果)より"
           "有意に小さくない(スモール・テレスコープ法,Simonsohn, 2015);再現されなかった=d33 より有意に小さい,"
           "または関心のある最小効果 ±{sesoi} の範囲で 0 と同等(TOST,Lakens, 2017);それ以外は判定不能。"
           "原研究の推定値が予測区間に入るかどうかは報告するが,判定には使わない。"),
}
VERDICT_WORDS = {"en": {v: v for v in VERDICTS},
                 "ja": {"replicated": "再現された", "not replicated": "再現されなかった", "inconclusive": "判定不能"}}
REASONS = {
    "replicated": {
        "en": "the pooled effect {est} is significantly {dir} 0 (one-sided p {p}) and not significantly smaller than "
              "d33 = {d33} (small-telescopes p {p33})",
        "ja": "統合効果 {est} は 0 より有意に{dir_ja}(片側 p {p}),d33 = {d33} より有意に小さくない"
              "(スモール・テレスコープ p {p33})"},
    "smaller": {
        "en": "the pooled effect {est} is significantly smaller than d33 = {d33}, the effect the original could "
              "detect with 33% power (small-telescopes p {p33})",
        "ja": "統合効果 {est} は原研究が 33% の検定力で検出できた効果 d33 = {d33} より有意に小さい"
              "(スモール・テレスコープ p {p33})"},
    "equivalent": {
        "en": "the pooled effect {est} is equivalent to 0 within ±{sesoi} (TOST p {ptost})",
        "ja": "統合効果 {est} は ±{sesoi} の範囲で 0 と同等(TOST p {ptost})"},
    "inconclusive": {
        "en": "the pooled effect {est} is neither significantly {dir} 0 (one-sided p {p}) nor significantly smaller "
              "than d33 = {d33} (p {p33}) nor equivalent to 0 within ±{sesoi} (TOST p {ptost}): more data are needed",
        "ja": "統合効果 {est} は 0 より有意に{dir_ja}とも(片側 p {p}),d33 = {d33} より有意に小さいとも(p {p33}),"
              "±{sesoi} で 0 と同等とも(TOST p {ptost})言えない:データが足りない"},
}
DESIGN_WORDS = {"en": {"one_sample": "one-sample t test", "paired": "paired t test", "two_sample": "two-sample t test",
                       "correlation": "correlation"},
                "ja": {"one_sample": "1 標本 t 検定", "paired": "対応のある t 検定", "two_sample": "2 標本 t 検定",
                       "correlation": "相関"}}

WORDS = {
    "en": {"title": "Class replication report", "group": "group", "groups": "Groups", "pooled": "Pooled estimate",
           "verdict": "Verdict", "original": "Original study", "forest": "Forest plot: each group's estimate with "
           "its 95% interval, the pooled estimate (diamond) and the original's estimate (dashed line)",
           "mixed": "Mixed model on the pooled trials", "method": "Methods", "in_pi": "The original estimate {o} "
           "lies {inside} the 95% prediction interval [{lo}, {hi}].", "inside": "inside", "outside": "outside",
           "no_mixed": "This kit's effect has no pooled mixed model; the meta-analysis is the pooled estimate.",
           "kit": "Kit", "two_sided": "two-sided", "pi_short": "95% PI",
           "sesoi_reason": "Smallest effect of interest: "},
    "ja": {"title": "クラス再現研究レポート", "group": "グループ", "groups": "グループ別の推定値", "pooled": "統合推定値",
           "verdict": "判定", "original": "原研究", "forest": "フォレストプロット:各グループの推定値と 95% 区間,"
           "統合推定値(ひし形),原研究の推定値(破線)", "mixed": "統合した試行データの混合モデル", "method": "方法",
           "in_pi": "原研究の推定値 {o} は 95% 予測区間 [{lo}, {hi}] の{inside}にある。", "inside": "内側",
           "outside": "外側", "no_mixed": "このキットの効果には統合混合モデルがないため,メタ分析を統合推定値とする。",
           "kit": "キット", "two_sided": "両側", "pi_short": "95% 予測区間",
           "sesoi_reason": "関心のある最小の効果量:"},
}


# --------------------------------------------------------------------------- where the groups are

def class_groups(folder: str | Path) -> tuple[str | None, dict[str, Path]]:
    """The kit id (None when the folder does not say) and each accepted group's data folder.

    ``folder/collect_report.json`` (``psyai class collect``) names them; without it, each sub-folder of
    ``folder/groups/`` (else of ``folder``) holding session logs is a group, named by its folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such class folder; give the folder `psyai class collect --out` wrote")
    manifest = folder / MANIFEST
    if manifest.is_file():
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise DataError(f"{manifest}: not JSON (line {err.lineno}); write it again with `psyai class collect`") from None
        groups = data.get("groups")
        if isinstance(groups, list):  # collect's report: one entry per submission, refused ones without data_dir
            groups = {g.get("group"): g.get("data_dir") for g in groups if isinstance(g, dict) and g.get("data_dir")}
        if not isinstance(groups, dict) or not groups:
            raise DataError(f"{manifest}: no accepted group; every submission was refused (see its tables/) or "
                            "the file was not written by `psyai class collect`")
        out = {}
        for name, rel in groups.items():
            path = folder / (rel["folder"] if isinstance(rel, dict) else rel)
            if not path.is_dir():
                raise DataError(f"{manifest}: group {name!r}: folder {path} does not exist")
            out[str(name)] = path
        return data.get("kit"), out
    base = folder / "groups" if (folder / "groups").is_dir() else folder
    out = {p.name: p for p in sorted(base.iterdir()) if p.is_dir() and next(p.rglob("*_log.jsonl"), None)}
    if not out:
        raise DataError(f"{folder}: no groups; give the folder `psyai class collect --out` wrote (with {MANIFEST})")
    return None, out


def class_folders(folder: str | Path) -> list[Path]:
    """The class folders under ``folder``: itself when it is one, else its sub-folders that are."""
    folder = Path(folder)
    if (folder / MANIFEST).is_file():
        return [folder]
    subs = [p for p in sorted(folder.iterdir()) if (p / MANIFEST).is_file()] if folder.is_dir() else []
    return subs or [folder]


# --------------------------------------------------------------------------- the verdict

def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "NA"
    return f"{x:.{digits}g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.1e}"


def _fmt_p(p: float | None) -> str:
    if p is None or not math.isfinite(p):
        return "= NA"
    return "< .001" if p < 0.001 else f"= {p:.3f}".replace("0.", ".", 1)


def judge(kit, effects: dict[str, GroupEffect], *, alpha: float = 0.05, lang: str = "en") -> dict:
    """Pool the groups' estimates and judge the replication (the rule of the module docstring).

    Returns a dict with ``verdict``, ``reason`` (one sentence), ``rule``, ``meta``
    (:class:`~psyai.stats.meta.MetaResult` as a dict, plus ``p_one_sided``), ``small_telescopes``,
    ``equivalence``, ``d33`` (kit units), ``original_in_pi`` and ``groups`` (one row per group)."""
    from psyai.replication.power import d33_value
    from psyai.stats.meta import equivalence_test, random_effects, small_telescopes

    if len(effects) < 2:
        raise DataError(f"kit {kit.id}: {len(effects)} group(s) with data; pooling needs at least 2")
    names = list(effects)
    yi = np.array([effects[g].estimate for g in names], dtype=float)
    vi = np.array([effects[g].se ** 2 for g in names], dtype=float)
    bad = [g for g, v in zip(names, vi) if not (math.isfinite(v) and v > 0)]
    if bad:
        raise DataError(f"kit {kit.id}: group(s) {', '.join(bad)} have no standard error (fewer than 2 participants "
                        "or no spread); collect more data or leave them out of the class folder")
    sign = -1.0 if kit.effect.get("direction") == "negative" else 1.0
    meta = random_effects(yi, vi, method="REML", test="knha")
    oriented = sign * meta.estimate
    stat = oriented / meta.se
    p_one = float(sps.t.sf(stat, meta.dof) if meta.dof else sps.norm.sf(stat))
    d33 = d33_value(kit)
    st = small_telescopes(oriented, meta.se, d33=d33, dof=meta.dof)
    sesoi = float(kit.effect["sesoi"])
    eq = equivalence_test(meta.estimate, meta.se, low=-sesoi, high=sesoi, dof=meta.dof, alpha=alpha)
    original = float(kit.original["estimate"])
    in_pi = bool(meta.pi_low <= original <= meta.pi_high)
    if p_one < alpha and not st["p_val"] < alpha:
        verdict, why = "replicated", "replicated"
    elif st["p_val"] < alpha:
        verdict, why = "not replicated", "smaller"
    elif eq["equivalent"]:
        verdict, why = "not replicated", "equivalent"
    else:
        verdict, why = "inconclusive", "inconclusive"
    fields = {"est": _fmt(meta.estimate), "p": _fmt_p(p_one), "d33": _fmt(sign * d33), "p33": _fmt_p(st["p_val"]),
              "sesoi": _fmt(sesoi), "ptost": _fmt_p(eq["p_val"]),
              "dir": "above" if sign > 0 else "below", "dir_ja": "大きい" if sign > 0 else "小さい"}
    reason = {lg: REASONS[why][lg].format(**fields) for lg in ("en", "ja")}
    verified = kit.original.get("verified", True)
    if verified is not True:  # the verdict is only as good as the original's numbers
        reason = {"en": reason["en"] + f"; but the original study's numbers in this kit are not all verified "
                                       f"(original.verified: {str(verified).lower()}): check them against the paper "
                                       "before reading this verdict",
                  "ja": reason["ja"] + f"。ただし、このキットの元研究の数値はすべては確認されていません"
                                       f"(original.verified: {str(verified).lower()})。判定を読む前に論文と照合してください"}
    groups = pd.DataFrame([{"group": g, **effects[g].to_dict(),
                            "ci_low": effects[g].estimate - _crit(effects[g]) * effects[g].se,
                            "ci_high": effects[g].estimate + _crit(effects[g]) * effects[g].se,
                            "p_one_sided": one_group_test(effects[g], kit.effect.get("direction", "positive"),
                                                          alpha)["p_val"]} for g in names])
    return {"kit": kit.id, "verdict": verdict, "reason": reason[lang], "reasons": reason,
            "rule": RULE[lang].format(alpha=alpha, sesoi=_fmt(sesoi)),
            "meta": {**meta.to_dict(), "p_one_sided": p_one, "description": meta.describe(lang)},
            "small_telescopes": st, "equivalence": eq, "d33": sign * d33, "d33_design": _design(kit),
            "original": {**kit.original, "se": kit.original_se()}, "original_verified": verified,
            "original_in_pi": in_pi, "alpha": alpha,
            "groups": groups}


def _design(kit) -> str:
    from psyai.replication.power import d33_design

    return d33_design(kit)


def _crit(effect: GroupEffect) -> float:
    return float(sps.t.ppf(0.975, effect.dof)) if effect.dof else 1.959964


# --------------------------------------------------------------------------- one class, then the page

def report_class(folder: str | Path, *, kit=None, alpha: float = 0.05, lang: str = "en", measures=None,
                 model: str | None = None, mixed: bool = True, work: Path | None = None) -> dict:
    """Everything the report shows for one kit's class folder (see :func:`judge`), plus ``pooled_mixed``
    (the kit's mixed model, or None) and ``method`` sentences."""
    from psyai.progress import progress
    from psyai.replication.kit import load_kit

    kit_id, groups = class_groups(folder)
    extracted_with = None
    if kit is None:
        if kit_id is None:
            raise PsyaiError(f"{folder}: the folder does not name its kit ({MANIFEST} missing); pass --kit KIT")
        kit = load_kit(kit_id)
    elif isinstance(kit, (str, Path)):
        kit = load_kit(kit)
    if kit.effect.get("name") in ("surprisal_slope", "saliency_minus_attention", "saliency_minus_attention_rho") \
            and measures is None:
        measures = _class_measures(kit, Path(folder), model, Path(work or folder))
        if Path(measures).parent == Path(work or folder) and Path(measures).name.startswith("surprisal_"):
            extracted_with = model or TINY
    effects = {}
    with progress(f"{kit.id}: group estimates", len(groups)) as advance:
        for name, path in groups.items():
            effects[name] = group_effect(kit, path, measures=measures)
            advance()
    out = judge(kit, effects, alpha=alpha, lang=lang)
    out["pooled_mixed"] = None
    if mixed:
        try:
            out["pooled_mixed"] = pooled_model(kit, groups, measures=measures)
        except (PsyaiError, ValueError, np.linalg.LinAlgError) as err:  # reported, never silently dropped
            out["pooled_mixed"] = {"error": f"the pooled mixed model could not be fitted: {err}"}
    first = next(iter(effects.values()))
    out["method"] = first.method
    out["title"] = kit.title
    out["effect"] = kit.effect
    out["folder"] = str(folder)
    out["measures"] = None if measures is None else (str(measures) if not isinstance(measures, pd.DataFrame)
                                                     else "a table passed in")
    out["measures_model"] = extracted_with
    return out


def _class_measures(kit, folder: Path, model: str | None, work: Path):
    """The model's word measures for a kit that compares people with a model: ``folder/measures.csv`` or
    ``surprisal.csv`` when the class folder has one (the demo writes it), else extracted with ``model``
    into ``work`` (the report's folder: the collected data are never written to)."""
    for name in ("measures.csv", "surprisal.csv", "model_measures.csv"):
        if (folder / name).is_file():
            return folder / name
    if kit.effect.get("name") == "surprisal_slope":
        from psyai.replication.power import surprisal_measures

        return surprisal_measures(kit, model, work / f"surprisal_{kit.id}.csv")
    raise PsyaiError(f"kit {kit.id}: put the model's word measures in {folder / 'measures.csv'} "
                     "(`psyai attention extract --measures attention,saliency`) or pass --measures CSV")


def _forest(res: dict, lang: str):
    from psyai.stats.meta import MetaResult, forest_plot

    g = res["groups"]
    meta = MetaResult(**{k: res["meta"][k] for k in MetaResult.__dataclass_fields__})
    label = res["effect"].get("label", {}).get(lang) or res["effect"]["scale"][lang]
    ref_label = ("原研究" if lang == "ja" else "original") + f" ({res['original']['estimate']:.3g})"
    return forest_plot(list(g["group"]), g["estimate"].to_numpy(), (g["se"] ** 2).to_numpy(), meta, xlabel=label,
                       reference=float(res["original"]["estimate"]), reference_label=ref_label, lang=lang)


def build_report(results: list[dict], *, lang: str = "en"):
    """The HTML page (:class:`psyai.report.HtmlReport`) for one or several kits' classes."""
    from psyai.report import HtmlReport

    w = WORDS[lang]
    banner = ("シミュレーションによるデータ(実在の参加者ではない)" if lang == "ja" else
              "Simulated data, not real participants") if any(r.get("simulated") for r in results) else None
    page = HtmlReport(w["title"], banner=banner)
    for res in results:
        meta = res["meta"]
        page.heading(f"{w['kit']}: {res['title'].get(lang, res['kit'])}")
        page.heading(w["verdict"], level=3)
        page.apa(f"{VERDICT_WORDS[lang][res['verdict']]}: {res['reasons'][lang]}" + ("。" if lang == "ja" else "."))
        page.method(res["rule"])
        page.paragraph(w["in_pi"].format(o=_fmt(res["original"]["estimate"]), lo=_fmt(meta["pi_low"]),
                                         hi=_fmt(meta["pi_high"]),
                                         inside=w["inside"] if res["original_in_pi"] else w["outside"]))
        page.heading(w["original"], level=3)
        o = res["original"]
        page.paragraph(f"{o.get('citation', '')} — {_fmt(o['estimate'])} (SE {_fmt(o['se'])}), N = {o.get('n')}, "
                       + (f"{o['design'][lang]}。{o['note'][lang]}" if lang == "ja"
                          else f"{o['design'][lang]}. {o['note'][lang]}"))
        page.heading(w["pooled"], level=3)
        page.apa(("メタ分析" if lang == "ja" else "Meta-analysis") + f" ({meta['description']}): "
                 f"{_fmt(meta['estimate'])}, 95% CI [{_fmt(meta['ci_low'])}, {_fmt(meta['ci_high'])}], "
                 f"t({meta['dof']:.0f}) = {meta['statistic']:.2f}, p {_fmt_p(meta['p_val'])} ({w['two_sided']}), "
                 f"τ² = {_fmt(meta['tau2'])}, I² = {meta['i2']:.1f}%, Q({meta['q_df']}) = {meta['q']:.2f}, "
                 f"p {_fmt_p(meta['q_p'])}; {w['pi_short']} [{_fmt(meta['pi_low'])}, {_fmt(meta['pi_high'])}].")
        st, eq = res["small_telescopes"], res["equivalence"]
        page.apa(("スモール・テレスコープ法" if lang == "ja" else "Small telescopes")
                 + f": d33 = {_fmt(res['d33'])} ({DESIGN_WORDS[lang].get(res['d33_design'], res['d33_design'])}, "
                 f"N = {o.get('n')}), p {_fmt_p(st['p_val'])}; "
                 + ("同等性検定(TOST)" if lang == "ja" else "TOST") + f" ±{_fmt(res['effect']['sesoi'])}: "
                 f"p {_fmt_p(eq['p_val'])}.")
        if res["effect"].get("sesoi_reason"):
            page.method(w["sesoi_reason"] + res["effect"]["sesoi_reason"][lang].rstrip(".。")
                        + ("。" if lang == "ja" else "."))
        try:
            page.figure(_forest(res, lang), w["forest"], name=f"forest_{res['kit']}")
        except ImportError:  # psyai.stats.meta without forest_plot: the table still shows every group
            logger.warning("no forest plot: psyai.stats.meta.forest_plot is missing")
        page.heading(w["groups"], level=3)
        table = res["groups"][["group", "estimate", "se", "ci_low", "ci_high", "n", "dof", "n_trials", "p_one_sided"]]
        if lang == "ja":
            table = table.rename(columns={"group": "グループ", "estimate": "推定値", "se": "標準誤差", "ci_low": "95%CI 下限",
                                          "ci_high": "95%CI 上限", "n": "人数", "dof": "自由度", "n_trials": "観測数",
                                          "p_one_sided": "片側 p"})
        page.table(table)
        page.heading(w["mixed"], level=3)
        pm = res.get("pooled_mixed")
        if pm is None:
            page.paragraph(w["no_mixed"])
        elif "error" in pm:
            page.paragraph(pm["error"])
        else:
            page.apa(f"{_fmt(pm['estimate'])} ({pm['scale'][lang]}), 95% CI [{_fmt(pm['ci_low'])}, "
                     f"{_fmt(pm['ci_high'])}], p {_fmt_p(pm['p_val'])}.")
            page.method(pm["description"][lang])
        page.heading(w["method"], level=3)
        page.method(("各グループの推定値:" if lang == "ja" else "Each group's estimate: ") + res["method"][lang]
                    + ("。" if lang == "ja" else "."))
        if res.get("measures"):
            page.method(("モデルの単語指標:" if lang == "ja" else "The model's word measures: ") + res["measures"]
                        + (f" ({TINY_NOTE[lang] if res['measures_model'] == TINY else res['measures_model']})"
                           if res.get("measures_model") else ""))
    return page


def _jsonable(res: dict) -> dict:
    out = {k: v for k, v in res.items() if k != "groups"}
    out["groups"] = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
                     for row in res["groups"].to_dict("records")]
    return out


def write_class_report(folder: str | Path, out: str | Path, *, kit=None, alpha: float = 0.05, lang: str = "en",
                       measures=None, model: str | None = None, simulated: bool | None = None) -> dict:
    """Judge every class under ``folder`` and write ``out/results.json`` (``verdicts``: kit → verdict) and
    ``out/report.html``. Returns the summary written."""
    from psyai.report import json_ready, write_results

    if lang not in WORDS:
        raise PsyaiError(f"--lang {lang!r}: choose en or ja")
    results = []
    for cls in class_folders(folder):
        res = report_class(cls, kit=kit, alpha=alpha, lang=lang, measures=measures, model=model,
                           work=Path(out) / "measures")
        res["simulated"] = bool(simulated) if simulated is not None else _simulated(cls)
        results.append(res)
    summary = {"verdicts": {r["kit"]: r["verdict"] for r in results},
               "reasons": {r["kit"]: r["reason"] for r in results},
               "original_verified": {r["kit"]: r["original_verified"] for r in results},
               "kits": {r["kit"]: _jsonable(r) for r in results}, "lang": lang, "alpha": alpha}
    write_results(json_ready(summary), build_report(results, lang=lang), out)
    return summary


def _simulated(folder: Path) -> bool:
    """True when the class's sessions were run by simulated participants (collect_report.json's ``run_mode``,
    else any session header's), so that the report says so in its banner."""
    manifest = Path(folder) / MANIFEST
    if manifest.is_file():
        modes = json.loads(manifest.read_text(encoding="utf-8")).get("run_mode")
        return "simulated" in (modes if isinstance(modes, list) else [modes])
    for log in Path(folder).rglob("*_log.jsonl"):
        with log.open(encoding="utf-8") as fh:
            if '"run_mode": "simulated"' in fh.readline():
                return True
    return False
