"""Renderers over one result model: terminal (rich), HTML; JSON is ``Comparison.to_json``."""
