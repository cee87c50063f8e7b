"""The ``Encoding`` result type, plus truncation and padding helpers that act on it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Encoding:
    """One encoded text: parallel lists, one entry per token.

    ``offsets`` are ``(start, end)`` character offsets into the original text ((0, 0) for
    tokens the post-processor or padding inserted).
    """

    ids: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    type_ids: list[int] = field(default_factory=list)
    attention_mask: list[int] = field(default_factory=list)
    offsets: list[tuple[int, int]] = field(default_factory=list)
    special_tokens_mask: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_tokens(
        cls, ids: list[int], tokens: list[str], offsets: list[tuple[int, int]], type_id: int = 0
    ) -> Encoding:
        n = len(ids)
        return cls(ids, tokens, [type_id] * n, [1] * n, offsets, [0] * n)

    def truncate(self, max_length: int, direction: str = "right") -> None:
        """Keep at most ``max_length`` tokens (the first ones, or the last for ``"left"``)."""
        if len(self.ids) <= max_length:
            return
        sl = slice(len(self.ids) - max_length, None) if direction == "left" else slice(max_length)
        self.ids = self.ids[sl]
        self.tokens = self.tokens[sl]
        self.type_ids = self.type_ids[sl]
        self.attention_mask = self.attention_mask[sl]
        self.offsets = self.offsets[sl]
        self.special_tokens_mask = self.special_tokens_mask[sl]

    def pad(
        self,
        length: int,
        pad_id: int,
        pad_type_id: int,
        pad_token: str,
        direction: str = "right",
    ) -> None:
        """Pad up to ``length`` tokens (no-op if already that long)."""
        n = length - len(self.ids)
        if n <= 0:
            return
        if direction == "left":
            self.ids = [pad_id] * n + self.ids
            self.tokens = [pad_token] * n + self.tokens
            self.type_ids = [pad_type_id] * n + self.type_ids
            self.attention_mask = [0] * n + self.attention_mask
            self.offsets = [(0, 0)] * n + self.offsets
            self.special_tokens_mask = [1] * n + self.special_tokens_mask
        else:
            self.ids += [pad_id] * n
            self.tokens += [pad_token] * n
            self.type_ids += [pad_type_id] * n
            self.attention_mask += [0] * n
            self.offsets += [(0, 0)] * n
            self.special_tokens_mask += [1] * n

    @staticmethod
    def merge(encodings: list[Encoding]) -> Encoding:
        out = Encoding()
        for e in encodings:
            out.ids += e.ids
            out.tokens += e.tokens
            out.type_ids += e.type_ids
            out.attention_mask += e.attention_mask
            out.offsets += e.offsets
            out.special_tokens_mask += e.special_tokens_mask
        return out


def truncate_pair(
    first: Encoding, second: Encoding | None, max_length: int, strategy: str, direction: str
) -> None:
    """Truncate in place so that the sequences together hold ``max_length`` tokens (HF rules)."""
    if max_length == 0:
        first.truncate(0, direction)
        if second is not None:
            second.truncate(0, direction)
        return
    total = len(first) + (len(second) if second is not None else 0)
    if total <= max_length:
        return
    if strategy == "longest_first":
        if second is None:
            first.truncate(max_length, direction)
            return
        n1, n2 = len(first), len(second)
        swap = n1 > n2
        if swap:
            n1, n2 = n2, n1
        n2 = n1 if n1 > max_length else max(n1, max_length - n1)
        if n1 + n2 > max_length:
            n1 = max_length // 2
            n2 = n1 + max_length % 2
        if swap:
            n1, n2 = n2, n1
        first.truncate(n1, direction)
        second.truncate(n2, direction)
        return
    target = first if strategy == "only_first" else second
    if target is None:
        raise ValueError("truncation: second sequence not provided")
    to_remove = total - max_length
    if len(target) <= to_remove:
        raise ValueError("truncation: sequence to truncate too short to respect max_length")
    target.truncate(len(target) - to_remove, direction)
