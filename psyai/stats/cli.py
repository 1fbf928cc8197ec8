"""``psyai stats``: the statistics layer on any table.

    psyai stats mixed DATA.csv --formula "y ~ x + (1 + x | participant) + (1 | item)" [--family binomial] [--ml] --json
    psyai stats bench --json
    psyai stats coverage --json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from psyai.errors import DataError


def read_table(path: Path) -> pd.DataFrame:
    """A CSV, TSV, Parquet or JSON Lines file as a DataFrame; a clear error naming the file otherwise."""
    if not path.is_file():
        raise DataError(f"{path}: no such file; give a CSV (or .tsv, .parquet, .jsonl) table, one row per observation")
    try:
        if path.suffix in (".tsv", ".tab"):
            return pd.read_csv(path, sep="\t")
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        if path.suffix in (".jsonl", ".ndjson"):
            return pd.read_json(path, lines=True)
        return pd.read_csv(path)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise DataError(f"{path}: could not be read as a table ({err}); save it as UTF-8 CSV") from err


def add_arguments(sub) -> None:
    p = sub.add_parser("mixed", help="fit a linear or logistic mixed model (lme4 formula syntax)",
                       description="Fit a mixed model to a table: lme4 formula syntax, LMM by REML/ML with "
                                   "Satterthwaite t tests, binomial GLMM by Laplace with Wald z tests.")
    p.add_argument("data", type=Path, help="table with one row per observation (.csv, .tsv, .parquet, .jsonl)")
    p.add_argument("--formula", required=True, help='lme4 syntax, e.g. "rt ~ surprisal + (1 + surprisal | participant) '
                                                    '+ (1 | item)"')
    p.add_argument("--family", choices=["gaussian", "binomial"], default="gaussian",
                   help="gaussian: linear mixed model (default); binomial: logistic, for a 0/1 outcome")
    p.add_argument("--ml", action="store_true", help="fit an LMM by ML instead of REML (the default, as lme4)")
    p.add_argument("--ci", choices=["wald", "profile", "boot"], default="wald",
                   help="intervals: wald (t with Satterthwaite df for an LMM, z for a GLMM; default), profile "
                        "likelihood, or parametric bootstrap")
    p.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--n-boot", type=int, default=500, help="bootstrap resamples with --ci boot (default 500)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")

    b = sub.add_parser("bench", help="time the mixed models of a full-size study on this machine",
                       description="Fit, on simulated data, the reading-time LMM with by-participant surprisal "
                                   "slopes (40 readers x 60 texts x 40 words = 96,000 rows) and the Turing-test "
                                   "GLMM with by-participant slopes (200 participants x 100 items); print seconds, "
                                   "rows and peak memory of each.")
    b.add_argument("--json", action="store_true", help="print the figures as JSON")
    b.add_argument("--scale", type=float, default=1.0, help="multiply the study sizes (e.g. 0.1 for a quick look)")

    c = sub.add_parser("coverage", help="coverage of the Turing-test GLMM's interval for the source effect",
                       description="Simulate Turing-test cohorts whose participants differ in sensitivity and "
                                   "whose items differ in difficulty, fit the Turing-test GLMM to each and print "
                                   "how often its interval covers the true source effect.")
    c.add_argument("--cohorts", type=int, default=200, help="simulated cohorts (default 200)")
    c.add_argument("--participants", type=int, default=24, help="participants per cohort (default 24)")
    c.add_argument("--items", type=int, default=16, help="items per cohort (default 16)")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--json", action="store_true", help="print the figures as JSON")


def run(args: argparse.Namespace) -> int:
    if args.stats_command == "mixed":
        return _mixed(args)
    if args.stats_command == "bench":
        from psyai.stats.bench import bench

        figures = bench(scale=args.scale)
        print(json.dumps(figures, indent=2) if args.json else "\n".join(
            f"{k}: {v['seconds']:.1f} s, {v['rows']} rows, peak {v['peak_mb']:.0f} MB ({v['formula']})"
            for k, v in figures["models"].items()))
        return 0
    from psyai.stats.bench import coverage

    figures = coverage(n_cohorts=args.cohorts, n_participants=args.participants, n_items=args.items, seed=args.seed)
    print(json.dumps(figures, indent=2) if args.json else
          f"coverage {figures['coverage']:.1%} of {figures['n_cohorts']} cohorts ({figures['formula']})")
    return 0


def _mixed(args: argparse.Namespace) -> int:
    from psyai.stats.mixed import fit_mixed

    fit = fit_mixed(read_table(args.data), args.formula, family=args.family, reml=not args.ml, level=args.level,
                    ci=args.ci, n_boot=args.n_boot, seed=args.seed)
    if args.json:
        print(json.dumps(fit.to_dict(), indent=2, default=float))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(fit.describe(), markup=False, highlight=False)
    table = Table(title="fixed effects")
    for col in fit.fixed.columns:
        table.add_column(col, justify="left" if col == "term" else "right")
    for row in fit.fixed.itertuples(index=False):
        table.add_row(*[v if isinstance(v, str) else f"{v:.4g}" for v in row])
    console.print(table)
    ran = Table(title="random effects (SD, correlation)")
    for col in ("group", "term", "estimate"):
        ran.add_column(col, justify="right" if col == "estimate" else "left")
    for g, t, e in fit.random.itertuples(index=False):
        ran.add_row(g, t, f"{e:.4g}")
    console.print(ran)
    return 0
