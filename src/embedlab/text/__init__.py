"""Text utilities: normalization, word and sentence splitting (grows with later layers)."""

from __future__ import annotations

from embedlab.text.chunking import Chunk, chunk_text, paragraph_spans, sentence_spans, word_count

__all__ = ["Chunk", "chunk_text", "paragraph_spans", "sentence_spans", "word_count"]
