"""Every participant-facing string, in Japanese and English.

Strings are looked up with :func:`text` by key; a key missing in one language
is a bug, and ``tests/booth/test_i18n.py`` checks that both tables have the same
keys and the same ``{placeholders}``.
"""

from __future__ import annotations

LANGS = ("ja", "en")

# The font PsychoPy draws with: Noto Sans CJK JP covers Japanese and Latin.
FONT = "Noto Sans CJK JP"
# A monospace Latin font for English self-paced reading (a word and its mask equally wide; Debian's
# fonts-dejavu-core, which fontconfig itself depends on). Noto Sans CJK's monospace cut cannot be used:
# pyglet loads the first face of the font collection, the proportional one.
LATIN_MONO_FONT = "DejaVu Sans Mono"

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "consent": (
            "Welcome, and thank you for taking part.\n\n"
            "You will read short texts. Some were written by people, others by a computer "
            "program (a language model). For each one you will say who you think wrote it, "
            "and how sure you are.\n\n"
            "The session takes about {minutes} minutes. Your answers are stored under a code "
            "number, never with your name. You may stop at any time by pressing Escape.\n\n"
            "Do you agree to take part?\n\n[Y] Yes, I agree      [N] No"
        ),
        "declined": "You chose not to take part. Thank you for your time.\n\nPlease tell the experimenter.",
        "demo_age_question": "Your age group:",
        "demo_ai_use_question": "How often do you use AI chat assistants (ChatGPT and the like)?",
        "demo_no_answer": "I prefer not to say",
        "instructions": (
            "In each trial a text appears. Decide who wrote it:\n\n"
            "press [{key_human}] if a PERSON wrote it\npress [{key_model}] if a MODEL "
            "(AI) wrote it\n\nThen rate how sure you are on a scale from 1 (guessing) to "
            "6 (certain): click the scale or press a number key.\n\n"
            "Some trials ask you to press a particular key: please do as they say.\n\n"
            "Press SPACE to continue."
        ),
        "comprehension": (
            "A quick check. Which key do you press if you think a MODEL wrote the text?\n\n"
            "[1] {key_human}      [2] {key_model}      [3] Space"
        ),
        "comprehension_wrong": "Not quite. Please read the instructions again.\n\nPress SPACE.",
        "check_keys": "Answer with the number key 1, 2 or 3.",
        "keys_hint": "Please answer with one of the keys {keys}.",
        "practice_intro": "First, {n} practice trials.\n\nPress SPACE to start.",
        "practice_feedback_correct": "Correct: this text was written by {truth}.\n\nPress SPACE.",
        "practice_feedback_wrong": "This text was in fact written by {truth}.\n\nPress SPACE.",
        "main_intro": "Practice is over. Now the real trials begin.\n\nPress SPACE to start.",
        "resume_intro": "Welcome back. The session continues where it stopped.\n\nPress SPACE to continue.",
        "prompt_label": "Prompt:",
        "question": "Who wrote this text?   [{key_human}] a person      [{key_model}] a model",
        "confidence_question": "How sure are you?",
        "confidence_low": "guessing",
        "confidence_high": "certain",
        "check_text": (
            "This is an attention check. Please do not judge this text: simply answer that "
            "it was written by {answer}."
        ),
        "truth_human": "a person",
        "truth_model": "a model",
        "break": "Take a short break. {done} of {total} done.",
        "break_continue": "Press SPACE when you are ready.",
        "texts_practice_intro": "First, {n} practice text(s) to get used to the task.\n\nPress SPACE to start.",
        "quit_confirm": "Do you want to stop the experiment?\n\n[Y] Yes, stop      [N] No, continue",
        "end": "That is the end. Thank you very much!\n\nPlease tell the experimenter you are done.",
        "close_hint": "Press SPACE to close this window.",
        "debrief_continue": "Press SPACE to continue.",
        "turing_debrief": (
            "About this study: some of the texts were written by people, the others by a language model (an AI). "
            "We study how well people tell them apart, and how sure they are. Please do not tell future "
            "participants which texts were which."
        ),
        "rank_debrief": (
            "About this study: the answers you ranked were written by language models (AI). Rankings like yours "
            "show which answers people prefer and can be used to train and evaluate such models. Please do not "
            "share the answers with future participants."
        ),
        "spr_debrief": (
            "About this study: we measured how long you spent on each word, to compare it with how a language "
            "model (an AI) processes the same texts."
        ),
        "hl_debrief": (
            "About this study: we compare the words you chose with the words a language model (an AI) attends to "
            "in the same texts."
        ),
        "measuring_screen": "Preparing the screen. One moment, please.",
        "aborted": "The session was stopped. Your answers so far have been saved.\n\nThank you.",
        # -- ranking ------------------------------------------------------------
        "rank_consent": (
            "Welcome, and thank you for taking part.\n\n"
            "For each question you will read several answers written by computer programs "
            "(language models), rate each one, and then put them in order from best to worst.\n\n"
            "The session takes about {minutes} minutes. Your answers are stored under a code number, "
            "never with your name. You may stop at any time by pressing Escape.\n\n"
            "Do you agree to take part?\n\n[Y] Yes, I agree      [N] No"
        ),
        "rank_instructions": (
            "Each trial shows a question and {k_range} answers, one at a time.\n\n"
            "For each answer, press 1–7 three times to rate its helpfulness, truthfulness and "
            "harmlessness (1 = very poor, 7 = excellent). Press [H] if it is harmful and [I] if it "
            "invents facts. Long answers have several pages: [↓] and [↑]. [→] next answer, [←] back.\n\n"
            "Then rank the answers: press their letters from BEST to WORST.{ties} "
            "[Backspace] undoes, [Enter] confirms.\n\nPress SPACE to continue."
        ),
        "rank_ties": " Press [=] before a letter to tie it with the answer before.",
        "rank_comprehension": (
            "A quick check. In the ranking, which answer do you press FIRST?\n\n"
            "[1] the worst      [2] the best      [3] the longest"
        ),
        "rank_review_header": "Answer {letter} ({index} of {k})   —   page {page} of {pages}",
        "rank_scales": "helpfulness: {helpfulness}    truthfulness: {truthfulness}    harmlessness: {harmlessness}",
        "rank_flags": "[H] harmful: {harmful}    [I] invents facts: {invented}",
        "rank_review_help": "1–7: rate {scale} (1 = very poor, 7 = excellent)    Backspace: undo a rating\n"
                            "↓↑: pages    →: next answer    ←: back",
        "rank_review_done": "All three rated    Backspace: change the last rating\n"
                            "↓↑: pages    →: next answer    ←: back",
        "rank_review_rate_first": "Rate all three first (1–7), then → goes to the next answer.",
        "rank_review_all_rated": "All three are rated. To change one, press Backspace; → goes on.",
        "rank_order_title": "Rank the answers from best to worst: press their letters.",
        "rank_order_help": "Backspace: undo    Enter: confirm    ←: back to the answers",
        "rank_order_incomplete": "Rank every answer before confirming.",
        "scale_helpfulness": "helpfulness",
        "scale_truthfulness": "truthfulness",
        "scale_harmlessness": "harmlessness",
        "yes": "yes",
        "no": "no",
        "rank_main_intro": "Now the rankings begin.\n\nPress SPACE to start.",
        # -- self-paced reading ---------------------------------------------------
        "spr_consent": (
            "Welcome, and thank you for taking part.\n\n"
            "You will read short texts one word at a time, at your own pace, and answer a few "
            "questions about them.\n\n"
            "The session takes about {minutes} minutes. Your answers are stored under a code number, "
            "never with your name. You may stop at any time by pressing Escape.\n\n"
            "Do you agree to take part?\n\n[Y] Yes, I agree      [N] No"
        ),
        "spr_instructions": (
            "Each text appears as a row of dashes. Press SPACE to see the next word; the word before "
            "disappears again. Read at your normal pace, so that you understand the text.\n\n"
            "After some texts a yes/no question asks about what you read: [Y] yes, [N] no.\n\n"
            "Press SPACE to continue."
        ),
        "spr_comprehension": (
            "A quick check. Which key shows you the next word?\n\n[1] Enter      [2] Space      [3] Y"
        ),
        "spr_ready": "Press SPACE to start reading.",
        "spr_question": "{question}\n\n[Y] yes      [N] no",
        "spr_main_intro": "Now the texts begin.\n\nPress SPACE to start.",
        # -- attention highlight ------------------------------------------------
        "hl_consent": (
            "Welcome, and thank you for taking part.\n\n"
            "You will read short texts and click the words that matter most for what each text says.\n\n"
            "The session takes about {minutes} minutes. Your answers are stored under a code number, "
            "never with your name. You may stop at any time by pressing Escape.\n\n"
            "Do you agree to take part?\n\n[Y] Yes, I agree      [N] No"
        ),
        "hl_instructions": (
            "Read each text and click the words that matter most for what it says — at least one, at most "
            "{max_select}. Click a word again to unselect it. Press ENTER when you are done.\n\n"
            "Press SPACE to continue."
        ),
        "hl_comprehension": "A quick check. How do you unselect a word?\n\n[1] press Delete      [2] click it again      [3] press Enter",
        "hl_task": "Which words matter most for what this text says? Click up to {max_select}.",
        "hl_status": "Selected: {n} of at most {max_select}.   ENTER: done",
        "hl_select_first": "Click at least {n} word(s) first, then press ENTER.",
        "hl_main_intro": "Now the texts begin.\n\nPress SPACE to start.",
    },
    "ja": {
        "consent": (
            "ご参加ありがとうございます。\n\n"
            "これから短い文章を読んでいただきます。人が書いたものと、コンピュータプログラム"
            "（言語モデル）が書いたものがあります。それぞれについて、誰が書いたと思うか、"
            "どのくらい確信があるかを答えてください。\n\n"
            "所要時間は約{minutes}分です。回答は名前ではなく番号で保存されます。"
            "Escキーでいつでも中止できます。\n\n"
            "参加に同意しますか？\n\n[Y] 同意する      [N] 同意しない"
        ),
        "declined": "参加しないことを選びました。お時間をいただきありがとうございました。\n\n実験者にお知らせください。",
        "demo_age_question": "年齢層を選んでください。",
        "demo_ai_use_question": "AIチャットアシスタント（ChatGPTなど）をどのくらい使いますか？",
        "demo_no_answer": "答えたくない",
        "instructions": (
            "文章が1つずつ表示されます。それぞれ、誰が書いたかを判断してください。\n\n"
            "人が書いたと思ったら [{key_human}] キー\nモデル（AI）が書いたと思ったら "
            "[{key_model}] キー\n\n次に、どのくらい確信があるかを 1（当てずっぽう）から "
            "6（確信している）で答えてください。目盛りをクリックするか数字キーを押します。\n\n"
            "ときどき、特定のキーを押すよう求める文章が出てきます。その指示に従ってください。\n\n"
            "スペースキーで次へ進みます。"
        ),
        "comprehension": (
            "確認です。モデルが書いたと思ったときに押すキーはどれですか？\n\n"
            "[1] {key_human}      [2] {key_model}      [3] スペース"
        ),
        "comprehension_wrong": "違います。もう一度説明をお読みください。\n\nスペースキーを押してください。",
        "check_keys": "数字キーの 1、2、3 のどれかで答えてください。",
        "keys_hint": "{keys} のどれかのキーで答えてください。",
        "practice_intro": "まず、練習を{n}問行います。\n\nスペースキーで始めます。",
        "practice_feedback_correct": "正解です。この文章は{truth}書きました。\n\nスペースキーを押してください。",
        "practice_feedback_wrong": "この文章は実際には{truth}書きました。\n\nスペースキーを押してください。",
        "main_intro": "練習は終わりです。これから本番が始まります。\n\nスペースキーで始めます。",
        "resume_intro": "おかえりなさい。中断したところから続けます。\n\nスペースキーで続けます。",
        "prompt_label": "質問：",
        "question": "この文章を書いたのは？   [{key_human}] 人      [{key_model}] モデル",
        "confidence_question": "どのくらい確信がありますか？",
        "confidence_low": "当てずっぽう",
        "confidence_high": "確信している",
        "check_text": (
            "これは注意確認の問題です。この文章は判断せず、{answer}書いたと答えてください。"
        ),
        "truth_human": "人が",
        "truth_model": "モデルが",
        "break": "少し休憩してください。{total}問中{done}問が終わりました。",
        "break_continue": "準備ができたらスペースキーを押してください。",
        "texts_practice_intro": "まず、練習として{n}つの文章で課題に慣れてください。\n\nスペースキーで始めます。",
        "quit_confirm": "実験を中止しますか？\n\n[Y] はい、中止する      [N] いいえ、続ける",
        "end": "これで終わりです。ご協力ありがとうございました。\n\n実験者にお知らせください。",
        "close_hint": "スペースキーを押すと、この画面を閉じます。",
        "debrief_continue": "スペースキーで次へ進みます。",
        "turing_debrief": (
            "この研究について：文章の一部は人が、残りは言語モデル（AI）が書いたものでした。人がそれをどのくらい"
            "見分けられるか、またどのくらい確信をもつかを調べています。これから参加する方には、どの文章が"
            "どちらだったかを話さないようお願いします。"
        ),
        "rank_debrief": (
            "この研究について：順位をつけていただいた回答は、言語モデル（AI）が書いたものです。このような順位づけ"
            "から、人がどの回答を好むかがわかり、モデルの学習や評価に使うことができます。これから参加する方には、"
            "回答の内容を話さないようお願いします。"
        ),
        "spr_debrief": (
            "この研究について：各語を読むのにかかった時間を測りました。同じ文章を言語モデル（AI）がどのように"
            "処理するかと比べます。"
        ),
        "hl_debrief": (
            "この研究について：選んでいただいた語を、同じ文章で言語モデル（AI）が注目する語と比べます。"
        ),
        "measuring_screen": "画面を準備しています。少しお待ちください。",
        "aborted": "セッションを中止しました。ここまでの回答は保存されています。\n\nありがとうございました。",
        # -- ranking ------------------------------------------------------------
        "rank_consent": (
            "ご参加ありがとうございます。\n\n"
            "各質問について、コンピュータプログラム（言語モデル）が書いた複数の回答を読み、"
            "それぞれを評価したうえで、良いものから悪いものへ順位をつけていただきます。\n\n"
            "所要時間は約{minutes}分です。回答は名前ではなく番号で保存されます。"
            "Escキーでいつでも中止できます。\n\n"
            "参加に同意しますか？\n\n[Y] 同意する      [N] 同意しない"
        ),
        "rank_instructions": (
            "質問が1つと、それに対する{k_range}個の回答が、1つずつ順に表示されます。\n\n"
            "各回答について、1〜7のキーを3回押して、役に立つか・正確か・無害かを評価してください"
            "（1 = とても悪い、7 = とても良い）。有害なら[H]、事実でないことを作り上げていれば[I]を押します。"
            "長い回答は複数ページあります：[↓]と[↑]。[→]次の回答、[←]戻る。\n\n"
            "最後に、各回答のアルファベット（A、B、C…）のキーを良い順に押して順位をつけます。{ties}"
            "[Backspace]で取り消し、[Enter]で確定です。\n\nスペースキーで次へ進みます。"
        ),
        "rank_ties": "同順位にするには、アルファベットのキーの前に[=]を押します。",
        "rank_comprehension": (
            "確認です。順位づけで最初に押すのはどの回答ですか？\n\n"
            "[1] 最も悪い回答      [2] 最も良い回答      [3] 最も長い回答"
        ),
        "rank_review_header": "回答 {letter}（{k}個中{index}個目）   —   {pages}ページ中{page}ページ目",
        "rank_scales": "有用性：{helpfulness}    正確さ：{truthfulness}    無害さ：{harmlessness}",
        "rank_flags": "[H] 有害：{harmful}    [I] 事実でない内容：{invented}",
        "rank_review_help": "1〜7：{scale}を評価（1 = とても悪い、7 = とても良い）    Backspace：評価を1つ取り消す\n"
                            "↓↑：ページ    →：次の回答    ←：戻る",
        "rank_review_done": "3つとも評価済み    Backspace：最後の評価をやり直す\n"
                            "↓↑：ページ    →：次の回答    ←：戻る",
        "rank_review_rate_first": "先に3つとも評価してください（1〜7）。そのあと → で次の回答に進みます。",
        "rank_review_all_rated": "3つとも評価済みです。変えるときは Backspace を押してください。→ で次へ進みます。",
        "rank_order_title": "回答を良い順に並べてください。アルファベットのキーを押します。",
        "rank_order_help": "Backspace：取り消し    Enter：確定    ←：回答に戻る",
        "rank_order_incomplete": "確定する前にすべての回答に順位をつけてください。",
        "scale_helpfulness": "有用性",
        "scale_truthfulness": "正確さ",
        "scale_harmlessness": "無害さ",
        "yes": "はい",
        "no": "いいえ",
        "rank_main_intro": "これから順位づけが始まります。\n\nスペースキーで始めます。",
        # -- self-paced reading ---------------------------------------------------
        "spr_consent": (
            "ご参加ありがとうございます。\n\n"
            "短い文章を一語ずつ自分のペースで読み、内容についていくつかの質問に答えていただきます。\n\n"
            "所要時間は約{minutes}分です。回答は名前ではなく番号で保存されます。"
            "Escキーでいつでも中止できます。\n\n"
            "参加に同意しますか？\n\n[Y] 同意する      [N] 同意しない"
        ),
        "spr_instructions": (
            "文章は下線の列として表示されます。スペースキーを押すと次の語が表示され、前の語は"
            "再び隠れます。内容が理解できるよう、ふだんのペースで読んでください。\n\n"
            "いくつかの文章の後に、内容についての質問があります：[Y] はい、[N] いいえ。\n\n"
            "スペースキーで次へ進みます。"
        ),
        "spr_comprehension": (
            "確認です。次の語を表示するキーはどれですか？\n\n[1] Enter      [2] スペース      [3] Y"
        ),
        "spr_ready": "スペースキーを押すと読み始めます。",
        "spr_question": "{question}\n\n[Y] はい      [N] いいえ",
        "spr_main_intro": "これから本番の文章が始まります。\n\nスペースキーで始めます。",
        # -- attention highlight ------------------------------------------------
        "hl_consent": (
            "ご参加ありがとうございます。\n\n"
            "短い文章を読み、内容にとって最も重要な語をクリックしていただきます。\n\n"
            "所要時間は約{minutes}分です。回答は名前ではなく番号で保存されます。"
            "Escキーでいつでも中止できます。\n\n"
            "参加に同意しますか？\n\n[Y] 同意する      [N] 同意しない"
        ),
        "hl_instructions": (
            "文章を読み、その内容にとって最も重要な語をクリックしてください。1個以上、最大{max_select}個まで"
            "選べます。もう一度クリックすると選択を取り消せます。終わったらEnterキーを押します。\n\n"
            "スペースキーで次へ進みます。"
        ),
        "hl_comprehension": "確認です。選択を取り消すにはどうしますか？\n\n[1] Deleteキー      [2] もう一度クリック      [3] Enterキー",
        "hl_task": "この文章の内容にとって最も重要な語はどれですか？最大{max_select}個クリックしてください。",
        "hl_status": "選択：{n}個（最大{max_select}個）   Enter：完了",
        "hl_select_first": "先に{n}個以上の語をクリックしてから、Enterキーを押してください。",
        "hl_main_intro": "これから本番の文章が始まります。\n\nスペースキーで始めます。",
    },
}


# Demographic questions: one table of categories, so both languages ask exactly the same (the codes of a
# pooled study then mean the same thing). Code 0 is "I prefer not to say".
DEMOGRAPHICS: dict[str, list[dict[str, str]]] = {
    "age": [
        {"en": "under 20", "ja": "20歳未満"}, {"en": "20–29", "ja": "20〜29歳"}, {"en": "30–39", "ja": "30〜39歳"},
        {"en": "40–49", "ja": "40〜49歳"}, {"en": "50–59", "ja": "50〜59歳"}, {"en": "60 or older", "ja": "60歳以上"},
    ],
    "ai_use": [
        {"en": "never", "ja": "使ったことがない"},
        {"en": "less than once a month", "ja": "月に1回未満"},
        {"en": "at least once a month, but not every week", "ja": "月に1回以上（毎週ではない）"},
        {"en": "at least once a week, but not every day", "ja": "週に1回以上（毎日ではない）"},
        {"en": "(almost) every day", "ja": "ほぼ毎日"},
    ],
}


def demographic_screen(question: str, lang: str) -> tuple[str, list[str]]:
    """The screen text of a demographic question (``age`` or ``ai_use``) and the keys that answer it."""
    options = DEMOGRAPHICS[question]
    lines = [f"[{k}] {opt[lang]}" for k, opt in enumerate(options, start=1)]
    body = text(f"demo_{question}_question", lang) + "\n\n" + "\n".join(lines)
    body += f"\n\n[0] {text('demo_no_answer', lang)}"
    return body, [str(k) for k in range(len(options) + 1)]


def text(key: str, lang: str, **fields: object) -> str:
    """The string ``key`` in ``lang`` with ``{placeholders}`` filled in."""
    if lang not in STRINGS:
        raise ValueError(f"language {lang!r} is not available; use one of {', '.join(LANGS)}")
    return STRINGS[lang][key].format(**fields)
