"""``psyai class new``: the assignment folder an instructor hands out, made from a kit.

::

    DIR/
      README.md                 what is where, and the commands of the assignment
      assignment.json           kit, groups, language, power file, psyai version and command line
      instructor/
        instructor.md           the kit's instructor sheet (chosen language)
        README.md               the commands that pool and judge: class power, collect, report
        preregistration.en.md   the class-level preregistration in both languages
        preregistration.ja.md
      group-01/                 a study folder (psyai init): experiments/, analysis/, stimuli/
        PROTOCOL.md             the kit's protocol and the exact commands of this group
        PREREGISTRATION.md      filled from the kit (psyai.replication.prereg)
      group-02/ …

Nothing is overwritten: an existing DIR that is not empty is refused before anything is written.
"""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import replace
from pathlib import Path

from psyai import __version__
from psyai.errors import PsyaiError
from psyai.replication.kit import LANGS, Kit
from psyai.replication.prereg import experiment_command, preregistration
from psyai.study import init_study

__all__ = ["MAX_GROUPS", "group_name", "in_language", "new_assignment", "protocol_commands"]

MAX_GROUPS = 99
MEASURES = "measures/model_measures.csv"  # where the kits' stimuli commands write the model's word measures

COMMANDS = {
    "heading": {"en": "Commands for this group", "ja": "このグループのコマンド"},
    "setup": {"en": "Open a terminal in this folder (`{group}`). psyai runs the copies of the scripts here.",
              "ja": "このフォルダ(`{group}`)でターミナルを開く。psyai はここにあるスクリプトのコピーを実行する。"},
    "stimuli": {"en": "Before the first session, make the stimuli (once, on a machine with the model):",
                "ja": "最初のセッションの前に、刺激を作成する(モデルのあるマシンで 1 回だけ):"},
    "pilot": {"en": "Try the whole session yourselves first. Pilot sessions are marked and never analysed:",
              "ja": "まず自分たちでセッション全体を試す。パイロットセッションは印が付き、分析されない:"},
    "run": {"en": "Each participant (P001, P002, … in order of arrival; one session each):",
            "ja": "各参加者(来た順に P001、P002 …、1 人 1 セッション):"},
    "resume": {"en": "If a session stops (a crash, a power cut), continue it with the same participant ID and "
                     "`--resume`; nothing already answered is lost:",
               "ja": "セッションが止まった場合(クラッシュ、停電)、同じ参加者 ID と `--resume` で続ける。回答済みの"
                     "データは失われない:"},
    "hand_in": {"en": "Hand in the `data` folder as one zip file named after your group (never edit the files in "
                      "it):",
                "ja": "`data` フォルダをグループ名の zip ファイル 1 つにまとめて提出する(中のファイルは決して編集しない):"},
}

README = {
    "en": """# Class replication: {title}

Made by `psyai class new` (psyai {version}) from the kit `{kit}` for {n} group(s).

- `group-NN/`: one study folder per group — give each group its folder. `PROTOCOL.md` says what to do in
  the lab, `PREREGISTRATION.md` is filled from the kit (the groups complete the parts marked *to be filled*).
- `instructor/`: your sheet (`instructor.md`), the class preregistration in English and Japanese, and
  `README.md` with the commands that pool and judge the groups' data.
""",
    "ja": """# クラスでの再現研究:{title}

キット `{kit}` から `psyai class new`(psyai {version})が {n} グループ分作成しました。

- `group-NN/`:グループごとの研究フォルダ。各グループに 1 つずつ渡してください。`PROTOCOL.md` に実験室での
  手順、`PREREGISTRATION.md` にキットから記入した事前登録があります(「*要記入*」の部分はグループが記入)。
- `instructor/`:講師用シート(`instructor.md`)、英語と日本語のクラス全体の事前登録、グループのデータを
  集めて判定するコマンドの `README.md`。
""",
}

INSTRUCTOR_README = {
    "en": """# Commands for the instructor

1. Plan the sample size (before the groups start; give the result to `psyai class new --power` next time):

       {power}

2. Pool the groups' zip files (each is checked: pilot-only, unfinished and duplicate sessions are refused,
   participant IDs are kept apart by group; see `collect_report.json`):

       psyai class collect group-01.zip group-02.zip … --kit {kit} --out collected

3. Judge the replication (meta-analysis across groups, small telescopes, equivalence):

       psyai class report collected --kit {kit} --out report{measures}
""",
    "ja": """# 講師用コマンド

1. サンプルサイズを計画する(グループが始める前に。結果は次回 `psyai class new --power` に渡せる):

       {power}

2. 各グループの zip ファイルを集める(パイロットのみ、未完了、重複のセッションは受け付けず、参加者 ID は
   グループごとに区別される。`collect_report.json` を参照):

       psyai class collect group-01.zip group-02.zip … --kit {kit} --out collected

3. 再現を判定する(グループ間のメタ分析、small telescopes、同等性検定):

       psyai class report collected --kit {kit} --out report{measures}
""",
}


def in_language(kit: Kit, lang: str) -> Kit:
    """The kit with its participants' language set to ``lang`` (``settings.lang`` and any ``--lang`` of its
    stimuli command): a class that works in Japanese runs Japanese participants."""
    command = kit.stimuli_command
    if command:
        words = shlex.split(command)
        for i, word in enumerate(words[:-1]):
            if word == "--lang":
                words[i + 1] = lang
        command = shlex.join(words)
    return replace(kit, settings={**kit.settings, "lang": lang}, stimuli_command=command)


def group_name(index: int) -> str:
    """The folder of the ``index``-th group (1-based): ``group-01``."""
    return f"group-{index:02d}"


def protocol_commands(kit: Kit, lang: str, group: str) -> str:
    """The generated part of a group's PROTOCOL.md: the exact commands, from the kit's settings."""
    c = {k: v[lang] for k, v in COMMANDS.items()}
    run = experiment_command(kit, "P001")
    lines = [f"## {c['heading']}", "", c["setup"].format(group=group), ""]
    if kit.stimuli_command:
        lines += [c["stimuli"], "", "```", kit.stimuli_command, "```", ""]
    lines += [c["pilot"], "", "```", experiment_command(kit, "PILOT1") + " --pilot", "```", "",
              c["run"], "", "```", run, "```", "",
              c["resume"], "", "```", run + " --resume", "```", "",
              c["hand_in"], "", "```", f"python -m zipfile -c {group}.zip data", "```", ""]
    return "\n".join(lines)


def new_assignment(kit: Kit, dest: str | Path, *, groups: int = 1, lang: str = "en",
                   power: dict | None = None, power_path: str | Path | None = None) -> list[Path]:
    """Write the assignment folder ``dest`` for ``groups`` groups in ``lang``; returns the files written.

    Raises:
        PsyaiError: ``dest`` exists and is not an empty folder, ``groups`` is out of range, or
            ``lang`` is not en/ja. Nothing is written then.
    """
    dest = Path(dest)
    if lang not in LANGS:
        raise PsyaiError(f"--lang {lang!r}: choose {' or '.join(LANGS)}")
    if not 1 <= groups <= MAX_GROUPS:
        raise PsyaiError(f"--groups {groups}: give a number of groups from 1 to {MAX_GROUPS}")
    if power is not None and power.get("groups") not in (None, groups):
        raise PsyaiError(f"{power_path or 'the power result'} is the power of a class of {power['groups']} groups, "
                         f"and this assignment has --groups {groups}: run `psyai class power {kit.id} --groups "
                         f"{groups}` again, or give --groups {power['groups']}; nothing was written")
    if dest.exists():
        if not dest.is_dir():
            raise PsyaiError(f"{dest} is a file; give a new folder for the assignment")
        if any(dest.iterdir()):
            raise PsyaiError(f"{dest} already exists and is not empty; nothing was written. Give a new folder "
                             "(psyai class new never overwrites an assignment)")
    written: list[Path] = []

    def write(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as fh:  # "x": never overwrite
            fh.write(text if text.endswith("\n") else text + "\n")
        written.append(path)

    kit = in_language(kit, lang)
    dest.mkdir(parents=True, exist_ok=True)
    names = [group_name(i) for i in range(1, groups + 1)]
    write(dest / "README.md", README[lang].format(title=kit.title[lang], version=__version__, kit=kit.id, n=groups))
    write(dest / "assignment.json", json.dumps({
        "kit": kit.id, "kit_path": str(kit.path), "experiment": kit.experiment, "lang": lang, "groups": names,
        "settings": kit.settings, "power": str(power_path) if power_path else None,
        "psyai": __version__, "command_line": sys.argv}, indent=2, ensure_ascii=False))
    instructor = dest / "instructor"
    write(instructor / "instructor.md", kit.text("instructor", lang))
    measures = f" --measures {MEASURES}" if kit.stimuli_command and MEASURES in kit.stimuli_command else ""
    write(instructor / "README.md", INSTRUCTOR_README[lang].format(
        kit=kit.id, power=f"psyai class power {kit.id} --effect sesoi --out power", measures=measures))
    for prereg_lang in LANGS:
        write(instructor / f"preregistration.{prereg_lang}.md", preregistration(kit, prereg_lang, power=power))
    for name in names:
        folder = dest / name
        written += init_study(folder, [kit.experiment])
        protocol = kit.text("protocol", lang).rstrip("\n") + "\n\n" + protocol_commands(kit, lang, name)
        write(folder / "PROTOCOL.md", protocol)
        write(folder / "PREREGISTRATION.md", preregistration(kit, lang, group=name, power=power))
    return written
