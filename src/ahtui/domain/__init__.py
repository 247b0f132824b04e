"""Pure domain code: models, vocabularies, pathway rules, working days and form definitions.

Nothing here does I/O or imports Textual; the store, sync, CLI and app all build on it.
"""
