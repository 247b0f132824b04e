"""Keys for Personal support networks: offer, referral, members, conference and review."""

from __future__ import annotations

from ..keyspec import KeyAction, back

ACTIONS: tuple[KeyAction, ...] = (
    back("network", "Back to the person.", show=False),
    KeyAction(
        id="network.offer",
        command="record an offer",
        action="new_offer",
        description="Offer",
        keys="n",
        help="Record a new offer: Lifelong Links, Family Group Conference or other, and the answer.",
    ),
    KeyAction(
        id="network.edit_offer",
        command="change the offer's answer",
        action="edit_offer",
        description="Offer answer",
        keys="o",
        help="Change the shown network's offer: its kind, date and the person's answer.",
        show=False,
    ),
    KeyAction(
        id="network.referral",
        command="record the referral",
        action="referral",
        description="Referral",
        keys="f",
        help="Record the referral: when, and to whom.",
    ),
    KeyAction(
        id="network.coordinator",
        command="record the coordinator",
        action="coordinator",
        description="Coordinator",
        keys="c",
        help="Record the coordinator allocated: name, contact, date.",
        show=False,
    ),
    KeyAction(
        id="network.member",
        command="add a member",
        action="add_member",
        description="Member",
        keys="m",
        help="Add someone the person wants in their network, with their relationship.",
    ),
    KeyAction(
        id="network.vet",
        command="record a member's vetting",
        row=True,
        action="vet_member",
        description="Vet",
        keys="v",
        help="Record the highlighted member's vetting by the POM or PP, with its date.",
    ),
    KeyAction(
        id="network.conference",
        command="record the conference",
        action="conference",
        description="Conference",
        keys="k",
        help="Record the conference date.",
        show=False,
    ),
    KeyAction(
        id="network.plan",
        command="record the network plan",
        action="network_plan",
        description="Plan",
        keys="p",
        help="Record the network plan and the day it starts (review due 6 weeks later).",
    ),
    KeyAction(
        id="network.review",
        command="record a review",
        action="review",
        description="Review",
        keys="r",
        help="Record the day the network plan was reviewed.",
    ),
    KeyAction(
        id="network.next",
        command="next network",
        action="next_network",
        description="Next network",
        keys="s",
        help="Show the person's next support network, when there is more than one.",
        show=False,
    ),
)
