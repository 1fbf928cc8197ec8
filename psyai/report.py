"""Report helpers shared by the analyses: APA number formatting and a self-contained HTML page.

Numbers follow the APA Publication Manual (7th ed., §6.36): p values to three
decimals without a leading zero (``p = .032``, ``p < .001``); no leading zero
for statistics that cannot exceed 1 (p, proportions, correlations, AUC);
intervals as ``95% CI [0.12, 0.34]``; test statistics as ``t(39) = 8.91``.

:class:`HtmlReport` builds one HTML file with everything inside it: CSS inline,
figures embedded as base64 PNG (or inline SVG), tables from DataFrames. The
page opens in a browser with no network and no other files.

>>> fmt_p(0.0321)
'p = .032'
>>> fmt_ci(0.1234, 0.3456)
'95% CI [0.12, 0.35]'
>>> report = HtmlReport("Turing test", banner=data_banner({"simulated": 2400}))
>>> report.paragraph("Participants were …")
>>> html = report.render()
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

# Figures hold Japanese (words, item texts, model names): matplotlib draws each glyph from the first font
# of font.family that has it, so Latin stays in DejaVu Sans and kana/kanji come from Noto Sans CJK JP (the
# font the experiments use; `make` installs fonts-noto-cjk) or another Japanese font, not empty boxes.
FIGURE_FONTS = ("DejaVu Sans", "Noto Sans CJK JP", "IPAexGothic", "Hiragino Sans", "Yu Gothic", "MS Gothic")


def _figure_fonts() -> list[str]:
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in FIGURE_FONTS if f in installed] or ["sans-serif"]


matplotlib.rcParams["font.family"] = _figure_fonts()

__all__ = [
    "HtmlReport", "data_banner", "figure_to_html", "fmt_ci", "fmt_num", "fmt_p", "fmt_pct",
    "fmt_stat", "table_to_html",
]


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, (float, np.floating)) and not math.isfinite(float(x)))


def fmt_num(x: float | None, digits: int = 2, *, leading_zero: bool = True) -> str:
    """A number rounded to ``digits`` decimals; ``leading_zero=False`` for bounded statistics.

    >>> fmt_num(0.456, leading_zero=False)
    '.46'
    >>> fmt_num(-0.456, leading_zero=False)
    '-.46'

    A missing or non-finite value is written ``NA``. Negative values that round
    to zero lose their sign (``-0.001`` → ``0.00``).
    """
    if _missing(x):
        return "NA"
    text = f"{float(x):.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    if not leading_zero:
        if text.startswith("0."):
            text = text[1:]
        elif text.startswith("-0."):
            text = "-" + text[2:]
    return text


def fmt_p(p: float | None, digits: int = 3, *, prefix: bool = True) -> str:
    """An APA p value: ``p = .032``, ``p < .001``, ``p > .999``; no leading zero.

    Parameters
    ----------
    p : the p value.
    digits : decimals (APA: 2 or 3). Below ``10**-digits`` the value is written ``< .001``.
    prefix : start with ``p`` (``p = .032``); ``False`` gives ``.032`` / ``< .001``.
    """
    if _missing(p):
        return "p = NA" if prefix else "NA"
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p = {p} is not a probability")
    floor = 10.0 ** -digits
    if p < floor:
        body = "< " + fmt_num(floor, digits, leading_zero=False)
    elif round(p, digits) >= 1.0:
        body = "> " + fmt_num(1.0 - floor, digits, leading_zero=False)
    else:
        body = "= " + fmt_num(p, digits, leading_zero=False)
    return f"p {body}" if prefix else body.replace("= ", "")


def fmt_ci(low: float | None, high: float | None, digits: int = 2, *, level: float = 0.95,
           leading_zero: bool = True, label: bool = True) -> str:
    """A confidence interval: ``95% CI [0.12, 0.34]`` (``label=False``: ``[0.12, 0.34]``)."""
    body = f"[{fmt_num(low, digits, leading_zero=leading_zero)}, {fmt_num(high, digits, leading_zero=leading_zero)}]"
    if not label:
        return body
    pct = round(level * 100, 6)
    return f"{fmt_num(pct, 0 if pct.is_integer() else 1)}% CI {body}"


def fmt_pct(x: float | None, digits: int = 1) -> str:
    """A proportion as a percentage: ``0.6123`` → ``61.2%``."""
    return "NA" if _missing(x) else f"{fmt_num(100.0 * float(x), digits)}%"


def fmt_stat(name: str, value: float | None, dof: float | None = None, digits: int = 2) -> str:
    """A test statistic with its degrees of freedom: ``t(39) = 8.91``, ``z = 2.10``.

    Integer degrees of freedom are written without decimals, others with two (Welch).
    """
    if dof is None or _missing(dof):
        head = name
    elif float(dof).is_integer():
        head = f"{name}({int(dof)})"
    else:
        head = f"{name}({fmt_num(dof, 2)})"
    return f"{head} = {fmt_num(value, digits)}"


def data_banner(run_modes: Mapping[str, int] | Iterable[str], unit: str = "trials") -> str | None:
    """The warning a report must show when its data are not (only) from real participants.

    Parameters
    ----------
    run_modes : run modes present in the data (``real``, ``pilot``, ``simulated``),
        or a mapping of run mode to a count.
    unit : what the counts count (``trials``, ``participants`` …), said in a mixed banner.

    Returns
    -------
    str or None: the banner text, or None when every trial is ``real``.
    """
    counts = dict(run_modes) if isinstance(run_modes, Mapping) else {m: None for m in run_modes}
    modes = {m for m, n in counts.items() if n is None or n > 0}
    if not modes:
        return "NO DATA: this report was built from an empty trial table."
    flagged = sorted(modes - {"real"})
    if not flagged:
        return None
    if flagged == ["simulated"] and modes == {"simulated"}:
        return "SIMULATED DATA — every trial in this report comes from simulated participants, not from people."
    if flagged == ["pilot"] and modes == {"pilot"}:
        return "PILOT DATA — every trial in this report comes from pilot sessions; do not report these as results."
    parts = ", ".join(f"{m} ({counts[m]} {unit})" if counts[m] is not None else m for m in sorted(modes))
    return f"MIXED DATA — this report mixes run modes: {parts}. Only real sessions are data from participants."


def figure_to_html(fig: Figure, *, alt: str, fmt: str = "png", dpi: int = 110) -> str:
    """A matplotlib figure as an embedded ``<img>`` (base64 PNG) or inline ``<svg>``.

    Parameters
    ----------
    fig : the figure; build it with ``matplotlib.figure.Figure`` (no pyplot state needed).
    alt : text alternative describing the figure (accessibility; shown if images are off).
    fmt : ``png`` (an ``<img src="data:image/png;base64,…">``) or ``svg`` (inline ``<svg>``).
    dpi : resolution of the PNG.
    """
    buf = io.BytesIO()
    if fmt == "png":
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'
    if fmt == "svg":
        fig.savefig(buf, format="svg", bbox_inches="tight")
        text = buf.getvalue().decode("utf-8")
        start = text.find("<svg")
        svg = text[start:]
        return svg.replace("<svg", f'<svg role="img" aria-label="{html.escape(alt)}"', 1)
    raise ValueError(f"fmt={fmt!r}: use 'png' or 'svg'")


NUMERICAL_ZERO = 1e-12  # a table value smaller than this in magnitude is shown as 0


def plural(n: int | float, word: str, many: str | None = None) -> str:
    """``1 participant``, ``3 participants`` (``many`` for irregular plurals)."""
    n = int(n)
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def _cell(value: object, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            return "∞" if v > 0 else ("−∞" if v < 0 else "—")
        if abs(v) < NUMERICAL_ZERO:  # floating-point noise around 0 (e.g. -5.55e-17) is 0
            v = 0.0
        if v != 0 and abs(v) < 10.0 ** -digits:
            return f"{v:.{max(1, digits - 1)}e}"
        text = f"{v:.{digits}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text  # never "-0.000"
    return html.escape(str(value))


def _slug(text: str, most: int = 40) -> str:
    """A file-name part from a caption: lower-case letters, digits and '-'."""
    import re

    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:most].strip("-")
    return slug or "figure"


def records(frame: pd.DataFrame) -> list[dict]:
    """A DataFrame as a list of row dicts, missing values as None."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def json_ready(obj):
    """NaN/inf → None, numpy → Python, DataFrames → records: strict JSON for results.json."""
    if isinstance(obj, dict):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    if isinstance(obj, pd.DataFrame):
        return json_ready(records(obj))
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(float(obj)) else None
    if obj is None or isinstance(obj, str):
        return obj
    if obj is pd.NA or obj is pd.NaT:
        return None
    return str(obj)


def table_to_html(frame: pd.DataFrame, *, digits: int = 3, caption: str | None = None,
                  max_rows: int | None = None) -> str:
    """A DataFrame as an HTML table: escaped text, floats to ``digits`` decimals, missing as ``—``.

    ``max_rows`` truncates long tables (a note says how many rows were left out).
    """
    shown = frame if max_rows is None or len(frame) <= max_rows else frame.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    body = []
    for row in shown.itertuples(index=False):
        cells = "".join(
            f'<td class="{"num" if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else "txt"}">'
            f"{_cell(v, digits)}</td>"
            for v in row
        )
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    note = ""
    if len(shown) < len(frame):
        note = f'<p class="note">{len(frame) - len(shown)} more rows are in results.json.</p>'
    return (f'<div class="table-wrap"><table>{cap}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>{note}')


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK JP", sans-serif;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; line-height: 1.5; }
h1 { font-size: 1.7rem; } h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 1px solid #ccc; }
.banner { background: #b00020; color: #fff; font-size: 1.35rem; font-weight: 700; padding: 1rem 1.2rem;
          border: 4px solid #600; margin: 1rem 0 1.5rem; text-align: center; }
.apa { background: #f4f7fb; border-left: 4px solid #3a6ea5; padding: .6rem 1rem; margin: .8rem 0;
       font-family: Georgia, "Times New Roman", serif; }
.method { color: #333; font-size: .95rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .88rem; }
.table-wrap { overflow-x: auto; max-width: 100%; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .6rem; }
th { border-bottom: 2px solid #444; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; } figure img, figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .9rem; color: #333; }
.note, footer { font-size: .85rem; color: #555; }
"""


class HtmlReport:
    """A self-contained HTML page built section by section.

    Parameters
    ----------
    title : page title and top heading.
    banner : text of a large warning banner shown at the top (see :func:`data_banner`);
        None for no banner.

    Every method escapes the text it is given; only :meth:`raw` inserts HTML as is.
    """

    def __init__(self, title: str, *, banner: str | None = None, versions: Mapping[str, str] | None = None) -> None:
        self.title = title
        self.banner = banner
        self.versions = dict(versions or {})
        self._parts: list[str] = []
        self.figures: list[tuple[str, Figure]] = []  # (file stem, figure), written beside the page by write()

    def heading(self, text: str, level: int = 2) -> None:
        """A section heading (``<h2>`` by default)."""
        self._parts.append(f"<h{level}>{html.escape(text)}</h{level}>")

    def paragraph(self, text: str, *, css_class: str | None = None) -> None:
        """A paragraph of plain text."""
        cls = f' class="{css_class}"' if css_class else ""
        self._parts.append(f"<p{cls}>{html.escape(text)}</p>")

    def apa(self, text: str) -> None:
        """A results sentence set apart so a researcher can copy it into a manuscript."""
        self.paragraph(text, css_class="apa")

    def method(self, text: str) -> None:
        """A sentence that names and justifies a method."""
        self.paragraph(text, css_class="method")

    def figure(self, fig: Figure, caption: str, *, fmt: str = "png", name: str | None = None) -> None:
        """An embedded figure with its caption (also used as the image's alt text); :meth:`write` also
        saves it as ``figures/<k>_<name>.png`` and ``.svg`` beside the page, for manuscripts."""
        stem = f"{len(self.figures) + 1}_{_slug(name or caption)}"
        self.figures.append((stem, fig))
        self._parts.append(f"<figure>{figure_to_html(fig, alt=caption, fmt=fmt)}"
                           f"<figcaption>{html.escape(caption)} (figures/{html.escape(stem)}.png, .svg)"
                           "</figcaption></figure>")

    def methods(self, text: str) -> None:
        """The "Methods" section: what was computed and fitted, with which software."""
        self.heading("Methods")
        self.paragraph(text, css_class="method")

    def table(self, frame: pd.DataFrame, caption: str | None = None, *, digits: int = 3,
              max_rows: int | None = None) -> None:
        """A DataFrame as a table (see :func:`table_to_html`)."""
        self._parts.append(table_to_html(frame, digits=digits, caption=caption, max_rows=max_rows))

    def raw(self, fragment: str) -> None:
        """Insert an HTML fragment unchanged (the caller escapes it)."""
        self._parts.append(fragment)

    def render(self) -> str:
        """The whole page as one string."""
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        banner = f'<div class="banner" role="alert">{html.escape(self.banner)}</div>' if self.banner else ""
        return (
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(self.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            f"{banner}\n<h1>{html.escape(self.title)}</h1>\n" + "\n".join(self._parts)
            + f"\n{banner}\n<footer>Generated {stamp} by psyai{self._versions()}.</footer>\n</body>\n</html>\n"
        )

    def _versions(self) -> str:
        if not self.versions:
            return ""
        return " (" + ", ".join(f"{k} {v}" for k, v in self.versions.items()) + ")"

    def settings(self, settings: Mapping) -> None:
        """The closing "Settings" section: every analysis setting, so a report says how it was made."""
        self.heading("Settings")
        self.table(pd.DataFrame({"setting": list(settings), "value": [str(v) for v in settings.values()]}))

    def write(self, path: str | Path) -> Path:
        """Write the page (UTF-8), and its figures as PNG and SVG in ``figures/`` beside it; return its path."""
        path = Path(path)
        if self.figures:
            folder = path.parent / "figures"
            folder.mkdir(parents=True, exist_ok=True)
            for stem, fig in self.figures:
                fig.savefig(folder / f"{stem}.png", format="png", dpi=200, bbox_inches="tight")
                fig.savefig(folder / f"{stem}.svg", format="svg", bbox_inches="tight")
        path.write_text(self.render(), encoding="utf-8")
        return path


def write_results(summary: dict, report: HtmlReport, out_dir: str | Path) -> dict[str, Path]:
    """Write ``results.json`` (strict JSON: NaN as null) and ``report.html`` into ``out_dir``.

    Returns
    -------
    dict with the paths under keys ``json`` and ``html``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "results.json"
    json_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    return {"json": json_path, "html": report.write(out_dir / "report.html")}


def require_data_dir(path: str | Path) -> Path:
    """The data folder an analysis reads, refused with the fix when it is missing or empty."""
    from psyai.errors import DataError

    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such data folder; give the folder that holds the sub-* session folders")
    if path.is_dir() and not any(path.iterdir()):
        raise DataError(f"{path}: the data folder is empty; run sessions first or point to another folder")
    return path


def command_name(script: str) -> str:
    """How the analysis was invoked, for its usage line, errors and the stamped command line:
    ``psyai analyze NAME`` when ``psyai analyze`` ran it (it sets ``PSYAI_COMMAND``), else
    ``python <script>``."""
    import os

    return os.environ.get("PSYAI_COMMAND") or f"python {script}"


def run_cli(script: str, argv, compute, write, out_dir: str | Path) -> int:
    """An analysis script's command line: ``compute()`` the results, stamp the command line, ``write``
    them; print the path of report.html, or one ``error:`` line and exit status 1."""
    import sys

    from psyai.errors import PsyaiError

    try:
        results = compute()
        results["command_line"] = " ".join([command_name(script), *(argv if argv is not None else sys.argv[1:])])
        paths = write(results, out_dir)
    except (PsyaiError, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(paths["html"])
    return 0
