"""Tests of psyai/curation.py: the curation before reward-model training.

The references are hand-made: a ranking table in Japanese and English whose
e-mails, phone numbers, postal addresses and shared prefixes were placed by hand,
so the exact set of rows that must be dropped — and why — is written out below;
near-misses (versions, years, times, @mentions, failed checksums) must be kept.
Checksums are pinned to published examples: the Luhn test numbers of the card
networks (4111 1111 1111 1111 Visa, 5500 0000 0000 0004 Mastercard, 378282246310005
Amex) and the My Number example 1234 5678 9018 used by the Digital Agency's
documentation (check digit 8 by the rule of 総務省令第八十五号).
"""

from __future__ import annotations

import pandas as pd
import pytest

from psyai.curation import (
    DETECTORS, RULES, CurationConfig, common_prefix_length, curate, curation_summary, find_pii, luhn_valid,
    mask, my_number_valid, normalize_text,
)
from psyai.errors import DataError

# --------------------------------------------------------------------------- detectors

POSITIVES = [
    ("mail me at taro.yamada+x@example.co.jp please", {"email"}),
    ("連絡先：hanako@example.jp までどうぞ", {"email"}),
    ("ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ", {"email"}),                   # full-width, NFKC
    ("電話は090-1234-5678です", {"phone_jp"}),
    ("固定電話 03-1234-5678", {"phone_jp"}),
    ("０９０－１２３４－５６７８に", {"phone_jp"}),                      # full-width digits and hyphen
    ("０９０ー１２３４ー５６７８", {"phone_jp"}),                        # long-vowel mark as hyphen
    ("03(1234)5678", {"phone_jp"}),
    ("フリーダイヤル0120-123-456", {"phone_jp"}),
    ("09012345678に電話", {"phone_jp"}),
    ("TEL:0312345678", {"phone_jp"}),
    ("Tel.090-1234-5678", {"phone_jp"}),
    ("FAX.03-1234-5678", {"phone_jp"}),
    ("TEL03-1234-5678", {"phone_jp"}),
    ("℡03-1234-5678", {"phone_jp"}),                                   # NFKC: TEL
    ("(03)1234-5678", {"phone_jp"}),
    ("（０３）１２３４－５６７８", {"phone_jp"}),
    ("番号は0312345678です", {"phone_jp"}),
    ("080-12345678", {"phone_jp"}),
    ("090.1234.5678", {"phone_jp"}),
    ("090・1234・5678", {"phone_jp"}),
    ("+81-90-1234-5678", {"phone_intl"}),
    ("+1 (415) 555-2671", {"phone_intl", "phone_us"}),
    ("call (415) 555-2671 today", {"phone_us"}),
    ("415-555-2671", {"phone_us"}),
    ("415.555.2671", {"phone_us"}),
    ("+44 20 7946 0958", {"phone_intl"}),
    ("ring 07700 900123", {"phone_uk"}),
    ("020 7946 0958", {"phone_uk", "phone_jp"}),                        # 10 digits from 0: both formats
    ("〒100-0001 東京都千代田区千代田1-1", {"postal_jp", "address_jp"}),
    ("100-0001東京都", {"postal_jp"}),
    ("郵便番号1000001", {"postal_jp"}),
    ("住所は大阪府大阪市北区梅田3丁目1番1号です", {"address_jp"}),
    ("北海道札幌市中央区北一条西二丁目", {"address_jp"}),
    ("東京都渋谷区神宮前 1-2-3", {"address_jp"}),
    ("東京都渋谷区神宮前\u30001-2-3", {"address_jp"}),                    # ideographic space
    ("1600 Pennsylvania Avenue NW, Washington, DC 20500", {"address_us"}),
    ("Springfield, IL 62704", {"address_us"}),
    ("10 Downing Street, London SW1A 2AA", {"address_us", "postcode_uk"}),
    ("Manchester M1 1AE", {"postcode_uk"}),
    ("4111 1111 1111 1111", {"card_number"}),
    ("5500-0000-0000-0004", {"card_number"}),
    ("378282246310005", {"card_number"}),
    ("マイナンバーは1234 5678 9018です", {"my_number_jp"}),
    ("SSN 123-45-6789", {"ssn_us"}),
    ("私の名前は山田太郎です", {"self_introduction"}),
    ("はじめまして、山田と申します。", {"self_introduction"}),
    ("氏名：佐藤花子", {"self_introduction"}),
    ("Hi, my name is John Smith.", {"self_introduction"}),
    ("Call me Ishmael.", {"self_introduction"}),
]

NEAR_MISSES = [
    "version 1.2.3", "released in 2024", "meet at 10:30", "8:30-17:00", "thanks @mention and @taro",
    "user@localhost", "2024-01-15", "03-12-2024", "2023年4月1日", "4111 1111 1111 1112",   # Luhn fails
    "1234 5678 9012",                                                                       # check digit fails
    "東京都に住んでいます", "東京都の区役所で3番の窓口", "ISO 9001", "Call 555-1234", "price 1,234,567 yen",
    "300 500 1000", "A4 paper", "123-4567", "score 12-34-5678", "COVID-19", "GPT-4o", "v2.0.1-beta",
    "3.14159265358979", "ISBN 978-4-06-123456-7", "+5 points", "第1章 3-2 節", "コーヒーを3-4杯", "000-12-3456",
    "名前は大事です", "my name is not important", "call me back later", "申し訳ありません",
]


@pytest.mark.parametrize("text,expected", POSITIVES)
def test_detectors_find_personal_information(text, expected):
    assert {m.detector for m in find_pii(text)} == expected


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_are_not_personal_information(text):
    assert find_pii(text) == []


def test_checksums_against_published_examples():
    assert luhn_valid("4111 1111 1111 1111") and luhn_valid("378282246310005") and luhn_valid("5500000000000004")
    assert not luhn_valid("4111111111111112") and not luhn_valid("")
    # Digital Agency example 1234 5678 9018: sum of P_n Q_n over 10987654321 with
    # Q = 2..7,2..6 is 1*2+0*3+9*4+8*5+7*6+6*7+5*2+4*3+3*4+2*5+1*6 = 212; 212 mod 11 = 3; 11 - 3 = 8
    assert my_number_valid("123456789018")
    assert not my_number_valid("123456789012") and not my_number_valid("12345678901")


def test_normalisation_and_mask():
    assert normalize_text("０３－１２３４－５６７８") == "03-1234-5678"
    assert normalize_text("コーヒー") == "コーヒー"                    # ー only becomes - between digits
    assert mask("taro@example.co.jp") == "t***@*******.**.**"
    assert mask("東京都千代田区") == "東******"
    assert common_prefix_length("東京の天気を教えて", "東京の人口を教えて") == 3
    for text, _ in POSITIVES:  # a report never shows the digits or the name that matched
        for m in find_pii(text):
            assert "1234" not in m.masked and "example" not in m.masked and "千代田" not in m.masked


def test_every_detector_is_exercised():
    found = set().union(*(expected for _, expected in POSITIVES))
    assert found == set(DETECTORS)


# --------------------------------------------------------------------------- curate on a hand-made table

CLEAN_EN = ["The sea is calm tonight.", "Waves fold into foam.", "Version 1.2.3 of the poem.",
            "Thanks @mention, see you at 10:30 in 2024."]
CLEAN_JA = ["浅草寺です。", "東京タワーです。", "東京都に住んでいます。", "明治神宮です。"]

PROMPTS = {
    # prompt_id: (prompt, outputs)
    "en1": ("Write a short poem about the sea.",
            CLEAN_EN[:3] + ["Write to me at poet@example.com for more."]),             # e-mail in an output
    "en2": ("My phone is 415-555-2671; write me a reminder to call the bank.", CLEAN_EN),  # phone in the prompt
    "en3": ("Write a short poem about the sea, in the style of Basho.", CLEAN_EN),       # 32-char shared prefix
    "en4": ("Write a short story about a cat.", CLEAN_EN),                                # only 14 shared: kept
    "en5": ("Give me an address.", ["10 Downing Street, London SW1A 2AA", "Call 020 7946 0958",
                                    "A4 paper"]),                                          # one left: too few
    "ja1": ("東京でおすすめの観光地を三つ、それぞれの見どころと一緒に教えてください。",
            CLEAN_JA[:2] + ["〒100-0001 東京都千代田区千代田1-1 の皇居です。", "電話は０９０ー１２３４ー５６７８です。"]),
    "ja2": ("東京でおすすめの観光地を三つ、それぞれの見どころと一緒に教えてください。短くお願いします。", CLEAN_JA),   # shared prefix with ja1
    "ja3": ("ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐに送るメールを書いて。", CLEAN_JA),        # full-width e-mail in prompt
    "ja4": ("大阪でおすすめの観光地を三つ、それぞれの見どころと一緒に教えてください。", CLEAN_JA),                  # differs at char 1: kept
    "ja5": ("東京でおすすめの観光地を三つ、それぞれの見どころと一緒に教えてください。", CLEAN_JA),                  # same text as ja1
}


def make_rankings(schedule: dict[str, list[tuple[int, str]]]) -> pd.DataFrame:
    """Rows of the long-form ranking table: participant → [(session, prompt_id) in trial order]."""
    rows = []
    for participant, trials in schedule.items():
        for trial_index, (session, pid) in enumerate(trials):
            prompt, outputs = PROMPTS[pid]
            for position, text in enumerate(outputs):
                rows.append({"participant": participant, "session": session, "trial_index": trial_index,
                             "prompt_id": pid, "prompt": prompt, "item_id": f"{pid}-o{position}",
                             "model": f"m{position}", "text": text, "position": position, "rank": position + 1,
                             "run_mode": "simulated"})
    return pd.DataFrame(rows)


@pytest.fixture
def rankings() -> pd.DataFrame:
    # p1's table rows are not in time order: session 2 (trial_index 0, 1) comes first in the table
    p1 = [(2, "ja4"), (2, "en4"), (1, "en1"), (1, "ja1"), (1, "en2")]
    p2 = [(1, "en3"), (1, "ja2"), (1, "ja3"), (1, "en5"), (1, "ja5"), (1, "en1"), (1, "ja4")]
    return make_rankings({"p1": p1, "p2": p2})


CONFIG = CurationConfig(max_prompts_per_participant=3, min_shared_prefix=30)


def test_curate_drops_exactly_what_it_should(rankings):
    kept, dropped = curate(rankings, CONFIG)
    got = {(r.rule, r.participant, r.prompt_id, r.item_id, r.detector) for r in dropped.itertuples()}
    expected = {
        # personal information in a prompt: every output of every trial of that prompt
        *{("pii_prompt", "p1", "en2", f"en2-o{k}", "phone_us") for k in range(4)},
        *{("pii_prompt", "p2", "ja3", f"ja3-o{k}", "email") for k in range(4)},
        # personal information in an output: that output, for every participant who saw it
        ("pii_output", "p1", "en1", "en1-o3", "email"), ("pii_output", "p2", "en1", "en1-o3", "email"),
        ("pii_output", "p1", "ja1", "ja1-o2", "postal_jp, address_jp"),
        ("pii_output", "p1", "ja1", "ja1-o3", "phone_jp"),
        ("pii_output", "p2", "en5", "en5-o0", "address_us, postcode_uk"),
        ("pii_output", "p2", "en5", "en5-o1", "phone_jp, phone_uk"),
        # a ranking of one output is no ranking
        ("too_few_outputs", "p2", "en5", "en5-o2", None),
        # en3 repeats en1's first 32 characters; ja2 and ja5 repeat ja1 (ja5 word for word).
        # en1 and ja1 come first in the table (p1's rows), so the later ones go.
        *{("shared_prefix", "p2", pid, f"{pid}-o{k}", None) for pid in ("en3", "ja2", "ja5") for k in range(4)},
        # p1 keeps 3 prompts in session/trial order: en1, ja1 (session 1; en2 went for PII), then ja4
        *{("max_prompts", "p1", "en4", f"en4-o{k}", None) for k in range(4)},
        # p2: after the rules above only en1 and ja4 are left (<= 3): nothing more
    }
    assert got == expected
    assert len(kept) + len(dropped) == len(rankings)
    assert set(kept.index).isdisjoint(dropped.index)
    pd.testing.assert_frame_equal(kept, rankings.loc[kept.index])  # kept rows are unchanged
    assert set(zip(kept["participant"], kept["prompt_id"])) == {("p1", "en1"), ("p1", "ja1"), ("p1", "ja4"),
                                                                ("p2", "en1"), ("p2", "ja4")}
    assert set(dropped["rule"]) <= set(RULES)


def test_curate_report_says_why_without_showing_the_data(rankings):
    _, dropped = curate(rankings, CONFIG)
    by = dropped.set_index(["participant", "item_id"])
    assert by.loc[("p1", "en1-o3"), "detail"] == "output: email: p***@*******.***"
    assert by.loc[("p1", "ja1-o3"), "detail"] == "output: phone_jp: 0**-****-****"
    assert by.loc[("p1", "en2-o0"), "detail"] == "prompt: phone_us: 4**-***-****"
    assert "32-character common prefix with earlier prompt en1" in by.loc[("p2", "en3-o0"), "detail"]
    assert "same text as earlier prompt ja1" in by.loc[("p2", "ja5-o0"), "detail"]
    assert "1 output(s) left" in by.loc[("p2", "en5-o2"), "detail"]
    assert "prompt number 4; at most 3" in by.loc[("p1", "en4-o0"), "detail"]
    assert by.loc[("p1", "en4-o0"), "session"] == 2 and by.loc[("p1", "en4-o0"), "trial_index"] == 1
    for text in dropped["detail"]:
        assert "555" not in text and "poet@" not in text and "1234" not in text


def test_curation_summary_counts_every_rule(rankings):
    kept, dropped = curate(rankings, CONFIG)
    summary = curation_summary(rankings, kept, dropped).set_index("rule")
    assert list(summary.index) == [*RULES, "kept", "total"]
    assert summary.loc["pii_output", "n_rows"] == 6 and summary.loc["pii_output", "n_trials"] == 4
    assert summary.loc["shared_prefix", "n_prompts"] == 3 and summary.loc["shared_prefix", "n_rows"] == 12
    assert summary.loc["max_prompts", "n_participants"] == 1
    assert summary.loc[list(RULES), "n_rows"].sum() + summary.loc["kept", "n_rows"] == len(rankings)
    assert summary.loc["total", "share_rows"] == 1.0


def test_rules_can_be_switched_off(rankings):
    kept, dropped = curate(rankings, CurationConfig(max_prompts_per_participant=None, min_shared_prefix=None,
                                                    pii_detectors=()))
    assert len(kept) == len(rankings) and dropped.empty and list(dropped.columns)[0] == "rule"
    # the default limit (200) and prefix (50 characters) leave this small table's prompts alone
    _, dropped = curate(rankings)
    assert set(dropped["rule"]) == {"pii_prompt", "pii_output", "too_few_outputs", "shared_prefix"}
    assert set(dropped.loc[dropped["rule"] == "shared_prefix", "prompt_id"]) == {"ja5"}  # identical text only


def test_outputs_ranked_without_a_prompt_are_not_duplicates_of_each_other(rankings):
    """An empty prompt repeats nothing: only the other rules drop rows."""
    with_prompt, _ = curate(rankings, CurationConfig(max_prompts_per_participant=None, min_shared_prefix=None))
    kept, dropped = curate(rankings.assign(prompt=""), CurationConfig(max_prompts_per_participant=None))
    assert "shared_prefix" not in set(dropped["rule"])
    assert kept["prompt_id"].nunique() >= with_prompt["prompt_id"].nunique()


def test_prompt_limit_without_trial_index_uses_session_then_row_order():
    table = make_rankings({"p1": [(2, "ja4"), (1, "en4"), (1, "en1")]}).drop(columns="trial_index")
    kept, dropped = curate(table, CurationConfig(max_prompts_per_participant=2, min_shared_prefix=None,
                                               pii_detectors=()))
    assert set(kept["prompt_id"]) == {"en4", "en1"} and set(dropped["prompt_id"]) == {"ja4"}
    assert dropped["trial_index"].isna().all()


def test_bad_input_is_refused_with_the_fix():
    with pytest.raises(ValueError, match="max_prompts_per_participant=0"):
        CurationConfig(max_prompts_per_participant=0)
    with pytest.raises(ValueError, match="unknown PII detector"):
        CurationConfig(pii_detectors=("email", "names"))
    with pytest.raises(ValueError, match="min_shared_prefix=0"):
        CurationConfig(min_shared_prefix=0)
    with pytest.raises(DataError, match="no column.*text.*load_rankings"):
        curate(pd.DataFrame({"participant": [], "session": [], "prompt_id": [], "prompt": [], "item_id": []}))
    table = make_rankings({"p1": [(1, "en4")]})
    with pytest.raises(DataError, match="duplicated index"):
        curate(pd.concat([table, table]))
