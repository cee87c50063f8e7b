"""Projections and plots of embeddings; see later issues."""
