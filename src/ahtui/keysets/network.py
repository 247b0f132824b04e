"""Keys for Personal support networks: offer, referral, members, conference and review."""

from __future__ import annotations

from ..keyspec import KeyAction

# Left out of the footer so it fits 80 columns; F1 and the palette still list them.
_HIDDEN = {"back", "edit_offer", "next", "coordinator", "conference"}

ACTIONS: tuple[KeyAction, ...] = tuple(
    KeyAction(f"network.{name}", action, words, keys, help_text, show=name not in _HIDDEN)
    for name, action, words, keys, help_text in (
        ("back", "back", "Back", "escape", "Back to the person."),
        (
            "offer",
            "new_offer",
            "Offer",
            "n",
            "Record a new offer: Lifelong Links, Family Group Conference or other, and the answer.",
        ),
        (
            "edit_offer",
            "edit_offer",
            "Offer answer",
            "o",
            "Change the shown network's offer: its kind, date and the person's answer.",
        ),
        ("referral", "referral", "Referral", "f", "Record the referral: when, and to whom."),
        (
            "coordinator",
            "coordinator",
            "Coordinator",
            "c",
            "Record the coordinator allocated: name, contact, date.",
        ),
        (
            "member",
            "add_member",
            "Member",
            "m",
            "Add someone the person wants in their network, with their relationship.",
        ),
        (
            "vet",
            "vet_member",
            "Vet",
            "v",
            "Record the highlighted member's vetting by the POM or PP, with its date.",
        ),
        ("conference", "conference", "Conference", "k", "Record the conference date."),
        (
            "plan",
            "network_plan",
            "Plan",
            "p",
            "Record the network plan and the day it starts (review due 6 weeks later).",
        ),
        ("review", "review", "Review", "r", "Record the day the network plan was reviewed."),
        (
            "next",
            "next_network",
            "Next network",
            "s",
            "Show the person's next support network, when there is more than one.",
        ),
    )
)
