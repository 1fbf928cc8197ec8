"""psyai.attention.measures: parity with the model's own token attention and logits, padding, encoders."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from psyai.attention.measures import (ATTN_IMPLEMENTATION, MEASURES, MeasureConfig, MeasureError, extract,
                                     load_model, prepare, to_table)

TEXTS = ["The cat sat on the mat.", "Hi,  3.14 cats🙂 ran!", "私は本を読んだ。", "Tea or coffee?"]


@pytest.fixture(scope="module")
def loaded(tiny):
    return load_model(tiny, device="cpu")


def single(loaded, alignment):
    """Unpadded forward of one text: attentions (L, H, T, T) and logits (T, V), computed directly."""
    ids = torch.tensor([alignment.input_ids])
    with torch.no_grad():
        out = loaded.model(input_ids=ids, output_attentions=True)
    return torch.stack(out.attentions)[:, 0], out.logits[0]


def test_attention_sum_over_words_equals_token_attention_of_aligned_tokens(loaded):
    config = MeasureConfig(measures=("attention", "rollout"), aggregation="sum", batch_size=3)
    alignments = prepare(TEXTS, loaded, config)
    results = extract(TEXTS, loaded, config, alignments=alignments)
    for a, r in zip(alignments, results):
        att, _ = single(loaded, a)  # (L, H, T, T), no padding
        aligned = [t for t, w in enumerate(a.token_word) if w >= 0]
        expected = att.sum(dim=-2)[..., aligned].sum(-1).numpy()  # (L, H)
        np.testing.assert_allclose(r.values["attention"].sum(-1), expected, rtol=1e-5)
        assert r.values["attention"].shape == (2, 2, len(a.words))
        # rollout rows are distributions: received rollout over all tokens sums to T
        assert r.values["rollout"].shape == (2, len(a.words))


def test_surprisal_equals_direct_computation_from_logits(loaded):
    config = MeasureConfig(measures=("surprisal",), batch_size=4)
    alignments = prepare(TEXTS, loaded, config)
    results = extract(TEXTS, loaded, config, alignments=alignments)
    for a, r in zip(alignments, results):
        assert a.input_ids[0] == loaded.model.config.bos_token_id and a.token_word[0] == -1
        _, logits = single(loaded, a)
        logp = torch.log_softmax(logits, dim=-1)
        expected = np.zeros(len(a.words))
        for t in range(1, len(a.input_ids)):
            if a.token_word[t] >= 0:
                expected[a.token_word[t]] += -logp[t - 1, a.input_ids[t]].item() / math.log(2)
        np.testing.assert_allclose(r.values["surprisal"], expected, rtol=1e-5)


@pytest.mark.parametrize("aggregation", ["mean", "max", "first"])
def test_aggregations_of_padded_batches_match_one_text_at_a_time(loaded, aggregation):
    config = MeasureConfig(aggregation=aggregation, batch_size=4)
    batched = extract(TEXTS, loaded, config)
    one = MeasureConfig(aggregation=aggregation, batch_size=1)
    for b, r in zip(batched, extract(TEXTS, loaded, one)):
        for measure in ("attention", "rollout", "surprisal", "saliency"):
            np.testing.assert_allclose(b.values[measure], r.values[measure], rtol=1e-4, atol=1e-6)


def test_weights_reduced_as_each_layer_runs_equal_plain_eager_output_attentions(loaded, tiny):
    """The collecting attention implementation against a separately loaded eager model read through
    output_attentions (the fallback path), for every measure, on a padded batch."""
    from transformers import AutoModelForCausalLM

    assert loaded.collects and loaded.model.config._attn_implementation == ATTN_IMPLEMENTATION
    eager = AutoModelForCausalLM.from_pretrained(tiny, attn_implementation="eager").eval()
    plain = dataclasses.replace(loaded, model=eager, collects=False)
    config = MeasureConfig(batch_size=3)
    for got, want in zip(extract(TEXTS, loaded, config), extract(TEXTS, plain, config)):
        assert set(got.values) == set(MEASURES)
        for measure in MEASURES:
            np.testing.assert_allclose(got.values[measure], want.values[measure], rtol=1e-5, atol=1e-7)
    # outside extract the model is plain eager attention: output_attentions still gives the weights
    ids = torch.tensor([prepare(TEXTS[:1], loaded, config)[0].input_ids])
    with torch.no_grad():
        ours = loaded.model(input_ids=ids, output_attentions=True).attentions
        theirs = eager(input_ids=ids, output_attentions=True).attentions
    assert len(ours) == 2 and all(torch.allclose(a, b) for a, b in zip(ours, theirs))


def test_a_model_without_the_attention_interface_falls_back_to_output_attentions(tmp_path):
    """DeBERTa-v2 computes its own attention (no AttentionInterface): load_model keeps eager and extract reads
    output_attentions; padded batches agree with each text's own unpadded weights."""
    from transformers import DebertaV2Config, DebertaV2Model

    from tests.attention.test_align import sp_tokenizer

    tokenizer = sp_tokenizer()
    torch.manual_seed(0)
    DebertaV2Model(DebertaV2Config(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2,
                                   num_attention_heads=2, intermediate_size=64,
                                   pad_token_id=tokenizer.pad_token_id)).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    enc = load_model(str(tmp_path), device="cpu")
    assert not enc.collects and enc.model.config._attn_implementation == "eager"
    config = MeasureConfig(measures=("attention", "rollout"), batch_size=4)
    for a, r in zip(prepare(TEXTS, enc, config), extract(TEXTS, enc, config)):
        with torch.no_grad():
            att = torch.stack(enc.model(input_ids=torch.tensor([a.input_ids]), output_attentions=True).attentions)
        aligned = [t for t, w in enumerate(a.token_word) if w >= 0]
        expected = att[:, 0].sum(dim=-2)[..., aligned].sum(-1).numpy()  # (L, H)
        np.testing.assert_allclose(r.values["attention"].sum(-1), expected, rtol=1e-5)
        assert r.values["rollout"].shape == (2, len(a.words))


def test_first_takes_the_first_token_with_characters_of_the_word_not_a_lone_space(loaded):
    """SentencePiece reads "ran" as "▁", "r", "an": ``first`` takes "r"; a word of one token is unchanged."""
    from psyai.attention.measures import content_tokens, to_words
    from psyai.attention.align import encode
    from tests.attention.test_align import sp_tokenizer

    a = encode(sp_tokenizer(), "Hi,  3.14 cats ran!", "en", punctuation="separate")
    toks = dict((w.text, t) for w, t in zip(a.words, a.word_tokens()))
    assert [a.text[slice(*a.offsets[t])] for t in toks["ran"]] == [" ", "r", "an"]
    values = torch.arange(len(a.input_ids), dtype=torch.float32)[None]  # each token's value is its position
    token_word = torch.tensor([a.token_word])
    got = to_words(values, token_word, len(a.words), "first", content_tokens([a], len(a.input_ids), "cpu"))[0]
    index = {w.text: i for i, w in enumerate(a.words)}
    assert got[index["ran"]] == toks["ran"][1]  # "r", not the space before it
    assert got[index["Hi"]] == toks["Hi"][0]
    plain = to_words(values, token_word, len(a.words), "first")[0]
    assert plain[index["ran"]] == toks["ran"][0]  # without content flags: the first token, the space


def test_aggregation_rules_on_token_values():
    from psyai.attention.measures import to_words

    values = torch.tensor([[1.0, 2.0, 4.0, 8.0, 16.0]])  # (1, T)
    token_word = torch.tensor([[-1, 0, 0, 1, -1]])  # word 2 has no token
    expect = {"sum": [6, 8], "mean": [3, 8], "max": [4, 8], "first": [2, 8]}
    for aggregation, want in expect.items():
        got = to_words(values, token_word, 3, aggregation)[0]
        assert got[:2].tolist() == want and math.isnan(got[2])


def test_saliency_is_positive_and_table_is_tidy(loaded):
    results = extract(TEXTS[:2], loaded, MeasureConfig(batch_size=2))
    assert all((r.values["saliency"] > 0).all() for r in results)
    table = to_table(results)
    assert list(table.columns) == ["text_id", "word_index", "word", "measure", "layer", "head", "value"]
    n_words = sum(len(r.words) for r in results)
    assert len(table) == n_words * (2 * 2 + 2 + 1 + 1)
    row = table[(table.measure == "surprisal") & (table.text_id == 0) & (table.word_index == 1)].iloc[0]
    assert row.word == "cat" and row.layer == -1 and row["head"] == -1


def test_encoder_measures_and_refused_surprisal(tmp_path):
    from transformers import BertConfig, BertModel

    from tests.attention.test_align import sp_tokenizer

    tokenizer = sp_tokenizer()
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, pad_token_id=tokenizer.pad_token_id)).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    enc = load_model(str(tmp_path), device="cpu")
    assert not enc.causal and enc.collects  # BERT's attention goes through the AttentionInterface
    with pytest.raises(MeasureError, match="drop 'surprisal'"):
        extract(TEXTS, enc, MeasureConfig())
    results = extract(TEXTS, enc, MeasureConfig(measures=("attention", "rollout", "saliency"), batch_size=4))
    assert results[2].values["attention"].shape == (2, 2, len(results[2].words))
    # padded batches through the collecting implementation = a plain eager copy read through output_attentions
    from transformers import AutoModel

    eager = AutoModel.from_pretrained(str(tmp_path), attn_implementation="eager").eval()
    plain = dataclasses.replace(enc, model=eager, collects=False)
    config = MeasureConfig(measures=("attention", "rollout", "saliency"), batch_size=4)
    for got, want in zip(results, extract(TEXTS, plain, config)):
        for measure in ("attention", "rollout", "saliency"):
            np.testing.assert_allclose(got.values[measure], want.values[measure], rtol=1e-5, atol=1e-7)
    alignments = prepare(TEXTS, enc, MeasureConfig())
    # every real query's attention sums to 1, so all tokens together receive T per head
    total = results[0].values["attention"].sum(-1) + 2  # + <s> and </s>, which are no word's
    assert total.shape == (2, 2) and np.all(total > 0) and len(alignments[0].input_ids) > 2


def test_bad_config_names_the_fix():
    with pytest.raises(MeasureError, match="use one of sum, mean, max, first"):
        MeasureConfig(aggregation="median")


def test_rollout_received_equals_full_rollout_matrices(loaded):
    from psyai.attention.measures import batch_tensors, rollout, rollout_received

    alignments = prepare(TEXTS, loaded, MeasureConfig())
    ids, mask, _ = batch_tensors(alignments, loaded.tokenizer.pad_token_id or 0, "cpu")
    with torch.no_grad():
        attentions = loaded.model(input_ids=ids, attention_mask=mask, output_attentions=True).attentions
    expected = (rollout(attentions, mask) * mask[:, None, :, None]).sum(-2)  # (B, L, T)
    torch.testing.assert_close(rollout_received(attentions, mask), expected, rtol=1e-5, atol=1e-6)


def test_on_batch_reports_each_batch_of_texts(loaded):
    calls = []
    extract(TEXTS, loaded, MeasureConfig(measures=("surprisal",), batch_size=3), on_batch=calls.append)
    assert calls == [3, 1]


def test_roberta_position_offset_counts_in_the_length_limit(tmp_path):
    """RoBERTa's positions start at padding_idx + 1: a text that fits runs, one token more is refused with the fix
    (not an index error from inside the model)."""
    from transformers import RobertaConfig, RobertaModel

    from tests.attention.test_align import sp_tokenizer

    tokenizer = sp_tokenizer()
    n_tokens = len(tokenizer(TEXTS[0])["input_ids"])
    pad = tokenizer.pad_token_id
    for extra, fits in ((0, True), (-1, False)):
        folder = tmp_path / f"roberta{extra}"
        torch.manual_seed(0)
        RobertaModel(RobertaConfig(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=1,
                                   num_attention_heads=2, intermediate_size=32, pad_token_id=pad,
                                   max_position_embeddings=n_tokens + pad + 1 + extra)).save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        enc = load_model(str(folder), device="cpu")
        config = MeasureConfig(measures=("attention",))
        if fits:
            assert extract(TEXTS[:1], enc, config)[0].values["attention"].shape[-1] == 6
        else:
            with pytest.raises(MeasureError, match=f"has {n_tokens} tokens, more than the model's {n_tokens - 1}"):
                extract(TEXTS[:1], enc, config)


ARCHITECTURES = {  # tiny configs of model families labs use; causal ones get surprisal too
    "llama (grouped-query attention)": ("LlamaForCausalLM", "LlamaConfig", {"num_key_value_heads": 2}),
    "mistral (sliding window)": ("MistralForCausalLM", "MistralConfig", {"num_key_value_heads": 2,
                                                                          "sliding_window": 4}),
    "gpt-neox": ("GPTNeoXForCausalLM", "GPTNeoXConfig", {}),
    "distilbert": ("DistilBertModel", "DistilBertConfig", {"dim": 32, "n_layers": 2, "n_heads": 4, "hidden_dim": 64}),
    "xlm-roberta": ("XLMRobertaModel", "XLMRobertaConfig", {}),
}


@pytest.mark.parametrize("family", list(ARCHITECTURES))
def test_other_architectures_collect_the_same_values_as_eager_output_attentions(family, tmp_path):
    """The collecting implementation on the families a lab is likely to load: same values as a plain eager copy
    read through output_attentions, and padded batches equal one text at a time."""
    import transformers

    from tests.attention.test_align import sp_tokenizer

    model_name, config_name, extra = ARCHITECTURES[family]
    tokenizer = sp_tokenizer()
    config = getattr(transformers, config_name)(**{
        "vocab_size": len(tokenizer), "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 64, "pad_token_id": tokenizer.pad_token_id, "bos_token_id": 1, "eos_token_id": 2,
        **extra})
    torch.manual_seed(0)
    getattr(transformers, model_name)(config).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    loaded = load_model(str(tmp_path), device="cpu")
    assert loaded.collects and loaded.causal == model_name.endswith("ForCausalLM")
    measures = ("attention", "rollout", "saliency") + (("surprisal",) if loaded.causal else ())
    config = MeasureConfig(measures=measures, batch_size=3)
    got = extract(TEXTS, loaded, config)
    auto = transformers.AutoModelForCausalLM if loaded.causal else transformers.AutoModel
    eager = auto.from_pretrained(str(tmp_path), attn_implementation="eager").eval()
    want = extract(TEXTS, dataclasses.replace(loaded, model=eager, collects=False), config)
    one = extract(TEXTS, loaded, dataclasses.replace(config, batch_size=1))
    for g, w, o in zip(got, want, one):
        for measure in measures:
            assert np.isfinite(g.values[measure]).any()
            np.testing.assert_allclose(g.values[measure], w.values[measure], rtol=1e-5, atol=1e-7)
            np.testing.assert_allclose(g.values[measure], o.values[measure], rtol=1e-4, atol=1e-6)
