"""My Plan as a document to attach beside OASys and the Pathway Plan: Markdown or printable HTML.

About Me and what helps; the Wheel of Life (every area's scores with their dates, the latest
drawn as a bar chart: text in Markdown, inline SVG in HTML, each bar labelled with its number
so nothing depends on colour); the goals in the person's words with their steps, who helps,
target dates and progress; the support and who gives it; and when the plan was agreed.

Meant to be attached to a statutory record, so it heads with the legal name (and the name the
person goes by), CRN and NOMIS number, the version (one more each time the plan is agreed),
who recorded that version and when it was agreed, the lead and the team; the protective
marking chosen in the configuration is at the top and the bottom. Printed from the HTML, every
page carries the marking, legal name and references in its top margin (CSS `@page` margin
boxes, text.running_header_css) and the marking with the page number at its foot.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from ..config import DEFAULT_MARKING
from ..domain.dates import fmt_date
from ..domain.enums import Role
from ..domain.names import document_name
from ..store.myplan import WHEEL_AREAS, plan_snapshot, plan_status, plan_versions
from ..store.people import get_person
from ..store.team import team
from .text import (
    escape_html,
    escape_markdown,
    html_lines,
    html_page,
    legal_name,
    markdown_block,
    markdown_cell,
    marking_html,
    person_refs,
    running_header_css,
)

BAR = 10  # a score of 10 fills the bar


def gather(site: Any, person_id: str) -> dict[str, Any]:
    """Everything the document shows, read through the My Plan service."""

    person = get_person(site, person_id)
    snap = plan_snapshot(site, person_id)
    progress = snap.get("progress", [])
    for goal in snap["goals"]:
        goal["progress"] = [p for p in progress if p["goal_id"] == goal["id"]]
    goal_ids = {g["id"] for g in snap["goals"]}
    versions = plan_versions(site, person_id)
    agreed = [v["agreed_on"] for v in reversed(versions)]
    return {
        "versions": versions,
        "team": [
            {"name": m["name"], "role": m["role"], "leads": bool(m["leads"] or m["is_lead"])}
            for m in team(site, person_id)
        ],
        **snap,
        "person": dict(person),
        "site": site.name,
        "progress": [p for p in progress if p["goal_id"] not in goal_ids],
        "agreed": agreed,
        "changed_since_agreed": bool(agreed) and plan_status(site, person_id)["changed"],
        "wheel_table": wheel_table(snap["wheel"], WHEEL_AREAS),
    }


# -- the record: who, which version, who recorded it -----------------------------------------


def legal_name_words(person: dict[str, Any]) -> str:
    """The legal name always, and the name the person goes by when it differs."""
    legal = legal_name(person)
    preferred = person["preferred_name"]
    if preferred and preferred != person["given_name"]:
        return f"Legal name: {legal} · known as {preferred}"
    return f"Legal name: {legal}"


def version_words(doc: dict[str, Any]) -> str:
    """Which version of My Plan this is: one more each time it is agreed again."""
    versions = doc["versions"]
    if not versions:
        return "Version: draft, not yet agreed"
    latest = versions[-1]
    text = f"Version {latest['number']}, agreed on {fmt_date(latest['agreed_on'])}"
    if doc.get("changed_since_agreed"):
        text += "; CHANGED since then, not yet agreed again"
    return text


def recorded_by_words(doc: dict[str, Any]) -> str:
    versions = doc["versions"]
    if not versions:
        return "Recorded by: nobody yet (agree it with the person to record a version)"
    who = versions[-1]["agreed_by"] or "a user of another site"
    return f"Recorded by: {who}"


def team_words(doc: dict[str, Any]) -> list[str]:
    """`Lead: …` then `Team: …`, names with their roles on this person's team."""
    members = doc["team"]
    lead = next((m for m in members if m["leads"]), None)
    out = [f"Lead: {_member(lead)}" if lead else "Lead: no lead recorded"]
    others = [_member(m) for m in members if m is not lead]
    out.append("Team: " + ("; ".join(others) if others else "no one else recorded"))
    return out


def _member(m: dict[str, Any]) -> str:
    try:
        role = Role(m["role"]).label()
    except ValueError:
        role = m["role"] or ""
    return f"{m['name']} ({role})" if role else m["name"]


def record_lines(doc: dict[str, Any]) -> list[str]:
    """The lines a statutory record needs at the head of the document, in order."""
    person = doc["person"]
    lines = [legal_name_words(person)]
    if person_refs(person):
        lines.append(person_refs(person))
    lines += [version_words(doc), recorded_by_words(doc), *team_words(doc)]
    return lines


# -- the Wheel of Life -----------------------------------------------------------------------


def wheel_table(scores: list[dict[str, Any]], order: Sequence[str] = ()) -> dict[str, Any]:
    """Scores as a table: the dates, and per area its score on each date (None if unscored).

    Areas named in `order` come first in that order (as on the My Plan screen), then the
    person's own areas in the order they were first scored. Two scores of one area on one day:
    the later one stands.
    """
    dates = sorted({s["scored_on"] for s in scores})
    areas: dict[str, dict[str, int]] = {}
    for s in scores:
        areas.setdefault(s["area"], {})[s["scored_on"]] = s["score"]
    rank = {name: n for n, name in enumerate(order)}
    first_seen = list(areas)
    names = sorted(areas, key=lambda a: (rank.get(a, len(rank)), first_seen.index(a)))
    rows = []
    for area in names:
        by_date = areas[area]
        dated = sorted(by_date.items())
        latest_on, latest = dated[-1]
        before = dated[-2] if len(dated) > 1 else None
        rows.append(
            {
                "area": area,
                "scores": [by_date.get(d) for d in dates],
                "latest": latest,
                "latest_on": latest_on,
                "previous": before,
            }
        )
    return {"dates": dates, "rows": rows}


def change_words(row: dict[str, Any]) -> str:
    prev = row["previous"]
    if prev is None:
        return "first score"
    diff = row["latest"] - prev[1]
    if diff == 0:
        return f"same as {fmt_date(prev[0])}"
    return f"{'up' if diff > 0 else 'down'} {abs(diff)} since {fmt_date(prev[0])}"


def text_bar(score: int) -> str:
    return "[" + "#" * score + "." * (BAR - score) + "]"


def goal_status(goal: dict[str, Any]) -> str:
    status = (goal.get("status") or "open").upper()
    if status == "ACHIEVED" and goal.get("achieved_on"):
        return f"ACHIEVED {fmt_date(goal['achieved_on'])}"
    return status


def agreed_words(doc: dict[str, Any], name: str) -> str:
    agreed = doc["agreed"]
    if not agreed:
        return f"Not yet agreed with {name}."
    text = f"Agreed with {name} on {fmt_date(agreed[0])}."
    if doc.get("changed_since_agreed"):
        text += " CHANGED since then: agree it again."
    if len(agreed) > 1:
        text += " Earlier agreed versions: " + ", ".join(fmt_date(d) for d in agreed[1:]) + "."
    return text


# -- Markdown --------------------------------------------------------------------------------


def to_markdown(doc: dict[str, Any], today: date, *, marking: str = DEFAULT_MARKING) -> str:
    person = doc["person"]
    name = document_name(person)
    first = person["preferred_name"] or person["given_name"]
    out: list[str] = [
        f"**{escape_markdown(marking)}**",
        "",
        f"# My Plan: {escape_markdown(name)}",
        "",
    ]
    out += [f"- {escape_markdown(line)}" for line in record_lines(doc)]
    out += [
        "",
        f"**{escape_markdown(agreed_words(doc, first))}**",
        "",
        f"Written on {fmt_date(today)} from {escape_markdown(doc['site'])}.",
        "",
        "## About me",
        "",
        markdown_block(doc["about_me"]) or "_Nothing written yet._",
        "",
        "## What helps me",
        "",
        markdown_block(doc["what_helps"]) or "_Nothing written yet._",
        "",
        "## Wheel of Life",
        "",
    ]
    table = doc["wheel_table"]
    if not table["rows"]:
        out += ["_No scores yet._", ""]
    else:
        width = max(len(r["area"]) for r in table["rows"])
        out += [
            "Each life area scored from 1 (low) to 10 (high). Latest scores:",
            "",
            "```text",
        ]
        for r in table["rows"]:
            area = r["area"].replace("`", "'")
            out.append(
                f"{area:<{width}}  {text_bar(r['latest'])} {r['latest']:>2}/10  "
                f"{fmt_date(r['latest_on'])}, {change_words(r)}"
            )
        out += ["```", "", "Every score with its date:", ""]
        out.append("| Area | " + " | ".join(fmt_date(d) for d in table["dates"]) + " |")
        out.append("|---|" + "---:|" * len(table["dates"]))
        for r in table["rows"]:
            cells = ["-" if s is None else str(s) for s in r["scores"]]
            out.append(f"| {markdown_cell(r['area'])} | " + " | ".join(cells) + " |")
        out.append("")
    out += ["## My goals", ""]
    if not doc["goals"]:
        out += ["_No goals yet._", ""]
    for n, goal in enumerate(doc["goals"], 1):
        out += [f"### Goal {n}: {escape_markdown(' '.join(goal['goal'].split()))}", ""]
        facts = [f"Status: **{goal_status(goal)}**"]
        if goal.get("target_on"):
            facts.append(f"Target date: {fmt_date(goal['target_on'])}")
        out += ["- " + "\n- ".join(facts)]
        if goal.get("why"):
            out.append(f"- Why it matters: {escape_markdown(' '.join(goal['why'].split()))}")
        out.append("")
        if goal["steps"]:
            out += ["| Step | Who helps | Target date | Done |", "|---|---|---|---|"]
            for s in goal["steps"]:
                done = f"DONE {fmt_date(s['done_on'])}" if s["done_on"] else "not yet"
                out.append(
                    f"| {markdown_cell(s['step'])} | {markdown_cell(s['who_helps'] or '')} | "
                    f"{fmt_date(s['target_on']) or ' '} | {done} |"
                )
            out.append("")
        else:
            out += ["_No steps yet._", ""]
        if goal["progress"]:
            out += ["Progress:", ""]
            out += [
                f"- {fmt_date(p['noted_on'])}: {escape_markdown(' '.join(p['note'].split()))}"
                for p in goal["progress"]
            ]
            out.append("")
    out += ["## Support and who gives it", ""]
    if doc["support"]:
        out += ["| Support | From whom |", "|---|---|"]
        out += [
            f"| {markdown_cell(s['support'])} | {markdown_cell(s['from_whom'] or '')} |"
            for s in doc["support"]
        ]
    else:
        out.append("_No support recorded yet._")
    out.append("")
    if doc["progress"]:
        out += ["## Progress", ""]
        out += [
            f"- {fmt_date(p['noted_on'])}: {escape_markdown(' '.join(p['note'].split()))}"
            for p in doc["progress"]
        ]
        out.append("")
    out = [*"\n".join(out).rstrip().split("\n"), "", f"**{escape_markdown(marking)}**"]
    return "\n".join(out) + "\n"


# -- HTML ------------------------------------------------------------------------------------


def wheel_svg(rows: list[dict[str, Any]]) -> str:
    """The latest scores as a horizontal bar chart; each bar carries its number in text."""
    label_w, unit, bar_h, gap = 190, 24, 20, 8
    width = label_w + unit * BAR + 70
    height = (bar_h + gap) * len(rows) + 24
    desc = "; ".join(f"{r['area']}: {r['latest']} out of 10" for r in rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="wheel-title wheel-desc">',
        '<title id="wheel-title">Wheel of Life: latest scores out of 10</title>',
        f'<desc id="wheel-desc">{escape_html(desc)}</desc>',
    ]
    # Tick marks at 0, 5 and 10 so lengths can be read without the numbers.
    for tick in (0, 5, 10):
        x = label_w + unit * tick
        parts.append(
            f'<line x1="{x}" y1="0" x2="{x}" y2="{height - 18}" stroke="#999" '
            'stroke-dasharray="2 3"/>'
            f'<text x="{x}" y="{height - 4}" text-anchor="middle">{tick}</text>'
        )
    for i, r in enumerate(rows):
        y = i * (bar_h + gap)
        label = r["area"] if len(r["area"]) <= 26 else r["area"][:25] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h - 5}" text-anchor="end">{escape_html(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{unit * BAR}" height="{bar_h}" fill="none" '
            'stroke="#333"/>'
            f'<rect x="{label_w}" y="{y}" width="{unit * r["latest"]}" height="{bar_h}" '
            'fill="#555" stroke="#333"/>'
            f'<text x="{label_w + unit * BAR + 8}" y="{y + bar_h - 5}">{r["latest"]}/10</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def to_html(doc: dict[str, Any], today: date, *, marking: str = DEFAULT_MARKING) -> str:
    person = doc["person"]
    name = document_name(person)
    first = person["preferred_name"] or person["given_name"]
    b: list[str] = [marking_html(marking), f"<header>\n<h1>My Plan: {escape_html(name)}</h1>"]
    b.append(
        '<ul class="record">'
        + "".join(f"<li>{escape_html(line)}</li>" for line in record_lines(doc))
        + "</ul>"
    )
    b.append(f'<p class="meta"><strong>{escape_html(agreed_words(doc, first))}</strong></p>')
    b.append("</header>\n<main>")
    b.append("<section>\n<h2>About me</h2>")
    b.append(
        f"<p>{html_lines(doc['about_me'])}</p>"
        if doc["about_me"]
        else '<p class="note">Nothing written yet.</p>'
    )
    b.append("<h2>What helps me</h2>")
    b.append(
        f"<p>{html_lines(doc['what_helps'])}</p>"
        if doc["what_helps"]
        else '<p class="note">Nothing written yet.</p>'
    )
    b.append("</section>\n<section>\n<h2>Wheel of Life</h2>")
    table = doc["wheel_table"]
    if not table["rows"]:
        b.append('<p class="note">No scores yet.</p>')
    else:
        b.append("<p>Each life area scored from 1 (low) to 10 (high). Latest scores:</p>")
        b.append(f"<figure>\n{wheel_svg(table['rows'])}\n</figure>")
        b.append(
            '<table class="wheel">\n<caption>Every score with its date</caption>\n<thead><tr>'
            '<th scope="col">Area</th>'
            + "".join(f'<th scope="col">{escape_html(fmt_date(d))}</th>' for d in table["dates"])
            + '<th scope="col">Change</th></tr></thead>\n<tbody>'
        )
        for r in table["rows"]:
            cells = "".join(f"<td>{'-' if s is None else s}</td>" for s in r["scores"])
            b.append(
                f'<tr><th scope="row">{escape_html(r["area"])}</th>{cells}<td>{escape_html(change_words(r))}</td></tr>'
            )
        b.append("</tbody>\n</table>")
    b.append("</section>\n<section>\n<h2>My goals</h2>")
    if not doc["goals"]:
        b.append('<p class="note">No goals yet.</p>')
    for n, goal in enumerate(doc["goals"], 1):
        b.append(f'<div class="goal">\n<h3>Goal {n}: {escape_html(goal["goal"])}</h3>\n<ul>')
        b.append(f'<li>Status: <span class="status">{escape_html(goal_status(goal))}</span></li>')
        if goal.get("target_on"):
            b.append(f"<li>Target date: {escape_html(fmt_date(goal['target_on']))}</li>")
        if goal.get("why"):
            b.append(f"<li>Why it matters: {escape_html(goal['why'])}</li>")
        b.append("</ul>")
        if goal["steps"]:
            b.append(
                '<table class="steps">\n<thead><tr><th scope="col">Step</th>'
                '<th scope="col">Who helps</th><th scope="col">Target date</th>'
                '<th scope="col">Done</th></tr></thead>\n<tbody>'
            )
            for s in goal["steps"]:
                done = f"DONE {fmt_date(s['done_on'])}" if s["done_on"] else "not yet"
                b.append(
                    f"<tr><td>{escape_html(s['step'])}</td><td>{escape_html(s['who_helps'] or '')}</td>"
                    f"<td>{escape_html(fmt_date(s['target_on']))}</td><td>{escape_html(done)}</td></tr>"
                )
            b.append("</tbody>\n</table>")
        else:
            b.append('<p class="note">No steps yet.</p>')
        if goal["progress"]:
            b.append("<p>Progress:</p>\n<ul>")
            b += [
                f"<li>{escape_html(fmt_date(p['noted_on']))}: {escape_html(p['note'])}</li>"
                for p in goal["progress"]
            ]
            b.append("</ul>")
        b.append("</div>")
    b.append("</section>\n<section>\n<h2>Support and who gives it</h2>")
    if doc["support"]:
        b.append(
            '<table class="support">\n<thead><tr><th scope="col">Support</th>'
            '<th scope="col">From whom</th></tr></thead>\n<tbody>'
        )
        b += [
            f"<tr><td>{escape_html(s['support'])}</td><td>{escape_html(s['from_whom'] or '')}</td></tr>"
            for s in doc["support"]
        ]
        b.append("</tbody>\n</table>")
    else:
        b.append('<p class="note">No support recorded yet.</p>')
    b.append("</section>")
    if doc["progress"]:
        b.append("<section>\n<h2>Progress</h2>\n<ul>")
        b += [
            f"<li>{escape_html(fmt_date(p['noted_on']))}: {escape_html(p['note'])}</li>"
            for p in doc["progress"]
        ]
        b.append("</ul>\n</section>")
    b.append("</main>")
    b.append(
        f"<footer><p>Written on {escape_html(fmt_date(today))} from {escape_html(doc['site'])} by ahtui. "
        "This document holds personal information: keep it where your agency's rules "
        "allow.</p></footer>"
    )
    b.append(marking_html(marking))
    css = running_header_css(marking, legal_name(person), person_refs(person, born=False))
    return html_page(f"My Plan: {name}", "\n".join(b), css)
