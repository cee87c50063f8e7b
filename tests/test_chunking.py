"""Chunking: sentence and paragraph splitting, token budgets, overlap, exact offsets."""

from __future__ import annotations

import pytest

from embedlab.text.chunking import chunk_text, paragraph_spans, sentence_spans, word_count


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_sentence_splitter_hand_worked() -> None:
    text = ('Mr. Smith met Dr. Jones, e.g. at noon. He said "Stop!" Then he left? '
            "Yes.\nJ. R. Doe agreed, i.e. Nobody minded. the end")
    assert _sentences(text) == [
        "Mr. Smith met Dr. Jones, e.g. at noon.", 'He said "Stop!"', "Then he left?",
        "Yes.", "J. R. Doe agreed, i.e. Nobody minded. the end"]


def test_sentence_splitter_needs_a_capital_or_quote_after_the_stop() -> None:
    assert _sentences("Version 2.5 is out. it works. Use 3.0!") == [
        "Version 2.5 is out. it works.", "Use 3.0!"]
    assert _sentences('She wrote. "Hello," he said.') == ["She wrote.", '"Hello," he said.']
    assert _sentences("") == [] and _sentences("   \n ") == []


def test_paragraphs_split_on_blank_lines_and_trim() -> None:
    text = "\n  First line\nsame para.\n\n \n Second.  \n\nThird\n"
    assert [text[s:e] for s, e in paragraph_spans(text)] == [
        "First line\nsame para.", "Second.", "Third"]


def test_chunks_hand_worked_with_overlap_and_paragraphs() -> None:
    text = "One two three. Four five six.\n\nSeven eight. Nine ten eleven twelve."
    chunks = chunk_text(text, max_tokens=6, overlap_sentences=1)
    assert [c.text for c in chunks] == [
        "One two three. Four five six.",
        "Four five six.\n\nSeven eight.",
        "Seven eight. Nine ten eleven twelve."]
    assert [c.tokens for c in chunks] == [6, 5, 6]
    # Without overlap each sentence appears exactly once.
    chunks = chunk_text(text, max_tokens=6, overlap_sentences=0)
    assert [c.text for c in chunks] == [
        "One two three. Four five six.", "Seven eight. Nine ten eleven twelve."]


def test_paragraph_that_fits_whole_starts_a_new_chunk() -> None:
    text = "A b. C d.\n\nE f g. H i."
    # 4 + 5 tokens > 6: the second paragraph is not split across chunks.
    assert [c.text for c in chunk_text(text, 6, 0)] == ["A b. C d.", "E f g. H i."]
    # Everything fits in one chunk, paragraph break included.
    assert [c.text for c in chunk_text(text, 9, 1)] == [text]


def test_long_sentence_split_on_words() -> None:
    text = "Short one. W0 " + " ".join(f"w{i}" for i in range(1, 10)) + ". Tail here."
    chunks = chunk_text(text, max_tokens=4, overlap_sentences=0)
    # The 10-word sentence starts a new chunk and is cut into 4-word runs; the last run
    # still packs with the next sentence.
    assert [c.text for c in chunks] == [
        "Short one.", "W0 w1 w2 w3", "w4 w5 w6 w7", "w8 w9. Tail here."]
    with_overlap = chunk_text(text, max_tokens=4, overlap_sentences=1)
    assert [c.text for c in with_overlap] == [
        "Short one.", "W0 w1 w2 w3", "w4 w5 w6 w7", "w8 w9. Tail here."]


@pytest.mark.parametrize("budget,overlap", [(1, 0), (3, 1), (7, 2), (20, 1), (500, 3)])
def test_offsets_exact_and_budget_respected(budget: int, overlap: int) -> None:
    text = ("  Embeddings map text to vectors.  Similar texts get similar vectors!\n"
            "Cosine similarity compares them, e.g. for search.\n\n\n"
            "Über-long words like Donaudampfschifffahrtsgesellschaft stay whole. "
            + "Word " * 30 + "end.\n\n"
            "Last paragraph? Yes \u2603 it is.\n")
    chunks = chunk_text(text, budget, overlap)
    assert chunks
    for c in chunks:
        assert text[c.start:c.end] == c.text
        assert c.tokens == len(c.text.split()) <= budget
    # Every word of the text is in some chunk, in order.
    covered = " ".join(c.text for c in chunks).split()
    assert set(text.split()) <= set(covered)
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)


def test_custom_token_counter_is_used() -> None:
    calls: list[list[str]] = []

    def chars(texts: list[str]) -> list[int]:
        calls.append(texts)
        return [len(t) for t in texts]

    chunks = chunk_text("Aaaa. Bbbb. Cccc.", max_tokens=11, overlap_sentences=0,
                        count_tokens=chars)
    assert [c.text for c in chunks] == ["Aaaa. Bbbb.", "Cccc."]
    assert calls == [["Aaaa.", "Bbbb.", "Cccc."]]   # one call for all sentences


def test_empty_text_and_bad_arguments() -> None:
    assert chunk_text("") == [] and chunk_text(" \n\n ") == []
    with pytest.raises(ValueError, match="max_tokens must be a positive integer, got 0"):
        chunk_text("x", max_tokens=0)
    with pytest.raises(ValueError, match="overlap_sentences must be an int >= 0, got -1"):
        chunk_text("x", overlap_sentences=-1)
    assert word_count(["a b  c", ""]) == [3, 0]
