"""Review meetings in custody and the Final Review before statutory support ends.

Connections guide: every 3 years on a life sentence, every 2 on a long one, 10 months before
release after a long sentence, at least once on a short sentence or recall. Always Hope manual:
the Integrated Final Review one month before the end of statutory support.
"""

from __future__ import annotations

from datetime import date

from ..enums import DueStatus, MeetingType, Pathway
from ..facts import CaseFacts
from ..workdays import add_months
from .items import DueItem, Rule, due_item, fmt, missing, not_applicable
from .phases import (
    LIFE,
    custody_release,
    earliest,
    held,
    latest,
    long_sentence_release,
    pa_support_end,
    recall_start,
    sentence_start,
    with_origin,
)

# --- 3. Review meetings -----------------------------------------------------------------------

_REVIEW = frozenset({MeetingType.REVIEW})
_REVIEW_SOURCE = "Connections guide: Review meetings"
_REVIEW_LIFE = Rule(
    "review_every_3_years_life_sentence", "review", "Hold a review meeting", _REVIEW_SOURCE
)
_REVIEW_LONG = Rule(
    "review_every_2_years_long_sentence", "review", "Hold a review meeting", _REVIEW_SOURCE
)


def _periodic_review(r: Rule, facts: CaseFacts, today: date, years: int) -> DueItem:
    start, from_history = sentence_start(facts)
    if start is None:
        return missing(r, "sentence_date", "the sentence date")
    last = latest(held(facts, _REVIEW, start))
    if last is not None:
        base, inputs, what = last, {"last_review_on": last.isoformat()}, "the last review"
    else:
        base, inputs, what = start, with_origin("sentence_date", start, from_history), "sentence"
    inputs["months"] = str(years * 12)
    due = add_months(base, years * 12)
    release = custody_release(facts)
    if release is not None and due >= release[1]:
        inputs[release[0]] = release[1].isoformat()
        return not_applicable(
            r,
            inputs,
            f"The next {years}-yearly review ({fmt(due)}) would fall after release on "
            f"{fmt(release[1])}; the review 10 months before release takes its place",
        )
    return due_item(
        r,
        today,
        due_on=due,
        inputs=inputs,
        explanation=f"{years} years after {what} on {fmt(base)}",
        counts_from=base,
    )


def review_every_3_years_life_sentence(facts: CaseFacts, today: date) -> DueItem | None:
    """Reviews "at least every three years for a life sentence" (life and IPP).

    Counted from the last review held, else from the sentence date.
    """
    if facts.pathway is not Pathway.LONG or facts.sentence_type not in LIFE:
        return None
    return _periodic_review(_REVIEW_LIFE, facts, today, 3)


def review_every_2_years_long_sentence(facts: CaseFacts, today: date) -> DueItem | None:
    """Reviews "every two years for a long-term sentence".

    Counted from the last review held, else from the sentence date.
    """
    if facts.pathway is not Pathway.LONG or facts.sentence_type in LIFE:
        return None
    return _periodic_review(_REVIEW_LONG, facts, today, 2)


_REVIEW_BEFORE_RELEASE = Rule(
    "review_10_months_before_release_long_sentence",
    "review_before_release",
    "Hold the review 10 months before release",
    _REVIEW_SOURCE,
)


def review_10_months_before_release_long_sentence(facts: CaseFacts, today: date) -> DueItem | None:
    """A review "10 months before release following a long-term sentence".

    Counted back from the conditional release date (else the release date). A review held in
    the month before the due date or later counts, so the window opens 11 months before release.
    """
    r = _REVIEW_BEFORE_RELEASE
    got = long_sentence_release(r, facts)
    if got is None or isinstance(got, DueItem):
        return got
    name, rel = got
    start, _ = sentence_start(facts)
    due = add_months(rel, -10)
    inputs = {name: rel.isoformat(), "months": "10"}
    if start is not None and due < start:
        inputs["sentence_date"] = start.isoformat()
        return not_applicable(
            r,
            inputs,
            f"Release on {fmt(rel)} is less than 10 months after sentence on {fmt(start)}",
        )
    opens = add_months(rel, -11)
    if start is not None and opens < start:
        opens = start
    return due_item(
        r,
        today,
        due_on=due,
        inputs=inputs,
        explanation=f"10 months before release on {fmt(rel)}",
        done_on=earliest(held(facts, _REVIEW, opens)),
        opens_on=opens,
    )


_REVIEW_ONCE = Rule(
    "review_at_least_once_short_sentence_or_recall",
    "review",
    "Hold a review meeting",
    _REVIEW_SOURCE,
)


def review_at_least_once_short_sentence_or_recall(facts: CaseFacts, today: date) -> DueItem | None:
    """A review "at least once for a short-term sentence or recall".

    We ask for it by the expected release date, counting reviews held since the sentence (or
    since the recall).
    """
    r = _REVIEW_ONCE
    if facts.pathway is Pathway.SHORT:
        start, from_history = sentence_start(facts)
        field, what = "sentence_date", "sentence"
    elif facts.pathway is Pathway.RECALL:
        start, from_history = recall_start(facts)
        field, what = "recall_date", "recall"
    else:
        return None
    if start is None:
        return missing(r, field, f"the {what} date")
    release = custody_release(facts)
    inputs = with_origin(field, start, from_history)
    done = earliest(held(facts, _REVIEW, start))
    if release is None:
        # Owed all the same: "at least once" does not wait for a release date to be set.
        return DueItem(
            key=r.key,
            title=r.title,
            rule=r.name,
            source=r.source,
            status=DueStatus.DONE if done is not None else DueStatus.DUE,
            done_on=done,
            inputs=inputs,
            explanation=(
                f"At least one review after the {what} on {fmt(start)}; no release date is "
                "known yet, so it has no date but is owed now"
            ),
        )
    inputs[release[0]] = release[1].isoformat()
    return due_item(
        r,
        today,
        due_on=release[1],
        inputs=inputs,
        explanation=(
            f"At least one review after the {what} on {fmt(start)}, before release on "
            f"{fmt(release[1])}"
        ),
        done_on=done,
        counts_from=start,
    )


# --- 4. Final Review, one per ending of statutory support ---------------------------------

_FINAL_REVIEW_MEETING = frozenset({MeetingType.FINAL_REVIEW})
_FINAL_SOURCE = "Always Hope manual: Integrated Final Review"
_FINAL_REVIEW_PA = Rule(
    "final_review_1_month_before_pa_support_ends",
    "final_review:pa",
    "Hold the Final Review (Personal Advisor support ends)",
    _FINAL_SOURCE,
)
_FINAL_REVIEW_LICENCE = Rule(
    "final_review_1_month_before_licence_ends",
    "final_review:licence",
    "Hold the Final Review (the licence ends)",
    _FINAL_SOURCE,
)
FINAL_REVIEW_COUNTS_MONTHS = 3
"""A Final Review held up to this many months before an ending counts for it: the manual asks
for one "one month before" and gives no window, and one meeting may close both endings."""


def _final_review(
    r: Rule, facts: CaseFacts, today: date, end: date, inputs: dict[str, str], why: str
) -> DueItem:
    start, _ = sentence_start(facts)
    since = add_months(end, -FINAL_REVIEW_COUNTS_MONTHS)
    if start is not None and since < start:
        since = start
    inputs["months"] = "1"
    done = [d for d in held(facts, _FINAL_REVIEW_MEETING, since) if d <= end]
    return due_item(
        r,
        today,
        due_on=add_months(end, -1),
        inputs=inputs,
        explanation=f"1 month before {why} on {fmt(end)}",
        done_on=earliest(done),
    )


def final_review_1_month_before_pa_support_ends(facts: CaseFacts, today: date) -> DueItem | None:
    """Final Review "one month before the end of statutory support": the Personal Advisor's.

    The PA's support ends at 25 unless the local authority has recorded otherwise. Support that
    ended before this sentence began is not part of it. Not on remand, which has no sentence.
    """
    r = _FINAL_REVIEW_PA
    if facts.pathway is Pathway.REMAND:
        return None
    pa_end, inputs, _ = pa_support_end(facts)
    if pa_end is None:
        return missing(r, "date_of_birth", "the date of birth")
    start, _ = sentence_start(facts)
    if start is not None and pa_end < start:
        return None
    why = (
        "the Personal Advisor's support ends"
        if facts.pa_support_ends_on is not None
        else "the Personal Advisor's support ends at 25"
    )
    return _final_review(r, facts, today, pa_end, inputs, why)


def final_review_1_month_before_licence_ends(facts: CaseFacts, today: date) -> DueItem | None:
    """Final Review "one month before the end of statutory support": the licence's end.

    A separate Final Review from the Personal Advisor's, even when both fall in one licence.
    """
    r = _FINAL_REVIEW_LICENCE
    if facts.pathway is Pathway.REMAND:
        return None
    end = facts.licence_end_date
    if end is None:
        return missing(r, "licence_end_date", "the licence end date")
    return _final_review(
        r, facts, today, end, {"licence_end_date": end.isoformat()}, "the licence ends"
    )
