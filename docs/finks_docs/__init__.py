"""finks_docs: documentation generated from the code (settings docs; see settings_docs)."""
