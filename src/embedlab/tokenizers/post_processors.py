"""Post-processors: add special tokens and type ids around one or two encoded sequences."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

from embedlab.errors import TokenizerFileError

from ._chars import WHITESPACE, WS_BODY
from ._registry import build, get_bool
from .encoding import Encoding


class PostProcessor:
    type_name: ClassVar[str] = ""

    def added_tokens(self, is_pair: bool) -> int:
        raise NotImplementedError

    def process(
        self, encoding: Encoding, pair: Encoding | None = None, add_special_tokens: bool = True
    ) -> Encoding:
        raise NotImplementedError

    def process_encodings(
        self, encodings: list[Encoding], add_special_tokens: bool = True
    ) -> list[Encoding]:
        """The list form HF chains in a ``Sequence`` (one or two encodings in)."""
        pair = encodings[1] if len(encodings) > 1 else None
        return [self.process(encodings[0], pair, add_special_tokens)]

    def to_dict(self) -> dict[str, Any]:
        """HF's JSON form (same keys, same order)."""
        return {"type": self.type_name}


def _special(ids: list[int], tokens: list[str], type_id: int) -> Encoding:
    n = len(ids)
    return Encoding(list(ids), list(tokens), [type_id] * n, [1] * n, [(0, 0)] * n, [1] * n)


class TemplateProcessing(PostProcessor):
    """Template-driven post-processing, e.g. BERT's ``[CLS] $A [SEP]`` / ``... $B:1 [SEP]:1``.

    ``single`` and ``pair`` are lists of pieces ``("A"|"B", type_id)`` for sequences and
    ``("special", token, type_id)`` for special tokens; ``special_tokens`` maps a special
    token's name to its ``(ids, tokens)``. ``from_strings`` parses the HF string syntax.
    """

    type_name = "TemplateProcessing"
    Piece = tuple[str, str, int]  # (kind "seq"|"special", name, type_id)

    def __init__(
        self,
        single: list[tuple[str, str, int]],
        pair: list[tuple[str, str, int]],
        special_tokens: dict[str, tuple[list[int], list[str]]],
    ) -> None:
        self.single = single
        self.pair = pair
        self.special_tokens = special_tokens
        for kind, name, _ in [*single, *pair]:
            if kind == "special" and name not in special_tokens:
                raise TokenizerFileError(
                    f"post_processor.special_tokens: template uses {name!r} which is not defined"
                )

    @staticmethod
    def _parse_str(template: str) -> list[tuple[str, str, int]]:
        out: list[tuple[str, str, int]] = []
        for item in template.split():
            name, _, tid = item.rpartition(":") if ":" in item else (item, "", "0")
            type_id = int(tid) if tid.isdigit() else 0
            if not tid.isdigit():
                name = item
            if name.startswith("$"):
                seq = name[1:] or "A"
                if seq.isdigit():
                    type_id, seq = int(seq), "A"
                out.append(("seq", seq, type_id))
            else:
                out.append(("special", name, type_id))
        return out

    @classmethod
    def from_strings(
        cls, single: str, pair: str, special_tokens: list[tuple[str, int]]
    ) -> TemplateProcessing:
        specials = {t: ([i], [t]) for t, i in special_tokens}
        return cls(cls._parse_str(single), cls._parse_str(pair), specials)

    def added_tokens(self, is_pair: bool) -> int:
        tpl = self.pair if is_pair else self.single
        return sum(len(self.special_tokens[n][0]) for k, n, _ in tpl if k == "special")

    def process(
        self, encoding: Encoding, pair: Encoding | None = None, add_special_tokens: bool = True
    ) -> Encoding:
        tpl = self.pair if pair is not None else self.single
        parts: list[Encoding] = []
        for kind, name, type_id in tpl:
            if kind == "seq":
                src = encoding if name == "A" else pair
                if src is None:
                    continue
                src.type_ids = [type_id] * len(src.ids)
                parts.append(src)
            elif add_special_tokens:
                ids, toks = self.special_tokens[name]
                parts.append(_special(ids, toks, type_id))
        return Encoding.merge(parts)

    @staticmethod
    def _pieces_to_json(tpl: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
        return [
            {"Sequence" if kind == "seq" else "SpecialToken": {"id": name, "type_id": tid}}
            for kind, name, tid in tpl
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "TemplateProcessing",
            "single": self._pieces_to_json(self.single),
            "pair": self._pieces_to_json(self.pair),
            "special_tokens": {
                name: {"id": name, "ids": list(ids), "tokens": list(toks)}
                for name, (ids, toks) in sorted(self.special_tokens.items())
            },
        }

    def __repr__(self) -> str:
        return f"TemplateProcessing(single={self.single!r}, pair={self.pair!r})"


class BertProcessing(TemplateProcessing):
    """BERT: ``[CLS] A [SEP]`` and ``[CLS] A [SEP] B [SEP]`` (type id 1 for ``B [SEP]``)."""

    type_name = "BertProcessing"

    def __init__(
        self, sep: tuple[str, int] = ("[SEP]", 102), cls: tuple[str, int] = ("[CLS]", 101)
    ) -> None:
        self.sep = sep
        self.cls = cls
        c, sp = cls[0], sep[0]
        specials = {c: ([cls[1]], [c]), sp: ([sep[1]], [sp])}
        super().__init__(
            self._parse_str(f"{c} $A {sp}"), self._parse_str(f"{c} $A {sp} $B:1 {sp}:1"), specials
        )

    def to_dict(self) -> dict[str, Any]:
        return {"type": "BertProcessing", "sep": list(self.sep), "cls": list(self.cls)}

    def __repr__(self) -> str:
        return f"BertProcessing(sep={self.sep!r}, cls={self.cls!r})"


class RobertaProcessing(PostProcessor):
    """RoBERTa/MPNet: ``<s> A </s>`` and ``<s> A </s></s> B </s>``; every type id is 0.

    With ``trim_offsets`` the offsets of tokens that begin or end with whitespace (for
    instance an ``lstrip`` added token such as ``<mask>``) are trimmed, as HF does.
    """

    type_name = "RobertaProcessing"

    def __init__(
        self,
        sep: tuple[str, int] = ("</s>", 2),
        cls: tuple[str, int] = ("<s>", 0),
        trim_offsets: bool = True,
        add_prefix_space: bool = True,
    ) -> None:
        self.sep = sep
        self.cls = cls
        self.trim_offsets = trim_offsets
        self.add_prefix_space = add_prefix_space

    def added_tokens(self, is_pair: bool) -> int:
        return 4 if is_pair else 2

    def _trim(self, enc: Encoding) -> None:
        trim_offsets(enc, self.add_prefix_space)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "RobertaProcessing", "sep": list(self.sep), "cls": list(self.cls),
                "trim_offsets": self.trim_offsets, "add_prefix_space": self.add_prefix_space}

    def process(
        self, encoding: Encoding, pair: Encoding | None = None, add_special_tokens: bool = True
    ) -> Encoding:
        encs = [encoding] if pair is None else [encoding, pair]
        for e in encs:
            if self.trim_offsets:
                self._trim(e)
            e.type_ids = [0] * len(e.ids)
        if not add_special_tokens:
            return Encoding.merge(encs)
        (cls_t, cls_i), (sep_t, sep_i) = self.cls, self.sep
        if pair is None:  # the common case, built in one go
            e = encoding
            n = len(e.ids)
            return Encoding(
                [cls_i, *e.ids, sep_i], [cls_t, *e.tokens, sep_t], [0] * (n + 2),
                [1, *e.attention_mask, 1], [(0, 0), *e.offsets, (0, 0)],
                [1, *e.special_tokens_mask, 1],
            )
        parts = [_special([cls_i], [cls_t], 0), encoding, _special([sep_i], [sep_t], 0)]
        if pair is not None:
            parts += [_special([sep_i], [sep_t], 0), pair, _special([sep_i], [sep_t], 0)]
        return Encoding.merge(parts)

    def __repr__(self) -> str:
        return f"RobertaProcessing(sep={self.sep!r}, cls={self.cls!r})"


def trim_offsets(enc: Encoding, add_prefix_space: bool) -> None:
    """HF's byte-level offset trimming: offsets of tokens that start or end with spaces ("Ġ"
    or whitespace) shrink to exclude them (an added prefix space is kept on the first one)."""
    tokens = enc.tokens
    if _SPACE_RE.search("".join(tokens)) is None:  # the usual case for WordPiece
        return
    cache = _TRIM_CACHE
    runs = [cache.get(t) or _trim_runs(t) for t in tokens]
    offsets = enc.offsets
    trimmed = [
        (s2, (e - tr if e - tr > s2 else s2) if e >= tr else e)
        for (s, e), (ld, tr) in zip(offsets, runs, strict=True)
        for s2 in ((s + ld if s + ld < e else e),)
    ]
    if add_prefix_space:
        # the space added in front is kept on the first token (and on any starting at 0)
        for i, ((s, e), (ld, tr)) in enumerate(zip(offsets, runs, strict=True)):
            if i and s:
                if offsets[i - 1][0]:  # past the tokens at the very start
                    break
                continue
            if ld == 1:
                trimmed[i] = (s, max(e - tr, s) if tr and e >= tr else e)
    enc.offsets = trimmed


def _trim_runs(tok: str) -> tuple[int, int]:
    r = (_run_of_spaces(tok), _run_of_spaces(tok[::-1])) if tok else (0, 0)
    if len(_TRIM_CACHE) > 500_000:
        _TRIM_CACHE.clear()
    _TRIM_CACHE[tok] = r
    return r


_TRIM_CACHE: dict[str, tuple[int, int]] = {}


class ByteLevel(PostProcessor):
    """GPT-2's post-processor: adds nothing; with ``trim_offsets`` the offsets stop counting
    the leading "Ġ" of a word."""

    type_name = "ByteLevel"

    def __init__(
        self, add_prefix_space: bool = True, trim_offsets: bool = True, use_regex: bool = True
    ) -> None:
        self.add_prefix_space = add_prefix_space
        self.trim_offsets = trim_offsets
        self.use_regex = use_regex

    def added_tokens(self, is_pair: bool) -> int:
        return 0

    def process_encodings(
        self, encodings: list[Encoding], add_special_tokens: bool = True
    ) -> list[Encoding]:
        for e in encodings:
            if self.trim_offsets:
                trim_offsets(e, self.add_prefix_space)
        for e in encodings[1:]:
            e.type_ids = [1] * len(e.ids)
        return encodings

    def process(
        self, encoding: Encoding, pair: Encoding | None = None, add_special_tokens: bool = True
    ) -> Encoding:
        encs = [encoding] if pair is None else [encoding, pair]
        return Encoding.merge(self.process_encodings(encs, add_special_tokens))

    def to_dict(self) -> dict[str, Any]:
        return {"type": "ByteLevel", "add_prefix_space": self.add_prefix_space,
                "trim_offsets": self.trim_offsets, "use_regex": self.use_regex}

    def __repr__(self) -> str:
        return f"ByteLevel(add_prefix_space={self.add_prefix_space}, " \
               f"trim_offsets={self.trim_offsets})"


class Sequence(PostProcessor):
    """Run several post-processors in turn (e.g. ``ByteLevel`` trimming, then a template)."""

    type_name = "Sequence"

    def __init__(self, processors: list[PostProcessor]) -> None:
        self.processors = list(processors)

    def added_tokens(self, is_pair: bool) -> int:
        return sum(p.added_tokens(is_pair) for p in self.processors)

    def process_encodings(
        self, encodings: list[Encoding], add_special_tokens: bool = True
    ) -> list[Encoding]:
        for p in self.processors:
            encodings = p.process_encodings(encodings, add_special_tokens)
        return encodings

    def process(
        self, encoding: Encoding, pair: Encoding | None = None, add_special_tokens: bool = True
    ) -> Encoding:
        encs = [encoding] if pair is None else [encoding, pair]
        return Encoding.merge(self.process_encodings(encs, add_special_tokens))

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Sequence", "processors": [p.to_dict() for p in self.processors]}

    def __repr__(self) -> str:
        return f"Sequence({self.processors!r})"


_SPACE_RE = re.compile(f"[\u0120{WS_BODY}]")


def _is_space(c: str) -> bool:
    return c == "\u0120" or c in WHITESPACE


def _run_of_spaces(tok: str) -> int:
    n = 0
    for c in tok:
        if not _is_space(c):
            break
        n += 1
    return n


def _template_piece(p: Any, where: str) -> tuple[str, str, int]:
    if isinstance(p, dict) and len(p) == 1:
        ((kind, body),) = p.items()
        if isinstance(body, dict) and isinstance(body.get("id"), str):
            tid = body.get("type_id", 0)
            if not isinstance(tid, int):
                raise TokenizerFileError(f"{where}.type_id: expected an integer")
            if kind == "Sequence":
                return ("seq", body["id"], tid)
            if kind == "SpecialToken":
                return ("special", body["id"], tid)
    raise TokenizerFileError(f"{where}: expected {{'Sequence'|'SpecialToken': {{id, type_id}}}}")


def _template_from_dict(d: dict[str, Any]) -> TemplateProcessing:
    w = "post_processor"
    tpls: dict[str, list[tuple[str, str, int]]] = {}
    for key in ("single", "pair"):
        raw = d.get(key)
        if isinstance(raw, str):
            tpls[key] = TemplateProcessing._parse_str(raw)
        elif isinstance(raw, list):
            tpls[key] = [_template_piece(p, f"{w}.{key}[{i}]") for i, p in enumerate(raw)]
        else:
            raise TokenizerFileError(f"{w}.{key}: expected a list of template pieces")
    raw_sp = d.get("special_tokens", {})
    if not isinstance(raw_sp, dict):
        raise TokenizerFileError(f"{w}.special_tokens: expected an object")
    specials: dict[str, tuple[list[int], list[str]]] = {}
    for name, body in raw_sp.items():
        ids = body.get("ids") if isinstance(body, dict) else None
        toks = body.get("tokens") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not isinstance(toks, list) or len(ids) != len(toks):
            raise TokenizerFileError(f"{w}.special_tokens.{name}: needs 'ids' and 'tokens' lists")
        specials[name] = ([int(i) for i in ids], [str(t) for t in toks])
    return TemplateProcessing(tpls["single"], tpls["pair"], specials)


def _pair(d: dict[str, Any], key: str, default: tuple[str, int]) -> tuple[str, int]:
    v = d.get(key, list(default))
    if not (isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], int)):
        raise TokenizerFileError(f"post_processor.{key}: expected [token, id]")
    return (v[0], v[1])


def _roberta_from_dict(d: dict[str, Any]) -> RobertaProcessing:
    return RobertaProcessing(
        sep=_pair(d, "sep", ("</s>", 2)),
        cls=_pair(d, "cls", ("<s>", 0)),
        trim_offsets=get_bool(d, "trim_offsets", True, "post_processor"),
        add_prefix_space=get_bool(d, "add_prefix_space", True, "post_processor"),
    )


def _bert_from_dict(d: dict[str, Any]) -> BertProcessing:
    return BertProcessing(sep=_pair(d, "sep", ("[SEP]", 102)), cls=_pair(d, "cls", ("[CLS]", 101)))


def _sequence_from_dict(d: dict[str, Any]) -> Sequence:
    items = d.get("processors")
    if not isinstance(items, list):
        raise TokenizerFileError("post_processor.processors: expected a list")
    return Sequence([from_dict(x) for x in items])


REGISTRY: dict[str, Callable[[dict[str, Any]], PostProcessor]] = {
    "ByteLevel": lambda d: ByteLevel(get_bool(d, "add_prefix_space", True, "post_processor"),
                                     get_bool(d, "trim_offsets", True, "post_processor"),
                                     get_bool(d, "use_regex", True, "post_processor")),
    "Sequence": _sequence_from_dict,
    "TemplateProcessing": _template_from_dict,
    "RobertaProcessing": _roberta_from_dict,
    "BertProcessing": _bert_from_dict,
}


def from_dict(spec: Any) -> PostProcessor:
    """Build a post-processor from its tokenizer.json ``{"type": ...}`` object."""
    return build("post_processor", REGISTRY, spec)
