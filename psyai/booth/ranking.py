"""The ranking task's screens: read and rate each output (paged), then rank them.

Every step is one key press read through :meth:`psyai.booth.ui.Screens.wait_key`
(or a click on a letter box, which presses that letter), so a person at the
keyboard and a simulated ranker (:class:`psyai.participants.rankers.RankingAgent`) take the
same path.

Ranks: 1 = best; tied outputs share a rank and the next one is one plus the
number of outputs above it (1, 1, 3: "competition" ranking, as
:mod:`psyai.participants.rankers`); outputs left out of a partial ranking have ``None``.

The same screens serve the ranking experiment (K = 4–9; the three scales of
:data:`SCALES`, the flags of :data:`FLAGS`) and the human evaluation (K = 2–9;
an overall rating first, InstructGPT's metadata flags): an experiment passes
its own ``scales``, ``flags`` and, where its wording differs, ``strings``.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass, field

import numpy as np

from psyai.booth import i18n
from psyai.booth.textlayout import paginate

SCALES = ("helpfulness", "truthfulness", "harmlessness")
# (flag, the key that toggles it) of the ranking experiment; labels are i18n "flag_<flag>"
FLAGS = (("harmful", "h"), ("invented_facts", "i"))
LETTERS = string.ascii_lowercase
LIKERT = 7
# i18n keys of the review screen's help lines; an experiment may pass its own (RankingScreens(strings=…))
REVIEW_STRINGS = {"review_help": "rank_review_help", "review_done": "rank_review_done",
                  "rate_first": "rank_review_rate_first", "all_rated": "rank_review_all_rated"}


def ranks_from_groups(groups: list[list[int]], k: int) -> list[int | None]:
    """Ranks per position from ordered groups of tied positions (best group first)."""
    ranks: list[int | None] = [None] * k
    above = 0
    for group in groups:
        for pos in group:
            ranks[pos] = above + 1
        above += len(group)
    return ranks


def previews(texts: list[str], shared: int = 8) -> list[str]:
    """The texts as the ranking screen lists them: on one line, and without the start they all share
    (completions that repeat their prompt's sentence start would otherwise look the same) when it is at
    least ``shared`` characters long — cut back to a word boundary where there is one, marked "…"."""
    flat = [" ".join(t.split()) for t in texts]
    common = os.path.commonprefix(flat) if len(flat) > 1 else ""
    if len(common) < shared:
        return flat
    cut = common.rfind(" ") + 1 if " " in common else len(common)
    return ["…" + f[cut:] for f in flat]


def balanced_order(seed: int, trial_index: int, k: int) -> list[int]:
    """Seeded display order of a trial's ``k`` outputs, balanced over every ``k`` consecutive trials.

    Trials ``b*k`` to ``b*k + k - 1`` take the rows of a Latin square drawn for block ``b`` (the cyclic
    square with its rows, columns and symbols permuted at random): within a block every output (every
    model, when a trial's outputs are listed in a fixed model order) is shown once at every position.
    So position bias cancels exactly per participant when the number of trials is a multiple of
    ``k``, and within one showing per position otherwise; the order still differs from trial to trial.
    """
    if k < 1:
        raise ValueError(f"k={k}: a trial shows at least one output")
    rng = np.random.default_rng([seed, trial_index // k, 11])
    rows, cols, symbols = rng.permutation(k), rng.permutation(k), rng.permutation(k)
    r = rows[trial_index % k]
    return [int(symbols[(r + cols[c]) % k]) for c in range(k)]


@dataclass
class RankingState:
    """What the participant has done so far in one ranking trial."""

    k: int
    pages: list[list[str]]
    index: int = 0                      # output under review
    page: int = 0
    ratings: dict[str, list[int | None]] = field(default_factory=dict)
    flags: dict[str, list[bool]] = field(default_factory=dict)  # flag -> per output
    groups: list[list[int]] = field(default_factory=list)  # ranking so far, best first
    tie_next: bool = False
    incomplete: bool = False            # Enter was pressed before the ranking was complete
    refused: list[str] = field(default_factory=list)  # keys pressed that the review screen does not take
    scales: tuple[str, ...] = SCALES    # rated in this order, one digit each
    flag_keys: tuple[tuple[str, str], ...] = FLAGS  # (flag, key that toggles it)

    def __post_init__(self) -> None:
        self.ratings = self.ratings or {s: [None] * self.k for s in self.scales}
        self.flags = self.flags or {name: [False] * self.k for name, _key in self.flag_keys}

    @property
    def harmful(self) -> list[bool]:  # the ranking experiment's two flags, by their old names
        return self.flags["harmful"]

    @property
    def invented(self) -> list[bool]:
        return self.flags["invented_facts"]

    def next_scale(self, pos: int) -> str | None:
        return next((s for s in self.scales if self.ratings[s][pos] is None), None)

    def rated(self, pos: int) -> bool:
        return self.next_scale(pos) is None

    def placed(self) -> set[int]:
        return {p for g in self.groups for p in g}


class RankingScreens:
    """Draws one ranking trial and runs its key-press state machine."""

    def __init__(self, screens, *, allow_ties: bool, allow_partial: bool, page_chars: int,
                 scales: tuple[str, ...] = SCALES, flags: tuple[tuple[str, str], ...] = FLAGS,
                 strings: dict[str, str] | None = None) -> None:
        from psychopy import visual

        from psyai.booth import ui

        reserved = {"down", "up", "left", "right", "backspace", *map(str, range(10))}
        keys = [key for _name, key in flags]
        if len(set(keys)) != len(keys) or reserved & set(keys):
            raise ValueError(f"flags={flags!r}: give each flag its own key, not a digit, an arrow or Backspace")
        self.screens = screens
        self.allow_ties = allow_ties
        self.allow_partial = allow_partial
        self.page_chars = page_chars
        self.scales = tuple(scales)
        self.flags = tuple(flags)
        self.strings = {**REVIEW_STRINGS, **(strings or {})}
        win, font, h = screens.win, i18n.FONT, ui.TEXT_HEIGHT
        self.prompt = visual.TextStim(win, "", font=font, height=h * 0.9, wrapWidth=ui.WRAP, color=ui.PROMPT_COLOR,
                                      pos=(0, 0.45), anchorVert="top", languageStyle="LTR")
        self.body = visual.TextStim(win, "", font=font, height=h, wrapWidth=ui.WRAP, color=ui.TEXT_COLOR,
                                    pos=(0, 0.28), anchorVert="top", languageStyle="LTR")
        # the lines that change with the keys: each text laid out once (ui.TextStims), not on every key press
        line = lambda **style: ui.TextStims(lambda: visual.TextStim(win, "", font=font, autoLog=False, **style))  # noqa: E731
        self.header = line(height=h * 0.8, color=ui.PROMPT_COLOR, pos=(0, 0.33))
        self.status = line(height=h * 0.8, color=ui.TEXT_COLOR, pos=(0, -0.3), wrapWidth=1.5)
        self.help = line(height=h * 0.75, color=ui.PROMPT_COLOR, pos=(0, -0.42), wrapWidth=1.5)
        self.lines = line(height=h * 0.8, wrapWidth=1.4, color=ui.TEXT_COLOR, pos=(-0.7, 0.3), anchorHoriz="left",
                          anchorVert="top", alignText="left", languageStyle="LTR")

    def t(self, key: str, **fields) -> str:
        return self.screens.t(key, **fields)

    def _draw(self, *stims) -> None:
        for s in stims:
            s.draw()

    def run(self, prompt: str, items: list[dict]) -> tuple[RankingState, float]:
        """Review and rate every output, then rank them. Returns the final state and summed RT."""
        k = len(items)
        state = RankingState(k=k, pages=[paginate(it["text"], self.page_chars) for it in items], scales=self.scales,
                             flag_keys=self.flags)
        from psyai.booth.ui import set_text

        set_text(self.prompt, prompt)
        total_rt = 0.0
        stage = "review"
        while True:
            if stage == "review":
                resp = self._review_step(state, items)
                total_rt += resp.rt
                if resp.key == "right" and state.index == k - 1 and state.rated(k - 1):
                    stage = "order"
                    continue
                self._apply_review_key(state, resp.key)
            else:
                resp = self._order_step(state, items)
                total_rt += resp.rt
                if resp.key == "left":
                    stage = "review"
                elif resp.key == "return":
                    if self._complete(state):
                        return state, total_rt
                    state.incomplete = True  # say so on the next screen instead of ignoring the key
                else:
                    state.incomplete = False
                    self._apply_order_key(state, resp.key)

    # -- review ------------------------------------------------------------------
    def review_screen(self, state: RankingState, items: list[dict]) -> tuple[list, list[str], str]:
        """Set up the review screen of the output under review: the stimuli to draw, the keys it takes and
        the hint for any other key."""
        from psyai.booth.ui import set_text

        pos = state.index
        pages = state.pages[pos]
        header = self.header.get(self.t("rank_review_header", letter=LETTERS[pos].upper(), index=pos + 1,
                                        k=state.k, page=state.page + 1, pages=len(pages)))
        set_text(self.body, pages[state.page])
        yes, no = self.t("yes"), self.t("no")
        lang = self.screens.lang
        scales = "    ".join(i18n.label_value(lang, self.t(f"scale_{s}"),
                                              "–" if state.ratings[s][pos] is None else str(state.ratings[s][pos]))
                             for s in self.scales)
        flags = [f"[{key.upper()}] " + i18n.label_value(lang, self.t(f"flag_{name}"), yes if state.flags[name][pos] else no)
                 for name, key in self.flags]
        per_line = 2 if len(flags) > 3 else 3  # six flags: three lines of two
        status = self.status.get("\n".join([scales] + ["    ".join(flags[i:i + per_line])
                                                       for i in range(0, len(flags), per_line)]))
        scale = state.next_scale(pos)
        help_ = self.help.get(self.t(self.strings["review_help"], scale=self.t(f"scale_{scale}")) if scale
                              else self.t(self.strings["review_done"]))
        keys = ["down", "up", "left", *(key for _name, key in self.flags), "backspace"]
        if state.rated(pos):  # → goes on; a further digit would not wipe the ratings: it is refused
            keys.append("right")
            hint = self.t(self.strings["all_rated"])
        else:
            keys += [str(d) for d in range(1, LIKERT + 1)]
            hint = self.t(self.strings["rate_first"])
        return [self.prompt, header, self.body, status, help_], keys, hint

    def _review_step(self, state: RankingState, items: list[dict]):
        stims, keys, hint = self.review_screen(state, items)
        context = {"kind": "rank_review", "state": state, "items": items, "allow_ties": self.allow_ties}
        resp = self.screens.wait_key(lambda: self._draw(*stims), keys, context, hint=hint)
        state.refused.extend(resp.refused)
        return resp

    @staticmethod
    def _apply_review_key(state: RankingState, key: str) -> None:
        pos = state.index
        if key == "down":
            state.page = min(state.page + 1, len(state.pages[pos]) - 1)
        elif key == "up":
            state.page = max(state.page - 1, 0)
        elif key == "right":
            state.index, state.page = pos + 1, 0
        elif key == "left" and pos > 0:
            state.index, state.page = pos - 1, 0
        elif key in dict((k, n) for n, k in state.flag_keys):
            name = dict((k, n) for n, k in state.flag_keys)[key]
            state.flags[name][pos] = not state.flags[name][pos]
        elif key == "backspace":  # undo the last rating given to this answer
            given = [s for s in state.scales if state.ratings[s][pos] is not None]
            if given:
                state.ratings[given[-1]][pos] = None
        elif key.isdigit():
            scale = state.next_scale(pos)
            if scale is not None:  # all rated: digits are not offered (wait_key says so), so this never wipes
                state.ratings[scale][pos] = int(key)

    # -- ranking -------------------------------------------------------------------
    def _order_lines(self, state: RankingState, items: list[dict]) -> str:
        ranks = ranks_from_groups(state.groups, state.k)
        lines = []
        for pos, preview in enumerate(previews([it["text"] for it in items])):
            preview = preview if len(preview) <= 48 else preview[:47] + "…"
            rank = f"{ranks[pos]:>2}" if ranks[pos] else " –"
            lines.append(f"[{LETTERS[pos].upper()}]  {rank}   {preview}")
        return "\n".join(lines)

    def order_screen(self, state: RankingState, items: list[dict]) -> tuple[list, list[str]]:
        """Set up the ranking screen: the stimuli to draw and the keys it takes."""
        header = self.header.get(self.t("rank_order_title"))
        lines = self.lines.get(self._order_lines(state, items))
        help_ = self.help.get(self.t("rank_order_help") + (("\n" + self.t("rank_ties")) if self.allow_ties else "")
                              + (("\n" + self.t("rank_order_incomplete")) if state.incomplete else ""))
        keys = [LETTERS[p] for p in range(state.k) if p not in state.placed()] + ["backspace", "return", "left"]
        if self.allow_ties and state.groups:
            keys.append("equal")
        return [self.prompt, header, lines, help_], keys

    def _order_step(self, state: RankingState, items: list[dict]):
        stims, keys = self.order_screen(state, items)
        context = {"kind": "rank_order", "state": state, "items": items, "allow_ties": self.allow_ties}
        return self.screens.wait_key(lambda: self._draw(*stims), keys, context)

    @staticmethod
    def _apply_order_key(state: RankingState, key: str) -> None:
        if key == "equal":
            state.tie_next = True
        elif key == "backspace":
            if state.tie_next:
                state.tie_next = False
            elif state.groups:
                state.groups[-1].pop()
                if not state.groups[-1]:
                    state.groups.pop()
        elif key in LETTERS:
            pos = LETTERS.index(key)
            if state.tie_next and state.groups:
                state.groups[-1].append(pos)
            else:
                state.groups.append([pos])
            state.tie_next = False

    def _complete(self, state: RankingState) -> bool:
        n = len(state.placed())
        return n == state.k or (self.allow_partial and n >= 2)
