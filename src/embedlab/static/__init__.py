"""Static word embeddings (word2vec, GloVe); see later issues."""
