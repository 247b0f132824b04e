"""Every key binding's data, one module per screen area (the registry is keymap.py).

A module here defines `ACTIONS`, a tuple of `KeyAction` with named fields, scoped to its own
screens (e.g. "meetings", "meetings.runner"); `app` holds the keys that work everywhere.
"""
