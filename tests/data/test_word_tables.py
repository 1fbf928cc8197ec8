"""Word tables for the attention comparisons: refusals name file, line and column; eye-tracking exports import."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from psyai.data.word_tables import (HUMAN_COLUMNS, head_average, import_human_table, load_human_table,
                                  read_model_measures, word_predictors)
from psyai.data.word_tables import MIN_FREQUENCY
from psyai.errors import DataError

GOOD = """participant,item,word_index,word,measure,value
p1,t1,0,The,reading_time,310
p1,t1,1,cat,reading_time,290.5
p1,t1,0,The,selected,0
p1,t1,1,cat,selected,1
p2,t1,0,The,reading_time,350
p2,t1,1,cat,reading_time,280
"""


def write(tmp_path, text, name="words.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_accepts_long_table(tmp_path):
    table = import_human_table(write(tmp_path, GOOD))
    assert list(table.columns) == list(HUMAN_COLUMNS)
    assert table["word_index"].dtype.kind == "i" and table["value"].dtype.kind == "f"
    assert len(table) == 6


def test_accepts_eye_tracking_export(tmp_path):
    """A wide, EyeLink/ioHub-style interest-area report, TSV, with export column names."""
    text = ("RECORDING_SESSION_LABEL\tTRIAL\tIA_ID\tIA_LABEL\tIA_DWELL_TIME\tIA_FIRST_FIXATION_DURATION\t"
            "relative_fixation_duration\n"
            "s01\tgeco-1\t0\tWhat\t220\t180\t0.25\n"
            "s01\tgeco-1\t1\tnow?\t\t\t0\n"  # skipped word: empty durations are dropped
            "s02\tgeco-1\t0\tWhat\t250\t200\t0.3\n")
    table = import_human_table(write(tmp_path, text, "ia_report.tsv"))
    assert set(table["measure"]) == {"total_fixation_time", "first_fixation_duration", "relative_fixation_duration"}
    assert set(table["participant"]) == {"s01", "s02"} and set(table["item"]) == {"geco-1"}
    assert len(table) == 7
    s01 = table.query("participant == 's01' and measure == 'total_fixation_time'")
    assert s01["value"].tolist() == [220.0]


def test_user_column_mapping(tmp_path):
    text = GOOD.replace("participant,", "sujeto,", 1)
    table = import_human_table(write(tmp_path, text), columns={"sujeto": "participant"})
    assert set(table["participant"]) == {"p1", "p2"}


@pytest.mark.parametrize("edit, match", [
    (lambda t: t.replace("participant,", "person,", 1), r"words\.csv: column 'participant' is missing.*rename"),
    (lambda t: t.replace("p1,t1,1,cat,reading_time,290.5", "p1,t1,1,cat,reading_time,slow"),
     r"words\.csv: line 3, column 'value': 'slow' is not a number"),
    (lambda t: t.replace("p1,t1,1,cat,selected,1", "p1,t1,1,cat,selected,2"),
     r"words\.csv: line 5, column 'value': selected = 2 must be 0 or 1"),
    (lambda t: t.replace("p2,t1,0,The,reading_time,350", "p2,t1,0,The,reading_time,-5"),
     r"line 6, column 'value': reading_time = -5 is a duration in ms and cannot be negative"),
    (lambda t: t.replace("p2,t1,1,cat,reading_time,280", "p2,t1,1.5,cat,reading_time,280"),
     r"line 7, column 'word_index': '1.5' is not a whole number"),
    (lambda t: t.replace("p2,t1,1,cat,reading_time,280", "p2,t1,1,dog,reading_time,280"),
     r"line 7, column 'word': item 't1' word_index 1 is 'dog' here but 'cat' at .*words\.csv: line 3"),
    (lambda t: t.replace("p2,t1,1,cat,reading_time,280", "p1,t1,1,cat,reading_time,280"),
     r"line 7: participant 'p1'.*appears twice \(also .*words\.csv: line 3\)"),
    (lambda t: t.replace("p2,t1,1,cat,reading_time,280", ",t1,1,cat,reading_time,280"),
     r"line 7, column 'participant': empty"),
])
def test_refuses_bad_tables(tmp_path, edit, match):
    with pytest.raises(DataError, match=match):
        import_human_table(write(tmp_path, edit(GOOD)))


def test_wide_errors_name_the_file_line(tmp_path):
    text = "subject,item,word_index,word,TRT\ns1,a,0,Hi,100\ns1,a,1,there,-3\n"
    with pytest.raises(DataError, match=r"wide\.csv: line 3, column 'value': total_fixation_time = -3"):
        import_human_table(write(tmp_path, text, "wide.csv"))


def test_missing_file_and_empty_folder(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        import_human_table(tmp_path / "absent.csv")
    (tmp_path / "data").mkdir()
    write(tmp_path / "data", "a,b\n1,2\n", "session_log.csv")
    with pytest.raises(DataError, match="no human word table found in this folder"):
        load_human_table(tmp_path / "data")


def test_folder_of_tables(tmp_path):
    (tmp_path / "data" / "sub-01").mkdir(parents=True)
    write(tmp_path / "data" / "sub-01", GOOD)
    write(tmp_path / "data", "a,b\n1,2\n", "other.csv")
    assert len(load_human_table(tmp_path / "data")) == 6


def test_model_measures_validation(tmp_path):
    text = ("text_id,word_index,word,measure,layer,head,value\n"
            "t1,0,The,surprisal,,-1,3.2\nt1,0,The,attention,0,0,0.2\nt1,0,The,attention,0,1,0.4\n")
    mm = read_model_measures(write(tmp_path, text, "mm.csv"))
    assert mm["layer"].tolist() == [-1, 0, 0]
    avg = head_average(mm).set_index("measure")["value"]
    assert avg["attention"] == pytest.approx(0.3)
    with pytest.raises(DataError, match=r"mm\.csv: line 3, column 'layer': 'x' is not a whole number"):
        read_model_measures(write(tmp_path, text.replace("attention,0,0", "attention,x,0"), "mm.csv"))


def test_word_frequencies_come_from_the_wordfreq_norms_by_hand():
    """English words as wordfreq gives them; a Japanese bunsetsu from its UniDic morphemes' norms, combined
    as wordfreq combines tokens (1/f = sum of 1/f_i); the language is found from the script."""
    from wordfreq import get_frequency_dict, word_frequency

    words = pd.DataFrame({"item": ["en1", "en1", "en1", "ja1", "ja1", "ja1"], "word_index": [0, 1, 2, 0, 1, 2],
                          "word": ["The", "mountain,", "zzqxjv", "本を", "傘が", "読んだ。"]})
    p = word_predictors(words).set_index(["item", "word_index"])["log_freq"]
    assert p[("en1", 0)] == pytest.approx(np.log(word_frequency("the", "en")))
    assert p[("en1", 1)] == pytest.approx(np.log(word_frequency("mountain", "en")))
    assert p[("en1", 2)] == pytest.approx(np.log(MIN_FREQUENCY))  # not in the list: the floor
    ja = get_frequency_dict("ja")
    assert p[("ja1", 0)] == pytest.approx(-np.log(1 / ja["本"] + 1 / ja["を"]))
    assert p[("ja1", 2)] == pytest.approx(-np.log(1 / ja["読ん"] + 1 / ja["だ"]))  # 。 is no token
    assert p[("en1", 0)] > p[("en1", 1)] and p[("ja1", 0)] > p[("ja1", 1)]  # 本を is commoner than 傘が
    # numbers as wordfreq stores them: digits as 0s, scaled by its distribution of digit strings
    from wordfreq.numbers import digit_freq

    from psyai.data.word_tables import norm_frequency

    assert norm_frequency("2024", "ja") == pytest.approx(ja["0000"] * digit_freq("2024"))
    assert norm_frequency("１０人", "ja") == pytest.approx(1 / (1 / (ja["00"] * digit_freq("10")) + 1 / ja["人"]))
    # a lang column, where the table has one, is used as it is
    assert word_predictors(words.assign(lang="en"))["log_freq"].iloc[3] != p[("ja1", 0)]
    with pytest.raises(DataError, match="frequency source 'zipf': use one of wordfreq, local"):
        word_predictors(words, source="zipf")


def test_word_predictors_hand_computed():
    words = pd.DataFrame({"item": ["a", "a", "a", "b"], "word_index": [0, 1, 2, 0],
                          "word": ["The", "cat,", "the", "dog"]})
    p = word_predictors(words, source="local").set_index(["item", "word_index"])
    assert p["length"].tolist() == [3, 3, 3, 3]
    assert p.loc[("a", 0), "log_freq"] == pytest.approx(np.log(2 / 4))  # "the" twice among 4 tokens
    assert p.loc[("b", 0), "log_freq"] == pytest.approx(np.log(1 / 4))
    assert p["position"].tolist() == [0, 1, 2, 0]


def test_a_recorded_language_is_kept_and_used_for_frequencies():
    """An English item quoting a Japanese word stays English when the table says so."""
    from psyai.data.word_tables import validate_human_table

    rows = [{"participant": "p1", "item": "en1", "word_index": i, "word": w, "measure": "reading_time",
             "value": 300.0, "lang": "en"} for i, w in enumerate(["I", "love", "sushi", "(寿司)", "very", "much."])]
    human = validate_human_table(pd.DataFrame(rows))
    assert (human["lang"] == "en").all()
    very = word_predictors(human).set_index("word_index").loc[4, "log_freq"]
    assert very == pytest.approx(np.log(__import__("wordfreq").word_frequency("very", "en")))
    guessed = word_predictors(human.drop(columns="lang")).set_index("word_index").loc[4, "log_freq"]
    assert guessed != very  # without the column the kanji make the whole item count as Japanese


# -- the word check, the normaliser, index columns (issue 13) ------------------------------------

def test_normalise_word_drops_case_punctuation_and_nothing_else():
    from psyai.data.word_tables import normalise_word

    assert normalise_word("Mountain,") == "mountain"
    assert normalise_word("déjà-vu") == "déjàvu"
    assert normalise_word("「本を」") == "本を"
    assert normalise_word("...") == ""
    assert normalise_word("snake_case") == "snakecase"
    assert normalise_word("ＧＰＴ") == "ｇｐｔ"  # no Unicode normalisation: full-width stays full-width
    assert normalise_word(42) == "42"


def test_index_columns_are_recognised_by_name_and_x_only_by_its_run():
    from psyai.data.word_tables import is_index_column

    for name in ("", "Unnamed: 0", "unnamed: 3", "...1", "index", "level_0"):
        assert is_index_column(name), name
    for name in ("TRT", "word_id", "Index_of_word", "X1"):
        assert not is_index_column(name), name
    assert is_index_column("X", pd.Series(["1", "2", "3"]))
    assert is_index_column("X", pd.Series([0, 1, 2]))
    assert not is_index_column("X", pd.Series(["210", "180", "0"]))  # an X that holds measurements
    assert not is_index_column("X")


def test_a_saved_index_column_is_never_a_measure(tmp_path):
    """pandas' to_csv writes its index as an unnamed first column ('Unnamed: 0' when read back); it was
    analysed as a measure before issue 13."""
    text = (",participant,item,word_index,word,TRT,relFix\n"
            "0,pp01,0,0,de,191.0,0.4\n1,pp01,0,1,enorme,282.0,0.6\n")
    table = import_human_table(write(tmp_path, text, "pp01.csv"))
    assert set(table["measure"]) == {"total_fixation_time", "relative_fixation_duration"}
    with pytest.raises(DataError, match=r"'Unnamed: 0' numbers the rows \(a saved index\)"):
        import_human_table(write(tmp_path, text, "pp01.csv"), measures=["Unnamed: 0"])
    only_ids = ",participant,item,word_index,word,word_id_orig\n0,pp01,0,0,de,1-5-1\n"
    with pytest.raises(DataError, match=r"no measure columns found .*other columns here: word_id_orig\)"):
        import_human_table(write(tmp_path, only_ids, "ids.csv"))


def test_a_report_without_participant_points_to_the_importer(tmp_path):
    text = ",sentence_id,word_id,word,TRT\n0,0,0,de,191.0\n"
    path = write(tmp_path, text.replace("sentence_id", "item").replace("word_id", "word_index"), "pp01.csv")
    with pytest.raises(DataError, match=r"pp01\.csv: column 'participant' is missing .*psyai import eye-tracking"):
        import_human_table(path)
    folder = tmp_path / "reports"
    folder.mkdir()
    write(folder, text, "pp01-relfix-feats.csv")
    with pytest.raises(DataError, match=r"no human word table found .*psyai import eye-tracking FOLDER --out DIR"):
        load_human_table(folder)


def test_rows_from_other_files_are_named_by_their_own_file_and_line():
    from psyai.data.word_tables import validate_human_table

    rows = pd.DataFrame({"participant": ["pp01", "pp01", "pp01"], "item": ["s1"] * 3, "word_index": [0, 1, 0],
                         "word": ["de", "zaak", "de"], "measure": "total_fixation_time", "value": [191, 282, 200]})
    origins = [("pp01.csv", 2), ("pp01.csv", 3), ("pp01_copy.csv", 2)]
    with pytest.raises(DataError, match=r"^pp01_copy\.csv: line 2: participant 'pp01'.*appears twice "
                                        r"\(also pp01\.csv: line 2\)"):
        validate_human_table(rows, origins=origins)
    rows.loc[2, ["participant", "word"]] = ["pp02", "het"]
    with pytest.raises(DataError, match=r"^pp01_copy\.csv: line 2, column 'word': item 's1' word_index 0 is 'het' "
                                        r"here but 'de' at pp01\.csv: line 2"):
        validate_human_table(rows, origins=origins)
    rows.loc[2, "value"] = -1
    with pytest.raises(DataError, match=r"^pp01_copy\.csv: line 2, column 'value': total_fixation_time = -1"):
        validate_human_table(rows, origins=origins)


def test_fixation_counts_are_whole_numbers_of_at_least_zero():
    from psyai.data.word_tables import validate_human_table

    rows = pd.DataFrame({"participant": "p1", "item": "s1", "word_index": [0, 1], "word": ["a", "b"],
                         "measure": "fixation_count", "value": [2, 0]})
    assert validate_human_table(rows)["value"].tolist() == [2.0, 0.0]
    with pytest.raises(DataError, match=r"line 3, column 'value': fixation_count = 1.5 is a number of fixations"):
        validate_human_table(rows.assign(value=[2, 1.5]))


def _model(words_by_item):
    return pd.DataFrame([{"text_id": item, "word_index": i, "word": w, "measure": "surprisal", "layer": -1,
                          "head": -1, "value": 1.0}
                         for item, words in words_by_item.items() for i, w in enumerate(words)])


def _human(words_by_item, start=0):
    return pd.DataFrame([{"participant": "p1", "item": item, "word_index": i + start, "word": w,
                          "measure": "reading_time", "value": 300.0}
                         for item, words in words_by_item.items() for i, w in enumerate(words)])


TEXTS = {"t1": "The cat sat on the mat today".split(), "t2": "A dog ran under a wet table".split()}


def test_the_word_check_counts_every_mismatch_and_lists_the_first_ones():
    from psyai.data.word_tables import check_same_words

    check_same_words(_human({"t1": ["the", "CAT,", "sat", "on", "the", "mat.", "today"]}), _model(TEXTS))
    other = {"t1": "The cat sat upon a mat today".split(), "t2": "A cat walked under one wet desk".split()}
    with pytest.raises(DataError) as err:
        check_same_words(_human(other), _model(TEXTS))
    msg = str(err.value)
    assert msg.startswith("6 of 14 words in 2 of 2 items differ between the human and the model table (first 5: "
                          "item 't1', word_index 3: people saw 'upon', the model table has 'on'; ")
    assert "item 't2', word_index 2: people saw 'walked'" in msg and "'desk'" not in msg  # the 6th is counted only
    assert "split the text into words differently" in msg and "numbers words from 1" not in msg


def test_a_human_table_numbered_from_one_is_named_as_such():
    """Before issue 13, words numbered from 1 were blamed on the segmentation."""
    from psyai.data.word_tables import check_same_words

    with pytest.raises(DataError, match=r"^14 of 14 words in 2 of 2 items differ .*item 't1', word_index 1: people "
                                        r"saw 'The', the model table has 'cat'.*the human table numbers words from "
                                        r"1, the model's from 0\. Import it with --word-index-base 1"):
        check_same_words(_human(TEXTS, start=1), _model(TEXTS))
    # a different text that merely lacks word 0 is not called an off-by-one
    with pytest.raises(DataError, match="split the text into words differently"):
        check_same_words(_human({"t1": "dog ran far away from the house".split()}, start=1), _model(TEXTS))
