"""A tiny bilingual (English + Japanese) causal LM built offline, for tests and demos.

Nothing here is downloaded. :func:`tiny_causal_lm` writes a random-init GPT-2
model and its tokenizer to a folder with ``save_pretrained`` in under a second,
for tests that need a real transformer; :func:`build_demo_model` writes a
somewhat larger one trained for a minute or so on CPU on :data:`DEMO_CORPUS`,
so that what it generates looks locally like words rather than random bytes.
Both load back with ``from_pretrained(path)`` like any hub model.

The tokenizer is a byte-level BPE trained with the ``tokenizers`` library on
the corpus, so any text, Japanese included (3 bytes per character in UTF-8),
is covered by the 256 byte tokens. Merges never cross a character boundary
outside ASCII and the vocabulary is large enough that every character of the
corpus is one token: a trained model then hardly ever emits half a character,
which would decode to U+FFFD (refused in stimuli). It carries a
small chat template (``<|user|>`` / ``<|assistant|>`` turns ending in
``<|end|>``), so the ``apply_chat_template`` path of ``psyai generate`` is
exercised; ``chat_template=False`` builds one without, for plain continuation.

Everything is seeded: the same arguments give the same files on the same
machine (``revision`` in generated stimuli is the sha256 of the weights).

:data:`DEMO_CORPUS` is demo text written by the psyai developers; it is not
data from real participants. Its prompts differ from those of the
``stimuli/turing_test`` set, so the demo model cannot recite a human answer.

Command line::

    python -m psyai.models.demo OUT_DIR [--train-steps 900] [--seed 0]
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

END, PAD, USER, ASSISTANT, SYSTEM = "<|end|>", "<|pad|>", "<|user|>", "<|assistant|>", "<|system|>"
SPECIAL_TOKENS = (END, PAD, USER, ASSISTANT, SYSTEM)

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|{{ message['role'] }}|>\n{{ message['content'] }}<|end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)

# (lang, prompt, answer). Demo text written by the psyai developers.
DEMO_CORPUS: tuple[tuple[str, str, str], ...] = (
    ("en", "What did you have for breakfast?", "I had toast with butter and a cup of black tea. On busy days I just eat a banana on the way out."),
    ("en", "Do you have a pet?", "We have an old cat called Miso. She sleeps on the sofa most of the day and wakes up when she hears the fridge."),
    ("en", "What kind of music do you like?", "I listen to a lot of jazz, especially piano. When I clean the house I put on something louder."),
    ("en", "Tell me about your garden.", "It is very small, just a few pots on the balcony. I grow basil and tomatoes, and this year the tomatoes did well."),
    ("en", "Do you like trains?", "I like long train rides because I can read and look out of the window. The seats on the night train were not very comfortable, though."),
    ("en", "What sport do you enjoy?", "I play tennis with a friend on Sunday mornings. Neither of us is very good, but we always have fun."),
    ("en", "Describe your last shopping trip.", "I went to the supermarket after work and forgot half of the things on my list. I came home with bread, eggs and far too much chocolate."),
    ("en", "How do you use your phone?", "Mostly for messages and maps. I try not to look at it in bed, but I usually fail."),
    ("en", "Tell me about your neighbours.", "The family next door has two small children who sing in the morning. They are friendly and sometimes bring us fruit from their garden."),
    ("en", "What do you remember from your childhood?", "I remember summer evenings at my grandmother's house. We ate watermelon on the steps and listened to the insects."),
    ("en", "Tea or coffee?", "Coffee in the morning and tea in the afternoon. I drink my tea with a little milk."),
    ("en", "Do you like walking?", "Yes, I walk along the river most evenings. It helps me think and I often see the same dog and its owner."),
    ("en", "How do you clean your home?", "I do a little every day so it never gets too bad. On Saturdays I open all the windows and wash the floors."),
    ("en", "How do you celebrate birthdays?", "We usually have dinner with the family and a cake from the bakery near the station. Nobody wants to sing, but we sing anyway."),
    ("en", "Do you go to the library?", "I go about twice a month. It is quiet, the chairs are good and I always borrow more books than I can read."),
    ("en", "Do you ride a bicycle?", "I ride my bicycle to the shops and to the park. The old one was stolen, so now I use a very heavy lock."),
    ("en", "How well do you sleep?", "I sleep well when the room is cool and dark. If I drink coffee after four o'clock I lie awake for hours."),
    ("en", "Do you still write letters?", "Only at New Year and on birthdays. I like choosing the cards, and my handwriting is slowly getting worse."),
    ("en", "What is the market near you like?", "On Saturday mornings there is a small market in the square. I buy vegetables from an old farmer who always gives me an extra apple."),
    ("en", "Tell me about a museum you visited.", "Last month I went to a small museum about old clocks. It was much more interesting than I expected."),
    ("en", "Do you like snow?", "I like snow for one day. After that it turns grey and the pavements are slippery."),
    ("en", "Have you been camping?", "We went camping by a lake when I was a student. It rained all night, but the morning was beautiful."),
    ("en", "How do you spend a Sunday?", "I get up late, make pancakes and read the paper. In the afternoon I call my parents."),
    ("en", "How do you feel about buses?", "The bus is slow but I can listen to music. I know most of the drivers on my route by now."),
    ("en", "Do you paint or draw?", "I draw a little in a notebook, mostly cups and plants on my desk. I am not good at faces."),
    ("en", "What is your kitchen like?", "The kitchen is narrow, with a window over the sink. There is always a pot of rice or soup on the stove."),
    ("en", "What is the park near you like?", "There is a park with a pond and some old trees five minutes from my flat. Children feed the ducks there even though a sign says not to."),
    ("en", "Can you swim?", "I learned to swim late, when I was twelve. Now I go to the pool on Wednesday evenings when it is almost empty."),
    ("en", "What did you do on your last holiday?", "We stayed at the seaside for three days. We walked, ate fish and did nothing else, and it was perfect."),
    ("en", "What do you do in the evening?", "After dinner I wash the dishes, watch something short and go to bed early. Sometimes I phone an old friend."),
    ("ja", "朝ごはんは何を食べましたか。", "トーストとゆで卵を食べて、牛乳を飲みました。忙しい日はバナナだけのこともあります。"),
    ("ja", "ペットを飼っていますか。", "年をとった猫を一匹飼っています。一日中ソファで寝ていて、冷蔵庫の音がすると起きてきます。"),
    ("ja", "どんな音楽が好きですか。", "ピアノのジャズをよく聴きます。掃除をするときは、もう少しにぎやかな曲をかけます。"),
    ("ja", "庭について教えてください。", "庭といってもベランダに鉢がいくつかあるだけです。バジルとトマトを育てていて、今年はトマトがよくできました。"),
    ("ja", "電車は好きですか。", "長い電車の旅が好きです。本を読んだり、窓の外を眺めたりできるからです。"),
    ("ja", "好きなスポーツは何ですか。", "日曜日の朝に友達とテニスをしています。二人ともあまり上手ではありませんが、いつも楽しいです。"),
    ("ja", "最近の買い物について書いてください。", "仕事の帰りにスーパーに寄りましたが、買うものを半分忘れてしまいました。パンと卵と、チョコレートをたくさん買って帰りました。"),
    ("ja", "スマートフォンを何に使いますか。", "ほとんどメッセージと地図です。寝る前は見ないようにしていますが、たいてい見てしまいます。"),
    ("ja", "近所の人について教えてください。", "隣の家には小さな子どもが二人いて、朝よく歌っています。みんな親切で、ときどき庭の果物を分けてくれます。"),
    ("ja", "子どものころの思い出を教えてください。", "夏の夕方、祖母の家の縁側でスイカを食べたことを覚えています。虫の声がずっと聞こえていました。"),
    ("ja", "お茶とコーヒー、どちらが好きですか。", "朝はコーヒー、午後は緑茶を飲みます。夜は何も飲まないようにしています。"),
    ("ja", "散歩は好きですか。", "はい、夕方に川沿いをよく歩きます。考えごとをするのにちょうどよくて、いつも同じ犬に会います。"),
    ("ja", "家の掃除はどうしていますか。", "毎日少しずつ掃除をしています。土曜日には窓を全部開けて、床を拭きます。"),
    ("ja", "誕生日はどう過ごしますか。", "たいてい家族で夕ごはんを食べて、駅の近くのお店のケーキを買います。歌うのは恥ずかしいけれど、毎年歌います。"),
    ("ja", "図書館に行きますか。", "月に二回くらい行きます。静かで椅子も座りやすく、読める以上の本をいつも借りてしまいます。"),
    ("ja", "自転車に乗りますか。", "買い物や公園に行くときに自転車に乗ります。前の自転車は盗まれたので、今はとても重い鍵を使っています。"),
    ("ja", "よく眠れますか。", "部屋が涼しくて暗いとよく眠れます。夕方にコーヒーを飲むと、なかなか寝つけません。"),
    ("ja", "手紙を書きますか。", "年賀状と誕生日のカードくらいです。カードを選ぶのは好きですが、字はだんだん下手になっています。"),
    ("ja", "近くの市場はどんなところですか。", "土曜日の朝、広場に小さな市場が出ます。野菜を買うと、農家のおじいさんがいつもりんごを一つおまけしてくれます。"),
    ("ja", "最近行った博物館について教えてください。", "先月、古い時計の小さな博物館に行きました。思っていたよりずっと面白かったです。"),
    ("ja", "雪は好きですか。", "雪が降った最初の日は好きです。そのあとは道がすべりやすくなって大変です。"),
    ("ja", "キャンプをしたことがありますか。", "学生のころ、湖のそばでキャンプをしました。一晩中雨でしたが、朝はとてもきれいでした。"),
    ("ja", "日曜日はどう過ごしますか。", "遅く起きて、パンケーキを作って新聞を読みます。午後は両親に電話をします。"),
    ("ja", "バスについてどう思いますか。", "バスは遅いですが、音楽を聴きながら乗れます。もう運転手さんの顔もだいたい覚えました。"),
    ("ja", "絵を描きますか。", "ノートに少しだけ描きます。机の上のコップや植物ばかりで、人の顔は苦手です。"),
    ("ja", "台所はどんな感じですか。", "台所はせまくて、流しの上に窓があります。コンロの上にはいつもご飯かみそ汁の鍋があります。"),
    ("ja", "近くの公園はどんなところですか。", "家から五分のところに池と古い木のある公園があります。だめと書いてあるのに、子どもたちはアヒルにえさをあげています。"),
    ("ja", "泳げますか。", "泳げるようになったのは十二歳のときで、遅いほうでした。今は水曜日の夜、すいているプールに行きます。"),
    ("ja", "この前の休みに何をしましたか。", "海の近くに三日間泊まりました。散歩をして魚を食べただけでしたが、最高でした。"),
    ("ja", "夜は何をしていますか。", "夕ごはんのあと皿を洗って、短い番組を見て早く寝ます。ときどき古い友達に電話をします。"),
)


@dataclass(frozen=True)
class DemoModelConfig:
    """Sizes and training settings of a locally built demo model.

    Attributes:
        vocab_size: upper bound of the BPE vocabulary (the corpus may give fewer).
        n_positions: longest sequence (prompt + generated tokens) the model takes.
        n_embd, n_layer, n_head: GPT-2 width, depth and attention heads.
        train_steps: optimiser steps on the corpus (0: random weights).
        batch_size: corpus conversations per step.
        learning_rate: peak AdamW learning rate (linear warm-up, cosine decay).
        seed: seeds the weights, the batches and dropout.
        chat_template: give the tokenizer :data:`CHAT_TEMPLATE`.
    """

    vocab_size: int = 2048
    n_positions: int = 128
    n_embd: int = 32
    n_layer: int = 2
    n_head: int = 2
    train_steps: int = 0
    batch_size: int = 16
    learning_rate: float = 1e-2
    seed: int = 0
    chat_template: bool = True


TINY = DemoModelConfig()
DEMO = DemoModelConfig(
    vocab_size=2048, n_positions=256, n_embd=128, n_layer=4, n_head=4, train_steps=900, learning_rate=3e-3
)


def tiny_causal_lm(path: str | Path, train_steps: int = 0, *, chat_template: bool = True, seed: int = 0) -> Path:
    """Write a tiny random-init (or briefly trained) GPT-2 + tokenizer to ``path``.

    About 77k parameters, built in well under a second (``train_steps=150``:
    a few seconds on one thread, enough for word-like fragments): for tests
    that need a real model loaded with ``from_pretrained(path)``.
    ``chat_template=False`` gives a tokenizer without a chat template (plain
    prompt continuation).
    Returns ``path``.
    """
    config = DemoModelConfig(train_steps=train_steps, chat_template=chat_template, seed=seed)
    return build_model(path, config)


def build_demo_model(path: str | Path, train_steps: int = DEMO.train_steps, *, seed: int = 0) -> Path:
    """Write the demo model (about 1M parameters) trained ``train_steps`` steps on :data:`DEMO_CORPUS`.

    900 steps take one to two minutes on one CPU thread; the model then
    writes corpus-like English or Japanese (recombined phrases, not sense)
    in the language of the prompt about nine times in ten.
    Returns ``path``.
    """
    config = DemoModelConfig(**{**asdict(DEMO), "train_steps": train_steps, "seed": seed})
    return build_model(path, config)


def build_tokenizer(config: DemoModelConfig, corpus: tuple[tuple[str, str, str], ...] = DEMO_CORPUS):
    """A byte-level BPE ``PreTrainedTokenizerFast`` trained on ``corpus`` ((lang, prompt, answer) triples)."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    # Each non-ASCII character is a pre-token of its own, so merges never join the bytes of two
    # characters: a trained model then rarely emits half a character (broken UTF-8, U+FFFD).
    bpe.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(r"[^\x00-\x7f]"), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False),
        ]
    )
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=config.vocab_size,
        min_frequency=1,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator((text for _, prompt, answer in corpus for text in (prompt, answer)), trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token=END,
        pad_token=PAD,
        additional_special_tokens=[USER, ASSISTANT, SYSTEM],  # transformers 5 calls them extra_special_tokens
    )
    if config.chat_template:
        tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def training_text(tokenizer, prompt: str, answer: str) -> str:
    """One training sequence: a chat exchange if the tokenizer has a template, else prompt + answer."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}], tokenize=False
        )
    return f"{prompt}\n{answer}{END}"


def build_model(path: str | Path, config: DemoModelConfig,
                corpus: tuple[tuple[str, str, str], ...] = DEMO_CORPUS, *, own_answers: bool = False) -> Path:
    """Build, optionally train, and ``save_pretrained`` a model + tokenizer to ``path``.

    ``corpus`` holds (lang, prompt, answer) triples (default :data:`DEMO_CORPUS`). By default each answer is
    trained after every prompt of its language (a small corpus then teaches the language, not the prompt);
    ``own_answers=True`` trains each answer after its own prompt only (a large corpus).
    """
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    path = Path(path)
    started = time.perf_counter()
    tokenizer = build_tokenizer(config, corpus)
    torch.manual_seed(config.seed)
    model = GPT2LMHeadModel(
        GPT2Config(
            vocab_size=len(tokenizer),
            n_positions=config.n_positions,
            n_embd=config.n_embd,
            n_layer=config.n_layer,
            n_head=config.n_head,
            bos_token_id=tokenizer.eos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
    )
    if config.train_steps:
        threads = torch.get_num_threads()
        # One thread: threads spin-waiting on each other make training ~10x slower on a
        # shared CPU, and the weights then do not depend on the machine's core count.
        torch.set_num_threads(1)
        try:
            _train(model, tokenizer, config, corpus, own_answers)
        finally:
            torch.set_num_threads(threads)
    model.eval()
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    n_params = sum(p.numel() for p in model.parameters())
    logger.info(
        "wrote %s: GPT-2, %d parameters, vocab %d, %d training steps, %.1f s",
        path, n_params, len(tokenizer), config.train_steps, time.perf_counter() - started,
    )
    return path


def _train(model, tokenizer, config: DemoModelConfig, corpus=DEMO_CORPUS, own_answers: bool = False) -> None:
    """AdamW on random batches of corpus sequences, loss on every real token."""
    import torch

    rng = random.Random(config.seed)
    # Answers follow a random prompt of their language, not their own: 60 pairs teach nothing
    # about what a prompt asks, but this way the model learns to answer in the prompt's language.
    by_lang = {lang: [(p, a) for l, p, a in corpus if l == lang] for lang in ("en", "ja")}
    conversations = ([(prompt, answer) for pairs in by_lang.values() for prompt, answer in pairs] if own_answers else
                     [(prompt, answer) for pairs in by_lang.values() for prompt, _ in pairs for _, answer in pairs])
    encoded = [
        tokenizer(training_text(tokenizer, prompt, answer), add_special_tokens=False)["input_ids"][: config.n_positions]
        for prompt, answer in conversations
    ]
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=0.01)
    warmup = max(1, config.train_steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / warmup, 0.5 * (1 + math.cos(math.pi * step / config.train_steps))),
    )
    model.train()
    for step in range(config.train_steps):
        batch = [encoded[rng.randrange(len(encoded))] for _ in range(config.batch_size)]
        width = max(len(ids) for ids in batch)
        input_ids = torch.full((len(batch), width), tokenizer.pad_token_id)  # (B, T)
        labels = torch.full((len(batch), width), -100)  # (B, T); -100 = no loss
        attention_mask = torch.zeros((len(batch), width), dtype=torch.long)  # (B, T)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = torch.tensor(ids)
            labels[row, : len(ids)] = torch.tensor(ids)
            attention_mask[row, : len(ids)] = 1
        loss = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if step % 100 == 0 or step == config.train_steps - 1:
            logger.info("step %d/%d  loss %.3f", step + 1, config.train_steps, loss.item())


def main(argv: list[str] | None = None) -> int:
    """``python -m psyai.models.demo OUT_DIR``: build the trained demo model."""
    parser = argparse.ArgumentParser(
        prog="python -m psyai.models.demo",
        description="Build the tiny bilingual demo LM offline (GPT-2 + byte-level BPE) and save_pretrained it.",
    )
    parser.add_argument("out", type=Path, help="folder to write (must not exist yet)")
    parser.add_argument("--train-steps", type=int, default=DEMO.train_steps, help="training steps (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed for weights and batches (default %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.out.exists():
        logger.error("error: %s already exists; remove it or choose another folder", args.out)
        return 1
    build_demo_model(args.out, train_steps=args.train_steps, seed=args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
