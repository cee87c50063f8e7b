"""Persistent collections of documents and vectors; see later issues."""
