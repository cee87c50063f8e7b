"""The ``Tokenizer`` pipeline: added tokens -> normalizer -> pre-tokenizer -> model -> post-processor.

Reads and writes HF ``tokenizer.json`` files (schema version 1.0) and produces the same ids,
tokens and offsets as HF ``tokenizers``:

>>> from embedlab.tokenizers.models import BPE
>>> from embedlab.tokenizers.pre_tokenizers import Whitespace
>>> tok = Tokenizer(BPE({"a": 0, "b": 1, "ab": 2}, [("a", "b")]), pre_tokenizer=Whitespace())
>>> enc = tok.encode("ab ba")
>>> enc.tokens, enc.offsets
(['ab', 'b', 'a'], [(0, 2), (3, 4), (4, 5)])
>>> tok.decode(enc.ids)
'ab b a'
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from embedlab.errors import TokenizerFileError
from embedlab.files import atomic_write_bytes

from . import decoders as _decoders
from . import models as _models
from . import normalizers as _normalizers
from . import post_processors as _post
from . import pre_tokenizers as _pre
from .added_tokens import AddedToken, AddedVocabulary
from .decoders import Decoder
from .encoding import Encoding, truncate_pair
from .explain import Explanation, PieceExplanation
from .models import Model, WordPiece
from .normalizers import Normalizer
from .padding import (
    PaddingParams,
    TruncationParams,
    padding_from_json,
    padding_to_json,
    truncation_from_json,
    truncation_to_json,
)
from .post_processors import PostProcessor
from .pre_tokenizers import PreTokenizer

SUPPORTED_VERSION = (1, 0)
#: Under right truncation a long text is tokenized from a prefix of at least this many
#: characters (doubled until its first tokens are certain) instead of whole.
PREFIX_CHARS = 512
#: Tokens kept from a prefix end at least this many characters before its cut.
PREFIX_MARGIN_CHARS = 256
class Tokenizer:
    """A tokenization pipeline equivalent to HF ``tokenizers.Tokenizer`` (WordPiece and BPE
    models, character-level or byte-level)."""

    def __init__(
        self,
        model: Model,
        normalizer: Normalizer | None = None,
        pre_tokenizer: PreTokenizer | None = None,
        post_processor: PostProcessor | None = None,
        decoder: Decoder | None = None,
        added_tokens: list[AddedToken] | None = None,
    ) -> None:
        self.model = model
        self.normalizer = normalizer
        self.pre_tokenizer = pre_tokenizer
        self.post_processor = post_processor
        self.decoder = decoder
        norm_fn = normalizer.normalize_str if normalizer is not None else None
        self.added_vocabulary = AddedVocabulary(added_tokens or [], norm_fn)
        self.truncation: TruncationParams | None = None
        self.padding: PaddingParams | None = None
        # per-word results for transforming pre-tokenizers (ByteLevel, Metaspace)
        self._word_cache: dict[str, tuple[Any, Any, Any]] = {}
        self._word_cache_key: tuple[int, int] = (0, 0)

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_file(cls, path: str | Path) -> Tokenizer:
        try:
            text = Path(path).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TokenizerFileError(f"{path}: cannot read: {exc}") from exc
        try:
            return cls.from_str(text)
        except TokenizerFileError as exc:
            raise TokenizerFileError(f"{path}: {exc}") from exc

    @classmethod
    def from_str(cls, text: str) -> Tokenizer:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TokenizerFileError(
                f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> Tokenizer:
        if not isinstance(data, dict):
            raise TokenizerFileError("top level: expected a JSON object")
        version = data.get("version", "1.0")
        if not isinstance(version, str):
            raise TokenizerFileError(f"version: expected a string, got {version!r}")
        try:
            vt = tuple(int(x) for x in version.split("."))
        except ValueError:
            raise TokenizerFileError(f"version: cannot parse {version!r}") from None
        if vt > SUPPORTED_VERSION:
            raise TokenizerFileError(
                f"version: file version {version} is newer than the supported version "
                f"{'.'.join(map(str, SUPPORTED_VERSION))}"
            )
        if "model" not in data:
            raise TokenizerFileError("model: missing")
        model = _models.from_dict(data["model"])

        def opt(key: str, factory: Any) -> Any:
            v = data.get(key)
            return None if v is None else factory(v)

        normalizer = opt("normalizer", _normalizers.from_dict)
        pre_tokenizer = opt("pre_tokenizer", _pre.from_dict)
        post_processor = opt("post_processor", _post.from_dict)
        decoder = opt("decoder", _decoders.from_dict)
        raw_added = data.get("added_tokens") or []
        if not isinstance(raw_added, list):
            raise TokenizerFileError("added_tokens: expected a list")
        added = [AddedToken.from_dict(t, f"added_tokens[{i}]") for i, t in enumerate(raw_added)]
        tok = cls(model, normalizer, pre_tokenizer, post_processor, decoder, added)
        tok.truncation = truncation_from_json(data.get("truncation"))
        tok.padding = padding_from_json(data.get("padding"))
        return tok

    @classmethod
    def from_pretrained_folder(cls, folder: str | Path) -> Tokenizer:
        """Load a model folder: ``tokenizer.json`` if present, else ``vocab.txt`` +
        ``tokenizer_config.json``. Padding and truncation are always switched off."""
        folder = Path(folder).expanduser()
        if (folder / "tokenizer.json").is_file():
            tok = cls.from_file(folder / "tokenizer.json")
        elif (folder / "vocab.txt").is_file():
            tok = cls._from_vocab_folder(folder)
        else:
            raise TokenizerFileError(f"{folder}: neither tokenizer.json nor vocab.txt found")
        tok.no_padding()
        tok.no_truncation()
        return tok

    @classmethod
    def _from_vocab_folder(cls, folder: Path) -> Tokenizer:
        from .vocab_folder import vocab_folder_stages

        return cls(*vocab_folder_stages(folder))

    # ------------------------------------------------------------------ vocabulary
    def token_to_id(self, token: str) -> int | None:
        t = self.added_vocabulary.by_content.get(token)
        return t.id if t is not None else self.model.token_to_id(token)

    def id_to_token(self, id_: int) -> str | None:
        t = self.added_vocabulary.by_id.get(id_)
        return t.content if t is not None else self.model.id_to_token(id_)

    def get_vocab_size(self, with_added_tokens: bool = True) -> int:
        if not with_added_tokens:
            return self.model.get_vocab_size()
        extra = sum(
            1 for c in self.added_vocabulary.by_content if self.model.token_to_id(c) is None
        )
        return self.model.get_vocab_size() + extra

    # ------------------------------------------------------------------ settings
    def enable_truncation(
        self, max_length: int, strategy: str = "longest_first", direction: str = "right"
    ) -> None:
        if not isinstance(max_length, int) or max_length < 0:
            raise ValueError(f"max_length must be a non-negative integer, got {max_length!r}")
        if strategy not in ("longest_first", "only_first", "only_second"):
            raise ValueError(f"unknown truncation strategy {strategy!r}")
        if direction not in ("left", "right"):
            raise ValueError(f"unknown truncation direction {direction!r}")
        self.truncation = TruncationParams(max_length, strategy, direction)

    def no_truncation(self) -> None:
        self.truncation = None

    def enable_padding(
        self,
        pad_id: int | None = None,
        pad_token: str | None = None,
        length: int | None = None,
        pad_type_id: int = 0,
        direction: str = "right",
        pad_to_multiple_of: int | None = None,
    ) -> None:
        """Pad encodings to ``length`` (``None``: the longest in the batch)."""
        if pad_token is None:
            pad_token = self.id_to_token(pad_id) if pad_id is not None else "[PAD]"
            if pad_token is None:
                raise ValueError(f"pad_id {pad_id} is not in the vocabulary")
        if pad_id is None:
            found = self.token_to_id(pad_token)
            pad_id = found if found is not None else 0
        if direction not in ("left", "right"):
            raise ValueError(f"unknown padding direction {direction!r}")
        self.padding = PaddingParams(
            length, pad_id, pad_type_id, pad_token, direction, pad_to_multiple_of
        )

    def no_padding(self) -> None:
        self.padding = None

    @property
    def pad_id(self) -> int | None:
        """The padding id when padding is on, else the id of a ``[PAD]``/``<pad>`` token."""
        if self.padding is not None:
            return self.padding.pad_id
        for cand in ("[PAD]", "<pad>"):
            i = self.token_to_id(cand)
            if i is not None:
                return i
        return None

    # ------------------------------------------------------------------ encoding
    def _encode_sequence(self, text: str) -> Encoding:
        ids: list[int] = []
        tokens: list[str] = []
        offsets: list[tuple[int, int]] = []
        av = self.added_vocabulary
        pieces = av.split_raw(text)
        if pieces is None:
            self._encode_piece(text, 0, ids, tokens, offsets)
        else:
            for start, end, tok in pieces:
                if tok is not None:
                    ids.append(tok.id)
                    tokens.append(text[start:end])
                    offsets.append((start, end))
                else:
                    self._encode_piece(text[start:end], start, ids, tokens, offsets)
        return Encoding.from_tokens(ids, tokens, offsets)

    def _encode_piece(
        self,
        piece: str,
        base: int,
        ids: list[int],
        tokens: list[str],
        offsets: list[tuple[int, int]],
    ) -> None:
        if self.normalizer is not None:
            norm, align = self.normalizer.normalize_aligned(piece)
        else:
            norm, align = piece, None
        spans = self.added_vocabulary.split_normalized(norm)
        if spans is None:
            self._tokenize(norm, 0, len(norm), align, base, ids, tokens, offsets)
            return
        for start, end, tok in spans:
            if tok is None:
                self._tokenize(norm, start, end, align, base, ids, tokens, offsets)
            else:
                ids.append(tok.id)
                tokens.append(norm[start:end])
                if align is None:
                    offsets.append((base + start, base + end))
                else:
                    offsets.append((base + align[start], base + align[end - 1] + 1))

    def _tokenize(
        self,
        norm: str,
        start: int,
        end: int,
        align: list[int] | None,
        base: int,
        ids: list[int],
        tokens: list[str],
        offsets: list[tuple[int, int]],
    ) -> None:
        text = norm if start == 0 and end == len(norm) else norm[start:end]
        pre = self.pre_tokenizer
        if pre is not None and pre.transforms:
            self._tokenize_transformed(text, start, align, base, ids, tokens, offsets)
            return
        words = pre.split(text) if pre is not None else [(text, 0)]
        model = self.model
        cache = model._cache
        ext_ids, ext_toks, add_off = ids.extend, tokens.extend, offsets.append
        shift = base + start
        for word, ws in words:
            r = cache.get(word)
            if r is None:
                r = model.tokenize_word(word)
            wids, wtoks, woffs = r
            ext_ids(wids)
            ext_toks(wtoks)
            if align is None:
                p = shift + ws
                for a, b in woffs:
                    add_off((p + a, p + b))
            else:
                p = start + ws
                for a, b in woffs:
                    add_off((base + align[p + a], base + align[p + b - 1] + 1))

    def _tokenize_transformed(
        self,
        text: str,
        start: int,
        align: list[int] | None,
        base: int,
        ids: list[int],
        tokens: list[str],
        offsets: list[tuple[int, int]],
    ) -> None:
        pre = self.pre_tokenizer
        assert pre is not None
        model = self.model
        at_start = base + (start if align is None else (align[start] if align else 0)) == 0
        words, starts = pre.split_parallel(text, at_start)
        key = (id(pre), id(model))
        if key != self._word_cache_key:  # a stage was replaced: forget the cached words
            self._word_cache = {}
            self._word_cache_key = key
        cache = self._word_cache
        use_cache = not getattr(model, "dropout", None)

        def miss(word: str) -> tuple[Any, Any, Any]:
            t, cmap = pre.transform(word)
            wids, wtoks, woffs = model.tokenize_word(t)
            if cmap is not None:
                woffs = tuple((cmap[a], cmap[b - 1] + 1) for a, b in woffs)
            r = (wids, wtoks, woffs)
            if use_cache:
                if len(cache) >= 200_000:
                    cache.clear()
                cache[word] = r
            return r

        get = cache.get if use_cache else (lambda _w: None)
        results = [get(w) or miss(w) for w in words]
        ids.extend([i for r in results for i in r[0]])
        tokens.extend([t for r in results for t in r[1]])
        n = len(text)
        shift = base + start
        if starts and starts[0] < 0:  # an added prefix character belongs to the first one
            ws = starts[0]
            for a, b in results[0][2]:
                a, b = max(a + ws, 0), b + ws
                if b <= 0:
                    b = min(1, n)
                offsets.append((shift + a, shift + b) if align is None else
                               (base + align[start + a], base + align[start + b - 1] + 1))
            starts, results = starts[1:], results[1:]
        if align is None:
            if shift:
                starts = [shift + ws for ws in starts]
            offsets.extend([
                (p + a, p + b) for p, r in zip(starts, results, strict=True) for a, b in r[2]
            ])
        else:
            offsets.extend([
                (base + align[p + a], base + align[p + b - 1] + 1)
                for p, r in zip([start + ws for ws in starts], results, strict=True)
                for a, b in r[2]
            ])

    def _check_text(self, text: Any, where: str) -> str:
        if not isinstance(text, str):
            raise TypeError(f"{where}: expected str, got {type(text).__name__}")
        return text

    def encode(
        self, text: str, pair: str | None = None, add_special_tokens: bool = True
    ) -> Encoding:
        """Encode one text (or a pair of texts)."""
        enc = self._encode_one(
            self._check_text(text, "text"),
            None if pair is None else self._check_text(pair, "pair"),
            add_special_tokens,
        )
        if self.padding is not None:
            self._pad([enc])
        return enc

    def _encode_one(self, text: str, pair: str | None, add_special_tokens: bool) -> Encoding:
        tp = self.truncation
        max_len = 0
        if tp is not None:
            max_len = tp.max_length
            if add_special_tokens and self.post_processor is not None:
                n_added = self.post_processor.added_tokens(pair is not None)
                if n_added > max_len:
                    raise ValueError(
                        f"truncation max_length {max_len} is smaller than the {n_added} "
                        "special tokens added"
                    )
                max_len -= n_added
        # With right truncation only the first max_len tokens survive: stop tokenizing a
        # long text once they are certain (bounded work and memory for any text length).
        keep = max_len if tp is not None and tp.direction == "right" else None
        first, capped = self._encode_bounded(text, keep)
        second, capped2 = self._encode_bounded(pair, keep) if pair is not None else (None, False)
        if second is not None and keep is not None and keep % 2 and (capped or capped2) \
                and min(len(first), len(second)) > keep:
            # Both sides over the limit with an odd budget: HF gives the spare token to the
            # truly longer sequence, which only the whole texts can tell.
            first, second = self._encode_sequence(text), self._encode_sequence(pair or "")
        if tp is not None:
            truncate_pair(first, second, max_len, tp.strategy, tp.direction)
        if self.post_processor is not None:
            return self.post_processor.process(first, second, add_special_tokens)
        if second is not None:
            second.type_ids = [1] * len(second)
            return Encoding.merge([first, second])
        return first

    def _encode_bounded(self, text: str, keep: int | None) -> tuple[Encoding, bool]:
        """``text``'s tokens, or (when only the first ``keep`` tokens matter) the tokens of a
        prefix long enough that its first ``keep + 1`` tokens are those of the whole text;
        the flag says whether the text was cut.

        A prefix is trusted when two prefixes (``size`` and ``2 * size`` characters) agree
        on those tokens and they end at least :data:`PREFIX_MARGIN_CHARS` before the shorter
        cut, so that a word, normalization or added token cut at the boundary cannot reach
        them. Otherwise the prefix doubles, up to the whole text.
        """
        if keep is None:
            return self._encode_sequence(text), False
        need = keep + 1
        size = max(PREFIX_CHARS, 2 * need + PREFIX_MARGIN_CHARS)
        while 2 * size < len(text):
            short = self._encode_sequence(text[:size])
            if len(short) > need and short.offsets[need - 1][1] <= size - PREFIX_MARGIN_CHARS:
                long = self._encode_sequence(text[: 2 * size])
                if long.ids[:need] == short.ids[:need] and \
                        long.offsets[:need] == short.offsets[:need]:
                    return long, True
            size *= 2
        return self._encode_sequence(text), False

    def encode_batch(
        self,
        inputs: list[str] | list[tuple[str, str]],
        add_special_tokens: bool = True,
    ) -> list[Encoding]:
        """Encode several texts (or ``(text, pair)`` tuples); padding applies across the batch."""
        if isinstance(inputs, str | bytes | dict | set | frozenset):
            # one str, or a collection without an order to match encodings to inputs
            raise TypeError(f"encode_batch: expected a list of texts, got {type(inputs).__name__}")
        encs: list[Encoding] = []
        for i, item in enumerate(inputs):
            if isinstance(item, str):
                encs.append(self._encode_one(item, None, add_special_tokens))
            elif (
                isinstance(item, (tuple, list))
                and len(item) == 2
                and all(isinstance(x, str) for x in item)
            ):
                encs.append(self._encode_one(item[0], item[1], add_special_tokens))
            else:
                raise TypeError(
                    f"encode_batch: item {i} must be a str or a (str, str) pair, "
                    f"got {type(item).__name__}"
                )
        if self.padding is not None:
            self._pad(encs)
        return encs

    def _pad(self, encs: list[Encoding]) -> None:
        p = self.padding
        if p is None or not encs:
            return
        length = p.length if p.length is not None else max(len(e) for e in encs)
        if p.pad_to_multiple_of and length % p.pad_to_multiple_of:
            length += p.pad_to_multiple_of - length % p.pad_to_multiple_of
        for e in encs:
            e.pad(length, p.pad_id, p.pad_type_id, p.pad_token, p.direction)

    # ------------------------------------------------------------------ decoding
    def decode(self, ids: list[int], skip_special_tokens: bool = True) -> str:
        """Text from ids (special tokens left out unless ``skip_special_tokens=False``).

        An id that is not in the vocabulary raises ``ValueError`` naming it and the valid range
        (HF silently drops such ids).
        """
        special = self.added_vocabulary.special_ids
        tokens: list[str] = []
        for k, i in enumerate(ids):
            try:
                i = int(i)
            except (TypeError, ValueError):
                raise TypeError(f"decode: ids[{k}] = {i!r} is not an integer") from None
            if skip_special_tokens and i in special:
                continue
            tok = self.id_to_token(i)
            if tok is None:
                raise ValueError(
                    f"decode: ids[{k}] = {i} is out of range: valid ids are 0.."
                    f"{self.get_vocab_size() - 1} (vocabulary plus added tokens)"
                )
            tokens.append(tok)
        if self.decoder is not None:
            return self.decoder.decode(tokens)
        return " ".join(tokens)

    def decode_batch(self, batch: list[list[int]], skip_special_tokens: bool = True) -> list[str]:
        return [self.decode(ids, skip_special_tokens) for ids in batch]

    # ------------------------------------------------------------------ explain
    def explain(self, word: str) -> Explanation:
        """Which merges (BPE, in the order applied) or longest matches (WordPiece) turn
        ``word`` into tokens, after the normalizer and pre-tokenizer; ``print`` it for a
        readable trace. Dropout is ignored."""
        text = self._check_text(word, "word")
        norm = self.normalizer.normalize_str(text) if self.normalizer is not None else text
        pre = self.pre_tokenizer
        pieces = pre.split_words(norm, True) if pre is not None else [(norm, 0)]
        out: list[PieceExplanation] = []
        model = self.model
        for piece, _ in pieces:
            t = pre.transform(piece)[0] if pre is not None and pre.transforms else piece
            initial, steps, toks = model.explain_word(t)
            out.append(PieceExplanation(t, initial, steps, toks))
        return Explanation(word=text, pieces=out)

    # ------------------------------------------------------------------ training
    def train(self, files: str | Path | Iterable[str | Path], trainer: Any = None) -> Tokenizer:
        """Learn the model's vocabulary from UTF-8 text files (read line by line, as HF does)
        with a ``BpeTrainer`` or ``WordPieceTrainer`` (default: one matching the model)."""
        from .training_data import count_words_in_files

        return self._train(count_words_in_files(self, files), trainer)

    def train_from_iterator(self, iterator: Any, trainer: Any = None) -> Tokenizer:
        """Like ``train`` over texts (or lists of texts) from any iterable."""
        from .training_data import count_words

        return self._train(count_words(self, iterator), trainer)

    def _train(self, word_counts: Any, trainer: Any) -> Tokenizer:
        from .trainers import BpeTrainer, WordPieceTrainer, special_added_tokens

        if trainer is None:
            trainer = WordPieceTrainer() if isinstance(self.model, WordPiece) else BpeTrainer()
        model, specials = trainer.train_model(self.model, word_counts)
        self.model = model
        added = special_added_tokens(specials, model.vocab)
        next_id = model.get_vocab_size()
        for t in self.added_vocabulary.tokens:  # earlier added tokens: ids in the new model
            if t.content in specials:
                continue
            tid = model.token_to_id(t.content)
            if tid is None:
                tid, next_id = next_id, next_id + 1
            added.append(AddedToken(t.content, tid, t.special, t.single_word, t.lstrip,
                                    t.rstrip, t.normalized))
        norm_fn = self.normalizer.normalize_str if self.normalizer is not None else None
        self.added_vocabulary = AddedVocabulary(added, norm_fn)
        return self

    # ------------------------------------------------------------------ saving
    def to_dict(self) -> dict[str, Any]:
        """The tokenizer.json content: HF's schema version 1.0, same keys in the same order."""
        return {
            "version": "1.0",
            "truncation": truncation_to_json(self.truncation),
            "padding": padding_to_json(self.padding),
            "added_tokens": [
                {
                    "id": t.id,
                    "content": t.content,
                    "single_word": t.single_word,
                    "lstrip": t.lstrip,
                    "rstrip": t.rstrip,
                    "normalized": t.normalized,
                    "special": t.special,
                }
                for t in sorted(self.added_vocabulary.tokens, key=lambda t: t.id)
            ],
            "normalizer": None if self.normalizer is None else self.normalizer.to_dict(),
            "pre_tokenizer": None if self.pre_tokenizer is None else self.pre_tokenizer.to_dict(),
            "post_processor": None
            if self.post_processor is None
            else self.post_processor.to_dict(),
            "decoder": None if self.decoder is None else self.decoder.to_dict(),
            "model": self.model.to_dict(),
        }

    def to_str(self, pretty: bool = False) -> str:
        """The tokenizer.json text (``pretty``: indented by 2 spaces, as HF writes it)."""
        return json.dumps(
            self.to_dict(), ensure_ascii=False, indent=2 if pretty else None,
            separators=None if pretty else (",", ":"),
        )

    def save(self, path: str | Path, pretty: bool = True) -> None:
        """Write tokenizer.json atomically; HF ``tokenizers`` loads it and encodes the same."""
        atomic_write_bytes(Path(path).expanduser(), self.to_str(pretty).encode("utf-8"))

    def __repr__(self) -> str:
        return (
            f"Tokenizer(normalizer={self.normalizer!r}, pre_tokenizer={self.pre_tokenizer!r}, "
            f"model={self.model!r}, post_processor={self.post_processor!r})"
        )


