"""HTTP API; see later issues."""
