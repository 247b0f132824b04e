"""Key bindings as data: one registry of every keyboard action in the app.

Each `KeyAction` names a Textual action, the scope it is bound in (the app, a screen, or a widget
on a screen), its default keys and the words shown in the footer, the help screen and the command
palette. Screens build their `BINDINGS` from here with `bindings(scope)`, and each binding carries
the action's id, so a site whose terminal swallows a key can remap it by id through Textual's
keymap (`App.set_keymap({"caseload.search": "f2"})`) without touching code.

Default keys stay within what Textual's FAQ says terminals and SSH deliver reliably: F-keys,
ctrl+letter, plain letters and `/` on lists, escape to go back. This module does not import
Textual at import time, so the registry can be read (for a config check or generated docs)
without starting the UI.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from .errors import BadInput
from .keysets import assessment, exports, meetings, network, plan, release, sync
from .keyspec import KeyAction

if TYPE_CHECKING:
    from textual.binding import Binding


# Keys left out of the footer so it fits 80 columns; F1 and the palette still list them.
_CASELOAD_HIDDEN = {"awaiting", "pathway", "mine", "sync", "conflicts"}
_TEAM_HIDDEN = {"back", "pathway"}

ACTIONS: tuple[KeyAction, ...] = (
    # -- everywhere ----------------------------------------------------------------------
    KeyAction(
        "app.help",
        "show_help",
        "Help",
        "f1",
        "List the keys of this screen.",
        priority=True,
    ),
    KeyAction(
        "app.palette",
        "command_palette",
        "Commands",
        "ctrl+p",
        "Search every command by name.",
        show=False,
        priority=True,
        palette=False,
    ),
    KeyAction(
        "app.lock",
        "lock",
        "Lock",
        "ctrl+l",
        "Close the site and return to the unlock screen.",
        # Listed by F1 and the palette; the footer keeps its room for the screen's own keys.
        show=False,
        priority=True,
    ),
    KeyAction(
        "app.quit",
        "quit",
        "Quit",
        "ctrl+q",
        "Close the site and leave ahtui.",
        show=False,
        priority=True,
    ),
    # -- unlock screen -------------------------------------------------------------------
    KeyAction(
        "unlock.submit",
        "submit",
        "Next / unlock",
        "enter",
        "From the user name, go to the passphrase; from the passphrase, unlock the site.",
        # Checked as the key arrives, so keys typed ahead of a slow link after Enter land in
        # the passphrase field and never in the visible user name field.
        priority=True,
        palette=False,
    ),
    # -- caseload screen -----------------------------------------------------------------
    # The caseload keys that move focus are priority keys: Textual then handles them in the
    # order keys arrive, so text typed straight after `/` lands in the search box, and keys
    # after Enter land in the list, even when a slow link delivers them in one burst.
    KeyAction(
        "caseload.search",
        "focus_search",
        "Search",
        "slash",
        "Filter the list by name, CRN or NOMIS number as you type.",
        priority=True,
    ),
    KeyAction(
        "caseload.clear_search",
        "clear_search",
        "Clear search",
        "escape",
        "Empty the search box and go back to the list.",
        show=False,
        priority=True,
    ),
    KeyAction(
        "caseload.open",
        "open_person",
        "Open person",
        "enter",
        "Open the highlighted person (from the search box: go to the list).",
        priority=True,
    ),
    # Moving the cursor: listed in help, not in the footer or the palette.
    *(
        KeyAction(
            f"caseload.list.{name}", action, words, keys, help_text, show=False, palette=False
        )
        for name, action, words, keys, help_text in (
            ("up", "cursor_up", "Up", "up,k", "Previous person."),
            ("down", "cursor_down", "Down", "down,j", "Next person."),
            ("page_up", "page_up", "Page up", "pageup", "Up a page."),
            ("page_down", "page_down", "Page down", "pagedown", "Down a page."),
            ("first", "first", "First", "home", "First person."),
            ("last", "last", "Last", "end", "Last person."),
        )
    ),
    # Caseload filters and the way to other screens: plain letters, so they act from the list
    # and type into the search box when it has focus.
    *(
        KeyAction(
            f"caseload.{name}", action, words, keys, help_text, show=name not in _CASELOAD_HIDDEN
        )
        for name, action, words, keys, help_text in (
            (
                "mine",
                "toggle_filter('mine')",
                "My cases",
                "m",
                "Show only people you lead or are in the team of.",
            ),
            (
                "overdue",
                "toggle_filter('overdue')",
                "Overdue",
                "o",
                "Show only people with overdue items.",
            ),
            (
                "awaiting",
                "toggle_filter('awaiting')",
                "Awaiting reply",
                "w",
                "Show only people with an email awaiting a reply.",
            ),
            (
                "pathway",
                "cycle_pathway",
                "Pathway",
                "p",
                "Show one pathway at a time (press again for the next; all after the last).",
            ),
            ("new_person", "new_person", "New person", "n", "Record a newly identified person."),
            (
                "actions",
                "actions_log",
                "Actions",
                "a",
                "The actions log across everyone: mine, overdue, due this week, by practitioner.",
            ),
            (
                "sync",
                "open_sync",
                "Sync",
                "s",
                "Exchange change bundles with other sites; peers and history.",
            ),
            (
                "conflicts",
                "open_conflicts",
                "Conflicts",
                "f",
                "Edits made at two sites at once: choose or combine the values.",
            ),
        )
    ),
    # -- person screen -------------------------------------------------------------------
    *(
        KeyAction(f"person.{name}", action, words, keys, help_text, show=show)
        for name, action, words, keys, help_text, show in (
            ("back", "back", "Back", "escape", "Back to the previous screen.", False),
            (
                "overview",
                "show_view('overview')",
                "Overview",
                "o",
                "Pathway, lead, key dates, everything due and why, pathway history.",
                False,
            ),
            (
                "timeline",
                "show_view('timeline')",
                "Timeline",
                "t",
                "Meetings, actions, notes, consents and pathway changes in date order.",
                True,
            ),
            ("consent", "open_consent", "Consent", "c", "Consent to share, per agency.", True),
            (
                "team",
                "open_team",
                "Team",
                "m",
                "The team around the person and their personal contacts.",
                True,
            ),
            ("actions", "open_actions", "Actions", "a", "The person's Team Actions Log.", True),
            ("notes", "open_notes", "Notes", "n", "Case notes (contacts).", True),
            ("emails", "open_emails", "Emails", "e", "Template emails and replies.", True),
            (
                "meetings",
                "open_meetings",
                "Meetings",
                "g",
                "Meetings: schedule one, or run one through its agenda.",
                False,
            ),
            ("plan", "open_plan", "My Plan", "y", "My Plan, written with the person.", False),
            (
                "assessment",
                "open_assessment",
                "Assessment",
                "s",
                "The Combined Assessment, area by area.",
                False,
            ),
            (
                "network",
                "open_network",
                "Support network",
                "w",
                "Lifelong Links, Family Group Conference or another support network.",
                False,
            ),
            (
                "release",
                "open_release",
                "Release / remand",
                "r",
                "The release-day plan and check-in, or remand support.",
                False,
            ),
            (
                "export",
                "open_exports",
                "Export",
                "x",
                "Write My Plan, the assessment, meetings or minutes to a file.",
                False,
            ),
            (
                "conflicts",
                "open_conflicts",
                "Conflicts",
                "f",
                "Edits to this person made at two sites at once: choose or combine.",
                False,
            ),
            (
                "details",
                "edit_details",
                "Edit details",
                "d",
                "Correct the person's names, identifiers, places and dates.",
                False,
            ),
            (
                "pathway",
                "change_pathway",
                "Change pathway",
                "p",
                "Move the person to another pathway, giving a reason.",
                False,
            ),
            (
                "lead",
                "change_lead",
                "Change lead",
                "l",
                "Hand the lead to another practitioner, giving a reason.",
                False,
            ),
        )
    ),
    # -- consent -------------------------------------------------------------------------
    KeyAction("consent.back", "back", "Back", "escape", "Back to the person."),
    KeyAction(
        "consent.record",
        "record",
        "Record",
        "r",
        "Record an offer, consent given, declined or withdrawn.",
    ),
    # -- team and contacts ---------------------------------------------------------------
    *(
        KeyAction(
            f"team.{name}",
            action,
            words,
            keys,
            help_text,
            # Less-used keys stay out of the footer so it fits 80 columns (F1 lists them).
            show=name not in {*_TEAM_HIDDEN, "end_contact"},
        )
        for name, action, words, keys, help_text in (
            ("back", "back", "Back", "escape", "Back to the person."),
            (
                "add",
                "add_member",
                "Add member",
                "t",
                "Add a practitioner to the team (a new one, or one already at the site).",
            ),
            (
                "contact",
                "add_contact",
                "Add contact",
                "k",
                "Add a personal contact: family, friend, next of kin.",
            ),
            (
                "leave",
                "leave",
                "Left team",
                "x",
                "Record that the highlighted practitioner has left the team.",
            ),
            (
                "edit",
                "edit",
                "Edit",
                "e",
                "Correct the highlighted practitioner or personal contact (Tab moves between).",
            ),
            (
                "end_contact",
                "end_contact",
                "End contact",
                "z",
                "The highlighted personal contact is no longer a contact (asks first).",
            ),
            (
                "pathway",
                "change_pathway",
                "Change pathway",
                "p",
                "Move the person to another pathway, giving a reason.",
            ),
            (
                "lead",
                "change_lead",
                "Change lead",
                "l",
                "Hand the lead to another practitioner, giving a reason.",
            ),
        )
    ),
    # -- actions log ---------------------------------------------------------------------
    *(
        KeyAction(f"actions.{name}", action, words, keys, help_text, show=show)
        for name, action, words, keys, help_text, show in (
            ("back", "back", "Back", "escape", "Back to the previous screen.", True),
            ("add", "add", "Add", "n", "Add a step to the log (for one person's log).", True),
            (
                "edit",
                "edit",
                "Edit",
                "e",
                "Change the highlighted step, who does it or when by.",
                True,
            ),
            (
                "complete",
                "complete",
                "Done",
                "d",
                "Mark the highlighted step complete today.",
                True,
            ),
            (
                "follow_up",
                "follow_up",
                "Follow-up",
                "f",
                "Add a follow-up step linked to the highlighted one.",
                True,
            ),
            (
                "view",
                "next_view",
                "View",
                "v",
                "Across everyone: mine, overdue, due this week, by practitioner, all open.",
                True,
            ),
            (
                "practitioner",
                "by_practitioner",
                "By practitioner",
                "b",
                "Across everyone: pick a practitioner to list their open actions.",
                False,
            ),
            (
                "open_person",
                "open_person",
                "Open person",
                "o",
                "Open the person the highlighted action is for.",
                False,
            ),
            (
                "export",
                "export",
                "Export CSV",
                "x",
                "Save the actions listed here as a CSV file.",
                True,
            ),
        )
    ),
    # -- case notes ----------------------------------------------------------------------
    KeyAction("notes.back", "back", "Back", "escape", "Back to the person."),
    KeyAction(
        "notes.add",
        "add",
        "New note",
        "n",
        "Write a case note: contact type, when, where, fact or opinion, sensitive.",
    ),
    KeyAction(
        "notes.sensitive",
        "toggle_sensitive",
        "Sensitive",
        "s",
        "Mark the highlighted note sensitive (kept from other agencies), or clear the mark.",
    ),
    # -- template emails -----------------------------------------------------------------
    *(
        KeyAction(f"emails.{name}", action, words, keys, help_text)
        for name, action, words, keys, help_text in (
            ("back", "back", "Back", "escape", "Back to the person."),
            (
                "new",
                "new_email",
                "New email",
                "n",
                "Fill a template email from the record and save it as a .eml file.",
            ),
            (
                "challenge",
                "challenge",
                "Challenge",
                "c",
                "Professional challenge for the highlighted unanswered email.",
            ),
            ("sent", "mark_sent", "Sent", "s", "Record the date the highlighted email was sent."),
            (
                "reply",
                "record_reply",
                "Reply",
                "r",
                "Record the date a reply came to the highlighted email.",
            ),
        )
    ),
    # -- forms ---------------------------------------------------------------------------
    KeyAction("form.save", "save", "Save", "ctrl+s", "Check and save the form.", priority=True),
    KeyAction(
        "form.cancel",
        "cancel",
        "Cancel",
        "escape",
        "Close the form (asks first when something has been typed).",
    ),
    # -- help ----------------------------------------------------------------------------
    KeyAction("help.close", "close", "Close", "escape,f1", "Close the help.", palette=False),
    # -- the areas with key files of their own (keysets/) ------------------------------
    *meetings.ACTIONS,
    *plan.ACTIONS,
    *assessment.ACTIONS,
    *network.ACTIONS,
    *release.ACTIONS,
    *exports.ACTIONS,
    *sync.ACTIONS,
)

_BY_ID = {a.id: a for a in ACTIONS}
assert len(_BY_ID) == len(ACTIONS), "duplicate key action ids"


def get(action_id: str) -> KeyAction:
    return _BY_ID[action_id]


def actions(scopes: Iterable[str]) -> list[KeyAction]:
    """The actions bound in any of `scopes`, in registry order."""
    wanted = set(scopes)
    return [a for a in ACTIONS if a.scope in wanted]


def screen_scopes(screen: object) -> tuple[str, ...]:
    """The scopes whose keys work on `screen`: its own (`KEY_SCOPES`), then the app's."""
    return (*getattr(screen, "KEY_SCOPES", ()), "app")


def effective_keys(app: object, action: KeyAction) -> list[str]:
    """The keys bound to `action` now: a keymap override if the app has one, else the defaults."""
    # Textual keeps the keymap only here and applies it while walking bindings.
    overrides = getattr(app, "_keymap", None) or {}
    if action.id in overrides:
        return [k.strip() for k in overrides[action.id].split(",") if k.strip()]
    return action.key_list()


def bindings(scope: str) -> list[Binding]:
    """Textual bindings for one scope, each with its registry id so a keymap can remap it."""
    from textual.binding import Binding

    return [
        Binding(
            a.keys,
            a.action,
            a.description,
            show=a.show,
            priority=a.priority,
            tooltip=a.help,
            id=a.id,
        )
        for a in actions([scope])
    ]


def check_keymap(overrides: Mapping[str, str]) -> dict[str, str]:
    """Validate remapped keys from a config file: known ids, non-empty keys."""
    unknown = sorted(set(overrides) - set(_BY_ID))
    if unknown:
        raise BadInput(f"Unknown key action(s) in the keymap: {', '.join(unknown)}.")
    empty = sorted(k for k, v in overrides.items() if not str(v).strip())
    if empty:
        raise BadInput(f"No key given for: {', '.join(empty)}.")
    return {k: str(v) for k, v in overrides.items()}
