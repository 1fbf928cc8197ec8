"""``psyai attention extract`` and ``psyai attention bench``: word-level model measures from the command line."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import shlex
import sys
import tempfile
import time
from pathlib import Path


from psyai.attention.measures import AGGREGATIONS, FORWARD_MEASURES, MEASURES, MeasureConfig, extract, load_model
from psyai.attention.words import UNIT_HELP, UNITS, has_japanese
from psyai.errors import PsyaiError
from psyai.progress import progress
from psyai.models.loading import DTYPES

logger = logging.getLogger(__name__)


def read_texts(path: Path, lang: str | None = None) -> tuple[list[str], list[str]]:
    """Ids and texts from a ``.txt`` (one per line, blank lines skipped; ids count the texts from 0) or a
    ``.csv``/``.jsonl`` with a ``text`` column — a stimulus file works as it is: ids come from ``text_id``
    or ``item_id`` when there is one, and with a ``lang`` column only the rows in ``lang`` are read."""
    import pandas as pd

    if not path.exists():
        raise PsyaiError(f"--texts {path} does not exist; pass a .txt (one text a line) or a .csv/.jsonl with a "
                         "'text' column")
    if path.suffix in (".csv", ".jsonl"):
        frame = (pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig") if path.suffix == ".csv"
                 else pd.read_json(path, lines=True, dtype=False))
        if "text" not in frame.columns:
            raise PsyaiError(f"--texts {path} has no 'text' column (columns: {', '.join(map(str, frame.columns))})")
        if lang is not None and "lang" in frame.columns:
            frame = frame[frame["lang"] == lang]
        id_column = next((c for c in ("text_id", "item_id") if c in frame.columns), None)
        ids = [str(i) for i in frame[id_column]] if id_column else [str(i) for i in range(len(frame))]
        if len(set(ids)) != len(ids):
            raise PsyaiError(f"--texts {path}: column {id_column} has repeated ids; each text needs its own")
        return ids, [str(t) for t in frame["text"]]
    texts = [line for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]  # BOM dropped
    return [str(i) for i in range(len(texts))], texts


def _extract_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, metavar="NAME_OR_PATH", help="hub name or save_pretrained folder")
    p.add_argument("--texts", required=True, type=Path, help=".txt (one text a line) or .csv/.jsonl with 'text'")
    p.add_argument("--out", required=True, type=Path, help="tidy table to write: .csv or .parquet")
    p.add_argument("--lang", choices=("en", "ja"), default="en", help="how words are found (default %(default)s)")
    p.add_argument("--punctuation", choices=("attach", "separate"), default="attach",
                   help="punctuation on its word or a word of its own (default %(default)s)")
    p.add_argument("--unit", choices=UNITS, default="word", help=UNIT_HELP)
    p.add_argument("--aggregation", choices=AGGREGATIONS, default="sum",
                   help="subword tokens to a word (default %(default)s)")
    p.add_argument("--measures", default=",".join(MEASURES),
                   help="comma-separated, from %s (default: all; encoders: drop surprisal)" % ",".join(MEASURES))
    p.add_argument("--batch-size", type=int, default=16, help="texts per forward pass (default %(default)s)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda … (default %(default)s)")
    p.add_argument("--dtype", choices=DTYPES, default="float32",
                   help="weights' precision: float32 (exact), bfloat16 or float16 (half the memory of a large model "
                        "on a GPU), auto (the checkpoint's) (default %(default)s)")


def extract_command(args: argparse.Namespace) -> int:
    """Write the tidy table, and ``<out>.json`` beside it with the resolved settings and model revision."""
    from dataclasses import asdict

    from psyai.attention.measures import to_table

    if args.out.suffix not in (".csv", ".parquet"):
        raise PsyaiError(f"--out {args.out}: name a .csv or .parquet file")
    config = MeasureConfig(measures=tuple(m.strip() for m in args.measures.split(",") if m.strip()),
                           aggregation=args.aggregation, lang=args.lang, punctuation=args.punctuation,
                           unit=args.unit, batch_size=args.batch_size)
    if args.out.exists():
        raise PsyaiError(f"--out {args.out} exists; psyai never overwrites results: choose another name")
    ids, texts = read_texts(args.texts, args.lang)
    if not texts:
        raise PsyaiError(f"--texts {args.texts}: no texts (in language {args.lang!r})")
    loaded = load_model(args.model, device=args.device, dtype=args.dtype)
    with progress(f"extracting {len(texts)} texts", len(texts)) as advance:  # stderr: stdout keeps its JSON line
        results = extract(texts, loaded, config, on_batch=advance)
    table = to_table(results)
    table["text_id"] = [ids[i] for i in table["text_id"]]  # the stimulus ids, so human and model tables join
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.suffix == ".csv":
        table.to_csv(args.out, index=False)
    else:
        table.to_parquet(args.out, index=False)
    meta = {"model": args.model, "revision": loaded.revision, "dtype": str(loaded.model.dtype).removeprefix("torch."),
            "texts": str(args.texts), "n_texts": len(texts),
            "config": asdict(config), "command_line": shlex.join(sys.argv)}
    args.out.with_suffix(args.out.suffix + ".json").write_text(json.dumps(meta, ensure_ascii=False, indent=1))
    print(json.dumps({"out": str(args.out), "rows": int(len(table)), "revision": loaded.revision}))
    return 0


# GPT-2 shapes the bench builds with random weights (psyai.models.demo.DemoModelConfig fields)
BENCH_SIZES = {
    "small": {"n_embd": 64, "n_layer": 4, "n_head": 4, "n_positions": 256},
    "demo": {"n_embd": 128, "n_layer": 4, "n_head": 4, "n_positions": 256},
    "tiny": {},
}


def _bench_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--model", default=None, metavar="NAME_OR_PATH",
                   help="model (default: a random-weight GPT-2 built locally by psyai.models.demo, see --size)")
    p.add_argument("--size", choices=tuple(BENCH_SIZES), default="small",
                   help="locally built model without --model: small (4 layers, width 64, 4 heads), demo (4 layers, "
                        "width 128, the demo model's shape; on a 2-core CPU a one-text forward pass is barely slower "
                        "than a batched one, which caps the batching speed-up) or tiny (2 layers, width 32, where "
                        "fixed Python costs dominate) (default %(default)s)")
    p.add_argument("--texts", type=Path, default=None, help="texts (default: the demo corpus answers, en + ja)")
    p.add_argument("--batch-size", type=int, default=16, help="texts per forward pass (default %(default)s)")
    p.add_argument("--repeats", type=int, default=5, help="timed repeats, best kept (default %(default)s)")
    p.add_argument("--threads", type=int, default=1, help="torch threads; 0 keeps torch's default (default 1)")
    p.add_argument("--device", default="cpu", help="cpu, cuda … (default %(default)s)")
    p.add_argument("--dtype", choices=DTYPES, default="float32", help="weights' precision (default %(default)s)")


def _best(fns: list, repeats: int) -> list[float]:
    """Best of ``repeats`` timings of each function, run in turn (a, b, a, b, …) after one warm-up each, so
    that the machine's and the allocator's state drift alike over all of them."""
    for fn in fns:
        fn()  # warm-up
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, kept in zip(fns, times):
            started = time.perf_counter()
            fn()
            kept.append(time.perf_counter() - started)
    return [min(kept) for kept in times]


def run_bench(loaded, texts: list[str], batch_size: int, repeats: int) -> dict:
    """Seconds for (a) bare batched forward, (b) batched forward-only measures (surprisal only for a causal
    LM), (c) the same one text at a time; and saliency against a bare forward + backward. Each text is split
    into words in its own language (Japanese when it has kana or kanji)."""
    import torch

    from psyai.attention.measures import batch_tensors, forward_kwargs, prepare

    forward = FORWARD_MEASURES if loaded.causal else tuple(m for m in FORWARD_MEASURES if m != "surprisal")
    config = MeasureConfig(measures=forward, batch_size=batch_size)
    alignments = [a for lang in ("en", "ja") for a in prepare(
        [t for t in texts if ("ja" if has_japanese(t) else "en") == lang], loaded, dataclasses.replace(config, lang=lang))]
    pad_id = loaded.tokenizer.pad_token_id if loaded.tokenizer.pad_token_id is not None else 0
    order = sorted(range(len(alignments)), key=lambda i: len(alignments[i].input_ids))
    batches = [[alignments[i] for i in order[k:k + batch_size]] for k in range(0, len(order), batch_size)]

    def bare_forward():
        with torch.no_grad():
            for batch in batches:
                ids, mask, _ = batch_tensors(batch, pad_id, loaded.device)  # (B, T)
                loaded.model(input_ids=ids, **forward_kwargs(loaded, mask))

    def bare_backward():
        for batch in batches:
            ids, mask, _ = batch_tensors(batch, pad_id, loaded.device)  # (B, T)
            embeds = loaded.model.get_input_embeddings()(ids).detach().requires_grad_(True)  # (B, T, D)
            out = loaded.model(inputs_embeds=embeds, **forward_kwargs(loaded, mask))
            torch.autograd.grad(out[0].float().sum(), embeds)

    naive = MeasureConfig(measures=forward, batch_size=1)
    sal = MeasureConfig(measures=("saliency",), batch_size=batch_size)
    # tokenization and alignment (per-text Python work) are done once, outside every timed region, as for (a)
    a, b, c = _best([bare_forward, lambda: extract(texts, loaded, config, alignments),
                     lambda: extract(texts, loaded, naive, alignments)], repeats)
    d, e = _best([bare_backward, lambda: extract(texts, loaded, sal, alignments)], repeats)
    return {"attn_implementation": loaded.model.config._attn_implementation, "n_texts": len(texts),
            "tokens": sum(len(x.input_ids) for x in alignments), "batch_size": batch_size,
            "bare_forward_s": a, "extract_forward_measures_s": b, "naive_one_text_s": c,
            "bare_forward_backward_s": d, "extract_saliency_s": e,
            "overhead": b / a, "speedup_vs_naive": c / b, "saliency_overhead": e / d}


def bench(args: argparse.Namespace) -> int:
    """``psyai attention bench [--json]``: the cost of word-level measures against a bare forward pass."""
    import platform

    import torch

    from psyai.models.demo import DEMO_CORPUS, DemoModelConfig, build_model

    texts = read_texts(args.texts)[1] if args.texts else [a for _, _, a in DEMO_CORPUS]
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        size = BENCH_SIZES[args.size]
        model = args.model or str(build_model(Path(tmp) / args.size, DemoModelConfig(train_steps=0, **size)))
        loaded = load_model(model, device=args.device, dtype=args.dtype)
        result = run_bench(loaded, texts, args.batch_size, args.repeats)
    cfg = loaded.model.config
    shape = (f"{getattr(cfg, 'n_layer', getattr(cfg, 'num_hidden_layers', '?'))} layers, width "
             f"{getattr(cfg, 'n_embd', getattr(cfg, 'hidden_size', '?'))}, {getattr(cfg, 'n_head', '?')} heads, "
             f"vocab {getattr(cfg, 'vocab_size', '?')}")
    result.update({"model": f"{args.model or f'random-weight GPT-2, --size {args.size} (psyai.models.demo)'} "
                            f"({shape})", "device": str(loaded.device),
                   "dtype": str(loaded.model.dtype).removeprefix("torch."),
                   "threads": torch.get_num_threads(), "machine": platform.processor() or platform.machine(),
                   "command_line": shlex.join(sys.argv)})
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"model: {result['model']}")
        print(f"{result['n_texts']} texts, {result['tokens']} tokens, batch {args.batch_size}, {result['device']}, "
              f"{result['dtype']}, {result['threads']} thread(s); attn_implementation={result['attn_implementation']} in (a) and (b) "
              "alike (the model's eager attention; (b) reduces each layer's weights as it computes them); (a), (b) "
              "and (c) run in turn, each warmed up, best of --repeats; tokenization outside the timings")
        print(f"(a) bare batched forward       {result['bare_forward_s'] * 1e3:8.1f} ms")
        print(f"(b) forward-only measures      {result['extract_forward_measures_s'] * 1e3:8.1f} ms"
              f"   (b)/(a) = {result['overhead']:.2f}")
        print(f"(c) one text at a time         {result['naive_one_text_s'] * 1e3:8.1f} ms"
              f"   (c)/(b) = {result['speedup_vs_naive']:.2f}")
        print(f"saliency vs forward+backward   {result['extract_saliency_s'] * 1e3:8.1f} ms"
              f"   ratio = {result['saliency_overhead']:.2f}")
    return 0


ACTIONS = {
    "extract": (_extract_arguments, extract_command, "word-level attention, rollout, saliency, surprisal (tidy table)"),
    "bench": (_bench_arguments, bench, "time word-level measures against a bare forward pass"),
}


def add_arguments(subparsers) -> None:
    """Register ``extract`` and ``bench`` on ``subparsers``; each sets ``attention_func``, which :func:`run` calls."""
    for name, (add, func, help_text) in ACTIONS.items():
        p = subparsers.add_parser(name, help=help_text, description=help_text)
        add(p)
        p.set_defaults(attention_func=func)


def run(args: argparse.Namespace) -> int:
    """Run the action chosen on the command line (the ``func`` of ``psyai attention``)."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    return int(args.attention_func(args) or 0)


def main(argv: list[str] | None = None) -> int:
    """``python -m psyai.attention.cli ACTION …``."""
    parser = argparse.ArgumentParser(prog="psyai attention", description="Word-level model measures.")
    add_arguments(parser.add_subparsers(dest="attention_command", required=True, metavar="ACTION"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return run(args)
    except PsyaiError as err:
        sys.stderr.write(f"error: {err}\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
