"""The ranking task's screens: read and rate each output (paged), then rank them.

Every step is one key press read through :meth:`psyai.booth.ui.Screens.wait_key`
(or a click on a letter box, which presses that letter), so a person at the
keyboard and a simulated ranker (:class:`psyai.participants.rankers.RankingAgent`) take the
same path.

Ranks: 1 = best; tied outputs share a rank and the next one is one plus the
number of outputs above it (1, 1, 3: "competition" ranking, as
:mod:`psyai.participants.rankers`); outputs left out of a partial ranking have ``None``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

from psyai.booth import i18n
from psyai.booth.textlayout import paginate

SCALES = ("helpfulness", "truthfulness", "harmlessness")
LETTERS = string.ascii_lowercase
LIKERT = 7


def ranks_from_groups(groups: list[list[int]], k: int) -> list[int | None]:
    """Ranks per position from ordered groups of tied positions (best group first)."""
    ranks: list[int | None] = [None] * k
    above = 0
    for group in groups:
        for pos in group:
            ranks[pos] = above + 1
        above += len(group)
    return ranks


@dataclass
class RankingState:
    """What the participant has done so far in one ranking trial."""

    k: int
    pages: list[list[str]]
    index: int = 0                      # output under review
    page: int = 0
    ratings: dict[str, list[int | None]] = field(default_factory=dict)
    harmful: list[bool] = field(default_factory=list)
    invented: list[bool] = field(default_factory=list)
    groups: list[list[int]] = field(default_factory=list)  # ranking so far, best first
    tie_next: bool = False
    incomplete: bool = False            # Enter was pressed before the ranking was complete
    refused: list[str] = field(default_factory=list)  # keys pressed that the review screen does not take

    def __post_init__(self) -> None:
        self.ratings = self.ratings or {s: [None] * self.k for s in SCALES}
        self.harmful = self.harmful or [False] * self.k
        self.invented = self.invented or [False] * self.k

    def next_scale(self, pos: int) -> str | None:
        return next((s for s in SCALES if self.ratings[s][pos] is None), None)

    def rated(self, pos: int) -> bool:
        return self.next_scale(pos) is None

    def placed(self) -> set[int]:
        return {p for g in self.groups for p in g}


class RankingScreens:
    """Draws one ranking trial and runs its key-press state machine."""

    def __init__(self, screens, *, allow_ties: bool, allow_partial: bool, page_chars: int) -> None:
        from psychopy import visual

        from psyai.booth import ui

        self.screens = screens
        self.allow_ties = allow_ties
        self.allow_partial = allow_partial
        self.page_chars = page_chars
        win, font, h = screens.win, i18n.FONT, ui.TEXT_HEIGHT
        self.prompt = visual.TextStim(win, "", font=font, height=h * 0.9, wrapWidth=ui.WRAP, color=ui.PROMPT_COLOR,
                                      pos=(0, 0.45), anchorVert="top", languageStyle="LTR")
        self.header = visual.TextStim(win, "", font=font, height=h * 0.8, color=ui.PROMPT_COLOR, pos=(0, 0.33))
        self.body = visual.TextStim(win, "", font=font, height=h, wrapWidth=ui.WRAP, color=ui.TEXT_COLOR,
                                    pos=(0, 0.28), anchorVert="top", languageStyle="LTR")
        self.status = visual.TextStim(win, "", font=font, height=h * 0.8, color=ui.TEXT_COLOR, pos=(0, -0.3),
                                      wrapWidth=1.5)
        self.help = visual.TextStim(win, "", font=font, height=h * 0.75, color=ui.PROMPT_COLOR, pos=(0, -0.42),
                                    wrapWidth=1.5)
        self.lines = visual.TextStim(win, "", font=font, height=h * 0.8, wrapWidth=1.4, color=ui.TEXT_COLOR,
                                     pos=(-0.7, 0.3), anchorHoriz="left", anchorVert="top", alignText="left",
                                     languageStyle="LTR")

    def t(self, key: str, **fields) -> str:
        return self.screens.t(key, **fields)

    def _draw(self, *stims) -> None:
        for s in stims:
            s.draw()

    def run(self, prompt: str, items: list[dict]) -> tuple[RankingState, float]:
        """Review and rate every output, then rank them. Returns the final state and summed RT."""
        k = len(items)
        state = RankingState(k=k, pages=[paginate(it["text"], self.page_chars) for it in items])
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
    def _review_step(self, state: RankingState, items: list[dict]):
        from psyai.booth.ui import set_text

        pos = state.index
        pages = state.pages[pos]
        self.header.text = self.t("rank_review_header", letter=LETTERS[pos].upper(), index=pos + 1, k=state.k,
                                  page=state.page + 1, pages=len(pages))
        set_text(self.body, pages[state.page])
        shown = {s: ("–" if state.ratings[s][pos] is None else str(state.ratings[s][pos])) for s in SCALES}
        yes, no = self.t("yes"), self.t("no")
        self.status.text = (self.t("rank_scales", **shown) + "\n" + self.t(
            "rank_flags", harmful=yes if state.harmful[pos] else no, invented=yes if state.invented[pos] else no))
        scale = state.next_scale(pos)
        self.help.text = (self.t("rank_review_help", scale=self.t(f"scale_{scale}")) if scale
                          else self.t("rank_review_done"))
        keys = ["down", "up", "left", "h", "i", "backspace"]
        if state.rated(pos):  # → goes on; a further digit would not wipe the three ratings: it is refused
            keys.append("right")
            hint = self.t("rank_review_all_rated")
        else:
            keys += [str(d) for d in range(1, LIKERT + 1)]
            hint = self.t("rank_review_rate_first")
        context = {"kind": "rank_review", "state": state, "items": items, "allow_ties": self.allow_ties}
        resp = self.screens.wait_key(lambda: self._draw(self.prompt, self.header, self.body, self.status, self.help),
                                     keys, context, hint=hint)
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
        elif key == "h":
            state.harmful[pos] = not state.harmful[pos]
        elif key == "i":
            state.invented[pos] = not state.invented[pos]
        elif key == "backspace":  # undo the last rating given to this answer
            given = [s for s in SCALES if state.ratings[s][pos] is not None]
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
        for pos, it in enumerate(items):
            preview = " ".join(it["text"].split())
            preview = preview if len(preview) <= 48 else preview[:47] + "…"
            rank = f"{ranks[pos]:>2}" if ranks[pos] else " –"
            lines.append(f"[{LETTERS[pos].upper()}]  {rank}   {preview}")
        return "\n".join(lines)

    def _order_step(self, state: RankingState, items: list[dict]):
        self.header.text = self.t("rank_order_title")
        self.lines.text = self._order_lines(state, items)
        self.help.text = (self.t("rank_order_help") + (("\n" + self.t("rank_ties")) if self.allow_ties else "")
                          + (("\n" + self.t("rank_order_incomplete")) if state.incomplete else ""))
        keys = [LETTERS[p] for p in range(state.k) if p not in state.placed()] + ["backspace", "return", "left"]
        if self.allow_ties and state.groups:
            keys.append("equal")
        context = {"kind": "rank_order", "state": state, "items": items, "allow_ties": self.allow_ties}
        return self.screens.wait_key(lambda: self._draw(self.prompt, self.header, self.lines, self.help), keys, context)

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
