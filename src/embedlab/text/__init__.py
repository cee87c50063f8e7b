"""Text utilities: normalization, word and sentence splitting (grows with later layers)."""
