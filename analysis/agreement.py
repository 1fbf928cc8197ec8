"""Agreement between annotators: how far do people who label the same items agree?

Tidy labels table in (one row per item and annotator, as ``psyai import labels`` writes it:
``item``, ``annotator``, ``label``), tidy tables out, one function per statistic; the
statistics live in :mod:`psyai.stats.agreement`, and this module composes them, writes the
sentences, the figure and the report, and is the command line:

==============================  ==================================================================
:func:`load_labels`             an import folder (labels.csv + import_report.json) or a labels CSV
:func:`alpha_levels`            Krippendorff's α at every level the labels allow, bootstrap CIs
:func:`fleiss`                  Fleiss' κ (equal numbers of ratings per item), or why it does not apply
:func:`annotator_table`         α without each annotator in turn, at the primary level
:func:`label_counts`            how often each label was given
:func:`analyze` → :func:`write_results`  results.json and report.html
==============================  ==================================================================

Command line::

    python analysis/agreement.py imported/labels --out results/agreement
    psyai analyze agreement imported/labels --out results/agreement

Defaults, each written to results.json and the report: the level of measurement is the one
given to ``psyai import labels --level`` (its report's settings), else ``--measurement``, else
nominal; intervals are 95 % percentile bootstraps that resample items (1,000 resamples, seed 0).

References: Efron & Tibshirani (1993); Fleiss (1971); Fleiss, Nee & Landis (1979);
Krippendorff (2011); Zapf et al. (2016), in full in :mod:`psyai.stats.agreement`. Hayes, A. F.,
& Krippendorff, K. (2007). Answering the call for a standard reliability measure for coding
data. *Communication Methods and Measures, 1*, 77–89 (Krippendorff's own bootstrap, not used).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as `python analysis/agreement.py`: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from psyai import __version__ as psyai_version
from psyai import report as report_lib
from psyai.errors import DataError
from psyai.report import HtmlReport, fmt_ci, fmt_num, fmt_p, json_ready, plural, records
from psyai.stats import agreement

__all__ = ["AgreementConfig", "alpha_levels", "analyze", "annotator_table", "fleiss", "label_counts",
           "load_labels", "main", "write_results"]

EXPERIMENT = "agreement"
LEVELS = ("nominal", "ordinal", "interval")
REQUIRED_COLUMNS = ("item", "annotator", "label")
TABLE = "labels.csv"


# --------------------------------------------------------------------------- settings


@dataclass
class AgreementConfig:
    """Settings of the agreement analysis; every field is written to results.json.

    Attributes
    ----------
    measurement : the level of measurement of the labels (``nominal``, ``ordinal`` or
        ``interval``): the headline α, and the level α without each annotator is computed
        at. None: the import's level (``psyai import labels --level``), else nominal.
    order : ordinal labels that are words, lowest first (None: the import's ``--order``).
    level : confidence level of every interval.
    n_boot : bootstrap resamples (items resampled with replacement).
    seed : seed of the bootstrap's random generator.
    measurement_source : where ``measurement`` came from (filled in by :func:`analyze`).
    """

    measurement: str | None = None
    order: list[str] | None = None
    level: float = 0.95
    n_boot: int = 1000
    seed: int = 0
    measurement_source: str = field(default="default")

    def __post_init__(self) -> None:
        if self.measurement is not None and self.measurement not in LEVELS:
            raise ValueError(f"measurement={self.measurement!r}: use one of {', '.join(LEVELS)}")
        if not 0 < self.level < 1:
            raise ValueError(f"level={self.level}: give a confidence level between 0 and 1, e.g. 0.95")
        if self.n_boot < 100:
            raise ValueError(f"n_boot={self.n_boot}: percentile intervals need at least 100 resamples (1000 or more "
                             "for a report)")


# --------------------------------------------------------------------------- data


def load_labels(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """The labels table and the import's settings (``{}`` when there is no import report).

    ``path`` is the folder ``psyai import labels`` wrote (``labels.csv`` and
    ``import_report.json``) or a CSV file with the columns ``item``, ``annotator``, ``label``.
    Every cell is read as text (a label "None" or "NA" stays a label); empty labels are
    missing.
    """
    path = Path(path)
    settings: dict = {}
    if path.is_dir():
        table = path / TABLE
        if not table.is_file():
            raise DataError(f"{path}: holds no {TABLE}; give the folder psyai import labels wrote, or a labels CSV")
        report = path / "import_report.json"
        if report.is_file():
            meta = json.loads(report.read_text(encoding="utf-8"))
            if meta.get("kind") != "labels":
                raise DataError(f"{report}: is the report of a {meta.get('kind')!r} import, not of labels; give the "
                                "folder psyai import labels wrote")
            settings = meta.get("settings") or {}
        path = table
    elif not path.is_file():
        raise DataError(f"{path}: no such file or folder; give the folder psyai import labels wrote, or a labels CSV")
    try:
        labels = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DataError(f"{path}: cannot be read as a UTF-8 CSV ({str(err).splitlines()[0]}); import the labels "
                        "with psyai import labels") from None
    _check_columns(labels, path)
    return labels, settings


def _check_columns(labels: pd.DataFrame, where: object = "labels table") -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in labels.columns]
    if missing:
        raise DataError(f"{where}: no column(s) {', '.join(missing)}; a labels table has item, annotator and label "
                        "(psyai import labels writes one from long or wide tables; docs/DATA.md, 'labels')")


def _levels_allowed(labels: pd.Series, order: Sequence | None) -> dict[str, str | None]:
    """Each level → None when α can be computed at it, else the reason it cannot."""
    present = labels.dropna()
    numeric = pd.to_numeric(present, errors="coerce").notna().all()
    out: dict[str, str | None] = {"nominal": None}
    if order:
        out["ordinal"] = None
        out["interval"] = ("the labels are ordered categories (--order), not numbers: distances between them are "
                           "not defined")
    elif numeric:
        out["ordinal"] = out["interval"] = None
    else:
        out["ordinal"] = ("the labels are words and no order was given: give one with --order, here or in "
                          "psyai import labels")
        out["interval"] = "the labels are words, not numbers"
    return out


# --------------------------------------------------------------------------- statistics


def alpha_levels(labels: pd.DataFrame, config: AgreementConfig, primary: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Krippendorff's α at each level of measurement the labels allow, with bootstrap intervals.

    Nominal α is computed for every table; ordinal α when the labels are numbers or an order
    is given; interval α when they are numbers. Items are the units and annotators the
    coders (:func:`psyai.stats.agreement.krippendorff_alpha_ci`); the interval is a
    percentile bootstrap that resamples items with replacement, the levels drawing in turn
    from one generator seeded with ``config.seed``.

    Returns
    -------
    table : one row per level computed: ``measurement``, ``primary`` (the level of the
        headline), ``alpha``, ``ci_low``, ``ci_high``, ``n_units`` (items labelled by two or
        more annotators), ``n_coders``, ``n_values`` (pairable labels), ``n_boot``,
        ``n_boot_failed``.
    not_computed : level → why α was not computed at it.
    """
    allowed = _levels_allowed(labels["label"], config.order)
    rng = np.random.default_rng(config.seed)
    rows, skipped = [], {}
    for level in LEVELS:
        if allowed[level] is not None:
            skipped[level] = allowed[level]
            continue
        res = agreement.krippendorff_alpha_ci(labels, "item", "annotator", "label", level_of_measurement=level,
                                              level=config.level, n_boot=config.n_boot, seed=rng,
                                              order=config.order if level != "interval" else None)
        rows.append({"measurement": level, "primary": level == primary,
                     **{k: res[k] for k in ("alpha", "ci_low", "ci_high", "n_units", "n_coders", "n_values",
                                            "n_boot", "n_boot_failed")}})
    return pd.DataFrame(rows), skipped


def fleiss(labels: pd.DataFrame, config: AgreementConfig) -> tuple[dict, pd.DataFrame]:
    """Fleiss' κ over the labels as categories, or the reason it does not apply.

    Fleiss' κ needs the same number of labels on every item (not the same annotators);
    when the numbers differ, or an item has one label, it is not computed and
    ``result["not_applicable"]`` says why (:class:`psyai.stats.agreement.NotApplicable`).

    Returns
    -------
    result : dict of :func:`psyai.stats.agreement.fleiss_kappa` (κ, z test of κ = 0 with the
        null SE, bootstrap interval over items …) plus ``not_applicable`` (None, or the reason).
    categories : :func:`psyai.stats.agreement.fleiss_kappa_categories` (empty when κ does not apply).
    """
    order = config.order
    try:
        res = agreement.fleiss_kappa(labels, "item", "annotator", "label", level=config.level,
                                     n_boot=config.n_boot, seed=config.seed, order=order)
        cats = agreement.fleiss_kappa_categories(labels, "item", "annotator", "label", order=order)
    except agreement.NotApplicable as err:
        return {"kappa": None, "not_applicable": str(err)}, pd.DataFrame()
    return {**res, "not_applicable": None}, cats


def annotator_table(labels: pd.DataFrame, config: AgreementConfig, primary: str) -> pd.DataFrame:
    """Each annotator's effect on α at the primary level: α of all beside α without them.

    :func:`psyai.stats.agreement.alpha_without_each`; ``alpha_change`` < 0 means α rises
    without the annotator (they agree with the others less than the others agree among
    themselves). Descriptive: no interval.

    Returns
    -------
    DataFrame, one row per annotator: ``annotator``, ``n_labels``, ``n_units_shared``,
    ``alpha_all``, ``alpha_without``, ``alpha_change``.
    """
    table = agreement.alpha_without_each(labels, "item", "annotator", "label", primary,
                                         order=config.order if primary != "interval" else None)
    return table.rename(columns={"coder": "annotator"})


def label_counts(labels: pd.DataFrame, order: Sequence | None = None) -> pd.DataFrame:
    """How often each label was given: ``label``, ``n``, ``share`` (in ``order``, numeric or text order)."""
    counts = labels["label"].dropna().value_counts()
    if order:
        index = [o for o in order if o in counts.index]
    else:
        numbers = pd.to_numeric(pd.Series(counts.index), errors="coerce")
        index = (list(counts.index[np.argsort(numbers.to_numpy(), kind="stable")]) if numbers.notna().all()
                 else sorted(counts.index))
    counts = counts.reindex(index)
    return pd.DataFrame({"label": counts.index, "n": counts.to_numpy(int), "share": counts.to_numpy(int) / counts.sum()})


# --------------------------------------------------------------------------- analysis


METHODS = {
    "alpha": "Krippendorff's alpha (Krippendorff, 2011) treats each item as a unit and each annotator as a coder: "
             "alpha = 1 - D_o / D_e from the coincidence matrix of the items labelled by two or more annotators "
             "(missing labels allowed), with the squared distance of the level of measurement: nominal, 1 for "
             "two different labels; ordinal, from the numbers of labels between the two in rank order; interval, "
             "the squared difference of the numbers. It was computed at every level the labels allow (ordinal "
             "needs numbers or an order, interval needs numbers); the {measurement} level is the headline "
             "({measurement_source}). Intervals are {pct} percentile bootstraps that resample items with "
             "replacement ({n_boot} resamples, seed {seed}; Efron & Tibshirani, 1993; Zapf et al., 2016), not "
             "Krippendorff's own bootstrap of the coincidences (Hayes & Krippendorff, 2007).",
    "fleiss": "Fleiss' kappa (Fleiss, 1971) treats the labels as categories and needs the same number m of labels on "
              "every item (the annotators may differ between items): kappa = (P - P_e) / (1 - P_e), P the mean "
              "share of agreeing pairs of labels within an item, P_e the sum of squared category shares. z tests "
              "kappa = 0 with the standard error under that null (Fleiss, Nee & Landis, 1979; as R's "
              "irr::kappam.fleiss); the interval is a {pct} percentile bootstrap over items ({n_boot} resamples). "
              "Per-category kappas compare each category with all the others.",
    "annotators": "Each annotator's effect on agreement is alpha ({measurement}) over all annotators beside alpha "
                  "over the others with that annotator's labels left out (alpha_change = alpha_all - "
                  "alpha_without; negative: agreement rises without them). It is descriptive, without an "
                  "interval.",
}


def analyze(labels: pd.DataFrame, config: AgreementConfig | None = None) -> dict:
    """Every statistic of the agreement analysis, from one labels table.

    Parameters
    ----------
    labels : one row per item and annotator (``item``, ``annotator``, ``label``); missing
        labels (NaN) are not coded.
    config : settings (:class:`AgreementConfig`); ``measurement`` None is taken as nominal.

    Returns
    -------
    dict holding the JSON-ready summary written to results.json (``n_items``,
    ``n_annotators``, ``n_labels``, ``alpha``, ``alpha_not_computed``, ``fleiss``,
    ``annotators``, ``labels``, ``settings``, ``method``, ``sentences``, ``versions``) and,
    under ``tables``, the tidy DataFrames every number came from.
    """
    config = config or AgreementConfig()
    _check_columns(labels)
    labels = labels[labels["label"].notna() & (labels["label"].astype(str).str.strip() != "")]
    if labels.empty:
        raise DataError("the labels table has no labels; nothing to analyse")
    primary = config.measurement or "nominal"
    allowed = _levels_allowed(labels["label"], config.order)
    if allowed[primary] is not None:
        raise DataError(f"Krippendorff's alpha at the {primary} level ({config.measurement_source}) cannot be "
                        f"computed: {allowed[primary]}; give --measurement nominal"
                        + (" or --order lowest,…,highest" if primary == "ordinal" else ""))
    alpha_table, not_computed = alpha_levels(labels, config, primary)
    fleiss_res, fleiss_cats = fleiss(labels, config)
    annotators = annotator_table(labels, config, primary)
    counts = label_counts(labels, config.order)
    per_item = labels.groupby("item")["annotator"].nunique()
    pct = f"{config.level:.0%}"
    results: dict = {
        "experiment": EXPERIMENT,
        "n_items": int(labels["item"].nunique()),
        "n_items_pairable": int((per_item >= 2).sum()),
        "n_annotators": int(labels["annotator"].nunique()),
        "n_labels": int(len(labels)),
        "labels_per_item": {"min": int(per_item.min()), "median": float(per_item.median()),
                            "max": int(per_item.max())},
        "measurement": primary,
        "alpha": {r["measurement"]: {k: v for k, v in r.items() if k != "measurement"} for r in records(alpha_table)},
        "alpha_not_computed": not_computed,
        "fleiss": fleiss_res,
        "fleiss_categories": records(fleiss_cats),
        "annotators": records(annotators),
        "labels": records(counts),
        "settings": {**asdict(config), "measurement": primary},
        "method": {k: v.format(measurement=primary, measurement_source=_source_words(config.measurement_source),
                               pct=pct, n_boot=f"{config.n_boot:,}", seed=config.seed)
                   for k, v in METHODS.items()},
        "versions": {"psyai": psyai_version, "python": platform.python_version(), "numpy": np.__version__,
                     "pandas": pd.__version__},
    }
    results["sentences"] = apa_sentences(results)
    results["tables"] = {"alpha": alpha_table, "fleiss_categories": fleiss_cats, "annotators": annotators,
                         "labels": counts}
    return results


def _source_words(source: str) -> str:
    return {"import": "the level given to psyai import labels", "option": "the level given with --measurement",
            "default": "the default: no level was given"}.get(source, source)


# --------------------------------------------------------------------------- sentences


def apa_sentences(res: dict) -> dict[str, str]:
    """Results sentences built from the summary part of :func:`analyze`'s output."""
    level = res["settings"]["level"]
    out: dict[str, str] = {}
    primary = res["measurement"]
    a = res["alpha"][primary]
    others = [f"{m} α = {fmt_num(r['alpha'], leading_zero=False)}, "
              f"{fmt_ci(r['ci_low'], r['ci_high'], level=level, leading_zero=False)}"
              for m, r in res["alpha"].items() if m != primary]
    data = (f"{plural(res['n_labels'], 'label')} of {plural(res['n_items'], 'item')} by "
            f"{plural(res['n_annotators'], 'annotator')}; {res['n_items_pairable']} of the items labelled by two or "
            "more annotators")
    if a["alpha"] is None:
        out["alpha"] = (f"Krippendorff's α could not be computed ({data}): it needs items labelled by two or more "
                        "annotators and at least two different labels among them.")
    else:
        out["alpha"] = (f"Krippendorff's α ({primary}) = {fmt_num(a['alpha'], leading_zero=False)}, "
                        f"{fmt_ci(a['ci_low'], a['ci_high'], level=level, leading_zero=False)} (percentile bootstrap "
                        f"over items, {res['settings']['n_boot']:,} resamples), from {data}."
                        + (f" At the other levels: {'; '.join(others)}." if others else ""))
    if res["alpha_not_computed"]:
        out["alpha"] += " Not computed: " + "; ".join(f"{m} α ({why})" for m, why in res["alpha_not_computed"].items()) + "."
    f = res["fleiss"]
    if f["not_applicable"]:
        out["fleiss"] = f"Fleiss' κ does not apply to these labels: {f['not_applicable']}."
    elif f["kappa"] is None or not math.isfinite(f["kappa"]):
        out["fleiss"] = "Fleiss' κ is undefined: every label was the same."
    else:
        out["fleiss"] = (f"Fleiss' κ = {fmt_num(f['kappa'], leading_zero=False)}, "
                         f"{fmt_ci(f['ci_low'], f['ci_high'], level=level, leading_zero=False)} (percentile bootstrap "
                         f"over items), z = {fmt_num(f['z'])}, {fmt_p(f['p_val'])} (test of κ = 0), with "
                         f"{f['n_ratings_per_unit']} labels on each of {plural(f['n_units'], 'item')} in "
                         f"{plural(f['n_categories'], 'category', 'categories')}.")
    ann = [r for r in res["annotators"] if r["alpha_without"] is not None]
    if len(ann) < 3:
        out["annotators"] = ("With fewer than three annotators, α without one of them is undefined (one annotator "
                             "alone has no one to agree with), so no annotator's effect is given.")
    else:
        worst = min(ann, key=lambda r: r["alpha_change"])
        lo = min(ann, key=lambda r: r["alpha_without"])
        hi = max(ann, key=lambda r: r["alpha_without"])
        out["annotators"] = (
            f"Leaving out one annotator at a time, α ({primary}) ranged from "
            f"{fmt_num(lo['alpha_without'], leading_zero=False)} (without {lo['annotator']}) to "
            f"{fmt_num(hi['alpha_without'], leading_zero=False)} (without {hi['annotator']}); "
            + (f"agreement rose most without {worst['annotator']} (α = "
               f"{fmt_num(worst['alpha_all'], leading_zero=False)} with, "
               f"{fmt_num(worst['alpha_without'], leading_zero=False)} without)."
               if worst["alpha_change"] < 0 else "no annotator's labels lowered α."))
    return out


# --------------------------------------------------------------------------- figure


def _fig_annotators(table: pd.DataFrame, measurement: str) -> Figure:
    t = table.dropna(subset=["alpha_without"])
    fig = Figure(figsize=(5.5, 0.4 * len(t) + 1.4))
    ax = fig.subplots()
    y = np.arange(len(t))[::-1]
    ax.scatter(t["alpha_without"], y, color="#3a6ea5", zorder=3)
    ax.axvline(float(t["alpha_all"].iloc[0]), color="grey", lw=1, ls="--")
    ax.set_yticks(y, [str(a) for a in t["annotator"]])
    ax.set_xlabel(f"Krippendorff's α ({measurement}) without the annotator")
    return fig


# --------------------------------------------------------------------------- output


def results_json(results: dict) -> dict:
    """The results.json content: the summary of :func:`analyze` (every table is in it as records)."""
    return json_ready({k: v for k, v in results.items() if k != "tables"})


def build_report(results: dict) -> HtmlReport:
    """The HTML report: data, α at each level, Fleiss' κ, annotators, labels, settings."""
    tables, sentences, method = results["tables"], results["sentences"], results["method"]
    report = HtmlReport("Agreement between annotators", versions=results["versions"])
    lp = results["labels_per_item"]
    report.paragraph(f"{plural(results['n_labels'], 'label')} of {plural(results['n_items'], 'item')} by "
                     f"{plural(results['n_annotators'], 'annotator')} (labels per item: {lp['min']} to {lp['max']}, "
                     f"median {fmt_num(lp['median'], 0 if float(lp['median']).is_integer() else 1)}); level of "
                     f"measurement: {results['measurement']} ({_source_words(results['settings']['measurement_source'])}).")

    report.heading("Krippendorff's alpha")
    report.apa(sentences["alpha"])
    report.method(method["alpha"])
    report.table(tables["alpha"], "Krippendorff's alpha at each level of measurement (primary: the headline level; "
                                  "ci_low/ci_high: percentile bootstrap over items)")

    report.heading("Fleiss' kappa")
    report.apa(sentences["fleiss"])
    report.method(method["fleiss"])
    if len(tables["fleiss_categories"]):
        report.table(tables["fleiss_categories"], "Fleiss' kappa of each category against the rest (se0: standard "
                                                  "error under kappa = 0, for the z test)")

    report.heading("Annotators")
    report.apa(sentences["annotators"])
    report.method(method["annotators"])
    if tables["annotators"]["alpha_without"].notna().any():
        report.figure(_fig_annotators(tables["annotators"], results["measurement"]),
                      f"Krippendorff's alpha ({results['measurement']}) without each annotator; dashed line: alpha "
                      "with every annotator. A point right of the line: agreement is higher without that annotator.")
    report.table(tables["annotators"], "Alpha with and without each annotator", max_rows=100)

    report.heading("Labels")
    report.table(tables["labels"], "How often each label was given", max_rows=100)
    report.settings(results["settings"])
    return report


def write_results(results: dict, out_dir: str | Path) -> dict[str, Path]:
    """Write ``results.json`` (strict JSON: NaN as null) and ``report.html`` into ``out_dir``."""
    return report_lib.write_results(results_json(results), build_report(results), out_dir)


# --------------------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    defaults = AgreementConfig()
    p = argparse.ArgumentParser(prog=report_lib.command_name("analysis/agreement.py"),
                                description="Agreement between annotators (Krippendorff's alpha at each level of "
                                            "measurement, Fleiss' kappa, each annotator's effect): results.json and "
                                            "report.html.")
    p.add_argument("data", help="the folder psyai import labels wrote (labels.csv, import_report.json), or a CSV "
                                "with item, annotator, label")
    p.add_argument("--out", required=True, help="output folder for results.json and report.html")
    p.add_argument("--measurement", choices=LEVELS, default=None,
                   help="level of measurement of the labels, the headline alpha's (default: the import's --level, "
                        "else nominal)")
    p.add_argument("--order", default=None, metavar="LOW,…,HIGH",
                   help="ordinal labels that are words, lowest first (default: the import's --order)")
    p.add_argument("--level", type=float, default=defaults.level, help="confidence level (default 0.95)")
    p.add_argument("--n-boot", type=int, default=defaults.n_boot,
                   help=f"bootstrap resamples of the items (default {defaults.n_boot})")
    p.add_argument("--seed", type=int, default=defaults.seed, help="seed of the bootstrap (default 0)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: load, analyse, write; prints the path of report.html. Exit 1 with one line on error."""
    args = build_parser().parse_args(argv)

    def compute() -> dict:
        labels, imported = load_labels(args.data)
        measurement, source = args.measurement, "option"
        if measurement is None:
            measurement, source = (imported.get("level"), "import") if imported.get("level") else ("nominal", "default")
        order = [o.strip() for o in args.order.split(",")] if args.order else imported.get("order")
        config = AgreementConfig(measurement=measurement, order=order or None, level=args.level, n_boot=args.n_boot,
                                 seed=args.seed, measurement_source=source)
        return analyze(labels, config)

    return report_lib.run_cli("analysis/agreement.py", argv, compute, write_results, args.out)


if __name__ == "__main__":
    sys.exit(main())
