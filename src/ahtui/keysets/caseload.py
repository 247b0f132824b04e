"""Keys for the caseload: search, filters, the list, and the way to every other screen.

The keys that move focus are priority keys: Textual then handles them in the order keys arrive,
so text typed straight after `/` lands in the search box, and keys after Enter land in the
list, even when a slow link delivers them in one burst. Filters and the way to other screens
are plain letters, so they act from the list and type into the search box when it has focus.
Some keys stay out of the footer so it fits 80 columns; F1 and the palette still list them.
"""

from __future__ import annotations

from ..keyspec import KeyAction

ACTIONS: tuple[KeyAction, ...] = (
    KeyAction(
        id="caseload.search",
        action="focus_search",
        description="Search",
        keys="slash",
        help="Filter the list by name, CRN or NOMIS number as you type.",
        priority=True,
    ),
    KeyAction(
        id="caseload.clear_search",
        action="clear_search",
        description="Clear search",
        keys="escape",
        help="Empty the search box and go back to the list.",
        show=False,
        priority=True,
    ),
    KeyAction(
        id="caseload.open",
        action="open_person",
        description="Open person",
        keys="enter",
        help="Open the highlighted person (from the search box: go to the list).",
        priority=True,
    ),
    # Moving the cursor: listed in help, not in the footer or the palette.
    KeyAction(
        id="caseload.list.up",
        action="cursor_up",
        description="Up",
        keys="up,k",
        help="Previous person.",
        show=False,
        palette=False,
    ),
    KeyAction(
        id="caseload.list.down",
        action="cursor_down",
        description="Down",
        keys="down,j",
        help="Next person.",
        show=False,
        palette=False,
    ),
    KeyAction(
        id="caseload.list.page_up",
        action="page_up",
        description="Page up",
        keys="pageup",
        help="Up a page.",
        show=False,
        palette=False,
    ),
    KeyAction(
        id="caseload.list.page_down",
        action="page_down",
        description="Page down",
        keys="pagedown",
        help="Down a page.",
        show=False,
        palette=False,
    ),
    KeyAction(
        id="caseload.list.first",
        action="first",
        description="First",
        keys="home",
        help="First person.",
        show=False,
        palette=False,
    ),
    KeyAction(
        id="caseload.list.last",
        action="last",
        description="Last",
        keys="end",
        help="Last person.",
        show=False,
        palette=False,
    ),
    KeyAction(
        id="caseload.mine",
        action="toggle_filter('mine')",
        description="My cases",
        keys="m",
        help="Show only people you lead or are in the team of.",
        show=False,
    ),
    KeyAction(
        id="caseload.overdue",
        action="toggle_filter('overdue')",
        description="Overdue",
        keys="o",
        help="Show only people with overdue items.",
    ),
    KeyAction(
        id="caseload.awaiting",
        action="toggle_filter('awaiting')",
        description="Awaiting reply",
        keys="w",
        help="Show only people with an email awaiting a reply.",
        show=False,
    ),
    KeyAction(
        id="caseload.pathway",
        action="cycle_pathway",
        description="Pathway",
        keys="p",
        help="Show one pathway at a time (press again for the next; all after the last).",
        show=False,
    ),
    KeyAction(
        id="caseload.new_person",
        action="new_person",
        description="New person",
        keys="n",
        help="Record a newly identified person.",
    ),
    KeyAction(
        id="caseload.actions",
        action="actions_log",
        description="Actions",
        keys="a",
        help="The actions log across everyone: mine, overdue, due this week, by practitioner.",
    ),
    KeyAction(
        id="caseload.sync",
        action="open_sync",
        description="Sync",
        keys="s",
        help="Exchange change bundles with other sites; peers and history.",
        show=False,
    ),
    KeyAction(
        id="caseload.conflicts",
        action="open_conflicts",
        description="Conflicts",
        keys="f",
        help="Edits made at two sites at once: choose or combine the values.",
        show=False,
    ),
)
