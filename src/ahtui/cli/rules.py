"""`ahtui rules`: the pathway rules as a calculator, on facts given as JSON; no site is opened.

A Prison Offender Manager can check a case against Manage POM Cases, and another system can
call the rules: `--facts FILE.json --today YYYY-MM-DD [--json]` reads the rules' own facts
model (`domain.facts.CaseFacts`, the one the store builds) and prints who is responsible, the
lead, the handover date and start, and every item with its rule and explanation. `--schema`
prints the facts model's JSON Schema (shipped as schema/case_facts.schema.json). Facts that do
not fit the model, or dates that contradict each other, are refused with exit code 2.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..domain.facts import CaseFacts, date_contradictions
from ..domain.schedule import compute_schedule
from ..domain.schedule.items import fmt
from ..domain.schedule.omic import lead_role, responsibility
from ..errors import EXIT_OK, BadInput
from .common import print_json, say


def facts_schema() -> dict[str, Any]:
    """The JSON Schema of the facts `ahtui rules --facts` reads."""
    return CaseFacts.model_json_schema()


def read_facts(path: str) -> CaseFacts:
    """The facts in a JSON file, checked; BadInput (exit 2) in one plain line otherwise."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"Cannot read the facts file {path}: {exc.__class__.__name__}.") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"The facts file {path} is not valid JSON (line {exc.lineno}).") from None
    try:
        facts = CaseFacts.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the file"
        raise BadInput(
            f"The facts file {path} does not fit the facts model at {where}: {first['msg']}. "
            "See `ahtui rules --schema`."
        ) from None
    problems = date_contradictions(facts)
    if problems:
        raise BadInput(" ".join(problems.values()))
    return facts


def evaluate(facts: CaseFacts, today: date) -> dict[str, Any]:
    """What `ahtui rules --json` prints for these facts on `today`."""
    who = responsibility(facts, today)
    h = who.handover
    return {
        "responsibility": who.responsibility.value,
        "lead": lead_role(facts, today).value,
        "handover_date": h.on.isoformat() if h and h.on else None,
        "handover_start_date": h.start.isoformat() if h and h.start else None,
        "items": [
            {
                "key": i.key,
                "title": i.title,
                "rule": i.rule,
                "source": i.source,
                "due_on": i.due_on.isoformat() if i.due_on else None,
                "window_opens_on": i.window_opens_on.isoformat() if i.window_opens_on else None,
                "status": i.status.value,
                "explanation": i.explanation,
            }
            for i in compute_schedule(facts, today)
        ],
    }


def cmd_rules(args: argparse.Namespace) -> int:
    if args.schema:
        print_json(facts_schema())
        return EXIT_OK
    if not args.facts:
        raise BadInput("Give the facts to work from: ahtui rules --facts FILE.json --today DATE.")
    try:
        today = date.fromisoformat(args.today) if args.today else date.today()
    except ValueError:
        raise BadInput(f"--today must be a date as YYYY-MM-DD (got {args.today!r}).") from None
    facts = read_facts(args.facts)
    if args.json:
        print_json(evaluate(facts, today))
        return EXIT_OK
    who = responsibility(facts, today)
    say(f"On {fmt(today)}: {who.responsibility.label()}. {who.why}.")
    say(f"Lead: {lead_role(facts, today).label()}.")
    if who.handover and who.handover.on:
        say(f"Handover to probation: {fmt(who.handover.on)}.")
        if who.handover.start and who.handover.start != who.handover.on:
            say(f"Handover starts: {fmt(who.handover.start)}.")
    for i in compute_schedule(facts, today):
        when = fmt(i.due_on) if i.due_on else "no date"
        say(f"- {i.status.label().upper()}, {when}: {i.title}. {i.explanation}.")
    return EXIT_OK
