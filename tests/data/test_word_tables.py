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
     r"line 7, column 'word': item 't1' word_index 1 is 'dog' here but 'cat' elsewhere"),
    (lambda t: t.replace("p2,t1,1,cat,reading_time,280", "p1,t1,1,cat,reading_time,280"),
     r"line 7: participant 'p1'.*appears twice"),
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
