"""Small-LLM tools; see later issues."""
