"""What every experiment script does around its trials, in the order a session runs.

An experiment script reads as the story of one session::

    checked = runner.check(args, EXPERIMENT)        # dialog, IDs, stimuli, existing session: writes nothing
    ... build the trial order (or take it from the header when resuming) ...
    session = runner.open_session(checked, ...)     # window, header, durable log, PsychoPy CSV, input
    try:
        status = run_trials(session, ...)           # session.record_trial(record) after each trial
    finally:
        session.close()

The refusals happen in :func:`check`, before a window opens or a file is
written; :func:`open_session` creates the session folder only after the
window is up.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
from dataclasses import dataclass
from pathlib import Path

from psyai.errors import PsyaiError, SessionError, StorageError
from psyai.data.log import DurableLog, check_sequence, read_log
from psyai.booth.session import (
    SessionEnded, SessionLock, SessionPaths, SessionState, check_writable, draw_seed, new_header, next_list_index,
    open_log, plan_session, process_alive, run_mode, session_stimuli, validate_participant, validate_session,
)
from psyai.data.stimuli import StimulusSet, load_stimuli

# fields of a log record that are the log's own, not the trial's
_LOG_FIELDS = ("schema_version", "timestamp", "header_sha256")


@dataclass
class Checked:
    """A session that may start: every check passed, nothing written yet."""

    args: argparse.Namespace
    experiment: str
    participant: str
    session: int
    stim: StimulusSet
    paths: SessionPaths
    state: SessionState | None  # None for a new session; the log so far for --resume
    lock: SessionLock | None = None  # held from the check to the end of the process (a new session's: from open)

    @property
    def header(self) -> dict | None:
        return self.state.header if self.state else None


def check(args: argparse.Namespace, experiment: str) -> Checked:
    """Show the dialog if needed, then refuse anything that must be refused. Writes nothing."""
    from psychopy import piloting

    piloting.setPilotMode(args.pilot)
    if args.participant is None and not (args.no_dialog or args.simulate):
        from psyai.booth.dialog import session_dialog

        info = session_dialog({"participant": "", "session": "1", "lang": ["ja", "en"]}, title=experiment)
        args.participant, args.session, args.lang = info["participant"], info["session"], info["lang"]
    participant = validate_participant(args.participant)
    session = validate_session(args.session or 1)
    paths = SessionPaths(Path(args.data_dir), experiment, participant, session)
    lock = SessionLock.acquire(paths) if paths.folder.is_dir() else None  # before the log is read
    _state["paths"] = paths
    try:
        if args.stimuli is None:  # a resumed session goes on with its own file, wherever the default points
            args.stimuli = (args.resume and session_stimuli(paths)) or args.default_stimuli
        stim = load_stimuli(args.stimuli)
        state = plan_session(paths, args.resume, stim.sha256)
    except SessionEnded as ended:
        if args.resume and not complete_csv(paths).exists():
            written = write_session_csv(paths.log)
            raise Done(f"{paths.folder}: the session had ended ({ended.status}) but its CSV was missing; "
                       f"written from the log: {written}") from None
        raise
    if state is not None:
        _check_resumable_header(paths, state.header, stim)
    check_writable(paths)
    if state and state.header.get("run_mode") != run_mode(args):
        was, now = state.header.get("run_mode"), run_mode(args)
        flags = {"simulated": "--simulate", "pilot": "--pilot", "real": "neither --simulate nor --pilot"}
        raise SessionError(f"{paths.folder} was started as a {was} session; resume it as one "
                           f"({flags.get(was, was)}), not as {now}: its trials would be marked {was} whoever "
                           "answered them")
    args.lang = state.header["lang"] if state else (args.lang or "en")
    return Checked(args, experiment, participant, session, stim, paths, state, lock)


HEADER_FIELDS = ("experiment", "run_mode", "participant", "session", "lang", "seed", "list", "trial_order",
                 "practice_order", "settings", "stimuli_sha256")


def _check_resumable_header(paths: SessionPaths, header: dict, stim: StimulusSet) -> None:
    """A header ``--resume`` can rebuild the session from: its fields, and orders that name items (or
    prompts, or attention checks) of the stimulus file. Refused with line 1 named, not a KeyError."""
    from psyai.booth.trials import CHECK_PREFIX

    where = f"{paths.log} line 1"
    missing = [name for name in HEADER_FIELDS if name not in header]
    if missing:
        raise SessionError(f"{where}: the session header has no {', '.join(missing)}; it was not written by this "
                           "psyai or was edited — restore it from a backup")
    known = {str(it.get(key)) for it in stim.items for key in ("item_id", "prompt_id") if it.get(key) is not None}
    for name in ("trial_order", "practice_order"):
        order = header[name]
        if not isinstance(order, list):
            raise SessionError(f"{where}: {name} is {type(order).__name__}, not a list of ids — restore the header")
        unknown = [i for i in order if not (isinstance(i, str) and (i in known or i.startswith(CHECK_PREFIX)))]
        if unknown:
            raise SessionError(f"{where}: {name} names {unknown[0]!r}, which {stim.path} does not hold; resume with the "
                               "stimulus file the session began with")
    if not isinstance(header["settings"], dict):
        raise SessionError(f"{where}: settings is not an object — restore the header")


def header_settings(checked: Checked, cls, **defaults):
    """The experiment's settings dataclass ``cls`` from a resumed session's header (``defaults`` fill fields
    added since the session began); an unknown or missing setting is refused naming the log's line 1."""
    import dataclasses

    given = {**defaults, **checked.header["settings"]}
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(given) - set(fields))
    missing = sorted(name for name, f in fields.items() if name not in given and f.default is dataclasses.MISSING
                     and f.default_factory is dataclasses.MISSING)
    if unknown or missing:
        raise SessionError(f"{checked.paths.log} line 1: the header's settings "
                           + (f"hold {', '.join(unknown)}, which {checked.experiment} does not have" if unknown else
                              f"lack {', '.join(missing)}")
                           + "; it was edited or written by another psyai — restore it from a backup")
    return cls(**given)


def choose_list(checked: Checked, n_lists: int) -> int:
    """The counterbalancing list: ``--list``, or the next one in rotation over the participants so far."""
    args = checked.args
    if args.list_index is None and args.simulate and args.sim_index is not None:
        return args.sim_index % n_lists  # simulated cohorts rotate by participant number, whatever runs in parallel
    if args.list_index is None:
        return next_list_index(Path(args.data_dir), checked.experiment, n_lists)
    if not 0 <= args.list_index < n_lists:
        raise PsyaiError(f"--list {args.list_index}: this stimulus set has lists 0–{n_lists - 1}")
    return args.list_index


# a cell a spreadsheet would run as a formula starts with one of these (OWASP, "CSV Injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value PsychoPy's wide CSV can hold: lists and dicts as JSON, quotes escaped as CSV wants them,
    and a text a spreadsheet would run as a formula kept as text.

    ExperimentHandler.saveAsWideText wraps a value in quotes when it holds a
    comma or newline, and writes it bare otherwise, never escaping quotes. So a
    value it will wrap gets its inner quotes doubled (``It's "fine", thanks``),
    and a value it will write bare but that holds a quote or a carriage return
    (``"Sleep" tips?``) is given its quotes here, as one quoted CSV field.

    A text starting with ``= + - @``, a tab or a carriage return (``=HYPERLINK(…)``, ``+cmd``) would be
    run by Excel, LibreOffice or Google Sheets when the CSV is opened; as OWASP recommends, it is
    written with a leading apostrophe inside quotes (``"'=HYPERLINK(…)"``), which spreadsheets show as
    the text itself. Numbers (``-0.5``) are not texts and are written as they are. The log keeps every
    text exactly as shown.
    """
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        if value.startswith(FORMULA_STARTS):
            value = "'" + value
        if "," in value or "\n" in value:  # PsychoPy quotes it: only the inner quotes need doubling
            value = value.replace('"', '""')
        elif '"' in value or "\r" in value or value.startswith("'"):  # PsychoPy writes it bare: quote it here
            value = '"' + value.replace('"', '""') + '"'
    return value


def complete_csv(paths: SessionPaths) -> Path:
    """The usual name of a session's CSV (an ended session's; an unended one's ends ``_interrupted.csv``)."""
    return Path(f"{paths.csv_base}.csv")


def _free_name(base: str) -> Path:
    """``base.csv``, else ``base_1.csv``, ``base_2.csv`` … (as PsychoPy names a collision)."""
    k, path = 0, Path(base + ".csv")
    while path.exists():
        k += 1
        path = Path(f"{base}_{k}.csv")
    return path


def write_session_csv(log_path: str | Path, out_dir: str | Path | None = None) -> Path:
    """PsychoPy's wide CSV of a session, made from its log at any time; returns the file written.

    One row per trial record (the log's own fields left out), ``participant`` and ``session`` from the
    header, written by PsychoPy's ``ExperimentHandler.saveAsWideText`` as a live session's CSV is. Named
    ``sub-…_ses-…_<experiment>.csv`` when the log has its end record, else ``…_interrupted.csv``; an
    existing file is never overwritten (``_1``, ``_2`` … as PsychoPy does). The CSV is written under a
    temporary name, synced, and only then given its name: a full disk or a crash never leaves an empty
    or partial file under the usual name.
    """
    from psychopy import data as pdata

    log_path = Path(log_path)
    records, _fragment = read_log(log_path)
    check_sequence(log_path, records)
    header = records[0]
    ended = any(r["record"] == "end" for r in records)
    stem = log_path.name[: -len("_log.jsonl")] if log_path.name.endswith("_log.jsonl") else log_path.stem
    folder = Path(out_dir) if out_dir is not None else log_path.parent
    base = folder / f"{stem}_{header['experiment']}{'' if ended else '_interrupted'}"
    tmp = folder / f".{base.name}.{os.getpid()}.partial"
    for stale in folder.glob(f".{base.name}.*.partial.csv"):  # left by a process killed while writing this CSV
        pid = stale.name[len(base.name) + 2: -len(".partial.csv")]
        if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):  # a live one's is its own
            stale.unlink(missing_ok=True)
    exp = pdata.ExperimentHandler(name=header["experiment"],
                                  extraInfo={"participant": header["participant"], "session": header["session"]},
                                  dataFileName=str(tmp), savePickle=False, saveWideText=False)
    atexit.unregister(exp.close)  # it writes nothing at exit: this function is its only writer
    for rec in records:
        if rec["record"] == "trial":
            for key, value in rec.items():
                if not key.startswith("_") and key not in _LOG_FIELDS and key not in exp.extraInfo:
                    exp.addData(key, csv_cell(value))
            exp.nextEntry()
    try:
        written = Path(exp.saveAsWideText(str(tmp) + ".csv", delim=",", fileCollisionMethod="overwrite"))
        with open(written, "rb+") as fh:
            os.fsync(fh.fileno())
        final = _free_name(str(base))
        while True:
            try:
                os.link(written, final)  # never replaces an existing file
                break
            except FileExistsError:
                final = _free_name(str(base))
            except OSError:  # a file system without hard links (FAT, exFAT)
                if final.exists():
                    final = _free_name(str(base))
                    continue
                os.replace(written, final)
                break
    except OSError as err:
        raise StorageError(f"{base}.csv could not be written ({err.strerror or err}); the log {log_path} holds "
                           f"every trial — free space, then run `psyai export csv {log_path.parent}`") from None
    finally:
        for leftover in folder.glob(f"{tmp.name}*"):
            leftover.unlink(missing_ok=True)
    return final


class Done(Exception):
    """Nothing left to run (e.g. ``--resume`` of an ended session whose CSV it wrote): the message is the
    outcome, printed by :func:`main_guard`, exit 0."""


# what main_guard needs to say when a session is stopped: which session, and whether its log was opened
_state: dict = {"paths": None, "log_opened": False}


@dataclass
class Session:
    """An open session: window, screens, durable log (its CSV is made from the log, by PsychoPy)."""

    checked: Checked
    win: object
    screens: object
    log: DurableLog
    state: SessionState
    csv: Path | None = None  # the CSV written at the end record (or at close, for an unended session)

    @property
    def header(self) -> dict:
        return self.state.header

    def trial_fields(self) -> dict:
        """Fields stamped on every trial record (docs/DATA.md)."""
        h = self.header
        return {"experiment": h["experiment"], "participant": h["participant"], "session": h["session"],
                "run_mode": h["run_mode"], "pilot": h["run_mode"] == "pilot",
                "simulated": h["run_mode"] == "simulated", "list": h["list"], "resumed": self.state.resumed}

    def record_trial(self, record: dict) -> None:
        """On disk (fsynced) before it returns."""
        self.log.write(record)

    def write_csv(self) -> None:
        """PsychoPy's CSV of the session from its log (:func:`write_session_csv`); called as soon as the end
        record is on disk, before the end screens, so a crash there still leaves it."""
        if self.csv is None:
            self.csv = write_session_csv(self.log.path)

    def close(self) -> None:
        """Close the log, write the CSV if the end record has not, close the window, release the lock.

        A session stopped without an end record (Ctrl-C, an error, a full disk) writes its CSV as
        ``…_interrupted.csv``, so the usual name is left for the complete CSV that ``--resume`` writes.
        A CSV that cannot be written (a full disk) is said in one line (unless the log's own write failed
        first and said so); the log holds every trial.
        """
        import sys

        self.log.close()
        try:
            self.write_csv()
        except PsyaiError as err:
            if not self.log.failed:  # after a failed log write its error line already says how to go on
                print(f"warning: {err}", file=sys.stderr)
        finally:
            self.win.close()
            if self.checked.lock is not None:
                self.checked.lock.release()


def open_session(checked: Checked, *, seed: int, list_index: int, n_lists: int, trial_order: list[str],
                 practice_order: list[str], settings: dict, observer=None, simulation: dict | None = None,
                 header_extra: dict | None = None, fonts: tuple[str, ...] = ()) -> Session:
    """Open the window, then write the header (new session) or reopen the log (resume).

    ``fonts``: fonts the experiment's own screens need besides the session font (refused, before
    anything is written, when one is not installed)."""
    from psyai.booth import ui

    args = checked.args
    for font in ((ui.i18n.FONT,) if args.lang == "ja" else ()) + tuple(fonts):
        ui.require_font(font)
    win = ui.make_window(windowed=args.windowed or args.pilot, simulated=args.simulate)
    frame_rate = ui.measure_frame_rate(win, args.simulate, args.lang)
    header = None
    if checked.state is None:
        header = new_header(
            experiment=checked.experiment, paths=checked.paths, args=args, mode=run_mode(args), seed=seed,
            list_index=list_index, n_lists=n_lists, stimuli_path=str(checked.stim.path),
            stimuli_sha256=checked.stim.sha256, trial_order=trial_order, practice_order=practice_order,
            settings=settings, frame_rate=frame_rate,
            simulation=dict(simulation, realtime=args.realtime) if simulation else None,
        )
        header.update(header_extra or {})
    try:
        if checked.lock is None:  # a new session: its folder exists from here on, and its lock before its log
            checked.paths.folder.mkdir(parents=True, exist_ok=True)
            checked.lock = SessionLock.acquire(checked.paths)
        log, state = open_log(checked.state, checked.paths, header)
    except BaseException:
        win.close()
        raise
    _state["log_opened"] = True
    source = ui.SimulatedInput(observer, realtime=args.realtime) if observer else ui.KeyboardInput(win, args.kb_backend)
    screens = ui.Screens(win, args.lang, source, simulated_time=args.simulate and not args.realtime)
    session = Session(checked, win, screens, log, state)
    log.on_end = session.write_csv
    if state.resumed:
        log.write({"record": "resume", "first_trial": len(state.done("main")), "frame_rate": frame_rate})
    return session


# -- screens every experiment shares -----------------------------------------------

def consent(screens, log: DurableLog, text: str) -> bool:
    """The consent screen; Y agrees, N declines (and ends the session with status ``declined``)."""
    resp = screens.show_message(text, keys=["y", "n"], context={"kind": "consent"})
    log.write({"record": "consent", "consented": resp.key == "y"})
    if resp.key != "y":
        declined(screens, log)
    return resp.key == "y"


def declined(screens, log: DurableLog) -> str:
    """The end of a session whose participant declined: the end record, then the thank-you screen."""
    log.write({"record": "end", "status": "declined", "n_trials_done": 0})
    screens.show_message(screens.t("declined") + "\n\n" + screens.t("close_hint"), allow_escape=False,
                         keys=["space", "escape"])
    return "declined"


def demographics(screens, log: DurableLog) -> None:
    """Age group and AI use, as codes (no free text, nothing identifying); the same categories in every
    language (:data:`psyai.booth.i18n.DEMOGRAPHICS`)."""
    from psyai.booth import i18n

    answers = {}
    for question in ("age", "ai_use"):
        body, keys = i18n.demographic_screen(question, screens.lang)
        answers[question] = int(screens.show_message(body, keys=keys, context={"kind": "choice"}).key)
    log.write({"record": "demographics", "age_group": answers["age"], "ai_use": answers["ai_use"]})


def instructions(screens, log: DurableLog, text: str, check: str, correct: str = "2") -> None:
    """Instructions, then a comprehension check (keys 1–3, said on the screen); both repeat until the check
    is passed. Another key (J for the answer "J", say) brings up which keys answer; the record lists it."""
    from psyai.booth import i18n

    attempt = 0
    keys = ["1", "2", "3"]
    while True:
        attempt += 1
        screens.show_message(text)
        resp = screens.show_message(check + "\n\n" + screens.t("check_keys"), keys=keys,
                                    context={"kind": "comprehension", "correct": correct},
                                    hint=screens.t("keys_hint", keys=i18n.key_list(screens.lang, keys)))
        log.write({"record": "comprehension", "attempt": attempt, "passed": resp.key == correct,
                   "other_keys": resp.refused})
        if resp.key == correct:
            return
        screens.show_message(screens.t("comprehension_wrong"))


def shuffled_items(checked: Checked, n_trials: int | None, practice: bool) -> tuple[int, list[dict], list[dict]]:
    """Seed, main order and practice items of a text experiment: rebuilt from the header when
    resuming, else the session language's items in a seeded random order (``n_trials`` of them)."""
    import numpy as np

    from psyai.errors import StimulusError

    stim, args = checked.stim, checked.args
    by_id = {it["item_id"]: it for it in stim.items}
    if checked.header:
        h = checked.header
        return h["seed"], [by_id[i] for i in h["trial_order"]], [by_id[i] for i in h["practice_order"]]
    items = stim.for_lang(args.lang)
    if not items:
        raise StimulusError(f"{stim.path}: no items in language {args.lang!r}; add items or choose --lang")
    seed = args.seed if args.seed is not None else draw_seed()
    order = [items[i] for i in np.random.default_rng(seed).permutation(len(items))]
    if n_trials is not None:
        if not 1 <= n_trials <= len(order):
            raise StimulusError(f"--trials {n_trials}: {stim.path} has {len(order)} items in {args.lang!r}")
        order = order[:n_trials]
    return seed, order, (stim.for_lang(args.lang, practice=True) if practice else [])


def word_values(path: str | None) -> dict:
    """``(text_id, word_index) -> value`` from a CSV (e.g. one measure of `psyai attention extract`),
    for simulated participants whose answers depend on it."""
    if not path:
        return {}
    import pandas as pd

    from psyai.errors import StimulusError

    table = pd.read_csv(path, dtype={"text_id": str})
    missing = {"text_id", "word_index", "value"} - set(table.columns)
    if missing:
        raise StimulusError(f"{path}: needs columns text_id, word_index, value; missing {', '.join(sorted(missing))}")
    return {(str(r.text_id), int(r.word_index)): float(r.value) for r in table.itertuples()}


BREAK_MIN_SECONDS = 2.0  # a break screen takes no key before this: a task's own key (SPACE) cannot skip it unseen


def take_break(screens, log: DurableLog, done: int, total: int) -> None:
    """The break screen: for :data:`BREAK_MIN_SECONDS` it takes no key, then it says how to go on."""
    rest = screens.t("break", done=done, total=total)
    waited = screens.show_for(rest, BREAK_MIN_SECONDS)
    pause = screens.show_message(rest + "\n\n" + screens.t("break_continue"))
    log.write({"record": "break", "after_trial": done - 1, "duration": round(waited + pause.rt, 3)})


def finish(screens, log: DurableLog, status: str, n_done: int, debrief: str | None = None) -> str:
    """The end record, then what the study was about (``debrief``, if given), then the end screen
    (``completed``) or the stopped screen (``aborted``), which says how to close it."""
    log.write({"record": "end", "status": status, "n_trials_done": n_done})
    if debrief:
        screens.show_message(debrief + "\n\n" + screens.t("debrief_continue"), allow_escape=False,
                             keys=["space", "escape"])
    screens.show_message(screens.t("end" if status == "completed" else "aborted") + "\n\n" + screens.t("close_hint"),
                         allow_escape=False, keys=["space", "escape"])
    return status


def run_phases(session: Session, *, consent_text: str, instructions_text: str, check_text: str,
               phases: list[tuple[str, list[dict]]], run_item, break_every: int = 0, ask_demographics: bool = False,
               intros: dict[str, str] | None = None, after_trial=None, debrief: str | None = None) -> str:
    """The part of a session every experiment shares, after the window opens; returns the end status.

    consent → (demographics) → instructions with a comprehension check (or,
    when resuming after it was passed, a welcome-back screen) → each phase's
    unfinished trials in order, with ``intros[phase]`` before a phase's first
    trial and a break every ``break_every`` main trials → ``debrief`` (what the study was about, also
    after Escape) → end. ``run_item(item)``
    returns the experiment's own trial fields; the record is on disk before the
    next trial starts. ``after_trial(phase, item, record)`` may show feedback.
    Escape (confirmed) ends the session with status ``aborted``, data kept.
    """
    from psyai.booth.ui import Quit

    screens, log, state = session.screens, session.log, session.state
    intros = intros or {}
    n_done = len(state.done("main"))
    try:
        given = [r for r in state.records if r["record"] == "consent"]
        if given and not given[-1].get("consented"):  # declined before a crash: never run the session
            return declined(screens, log)
        if not given and not consent(screens, log, consent_text):
            return "declined"
        if ask_demographics and not state.has("demographics"):  # asked again if a crash came first
            demographics(screens, log)
        if not any(r["record"] == "comprehension" and r["passed"] for r in state.records):
            instructions(screens, log, instructions_text, check_text)
        elif state.resumed:
            screens.show_message(screens.t("resume_intro"))
        for phase, items in phases:
            done = state.done(phase)
            if not done and items and phase in intros:
                screens.show_message(intros[phase])
            for i, item in enumerate(items):
                if i in done:
                    continue
                if phase == "main" and break_every and i and i % break_every == 0:
                    take_break(screens, log, i, len(items))
                record = {"record": "trial", **session.trial_fields(), "phase": phase, "trial_index": i,
                          "block": i // break_every if break_every else 0, "lang": session.header["lang"],
                          **run_item(item)}
                session.record_trial(record)  # on disk before the next trial starts
                n_done += phase == "main"
                if after_trial is not None:
                    after_trial(phase, item, record)
        return finish(screens, log, "completed", n_done, debrief)
    except Quit:
        return finish(screens, log, "aborted", n_done, debrief)


def main_guard(main) -> int:
    """Run an experiment's ``main`` so that whatever a user can cause ends in one line, never a traceback.

    A refusal (:class:`psyai.errors.PsyaiError`) prints ``error: …`` and exits 1; a file the system will
    not read or write (``OSError``: a read-only folder, a full disk) names the file and exits 1; Ctrl-C
    and SIGTERM (a lab's process manager, ``kill``) are the same stop: the session's CSV is written as
    ``…_interrupted.csv``, one line says how to go on, exit 130 (143 for SIGTERM). A stop before the
    session's log exists says that nothing was recorded.
    """
    import signal

    signals: list[int] = []
    _state.update(paths=None, log_opened=False)  # a batch (psyai.participants.batch) runs sessions one by one

    def on_term(signum, _frame):
        signals.append(signum)
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, on_term)
    except (ValueError, OSError):  # not the main thread
        previous = None
    try:
        return _guarded(main, signals)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _guarded(main, signals: list[int]) -> int:
    import sys

    try:
        return main()
    except Done as done:
        print(str(done))
        return 0
    except PsyaiError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        where = err.filename or (_state["paths"].folder if _state["paths"] else "the data folder")
        print(f"error: {where}: {err.strerror or err}; nothing already recorded was lost — check that the folder "
              "is writable and the disk has space, then run the same command" + (" with --resume" if
                                                                                  _state["log_opened"] else ""),
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        _quiet_half_built_graphics()
        what = "terminated (SIGTERM)" if signals else "interrupted"
        if _state["log_opened"]:
            print(f"{what}: every finished trial is in the session's log; run the same command with --resume "
                  "to go on", file=sys.stderr)
        else:
            print(f"{what} before the session started: nothing was recorded; run the same command to start it",
                  file=sys.stderr)
        return 143 if signals else 130


def _quiet_half_built_graphics() -> None:
    """After a stop, keep pyglet's complaints about objects the stop left half-built off the participant's screen.

    Ctrl-C or SIGTERM can land inside a pyglet constructor (a ``VertexDomain`` being built for the next frame);
    when that object is collected its ``__del__`` fails on the attribute it never got, and Python prints an
    "Exception ignored in …" block with a traceback after the one line that says how to go on. The session is
    already safe in its log, so these messages are only noise: they go to the debug log instead. Errors from
    ``__del__`` of anything outside pyglet are printed as usual.
    """
    import logging
    import sys

    default = sys.unraisablehook

    def hook(unraisable) -> None:
        where = getattr(unraisable.object, "__module__", None) or type(unraisable.object).__module__ or ""
        if str(where).split(".")[0] == "pyglet":
            logging.getLogger("psyai").debug("after the stop, ignored in %r: %r", unraisable.object,
                                             unraisable.exc_value)
            return
        default(unraisable)

    sys.unraisablehook = hook
