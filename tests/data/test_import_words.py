"""psyai import eye-tracking / self-paced-reading: word reports in the published layouts of each corpus.

Every fixture is written here, by the test, in the column layout the corpus publishes (no corpus data is
in the repository; the values are made up). What each layout was checked against is in the preset's
``checked`` field (psyai/data/importers/eye_tracking.py, self_paced_reading.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from psyai.cli import main as psyai
from psyai.data.importers import eye_tracking as et
from psyai.data.importers import self_paced_reading as spr
from psyai.errors import DataError

WORDS = ("the a of cat dog house river mountain quickly beautiful ran is was under over table language model "
         "reads slowly green").split()


def texts(n_items: int = 6, n_words: int = 7, seed: int = 0) -> dict[str, list[str]]:
    rng = np.random.default_rng(seed)
    return {str(i): [WORDS[k] for k in rng.choice(len(WORDS), n_words, replace=False)] for i in range(n_items)}


def relfix_files(folder: Path, subjects=("pp01", "pp02", "pp03"), seed: int = 1) -> dict[str, pd.DataFrame]:
    """Per-subject files as Hollenstein & Beinborn's extractor writes them: pandas' to_csv with its index, the
    subject only in the file name, words numbered from 0 within the sentence, TRT in ms, relFix per sentence."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for subject in subjects:
        rows = []
        for sent, words in texts().items():
            trt = rng.integers(0, 500, len(words)).astype(float)
            trt[rng.random(len(words)) < 0.2] = 0.0  # skipped words
            for k, (w, t) in enumerate(zip(words, trt)):
                rows.append({"sentence_id": int(sent), "word_id": k, "word": w, "TRT": t,
                             "relFix": t / trt.sum() if trt.sum() else 0.0})
        frame = pd.DataFrame(rows, columns=["sentence_id", "word_id", "word", "TRT", "relFix"])
        frame.to_csv(folder / f"{subject}-relfix-feats.csv")  # index included, as the published files have it
        out[subject] = frame
    return out


def model_measures(path: Path, shift: int = 0) -> Path:
    """A model-measure table (psyai attention extract's layout) of the same words, capitalised and punctuated."""
    rng = np.random.default_rng(3)
    rows = []
    for item, words in texts().items():
        for i, w in enumerate(words):
            shown = (w.capitalize() + ",") if i % 3 == 0 else w
            rows.append((item, i + shift, shown, "surprisal", -1, -1, rng.gamma(2, 3)))
            for layer in range(3):
                rows.append((item, i + shift, shown, "attention", layer, -1, rng.random()))
    pd.DataFrame(rows, columns=["text_id", "word_index", "word", "measure", "layer", "head", "value"]).to_csv(
        path, index=False)
    return path


def import_cli(kind: str, *args: str) -> int:
    return psyai(["import", kind, *args])


# -- eye tracking: per-subject reports (the findings of issue 13) ---------------------------------

def test_a_folder_of_per_subject_reports_imports_and_the_attention_analysis_runs_on_it(tmp_path, capsys):
    written = relfix_files(tmp_path / "zuco")
    out = tmp_path / "imported"
    assert import_cli("eye-tracking", str(tmp_path / "zuco"), "--preset", "zuco", "--out", str(out)) == 0
    table = pd.read_csv(out / "human_words.csv", dtype={"participant": str, "item": str, "orig_item": str})
    assert list(table.columns[:6]) == ["participant", "item", "word_index", "word", "measure", "value"]
    assert set(table.columns[6:]) == {"source_file", "source_line", "orig_participant", "orig_item",
                                      "orig_word_index"}
    assert set(table["participant"]) == {"pp01", "pp02", "pp03"}  # from the file names
    assert set(table["measure"]) == {"total_fixation_time", "relative_fixation_duration"}  # not 'Unnamed: 0'
    assert len(table) == 3 * 6 * 7 * 2
    # each value is the file's, on the line it was read from
    pp02 = written["pp02"]
    row = table.query("participant == 'pp02' and measure == 'total_fixation_time' and item == '4' "
                      "and word_index == 5").iloc[0]
    source = pp02[(pp02["sentence_id"] == 4) & (pp02["word_id"] == 5)]
    assert row["value"] == source["TRT"].iloc[0] and row["word"] == source["word"].iloc[0]
    assert Path(row["source_file"]).name == "pp02-relfix-feats.csv"
    assert row["source_line"] == source.index[0] + 2  # header is line 1
    text = (tmp_path / "zuco" / "pp02-relfix-feats.csv").read_text().splitlines()
    assert text[row["source_line"] - 1].startswith(f"{source.index[0]},4,5,{row['word']},")
    report = json.loads((out / "import_report.json").read_text())
    assert report["kind"] == "eye-tracking" and report["rows"]["human_words"] == len(table)
    assert len(report["sources"]) == 3 and all(len(s["sha256"]) == 64 for s in report["sources"])
    notes = " | ".join(report["notes"])
    assert "Hollenstein" in notes and "pp01-relfix-feats.csv → pp01" in notes
    assert "'Unnamed: 0' numbers the rows (a saved index): not imported" in notes
    assert report["settings"]["preset"] == "zuco" and report["settings"]["word_index_base"] == 0
    capsys.readouterr()

    from analysis.attention import main as attention

    mm = model_measures(tmp_path / "mm.csv")
    assert attention([str(out), "--model-measures", str(mm), "--out", str(tmp_path / "res"), "--n-perm", "20"]) == 0
    results = json.loads((tmp_path / "res" / "results.json").read_text())
    assert results["n_participants"] == 3 and results["n_items"] == 6
    assert set(results["human_measures"]) == {"total_fixation_time", "relative_fixation_duration"}
    corrs = pd.DataFrame(results["tables"]["item_correlations"])
    assert set(corrs["human_measure"]) == {"total_fixation_time_mean", "relative_fixation_duration_mean"}
    # the analysis read the imported folder: its raw score is the mean over the three files, skipped words as 0
    from analysis.attention import human_word_scores
    from psyai.data.word_tables import load_human_table

    scores = human_word_scores(load_human_table(out)).set_index(["item", "word_index", "measure"])["value"]
    trt = [f[(f["sentence_id"] == 4) & (f["word_id"] == 5)]["TRT"].iloc[0] for f in written.values()]
    assert 0.0 in [t for f in written.values() for t in f["TRT"]]  # skipped words are in the data
    assert scores[("4", 5, "total_fixation_time_mean")] == pytest.approx(np.mean(trt))


def test_one_report_whose_participant_is_only_in_its_file_name(tmp_path):
    relfix_files(tmp_path, subjects=("ZAB",))
    out = tmp_path / "out"
    assert import_cli("eye-tracking", str(tmp_path / "ZAB-relfix-feats.csv"), "--out", str(out)) == 0
    table = pd.read_csv(out / "human_words.csv")
    assert set(table["participant"]) == {"ZAB"} and set(table["orig_participant"]) == {"ZAB-relfix-feats.csv"}
    # without a preset the names psyai knows are enough: sentence_id, word_id, word, TRT, relFix
    assert set(table["measure"]) == {"total_fixation_time", "relative_fixation_duration"}
    imported = et.import_word_reports([tmp_path / "ZAB-relfix-feats.csv"],
                                      et.WordImportSettings(subject_from_filename=r"^(?P<subject>Z)"))
    assert set(imported.tables["human_words"]["participant"]) == {"Z"}
    with pytest.raises(DataError, match=r"ZAB-relfix-feats\.csv: the file name does not match "
                                        r"--subject-from-filename '\^pp\("):
        et.import_word_reports([tmp_path / "ZAB-relfix-feats.csv"],
                               et.WordImportSettings(subject_from_filename=r"^pp(\d+)"))


def test_two_files_of_one_participant_are_refused_naming_both(tmp_path):
    relfix_files(tmp_path / "a", subjects=("pp01",))
    relfix_files(tmp_path / "b", subjects=("pp01",))
    with pytest.raises(DataError, match=r"b/pp01-relfix-feats\.csv: line 2: participant 'pp01', item '0', word_index 0"
                                        r".* appears twice \(also .*a/pp01-relfix-feats\.csv: line 2\)"):
        et.import_word_reports([tmp_path / "a", tmp_path / "b"], et.WordImportSettings(preset="zuco"))


def test_values_that_are_no_number_are_refused_with_file_line_and_column(tmp_path, capsys):
    relfix_files(tmp_path, subjects=("pp01",))
    path = tmp_path / "pp01-relfix-feats.csv"
    lines = path.read_text().splitlines()
    lines[4] = lines[4].rsplit(",", 2)[0] + ",slow," + lines[4].rsplit(",", 1)[1]
    path.write_text("\n".join(lines) + "\n")
    assert import_cli("eye-tracking", str(path), "--out", str(tmp_path / "out")) == 1
    err = capsys.readouterr().err
    assert "pp01-relfix-feats.csv: line 5, column 'TRT': 'slow' is not a number" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "human_words.csv").exists()


def test_skipped_words_are_zero_by_default_or_dropped_and_listed(tmp_path):
    text = ("subject,item,word_index,word,FFD,TRT\n"
            "s1,t1,0,The,180,220\n"
            "s1,t1,1,cat,.,\n"  # not fixated: '.' (Data Viewer) and empty
            "s1,t1,2,sat,NA,NaN\n")
    path = tmp_path / "s1.csv"
    path.write_text(text)
    zero = et.import_word_reports([path], et.WordImportSettings()).tables["human_words"]
    assert zero.query("word_index > 0")["value"].tolist() == [0.0, 0.0, 0.0, 0.0]
    dropped = et.import_word_reports([path], et.WordImportSettings(skipped="drop"))
    table = dropped.tables["human_words"]
    assert table["word_index"].tolist() == [0, 0] and table["value"].tolist() == [180.0, 220.0]
    assert [(Path(d.file).name, d.line) for d in dropped.dropped] == [("s1.csv", 3), ("s1.csv", 4)] * 2
    assert dropped.dropped[0].reason == "empty FFD (a word not fixated; --skipped drop)"
    assert any("2 empty first_fixation_duration cell(s) (words not fixated) left out" in n for n in dropped.notes)


def test_index_base_one_and_the_off_by_one_it_fixes(tmp_path, capsys):
    """A report numbering words from 1, imported as if from 0, is named by the word check."""
    rows = [{"subject": "s1", "item": item, "word_number": i + 1, "word": w, "TRT": 200 + 10 * i}
            for item, words in texts().items() for i, w in enumerate(words)]
    pd.DataFrame(rows).to_csv(tmp_path / "s1.csv", index=False)
    wrong = et.import_word_reports([tmp_path / "s1.csv"], et.WordImportSettings())
    assert any("no text has a word number 0" in n and "--word-index-base 1" in n for n in wrong.notes)
    from analysis.attention import AttentionConfig, analyze
    from psyai.data.word_tables import read_model_measures

    mm = read_model_measures(model_measures(tmp_path / "mm.csv"))
    with pytest.raises(DataError, match=r"^42 of 42 words in 6 of 6 items differ .*the human table numbers words "
                                        r"from 1, the model's from 0\. Import it with --word-index-base 1"):
        analyze(wrong.tables["human_words"], mm, AttentionConfig(n_perm=10))
    right = et.import_word_reports([tmp_path / "s1.csv"], et.WordImportSettings(word_index_base=1))
    table = right.tables["human_words"]
    assert table["word_index"].min() == 0 and (table["orig_word_index"].astype(int) == table["word_index"] + 1).all()
    assert analyze(table, mm, AttentionConfig(n_perm=10))["n_items"] == 6
    pd.DataFrame(rows).assign(word_number=lambda d: d["word_number"] - 1).to_csv(tmp_path / "s0.csv", index=False)
    with pytest.raises(DataError, match=r"s0\.csv: line 2, column 'word_number': word number 0 with "
                                        r"--word-index-base 1; this file numbers words from 0: use "
                                        r"--word-index-base 0"):
        et.import_word_reports([tmp_path / "s0.csv"], et.WordImportSettings(word_index_base=1))


def test_only_named_measures_and_never_ids_or_an_index(tmp_path):
    text = (",subject,item,word_index,word,word_id_orig,IA_DWELL_TIME,pupil\n"
            "0,s1,t1,0,The,1-5-1,220,1200\n1,s1,t1,1,cat,1-5-2,310,1210\n")
    (tmp_path / "r.csv").write_text(text)
    imported = et.import_word_reports([tmp_path / "r.csv"], et.WordImportSettings())
    assert set(imported.tables["human_words"]["measure"]) == {"total_fixation_time"}
    assert any("columns not imported: word_id_orig, pupil" in n for n in imported.notes)
    chosen = et.import_word_reports([tmp_path / "r.csv"], et.WordImportSettings(measures={"pupil": "pupil_size"}))
    assert set(chosen.tables["human_words"]["measure"]) == {"pupil_size"}
    with pytest.raises(DataError, match=r"--measure Unnamed: 0=x: 'Unnamed: 0' numbers the rows"):
        et.import_word_reports([tmp_path / "r.csv"], et.WordImportSettings(measures={"Unnamed: 0": "x"}))
    with pytest.raises(DataError, match=r"r\.csv: no item column .*--column item="):
        (tmp_path / "r.csv").write_text(text.replace("item", "satz"))
        et.import_word_reports([tmp_path / "r.csv"], et.WordImportSettings())


def test_psyais_own_long_table_passes_through(tmp_path):
    text = ("participant,item,word_index,word,measure,value\n"
            "p1,t1,0,The,gaze_duration,210\np1,t1,1,cat,gaze_duration,190\n")
    (tmp_path / "long.csv").write_text(text)
    table = et.import_word_reports([tmp_path / "long.csv"], et.WordImportSettings()).tables["human_words"]
    assert table[["participant", "word_index", "measure", "value"]].values.tolist() == [
        ["p1", 0, "gaze_duration", 210.0], ["p1", 1, "gaze_duration", 190.0]]
    assert table["source_line"].tolist() == [2, 3]


# -- eye tracking: each corpus's published layout ------------------------------------------------

GECO_COLUMNS = ["PP_NR", "GROUP", "LANGUAGE_RANK", "LANGUAGE", "PART", "TRIAL", "TRIAL_FIXATION_COUNT",
                "TRIAL_TOTAL_READING_TIME", "WORD_ID_WITHIN_TRIAL", "WORD_ID", "WORD", "WORD_AVERAGE_FIX_PUPIL_SIZE",
                "WORD_FIXATION_COUNT", "WORD_GAZE_DURATION", "WORD_FIRST_FIXATION_DURATION", "WORD_GO_PAST_TIME",
                "WORD_TOTAL_READING_TIME", "WORD_SKIP"]


def geco_rows():
    rows = []
    for pp in ("pp21", "pp22"):
        for k, (word, ffd) in enumerate([("The", 190), ("mysterious", 230), ("affair", "."), ("at", 150)], start=1):
            skip = ffd == "."
            rows.append([pp, "monolingual", 1, "English", 1, 5, 12, 3000, k, f"1-5-{k}", word, "." if skip else 1000,
                         0 if skip else 1, "." if skip else ffd, ffd, "." if skip else int(ffd) + 40,
                         "." if skip else int(ffd) + 60, int(skip)])
    return pd.DataFrame(rows, columns=GECO_COLUMNS)


def test_geco_csv_and_xlsx(tmp_path):
    geco_rows().to_csv(tmp_path / "MonolingualReadingData.csv", index=False)
    imported = et.import_word_reports([tmp_path / "MonolingualReadingData.csv"], et.WordImportSettings(preset="geco"))
    table = imported.tables["human_words"]
    assert set(table["item"]) == {"1-5"} and sorted(set(table["word_index"])) == [0, 1, 2, 3]
    assert set(table["measure"]) == {"first_fixation_duration", "gaze_duration", "go_past_time",
                                     "total_fixation_time", "fixation_count"}
    affair = table.query("participant == 'pp22' and word == 'affair'").set_index("measure")["value"]
    assert (affair == 0).all()  # '.' of a skipped word -> 0 (--skipped zero)
    at = table.query("participant == 'pp21' and word == 'at'").set_index("measure")["value"]
    assert at.to_dict() == {"fixation_count": 1, "gaze_duration": 150, "first_fixation_duration": 150,
                            "go_past_time": 190, "total_fixation_time": 210}
    assert set(table.query("word == 'at'")["orig_word_index"]) == {"4"}
    assert any("Cop, U." in n for n in imported.notes)
    # GECO is published as Excel; its reading data are on the sheet DATA
    with pd.ExcelWriter(tmp_path / "MonolingualReadingData.xlsx") as xl:
        pd.DataFrame({"about": ["GECO"]}).to_excel(xl, sheet_name="README", index=False)
        geco_rows().to_excel(xl, sheet_name="DATA", index=False)
    from_xlsx = et.import_word_reports([tmp_path / "MonolingualReadingData.xlsx"],
                                       et.WordImportSettings(preset="geco")).tables["human_words"]
    pd.testing.assert_frame_equal(from_xlsx.drop(columns="source_file"), table.drop(columns="source_file"),
                                  check_dtype=False)
    # without the preset, GECO's WORD_ID (1-5-1) is no word number, and the error says what to do
    with pytest.raises(DataError, match=r"line 2, column 'WORD_ID': '1-5-1' is not a whole number .*--preset geco"):
        et.import_word_reports([tmp_path / "MonolingualReadingData.csv"], et.WordImportSettings())


PROVO_COLUMNS = ["Participant_ID", "Word_Unique_ID", "Text_ID", "Word_Number", "Sentence_Number",
                 "Word_In_Sentence_Number", "Word", "Word_Cleaned", "Word_Length", "Total_Response_Count",
                 "IA_ID", "IA_LABEL", "IA_FIRST_FIXATION_DURATION", "IA_FIRST_RUN_DWELL_TIME", "IA_DWELL_TIME",
                 "IA_REGRESSION_PATH_DURATION", "IA_FIXATION_COUNT", "IA_SKIP"]


def test_provo_latin1_with_rows_that_have_no_word_number(tmp_path):
    header = ",".join(PROVO_COLUMNS)
    rows = ["1,QID1,1,1,1,1,There,there,5,40,1,There,200,200,250,200,1,0",
            "1,QID2,1,2,1,2,café,cafe,4,40,2,café,,,0,,0,1",  # skipped: empty durations, dwell 0
            "1,QID3,1,,1,3,now,now,3,40,3,now,180,180,180,180,1,0",  # no Word_Number: dropped
            "2,QID1,1,1,1,1,There,there,5,40,1,There,210,220,220,220,1,0"]
    (tmp_path / "Provo_Corpus-Eyetracking_Data.csv").write_bytes((header + "\n" + "\n".join(rows) + "\n")
                                                                 .encode("latin-1"))
    imported = et.import_word_reports([tmp_path], et.WordImportSettings(preset="provo"))
    table = imported.tables["human_words"]
    assert set(table["word"]) == {"There", "café"} and set(table["word_index"]) == {0, 1}
    assert [(d.line, d.reason) for d in imported.dropped] == [(4, "empty Word_Number (no word_index)")]
    assert any("read as latin-1" in n for n in imported.notes)
    cafe = table.query("word == 'café'").set_index("measure")["value"]
    assert cafe["total_fixation_time"] == 0 and cafe["first_fixation_duration"] == 0
    with pytest.raises(DataError, match=r"line 3: not valid utf-8 .*--encoding"):
        et.import_word_reports([tmp_path], et.WordImportSettings())


def test_meco_as_r_writes_it(tmp_path):
    """R's write.csv: row names in an unnamed first column, every string quoted."""
    lines = ['"","uniform_id","trialid","sentnum","ianum","ia","skip","firstfix.dur","firstrun.dur",'
             '"firstrun.gopast","dur","nfix","lang"']
    n = 0
    for lang, subject, words in (("en", "en_1", ["In", "ancient", "Rome,"]), ("ge", "ge_3", ["Im", "alten", "Rom"])):
        for k, w in enumerate(words, start=1):
            n += 1
            fix = "NA" if k == 2 else str(150 + k)
            lines.append(f'"{n}","{subject}",1,1,{k},"{w}",{int(k == 2)},{fix},{fix},{fix},{fix},'
                         f'{"NA" if k == 2 else 1},"{lang}"')
    (tmp_path / "joint_data_trimmed.csv").write_text("\n".join(lines) + "\n")
    imported = et.import_word_reports([tmp_path / "joint_data_trimmed.csv"], et.WordImportSettings(preset="meco"))
    table = imported.tables["human_words"]
    assert set(table["item"]) == {"en-1", "ge-1"} and set(table["lang"]) == {"en", "de"}  # MECO's ge is German
    assert table.query("word == 'Rome,' and measure == 'go_past_time'")["value"].tolist() == [153.0]
    assert table.query("word == 'Rome,'")["source_line"].unique().tolist() == [4]
    assert table.query("word == 'ancient'")["value"].tolist() == [0.0] * 5
    assert any("'Unnamed: 0' numbers the rows" in n or "'' numbers the rows" in n for n in imported.notes)


def bccwj_files(folder: Path, measure: str = "fpt", surface: bool = True) -> None:
    """A BCCWJ-EyeTrack table and its .tbl, in the release's layout (first columns of spt-del.csv)."""
    folder.mkdir(exist_ok=True)
    header = ("logtime,invtime,surface,time,measure,sample,article,metadata_orig,metadata,sessionN,length,space,subj,"
              "setorder,rspan,voc,dependent,articleN,screenN,lineN,segmentN,sample_screen")
    segments = [(1, 1, "東京の"), (1, 2, "大学に"), (2, 1, "通う")]  # (lineN, segmentN, bunsetsu)
    rows = []
    for subj in (1, 2):
        for line, seg, word in reversed(segments):  # file order is not reading order
            t = 300 + 10 * line + seg + subj
            rows.append(f"{np.log10(t)},{1 / t},{word if surface else '_'},{t},1,1,1,8,1,1,3,1,{subj},1,2,37.1,0,1,1,"
                        f"{line},{seg},1")
    (folder / f"{measure}.csv").write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    level = {"fpt": "EyeTrack:fpt", "total": "EyeTrack:total", "self": "SelfPaced"}[measure]
    (folder / f"{measure}.tbl").write_text(f"4\tmeasure\t{level}\t1\n12\tsubj\tU100142\t1\n12\tsubj\tU100443\t2\n"
                                           "21\tsample_screen\tA_1\t1\n", encoding="utf-8")


def test_bccwj_eyetrack_decodes_codes_and_ranks_bunsetsu(tmp_path):
    bccwj_files(tmp_path / "bccwj", "fpt")
    bccwj_files(tmp_path / "bccwj", "total")
    imported = et.import_word_reports([tmp_path / "bccwj"], et.WordImportSettings(preset="bccwj-eyetrack"))
    table = imported.tables["human_words"]
    assert set(table["participant"]) == {"U100142", "U100443"} and set(table["item"]) == {"A_1"}
    assert set(table["measure"]) == {"gaze_duration", "total_fixation_time"} and set(table["lang"]) == {"ja"}
    order = table.drop_duplicates("word_index").sort_values("word_index")
    assert order["word"].tolist() == ["東京の", "大学に", "通う"]
    assert order["orig_word_index"].tolist() == ["1-1", "1-2", "2-1"]
    assert table.query("participant == 'U100443' and word == '通う' and measure == 'gaze_duration'")[
        "value"].tolist() == [300 + 20 + 1 + 2]
    (tmp_path / "bccwj" / "total.tbl").unlink()
    coded = et.import_word_reports([tmp_path / "bccwj" / "total.csv"], et.WordImportSettings(preset="bccwj-eyetrack"))
    assert any("no total.tbl beside it" in n and "the measure (EyeTrack:total) is the file's name" in n
               for n in coded.notes)
    assert set(coded.tables["human_words"]["participant"]) == {"1", "2"}  # the release's codes
    bccwj_files(tmp_path / "spr", "self")
    with pytest.raises(DataError, match=r"measure 'SelfPaced' is not one of the bccwj-eyetrack layout.*--preset "
                                        r"bccwj-selfpaced"):
        et.import_word_reports([tmp_path / "spr"], et.WordImportSettings(preset="bccwj-eyetrack"))


def test_a_preset_on_another_corpus_says_so(tmp_path):
    relfix_files(tmp_path, subjects=("pp01",))
    with pytest.raises(DataError, match=r"column 'PP_NR' of the geco layout is missing .*is this a GECO"):
        et.import_word_reports([tmp_path], et.WordImportSettings(preset="geco"))


def test_every_preset_names_its_corpus_citation_source_and_what_was_checked():
    for preset in [*et.PRESETS.values(), *spr.PRESETS.values()]:
        assert preset.citation and preset.source.startswith(("http", "OSF")) and len(preset.checked) > 40, preset.name
        assert set(preset.measures.values()) <= set(et.MEASURES), preset.name


# -- self-paced reading -------------------------------------------------------------------------

IBEX = """# Results on Thursday, 02-May-2024 10:00:00 UTC.
#
# USER AGENT: Mozilla/5.0
# Design number was non-random = 0
#
# Columns below this comment are as follows:
# 1. Time results were received.
# 2. MD5 hash of participant's IP address.
# 3. Controller name.
# 4. Item number.
# 5. Element number.
# 6. Type.
# 7. Group.
# 8. Word number.
# 9. Word.
# 10. Reading time.
# 11. Newline?.
# 12. Sentence (or sentence MD5).
1714644000,0c1d2e3f4a5b6c7d8e9f,DashedSentence,3,0,practice,NULL,1,Hello%2C,412,false,Hello%2C world.
1714644000,0c1d2e3f4a5b6c7d8e9f,DashedSentence,3,0,practice,NULL,2,world.,380,false,Hello%2C world.
{rows}
# 8. Question (NULL if none).
# 9. Answer.
# 10. Whether or not answer was correct (NULL if N/A).
# 11. Time taken to answer.
1714644000,0c1d2e3f4a5b6c7d8e9f,Question,5,1,exp,1,NULL,Yes,1,1500
"""


def ibex_text(seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    rows = []
    for item, words in texts().items():
        for k, w in enumerate(words, start=1):
            rows.append(f"1714644000,0c1d2e3f4a5b6c7d8e9f,DashedSentence,{int(item) + 10},0,exp,1,{k},{w},"
                        f"{int(rng.integers(250, 600))},false,{' '.join(words)}")
    return IBEX.replace("{rows}", "\n".join(rows))


def test_ibex_results_file(tmp_path):
    (tmp_path / "results").write_text(ibex_text())
    imported = spr.run([tmp_path / "results"], spr_args(tmp_path))
    table = imported.tables["human_words"]
    assert set(table["measure"]) == {"reading_time"} and table["participant"].nunique() == 1
    assert table["participant"].iloc[0] == "0c1d2e3f-1714644000"  # one submission
    hello = table.query("item == '3'").sort_values("word_index")
    assert hello["word"].tolist() == ["Hello,", "world."] and hello["word_index"].tolist() == [0, 1]  # %2C decoded
    assert hello["value"].tolist() == [412.0, 380.0] and hello["source_line"].tolist() == [19, 20]
    assert any("1 Question" in n for n in imported.notes)
    assert imported.settings["word_index_base"] == 1
    no_practice = spr.run([tmp_path / "results"], spr_args(tmp_path, drop_type=["practice"]))
    assert "3" not in set(no_practice.tables["human_words"]["item"])
    assert [(d.line, d.reason) for d in no_practice.dropped] == [(19, "type practice (--drop-type)"),
                                                                 (20, "type practice (--drop-type)")]


def test_pcibex_results_file_with_a_logged_participant(tmp_path):
    """PCIbex's layout: the comments name columns 13-16 again before each DashedSentence block."""
    header = """# Results on Sunday May 02 2021 16:42:49 UTC
# Columns below this comment are as follows:
# 1. Results reception time.
# 2. MD5 hash of participant's IP address.
# 3. Controller name.
# 4. Order number of item.
# 5. Inner element number.
# 6. Label.
# 7. Latin Square Group.
# 8. PennElementType.
# 9. PennElementName.
# 10. Parameter.
# 11. Value.
# 12. EventTime.
# 13. PROLIFIC_PID.
# 14. Comments.
1619973769,313362cc,PennController,1,0,exp,NULL,PennController,1,_Trial_,Start,1619973765705,abc123,NULL
# 13. Reading time.
# 14. Newline?.
# 15. Sentence (or sentence MD5).
# 16. PROLIFIC_PID.
# 17. Comments.
"""
    sentence = "A menina comeu o bolo."
    rows = [f"1619973769,313362cc,PennController,1,0,exp,NULL,Controller-DashedSentence,DashedSentence,{k},{w},"
            f"1619973767629,{300 + k},false,{sentence},abc123,NULL" for k, w in enumerate(sentence.split(), start=1)]
    tail = ("\n# 13. PROLIFIC_PID.\n# 14. Comments.\n"
            "1619973769,313362cc,PennController,1,0,exp,NULL,PennController,1,_Trial_,End,1,abc123,NULL\n")
    (tmp_path / "results.csv").write_text(header + "\n".join(rows) + tail)
    imported = spr.run([tmp_path / "results.csv"], spr_args(tmp_path))
    table = imported.tables["human_words"]
    assert set(table["participant"]) == {"abc123"}
    assert table.sort_values("word_index")["value"].tolist() == [301.0, 302.0, 303.0, 304.0, 305.0]
    item = table["item"].iloc[0]
    assert item.startswith("s-") and len(item) == 12  # no logged item: the sentence names it
    assert any("each sentence is an item" in n for n in imported.notes)
    assert any("2 PennController" in n for n in imported.notes)


def test_natural_stories_and_a_generic_long_table(tmp_path):
    rows = ["WorkerId\tWorkTimeInSeconds\tcorrect\titem\tzone\tRT\tword"]
    for worker in ("A1", "B2"):
        for zone, w in enumerate(["If", "you", "were", "to"], start=1):
            rows.append(f"{worker}\t1200\t6\t1\t{zone}\t{300 + zone}\t{w}")
    rows.append("B2\t1200\t6\t1\t5\t\tjourney")  # no RT: left out, never 0 ms
    (tmp_path / "processed_RTs.tsv").write_text("\n".join(rows) + "\n")
    imported = spr.run([tmp_path / "processed_RTs.tsv"], spr_args(tmp_path, preset="natural-stories"))
    table = imported.tables["human_words"]
    assert table.query("participant == 'A1'")["word_index"].tolist() == [0, 1, 2, 3]
    assert [(d.line, d.reason) for d in imported.dropped] == [(10, "empty RT (no reading time)")]
    assert set(table["lang"]) == {"en"} and any("Futrell" in n for n in imported.notes)
    generic = "subject,sentence_id,word_pos,word,RT,condition\ns1,7,0,Hi,350,a\ns1,7,1,there,420,a\n"
    (tmp_path / "spr.csv").write_text(generic)
    g = spr.run([tmp_path / "spr.csv"], spr_args(tmp_path)).tables["human_words"]
    assert g[["participant", "item", "word_index", "measure", "value"]].values.tolist() == [
        ["s1", "7", 0, "reading_time", 350.0], ["s1", "7", 1, "reading_time", 420.0]]


def test_bccwj_selfpaced(tmp_path):
    bccwj_files(tmp_path, "self")
    table = spr.run([tmp_path / "self.csv"], spr_args(tmp_path, preset="bccwj-selfpaced")).tables["human_words"]
    assert set(table["measure"]) == {"reading_time"} and table["word_index"].max() == 2


def test_the_self_paced_reading_command_writes_the_table(tmp_path, capsys):
    (tmp_path / "results").write_text(ibex_text())
    assert import_cli("self-paced-reading", str(tmp_path / "results"), "--out", str(tmp_path / "out")) == 0
    out = capsys.readouterr().out
    assert "human_words: 44 rows" in out and "import_report.json" in out
    table = pd.read_csv(tmp_path / "out" / "human_words.csv")
    assert len(table) == 44 and set(table["measure"]) == {"reading_time"}
    assert import_cli("self-paced-reading", str(tmp_path / "results"), "--out", str(tmp_path / "out")) == 1
    assert "already holds human_words.csv, import_report.json; nothing was overwritten" in capsys.readouterr().err


def spr_args(tmp_path: Path, **overrides):
    import argparse

    parser = argparse.ArgumentParser()
    spr.add_arguments(parser)
    args = parser.parse_args(["x", "--out", str(tmp_path / "unused")])
    for key, value in overrides.items():
        setattr(args, key, value)
    return args


def test_data_md_documents_the_importers_presets_and_the_word_check():
    from tests.helpers import ROOT

    text = (ROOT / "docs" / "DATA.md").read_text(encoding="utf-8")
    importing = text.split("\n## Importing data\n")[1].split("\n## ")[0]
    assert "### eye-tracking" in importing and "### self-paced-reading" in importing
    for name in [*et.PRESETS, *spr.PRESETS]:
        assert f"`{name}`" in importing or f"--preset {name}`" in importing, name
    for phrase in ("--subject-from-filename", "--word-index-base 1", "--skipped zero", "`Unnamed: 0`",
                   "Sentence (or sentence MD5)", "Luke & Christianson 2018", "CC BY-NC-SA 3.0"):
        assert phrase in importing, phrase
    assert "### trials and words" in text.split("\n## Exporting data\n")[1]
    assert "normalise_word" in text and "numbers words from 1" in text
