"""MTEB-style evaluation tasks; see later issues."""
