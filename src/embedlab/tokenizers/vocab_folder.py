"""The BERT recipe for a model folder with a ``vocab.txt`` and no ``tokenizer.json`` (as
sentence-transformers folders of older models ship): WordPiece over the vocabulary, the BERT
normalizer with the folder's ``do_lower_case``/``strip_accents``/``tokenize_chinese_chars``,
the special tokens of its config, and the ``[CLS] $A [SEP]`` template (RoBERTa-style
``<s> $A </s>`` for MPNet tokenizers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from embedlab.errors import TokenizerFileError

from .added_tokens import AddedToken
from .decoders import WordPieceDecoder
from .models import WordPiece
from .normalizers import BertNormalizer
from .post_processors import PostProcessor, RobertaProcessing, TemplateProcessing
from .pre_tokenizers import BertPreTokenizer


def vocab_folder_stages(folder: Path) -> tuple[WordPiece, BertNormalizer, BertPreTokenizer,
                                                PostProcessor, WordPieceDecoder,
                                                list[AddedToken]]:
    """The stages of the tokenizer of a model folder that has ``vocab.txt`` (and optionally
    ``tokenizer_config.json``, ``special_tokens_map.json``) but no ``tokenizer.json``:
    ``(model, normalizer, pre_tokenizer, post_processor, decoder, added_tokens)``."""
    config: dict[str, Any] = {}
    for name in ("special_tokens_map.json", "tokenizer_config.json"):
        p = folder / name
        if p.is_file():
            try:
                loaded = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError) as exc:  # UnicodeDecodeError too
                raise TokenizerFileError(f"{p}: cannot read: {exc}") from exc
            if not isinstance(loaded, dict):
                raise TokenizerFileError(f"{p}: expected a JSON object")
            config.update(loaded)

    def token_spec(key: str, default: str) -> dict[str, Any]:
        v = config.get(key, default)
        if isinstance(v, dict):
            return {"content": v.get("content", default), **v}
        if not isinstance(v, str):
            raise TokenizerFileError(f"tokenizer_config.json: {key}: expected a string")
        return {"content": v}

    unk = token_spec("unk_token", "[UNK]")["content"]
    model = WordPiece.from_vocab_file(folder / "vocab.txt", unk_token=unk)
    sa = config.get("strip_accents")
    normalizer = BertNormalizer(
        clean_text=True,
        handle_chinese_chars=bool(config.get("tokenize_chinese_chars", True)),
        strip_accents=sa if isinstance(sa, bool) else None,
        lowercase=bool(config.get("do_lower_case", True)),
    )
    roberta_like = config.get("tokenizer_class") in ("MPNetTokenizer", "MPNetTokenizerFast")
    keys = ["pad_token", "unk_token", "cls_token", "sep_token", "mask_token"]
    defaults = {"pad_token": "[PAD]", "unk_token": "[UNK]", "cls_token": "[CLS]",
                "sep_token": "[SEP]", "mask_token": "[MASK]"}
    if roberta_like:
        keys = ["bos_token", "pad_token", "eos_token", "unk_token", "mask_token"]
        defaults.update({"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>",
                         "mask_token": "<mask>", "cls_token": "<s>", "sep_token": "</s>"})
    added: list[AddedToken] = []
    for key in keys:
        spec = token_spec(key, defaults[key])
        tid = model.token_to_id(spec["content"])
        if tid is None:
            continue
        added.append(AddedToken(
            spec["content"], tid, special=True,
            single_word=bool(spec.get("single_word", False)),
            lstrip=bool(spec.get("lstrip", False)), rstrip=bool(spec.get("rstrip", False)),
            normalized=bool(spec.get("normalized", False)),
        ))
    cls_t = token_spec("cls_token", defaults["cls_token"])["content"]
    sep_t = token_spec("sep_token", defaults["sep_token"])["content"]
    ids = {}
    for t in (cls_t, sep_t):
        i = model.token_to_id(t)
        if i is None:
            raise TokenizerFileError(f"{folder / 'vocab.txt'}: special token {t!r} missing")
        ids[t] = i
    post: PostProcessor
    if roberta_like:
        post = RobertaProcessing(sep=(sep_t, ids[sep_t]), cls=(cls_t, ids[cls_t]),
                                 add_prefix_space=False)
    else:
        post = TemplateProcessing.from_strings(
            f"{cls_t} $A {sep_t}", f"{cls_t} $A {sep_t} $B:1 {sep_t}:1",
            [(cls_t, ids[cls_t]), (sep_t, ids[sep_t])],
        )
    return model, normalizer, BertPreTokenizer(), post, WordPieceDecoder(), added
