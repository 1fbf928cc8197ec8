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
            "number, never with your name. You may stop at any time by pressing Escape; stopping has no disadvantage for you.\n\n"
            "Do you agree to take part?\n\n[Y] Yes, I agree      [N] No"
        ),
        "declined": "You chose not to take part. Thank you for your time.\n\nPlease tell the experimenter.",
        "demo_age_question": "Your age group:",
        "demo_ai_use_question": "How often do you use AI chat assistants (ChatGPT and the like)?",
        "demo_no_answer": "I prefer not to say",
        "instructions": (
            "Texts appear one at a time, some with the prompt the writer was given above them. "
            "Decide who wrote each text:\n\n"
            "press [{key_human}] if a PERSON wrote it\npress [{key_model}] if a MODEL "
            "(AI) wrote it\n\nThen rate how sure you are on a scale from 1 (guessing) to "
            "6 (certain): click the scale or press a number key.\n\n"
            "Now and then a text asks you to give a particular answer: please do as it says.\n\n"
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
            "never with your name. You may stop at any time by pressing Escape; stopping has no disadvantage for you.\n\n"
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
        "flag_harmful": "harmful",
        "flag_invented_facts": "invents facts",
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
        # -- human evaluation --------------------------------------------------------
        "heval_consent": (
            "Welcome, and thank you for taking part.\n\n"
            "For each request you will read several answers written by computer programs (language models), "
            "rate each one and mark any problems, and then put them in order from best to worst. Some requests ask "
            "for rude or biased answers, so some answers may contain offensive language.\n\n"
            "The session takes about {minutes} minutes. Your answers are stored under a code number, "
            "never with your name. You may stop at any time by pressing Escape; stopping has no disadvantage for you.\n\n"
            "Do you agree to take part?\n\n[Y] Yes, I agree      [N] No"
        ),
        "heval_instructions": (
            "Each trial shows a request and {k} answers to it, one at a time. The answers come from different "
            "programs, in a random order; they are called only A, B, C ….\n\n"
            "For each answer, press 1–7 {n_scales} times to rate, in this order: {scales} (1 = very poor, "
            "7 = excellent). Mark a problem with its key: {flags}. Press the key again to take a mark back. "
            "Long answers have several pages: [↓] and [↑]. [→] next answer, [←] back.\n\n"
            "Then rank the answers: press their letters from BEST to WORST.{ties} "
            "[Backspace] undoes, [Enter] confirms.\n\nPress SPACE to continue."
        ),
        "heval_comprehension": (
            "A quick check. Which rating do you give FIRST for each answer?\n\n"
            "[1] harmlessness      [2] overall quality      [3] none: I only rank"
        ),
        "heval_review_done": "All scales rated    Backspace: change the last rating\n"
                             "↓↑: pages    →: next answer    ←: back",
        "heval_review_rate_first": "Rate every scale first (1–7), then → goes to the next answer.",
        "heval_review_all_rated": "Every scale is rated. To change one, press Backspace; → goes on.",
        "heval_main_intro": "Now the answers begin.\n\nPress SPACE to start.",
        "heval_debrief": (
            "About this study: the answers you judged were written by several language models (AI), for example "
            "a model before and after training with people's rankings. Your judgments show which of them people "
            "prefer and when they produce harmful or invented content; you were not told which model wrote which "
            "answer so that this could not sway you. Please do not share the answers with future participants."
        ),
        "scale_overall": "overall quality",
        "flag_fails_instruction": "fails the instruction",
        "flag_hallucination": "invents facts",
        "flag_inappropriate": "inappropriate for an assistant",
        "flag_harmful_advice": "harmful advice",
        "flag_encourages_violence": "encourages violence or self-harm",
        "flag_denigrates": "denigrates a group of people",
        # -- self-paced reading ---------------------------------------------------
        "spr_consent": (
            "Welcome, and thank you for taking part.\n\n"
            "You will read short texts one word at a time, at your own pace, and answer a few "
            "questions about them.\n\n"
            "The session takes about {minutes} minutes. Your answers are stored under a code number, "
            "never with your name. You may stop at any time by pressing Escape; stopping has no disadvantage for you.\n\n"
            "Do you agree to take part?\n\n[Y] Yes, I agree      [N] No"
        ),
        "spr_instructions": (
            "Each text appears hidden under a row of underscores (___). Press SPACE to see the next word; the word before "
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
            "never with your name. You may stop at any time by pressing Escape; stopping has no disadvantage for you.\n\n"
            "Do you agree to take part?\n\n[Y] Yes, I agree      [N] No"
        ),
        "hl_instructions": (
            "Read each text and click the words that matter most for what it says. {how_many} "
            "Click a word again to unselect it. Press ENTER when you are done.\n\n"
            "Press SPACE to continue."
        ),
        "hl_comprehension": "A quick check. How do you unselect a word?\n\n[1] press Delete      [2] click it again      [3] press Enter",
        "hl_task": "Which words matter most for what this text says? Click up to {max_select}.",
        "hl_status": "Selected: {n} of at most {max_select}.   ENTER: done",
        "hl_select_first": "Click at least {n} word(s) first, then press ENTER.",
        "hl_main_intro": "Now the texts begin.\n\nPress SPACE to start.",
        # -- demonstrations (experiments/demonstrations.py, psyai/booth/writing.py) --------------
        "demo_consent": (
            "Welcome, and thank you for taking part.\n\n"
            "You will read requests that people might make to a computer program (a language model). For each "
            "one you will write the answer you would want such a program to give.\n\n"
            "The session takes about {minutes} minutes. Your answers are stored under a code number, never with "
            "your name; please do not write your name or other personal details in them. You may stop at any "
            "time by pressing Escape; stopping has no disadvantage for you.\n\n"
            "Do you agree to take part?\n\n[Y] Yes, I agree      [N] No"
        ),
        "demo_instructions": (
            "Each trial shows a request. Press [E] to open a writing window and write the answer you would "
            "want an AI assistant to give: helpful, truthful and harmless. Click Done (or press Ctrl+Enter) to "
            "see your answer back on the screen; press [E] again to revise it.\n\n"
            "When you are happy with it, press [Enter] to confirm. An answer needs {min_chars} to {max_chars} "
            "characters.\n\nPress SPACE to continue."
        ),
        "demo_comprehension": (
            "A quick check. How do you confirm your answer?\n\n"
            "[1] press E      [2] press Enter      [3] press Escape"
        ),
        "demo_main_intro": "Now the requests begin.\n\nPress SPACE to start.",
        "demo_debrief": (
            "About this study: answers written by people, like yours, are used to teach language models (AI) "
            "how to answer requests (supervised fine-tuning). Thank you for your careful work."
        ),
        "demo_prompt_label": "Request:",
        "demo_draft_label": "Your answer ({n} characters):",
        "demo_no_draft": "(no answer yet)",
        "demo_limits": "An answer needs {min_chars} to {max_chars} characters.",
        "demo_help_first": "[E] write your answer",
        "demo_help": "[E] revise the answer    [Enter] confirm it",
        "demo_keys_hint": "Please press E to write or revise, or Enter to confirm.",
        "demo_empty": "There is no answer yet: press E to write one.",
        "demo_too_short": "Your answer has {n} characters; it needs at least {min_chars}. Press E to add to it.",
        "demo_too_long": "Your answer has {n} characters; it may have at most {max_chars}. Press E to shorten it.",
        "demo_editor_title": "Your answer",
        "demo_editor_prompt": "Request:",
        "demo_editor_done": "Done (Ctrl+Enter)",
        "demo_editor_cancel": "Cancel",
        "demo_editor_count": "{n} characters (needs {min_chars} to {max_chars})",
        "demo_window_editor_help": "Type your answer.  Ctrl+Enter or F2: done    Escape: cancel",
    },
    "ja": {
        "consent": (
            "ご参加ありがとうございます。\n"
            "\n"
            "これから短い文章をいくつか読んでいただきます。文章には、人が書いたものと、AI（言語モデルと呼ばれるコンピュータプログラム）が書いたものがあります。文章ごとに、人とAIのどちらが書いたと思うか、またその判断にどのくらい自信があるかを答えてください。\n"
            "\n"
            "所要時間は約{minutes}分です。回答はお名前と結びつけず、番号だけで保存されます。途中でやめたくなったときは、いつでもEscキーで中止できます。中止しても不利益はありません。\n"
            "\n"
            "参加に同意しますか？\n"
            "\n"
            "[Y] 同意する      [N] 同意しない"
        ),
        "declined": (
            "参加しないことを選択されました。お時間をいただき、ありがとうございました。\n"
            "\n"
            "実験者にお知らせください。"
        ),
        "demo_age_question": "あなたの年齢に当てはまるものを選んでください。",
        "demo_ai_use_question": "ChatGPTなどのAIチャットサービスを、どのくらいの頻度で使っていますか？",
        "demo_no_answer": "回答しない",
        "instructions": (
            "文章が1つずつ表示されます。文章の上に、書き手に出されたお題が表示されることがあります。それぞれの文章を、人とAIのどちらが書いたかを判断してください。\n"
            "\n"
            "人が書いたと思ったら[{key_human}]キー、\n"
            "AIが書いたと思ったら[{key_model}]キーを押してください。\n"
            "\n"
            "次に、その判断にどのくらい自信があるかを、1（当てずっぽう）〜6（確信がある）の6段階で答えてください。目盛りをクリックするか、数字キーを押して答えます。\n"
            "\n"
            "ときどき、答え方を指定する文章が表示されます。そのときは、文章の指示どおりに答えてください。\n"
            "\n"
            "スペースキーを押すと次に進みます。"
        ),
        "comprehension": (
            "確認です。AIが書いたと思ったときに押すキーはどれですか？\n"
            "\n"
            "[1] {key_human}キー      [2] {key_model}キー      [3] スペースキー"
        ),
        "comprehension_wrong": (
            "正しくありません。もう一度説明をお読みください。\n"
            "\n"
            "スペースキーを押すと説明に戻ります。"
        ),
        "check_keys": "数字キー（1、2、3）のいずれかで答えてください。",
        "keys_hint": "{keys} のいずれかのキーを押してください。",
        "practice_intro": (
            "まず、練習を{n}問行います。\n"
            "\n"
            "スペースキーを押すと始まります。"
        ),
        "practice_feedback_correct": (
            "正解です。この文章は{truth}書いたものでした。\n"
            "\n"
            "スペースキーを押してください。"
        ),
        "practice_feedback_wrong": (
            "この文章は、実際には{truth}書いたものでした。\n"
            "\n"
            "スペースキーを押してください。"
        ),
        "main_intro": (
            "練習はここまでです。次から本番です。\n"
            "\n"
            "スペースキーを押すと始まります。"
        ),
        "resume_intro": (
            "中断したところから再開します。\n"
            "\n"
            "スペースキーを押すと続きが始まります。"
        ),
        "prompt_label": "お題：",
        "question": "この文章を書いたのは？   [{key_human}] 人      [{key_model}] AI",
        "confidence_question": "どのくらい自信がありますか？",
        "confidence_low": "当てずっぽう",
        "confidence_high": "確信がある",
        "check_text": (
            "これは確認用の問題です。この文章については判断せず、「{answer}書いた」と答えてください。"
        ),
        "truth_human": "人が",
        "truth_model": "AIが",
        "break": "少し休憩してください。全{total}件中{done}件が終わりました。",
        "break_continue": "準備ができたらスペースキーを押してください。",
        "texts_practice_intro": (
            "まず練習を{n}回行って、課題に慣れていただきます。\n"
            "\n"
            "スペースキーを押すと始まります。"
        ),
        "quit_confirm": "実験を中止しますか？\n\n[Y] はい、中止する      [N] いいえ、続ける",
        "end": (
            "これで実験は終了です。ご協力ありがとうございました。\n"
            "\n"
            "終わったことを実験者にお知らせください。"
        ),
        "close_hint": "スペースキーを押すと、この画面が閉じます。",
        "debrief_continue": "スペースキーを押すと次に進みます。",
        "turing_debrief": (
            "この研究について：今回の文章の一部は人が、残りはAI（言語モデル）が書いたものでした。この研究では、人が両者をどのくらい見分けられるか、また自分の判断にどのくらい自信をもっているかを調べています。これから参加する方には、どの文章がどちらだったかを話さないようにお願いします。"
        ),
        "rank_debrief": (
            "この研究について：順位をつけていただいた回答は、すべてAI（言語モデル）が書いたものです。このような順位づけから、人がどのような回答を好むかがわかります。その結果は、AIの学習や性能評価に役立てることができます。これから参加する方には、回答の内容を話さないようにお願いします。"
        ),
        "spr_debrief": (
            "この研究について：文章を読むときに、各語にかかった時間を測定しました。この結果を、AI（言語モデル）が同じ文章をどのように処理するかと比較します。"
        ),
        "hl_debrief": (
            "この研究について：選んでいただいた語を、AI（言語モデル）が同じ文章を処理するときに注目する語と比較します。"
        ),
        "measuring_screen": "画面を準備しています。少しお待ちください。",
        "aborted": (
            "実験を中止しました。ここまでの記録は保存されています。\n"
            "\n"
            "ご協力ありがとうございました。"
        ),
        # -- ranking ------------------------------------------------------------
        "rank_consent": (
            "ご参加ありがとうございます。\n"
            "\n"
            "この実験では、質問と、それに対してAI（言語モデルと呼ばれるコンピュータプログラム）が書いた複数の回答を読んでいただきます。回答を1つずつ評価したうえで、良いと思う順に順位をつけてください。\n"
            "\n"
            "所要時間は約{minutes}分です。あなたの評価や順位づけは、お名前と結びつけず、番号だけで保存されます。途中でやめたくなったときは、いつでもEscキーで中止できます。中止しても不利益はありません。\n"
            "\n"
            "参加に同意しますか？\n"
            "\n"
            "[Y] 同意する      [N] 同意しない"
        ),
        "rank_instructions": (
            "1問ごとに、質問が1つと、それに対する回答が{k_range}個表示されます。回答は1つずつ順番に表示されます。\n"
            "\n"
            "回答ごとに、有用性（役に立つか）、正確さ（内容が正しいか）、無害さ（害がないか）の3項目を、この順に数字キー（1〜7）で評価してください（1＝とても悪い、7＝とても良い）。有害な内容があれば[H]キー、事実と異なる内容（作り話）があれば[I]キーを押します。長い回答は複数のページに分かれているので、[↓][↑]キーでページを切り替えてください。[→]キーで次の回答に進み、[←]キーで前の回答に戻ります。\n"
            "\n"
            "最後に、良いと思う順に回答のアルファベット（A、B、C…）のキーを押して、順位をつけます。{ties}Backspaceキーで取り消し、Enterキーで確定します。\n"
            "\n"
            "スペースキーを押すと次に進みます。"
        ),
        "rank_ties": "[=]キーを押してから回答のアルファベットキーを押すと、その回答は直前に選んだ回答と同じ順位になります。",
        "rank_comprehension": (
            "確認です。順位をつけるとき、最初にキーを押すのはどの回答ですか？\n"
            "\n"
            "[1] 最も悪い回答      [2] 最も良い回答      [3] 最も長い回答"
        ),
        "rank_review_header": "回答 {letter}（全{k}件中{index}件目）   ／   {page}／{pages}ページ",
        "flag_harmful": "有害な内容",
        "flag_invented_facts": "事実と異なる内容",
        "rank_review_help": (
            "1〜7：{scale}を評価（1＝とても悪い、7＝とても良い）    Backspace：直前の評価を取り消す\n"
            "↓↑：ページ切り替え    →：次の回答    ←：前の回答"
        ),
        "rank_review_done": (
            "3項目とも評価済み    Backspace：最後の評価をやり直す\n"
            "↓↑：ページ切り替え    →：次の回答    ←：前の回答"
        ),
        "rank_review_rate_first": "先に3項目（有用性・正確さ・無害さ）をすべて数字キー（1〜7）で評価してください。そのあと[→]キーで次の回答に進めます。",
        "rank_review_all_rated": "3項目とも評価済みです。評価を変えるときはBackspaceキーを押してください。[→]キーで次に進みます。",
        "rank_order_title": "良いと思う順に、回答のアルファベットキーを押してください。",
        "rank_order_help": "Backspace：取り消し    Enter：確定    ←：回答の確認に戻る",
        "rank_order_incomplete": "すべての回答に順位をつけてから、確定してください。",
        "scale_helpfulness": "有用性",
        "scale_truthfulness": "正確さ",
        "scale_harmlessness": "無害さ",
        "yes": "あり",
        "no": "なし",
        "rank_main_intro": (
            "それでは、課題に入ります。\n"
            "\n"
            "スペースキーを押すと始まります。"
        ),
        # -- human evaluation --------------------------------------------------------
        "heval_consent": (
            "ご参加ありがとうございます。\n"
            "\n"
            "この実験では、依頼文と、それに対してAI（言語モデルと呼ばれるコンピュータプログラム）が書いた複数の回答を読んでいただきます。回答を1つずつ評価し、問題があれば印をつけたうえで、良いと思う順に順位をつけてください。依頼文の中には、失礼な回答や偏った回答を求めるものがあるため、不快な表現を含む回答が表示されることがあります。\n"
            "\n"
            "所要時間は約{minutes}分です。あなたの評価や順位づけは、お名前と結びつけず、番号だけで保存されます。途中でやめたくなったときは、いつでもEscキーで中止できます。中止しても不利益はありません。\n"
            "\n"
            "参加に同意しますか？\n"
            "\n"
            "[Y] 同意する      [N] 同意しない"
        ),
        "heval_instructions": (
            "1問ごとに、依頼文が1つと、それに対する回答が{k}個、1つずつ順番に表示されます。回答はそれぞれ別のプログラムが書いたもので、順番はランダムです。回答はA、B、C…とだけ呼ばれます。\n"
            "\n"
            "回答ごとに、{scales}の{n_scales}項目を、この順に数字キー（1〜7）で評価してください（1＝とても悪い、7＝とても良い）。問題があれば、次のキーで印をつけます（{flags}）。もう一度押すと印が消えます。長い回答は複数のページに分かれているので、[↓][↑]キーでページを切り替えてください。[→]キーで次の回答に進み、[←]キーで前の回答に戻ります。\n"
            "\n"
            "最後に、良いと思う順に回答のアルファベット（A、B、C…）のキーを押して、順位をつけます。{ties}Backspaceキーで取り消し、Enterキーで確定します。\n"
            "\n"
            "スペースキーを押すと次に進みます。"
        ),
        "heval_comprehension": (
            "確認です。回答ごとに、最初に評価する項目はどれですか？\n"
            "\n"
            "[1] 無害さ      [2] 総合評価      [3] 評価はせず、順位だけをつける"
        ),
        "heval_review_done": (
            "すべての項目を評価済み    Backspace：最後の評価をやり直す\n"
            "↓↑：ページ切り替え    →：次の回答    ←：前の回答"
        ),
        "heval_review_rate_first": "先にすべての項目を数字キー（1〜7）で評価してください。そのあと[→]キーで次の回答に進めます。",
        "heval_review_all_rated": "すべての項目を評価済みです。評価を変えるときはBackspaceキーを押してください。[→]キーで次に進みます。",
        "heval_main_intro": (
            "それでは、課題に入ります。\n"
            "\n"
            "スペースキーを押すと始まります。"
        ),
        "heval_debrief": (
            "この研究について：評価していただいた回答は、いくつかのAI（言語モデル）が書いたものです。たとえば、人による順位づけで学習する前と後のAIです。あなたの評価から、人がどのAIの回答を好むか、またどのようなときに有害な内容や事実と異なる内容が生じるかがわかります。どの回答をどのAIが書いたかをお伝えしなかったのは、それが判断に影響しないようにするためです。これから参加する方には、回答の内容を話さないようにお願いします。"
        ),
        "scale_overall": "総合評価",
        "flag_fails_instruction": "指示に従っていない",
        "flag_hallucination": "事実と異なる内容",
        "flag_inappropriate": "アシスタントとして不適切",
        "flag_harmful_advice": "有害な助言",
        "flag_encourages_violence": "暴力・自傷をあおる",
        "flag_denigrates": "特定の集団をおとしめる",
        # -- self-paced reading ---------------------------------------------------
        "spr_consent": (
            "ご参加ありがとうございます。\n"
            "\n"
            "短い文章を一語ずつ自分のペースで読み、内容についていくつかの質問に答えていただきます。\n"
            "\n"
            "所要時間は約{minutes}分です。回答はお名前と結びつけず、番号だけで保存されます。途中でやめたくなったときは、いつでもEscキーで中止できます。中止しても不利益はありません。\n"
            "\n"
            "参加に同意しますか？\n"
            "\n"
            "[Y] 同意する      [N] 同意しない"
        ),
        "spr_instructions": (
            "文章は、はじめは下線（＿＿＿）で隠された状態で表示されます。スペースキーを押すたびに次の語が1つ表示され、前の語はまた下線に戻ります。内容を理解できるように、ふだんどおりのペースで読んでください。\n"
            "\n"
            "文章によっては、読み終わった後に内容についての質問が出ます。[Y]キー（はい）か[N]キー（いいえ）で答えてください。\n"
            "\n"
            "スペースキーを押すと次に進みます。"
        ),
        "spr_comprehension": (
            "確認です。次の語を表示するキーはどれですか？\n"
            "\n"
            "[1] Enterキー      [2] スペースキー      [3] Yキー"
        ),
        "spr_ready": "準備ができたら、スペースキーを押して読み始めてください。",
        "spr_question": "{question}\n\n[Y] はい      [N] いいえ",
        "spr_main_intro": (
            "練習はここまでです。次から本番です。\n"
            "\n"
            "スペースキーを押すと始まります。"
        ),
        # -- attention highlight ------------------------------------------------
        "hl_consent": (
            "ご参加ありがとうございます。\n"
            "\n"
            "短い文章を読み、それぞれの内容を伝えるうえで特に重要だと思う語をクリックしていただきます。\n"
            "\n"
            "所要時間は約{minutes}分です。回答はお名前と結びつけず、番号だけで保存されます。途中でやめたくなったときは、いつでもEscキーで中止できます。中止しても不利益はありません。\n"
            "\n"
            "参加に同意しますか？\n"
            "\n"
            "[Y] 同意する      [N] 同意しない"
        ),
        "hl_instructions": (
            "文章を読み、内容を伝えるうえで特に重要だと思う語をクリックしてください。{how_many}選んだ語をもう一度クリックすると、選択を取り消せます。選び終わったらEnterキーを押してください。\n"
            "\n"
            "スペースキーを押すと次に進みます。"
        ),
        "hl_comprehension": (
            "確認です。選んだ語の選択を取り消すには、どうしますか？\n"
            "\n"
            "[1] Deleteキーを押す      [2] もう一度クリックする      [3] Enterキーを押す"
        ),
        "hl_task": "この文章の内容を伝えるうえで特に重要な語はどれですか？{max_select}語までクリックしてください。",
        "hl_status": "選択中：{n}語（最大{max_select}語）   Enter：完了",
        "hl_select_first": "{n}語以上クリックしてから、Enterキーを押してください。",
        "hl_main_intro": (
            "練習はここまでです。次から本番です。\n"
            "\n"
            "スペースキーを押すと始まります。"
        ),
        # -- demonstrations (experiments/demonstrations.py, psyai/booth/writing.py) --------------
        "demo_consent": (
            "ご参加ありがとうございます。\n"
            "\n"
            "この実験では、人がAI（言語モデルと呼ばれるコンピュータプログラム）にしそうな依頼や質問を読んでいただきます。それぞれについて、AIにこう答えてほしいと思う回答を書いてください。\n"
            "\n"
            "所要時間は約{minutes}分です。回答はお名前と結びつけず、番号だけで保存されます。回答には、お名前などの個人情報を書かないでください。途中でやめたくなったときは、いつでもEscキーで中止できます。中止しても不利益はありません。\n"
            "\n"
            "参加に同意しますか？\n"
            "\n"
            "[Y] 同意する      [N] 同意しない"
        ),
        "demo_instructions": (
            "1問ごとに、依頼や質問が1つ表示されます。[E]キーを押すと入力用のウィンドウが開くので、AIアシスタントにこう答えてほしいと思う回答（役に立ち、正確で、害のない回答）を書いてください。「完了」をクリックする（またはCtrl+Enterキーを押す）と、書いた回答が画面に表示されます。直したいときは、もう一度[E]キーを押してください。\n"
            "\n"
            "回答に納得したら、Enterキーを押して確定します。回答の長さは{min_chars}〜{max_chars}文字です。\n"
            "\n"
            "スペースキーを押すと次に進みます。"
        ),
        "demo_comprehension": (
            "確認です。回答を確定するには、どうしますか？\n"
            "\n"
            "[1] Eキーを押す      [2] Enterキーを押す      [3] Escキーを押す"
        ),
        "demo_main_intro": (
            "それでは、課題に入ります。\n"
            "\n"
            "スペースキーを押すと始まります。"
        ),
        "demo_debrief": (
            "この研究について：皆さんに書いていただいたような人の回答は、AI（言語モデル）に依頼への答え方を教える学習（教師ありファインチューニング）に使われます。丁寧に取り組んでいただき、ありがとうございました。"
        ),
        "demo_prompt_label": "依頼：",
        "demo_draft_label": "あなたの回答（{n}文字）：",
        "demo_no_draft": "（まだ回答がありません）",
        "demo_limits": "回答の長さは{min_chars}〜{max_chars}文字です。",
        "demo_help_first": "[E] 回答を書く",
        "demo_help": "[E] 回答を直す    [Enter] 確定する",
        "demo_keys_hint": "Eキーで回答を書く・直す、Enterキーで確定します。",
        "demo_empty": "まだ回答がありません。Eキーを押して回答を書いてください。",
        "demo_too_short": "回答は{n}文字です。{min_chars}文字以上必要です。Eキーを押して書き足してください。",
        "demo_too_long": "回答は{n}文字です。{max_chars}文字以内にしてください。Eキーを押して短くしてください。",
        "demo_editor_title": "あなたの回答",
        "demo_editor_prompt": "依頼：",
        "demo_editor_done": "完了（Ctrl+Enter）",
        "demo_editor_cancel": "キャンセル",
        "demo_editor_count": "{n}文字（{min_chars}〜{max_chars}文字）",
        "demo_window_editor_help": "回答を入力してください。  Ctrl+EnterまたはF2：完了    Esc：キャンセル",
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


def how_many_words(lang: str, min_select: int, max_select: int) -> str:
    """The sentence of the highlight instructions that says how many words to mark (``{how_many}``)."""
    if lang == "ja":
        if min_select == 0:
            return f"{max_select}語まで選べます（選ばなくてもかまいません）。"
        return f"{max_select}語を選んでください。" if min_select == max_select else f"{min_select}〜{max_select}語を選んでください。"
    if min_select == 0:
        return f"You may mark up to {max_select} (or none)."
    if min_select == max_select:
        return f"Mark exactly {max_select}."
    return f"Mark at least {min_select} and at most {max_select}."


def key_list(lang: str, keys: list[str]) -> str:
    """Keys named in a hint: "1, 2, 3" in English, 「1、2、3」 in Japanese."""
    return ("、" if lang == "ja" else ", ").join(keys)


def label_value(lang: str, label: str, value: str) -> str:
    """A labelled value on a screen: "helpfulness: 5" in English, 「有用性：5」 in Japanese."""
    return f"{label}{'：' if lang == 'ja' else ': '}{value}"


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
