"""Keys that work everywhere, and those of the unlock screen, forms and the help modal.

Scope "app" is bound on the app itself (F1, the palette, lock, quit); they are priority keys
so they work from any screen, a form or a modal included.
"""

from __future__ import annotations

from ..keyspec import KeyAction

ACTIONS: tuple[KeyAction, ...] = (
    # -- everywhere --------------------------------------------------------------------------
    KeyAction(
        id="app.help",
        action="show_help",
        description="Help",
        keys="f1",
        help="List the keys of this screen.",
        priority=True,
    ),
    KeyAction(
        id="app.palette",
        action="command_palette",
        description="Commands",
        keys="ctrl+p",
        help="Search every command by name.",
        show=False,
        priority=True,
        palette=False,
    ),
    # Listed by F1 and the palette; the footer keeps its room for the screen's own keys.
    KeyAction(
        id="app.lock",
        action="lock",
        description="Lock",
        keys="ctrl+l",
        help="Close the site and return to the unlock screen.",
        show=False,
        priority=True,
    ),
    KeyAction(
        id="app.quit",
        action="quit",
        description="Quit",
        keys="ctrl+q",
        help="Close the site and leave ahtui.",
        show=False,
        priority=True,
    ),
    # -- unlock screen -----------------------------------------------------------------------
    # Checked as the key arrives, so keys typed ahead of a slow link after Enter land in the
    # passphrase field and never in the visible user name field.
    KeyAction(
        id="unlock.submit",
        action="submit",
        description="Next / unlock",
        keys="enter",
        help="From the user name, go to the passphrase; from the passphrase, unlock the site.",
        priority=True,
        palette=False,
    ),
    # -- forms -------------------------------------------------------------------------------
    KeyAction(
        id="form.save",
        command="save the form",
        action="save",
        description="Save",
        keys="ctrl+s",
        help="Check and save the form.",
        priority=True,
    ),
    KeyAction(
        id="form.cancel",
        command="close the form",
        action="cancel",
        description="Cancel",
        keys="escape",
        help="Close the form (asks first when something has been typed).",
    ),
    # A drop-down in a form: Enter moves on like every other field; the arrows or Space open it.
    KeyAction(
        id="form.choice.next",
        action="next_field",
        description="Next field",
        keys="enter",
        help="On a drop-down: go to the next field (the arrows or Space open the choices).",
        show=False,
        palette=False,
    ),
    KeyAction(
        id="form.choice.open",
        action="show_overlay",
        description="Open choices",
        keys="down,space,up",
        help="On a drop-down: show its choices; Enter picks one.",
        show=False,
        palette=False,
    ),
    # -- a question (unsaved input before cancel, quit or lock) -------------------------------
    KeyAction(
        id="question.keep",
        action="keep",
        description="Back",
        keys="escape",
        help="Go back, changing nothing.",
        palette=False,
    ),
    KeyAction(
        id="question.previous",
        action="previous_answer",
        description="Previous answer",
        keys="left",
        help="Move to the answer on the left.",
        show=False,
        palette=False,
    ),
    KeyAction(
        id="question.next",
        action="next_answer",
        description="Next answer",
        keys="right",
        help="Move to the answer on the right.",
        show=False,
        palette=False,
    ),
    # -- help --------------------------------------------------------------------------------
    KeyAction(
        id="help.close",
        action="close",
        description="Close",
        keys="escape,f1",
        help="Close the help.",
        palette=False,
    ),
)
