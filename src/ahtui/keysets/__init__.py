"""The keys of each screen area that has grown beyond a few bindings, one module per area.

keymap.py gathers these into its single registry; a module here defines `ACTIONS`, a tuple of
`KeyAction`, scoped to its own screens (e.g. "meetings", "meetings.runner").
"""
