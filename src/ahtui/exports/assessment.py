"""The Combined Assessment as a document in two parts, so each practitioner copies their own.

Part 1 follows OASys: section by section (3 Accommodation ... 13 Health), each item with its
official number, the answer on its printed scale and the disclosed mark, then the issues and the
"linked to harm" and "linked to offending" answers. Part 2 follows the Pathway Plan: area by
area, each numbered question with its answer. Unanswered questions say so, in words, so the
gaps are as plain as the answers. Markdown or printable HTML; the codes, texts and scale labels
are the form's own (schema/forms/combined_assessment.toml).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..config import DEFAULT_MARKING
from ..domain.dates import fmt_date
from ..domain.names import document_name
from ..forms_loader import load_assessment
from ..store.assessment import assessment_snapshot
from ..store.people import get_person
from .text import (
    escape_html,
    escape_markdown,
    html_lines,
    html_page,
    legal_name,
    markdown_block,
    marking_html,
    person_refs,
    running_header_css,
)

NOT_ANSWERED = "Not answered"
NOT_ASKED = "Not asked (depends on an earlier answer)"
KIND_REFS = {"issues": "Issues", "linked_harm": "Harm", "linked_offending": "Offending"}


def gather(site: Any, person_id: str) -> dict[str, Any]:
    """The two parts, each a list of groups of rows, from the assessment snapshot."""

    person = get_person(site, person_id)
    snap = assessment_snapshot(site, person_id)
    return {
        "person": dict(person),
        "site": site.name,
        "title": snap["title"],
        "oasys_note": load_assessment().oasys_note,
        "answered": snap["answered"],
        "total": snap["total"],
        "complete_areas": snap["complete_areas"],
        "oasys": oasys_part(snap),
        "pathway_plan": pathway_plan_part(snap),
    }


def yes_no(flag: Any) -> str | None:
    if flag is None:
        return None
    return "Yes" if flag else "No"


def _row(item: dict[str, Any], ref: str) -> dict[str, Any]:
    extra: list[str] = []
    if item["answered"]:
        if item["disclosable"] and item["disclosed"] is not None:
            extra.append(f"Disclosed: {yes_no(item['disclosed'])}")
        if item["answered_on"]:
            extra.append(f"Answered {fmt_date(item['answered_on'])}")
    if item["notes"]:
        extra.append(f"Notes: {item['notes']}")
    text = f"{item['condition']} {item['text']}".strip() if item["condition"] else item["text"]
    return {
        "ref": ref,
        "text": text,
        "answer": item["answer"] if item["answered"] else None,
        "missing": NOT_ANSWERED if item["shown"] else NOT_ASKED,
        "extra": extra,
        "counted": item["counted"],
    }


def _area_notes(record: dict[str, Any] | None) -> list[tuple[str, str]]:
    if not record:
        return []
    notes = []
    for key, title in (("issues", "Issues"), ("positives", "Positive factors")):
        if record.get(key):
            notes.append((title, record[key]))
    for key, title in (
        ("linked_to_harm", "Linked to risk of serious harm"),
        ("linked_to_offending", "Linked to offending"),
    ):
        if record.get(key) is not None:
            notes.append((title, yes_no(record[key]) or ""))
    if record.get("completed_on"):
        notes.append(("Area completed", fmt_date(record["completed_on"])))
    return notes


def _summary(rows: list[dict[str, Any]]) -> str:
    counted = [r for r in rows if r["counted"]]
    answered = sum(1 for r in counted if r["answer"])
    return f"{answered} of {len(counted)} answered"


# -- the two parts ---------------------------------------------------------------------------


def oasys_part(snap: dict[str, Any]) -> list[dict[str, Any]]:
    areas = {a["code"]: a for a in snap["areas"]}
    groups = []
    for section in snap["oasys"]:
        rows = []
        for item in section["items"]:
            row = _row(item, item["oasys_code"] or KIND_REFS.get(item["kind"], ""))
            area = areas[item["area"]]
            record = area["record"]
            # An area with one OASys section keeps the section's issues and its two "linked to"
            # answers on the area record too: they answer the questions left unanswered here.
            if row["answer"] is None and record and area["oasys_sections"] == [section["number"]]:
                if item["kind"] == "issues" and record.get("issues"):
                    row["answer"] = record["issues"]
                elif item["kind"] == "linked_harm":
                    row["answer"] = yes_no(record.get("linked_to_harm"))
                elif item["kind"] == "linked_offending":
                    row["answer"] = yes_no(record.get("linked_to_offending"))
            rows.append(row)
        notes: list[tuple[str, str]] = []
        for code in section["areas"]:
            area = areas[code]
            if area["oasys_sections"][:1] != [section["number"]]:
                continue
            area_notes = _area_notes(area["record"])
            if len(area["oasys_sections"]) == 1:
                # The issues and the links are in the section's own rows above.
                area_notes = [
                    n for n in area_notes if n[0] in ("Positive factors", "Area completed")
                ]
            else:
                area_notes = [(f"{area['title']}, whole area: {t}", v) for t, v in area_notes]
            notes += area_notes
        groups.append(
            {
                "title": f"Section {section['number']}: {section['title']}",
                "intro": section["note"],
                "rows": rows,
                "notes": notes,
                "summary": _summary(rows),
            }
        )
    return groups


def pathway_plan_part(snap: dict[str, Any]) -> list[dict[str, Any]]:
    areas = {a["code"]: a for a in snap["areas"]}
    groups = []
    for group in snap["pathway_plan"]:
        area = areas[group["area"]]
        rows = [_row(i, f"{i['number']}.") for i in group["items"]]
        title = group["title"] + (" (Pathway Plan only)" if area["pathway_plan_only"] else "")
        groups.append(
            {
                "title": title,
                "intro": group["intro"],
                "rows": rows,
                "notes": _area_notes(area["record"]),
                "summary": f"{_summary(rows)}; whole area {area['status']}",
            }
        )
    return groups


PARTS = (
    ("oasys", "Part 1: for OASys (Prison Offender Manager or Probation Practitioner)"),
    ("pathway_plan", "Part 2: for the Pathway Plan (Personal Advisor)"),
)


# -- Markdown --------------------------------------------------------------------------------


def overall(doc: dict[str, Any]) -> str:
    return (
        f"Overall {doc['answered']} of {doc['total']} questions answered; "
        f"{doc['complete_areas']} of {len(doc['pathway_plan'])} areas COMPLETE."
    )


def to_markdown(doc: dict[str, Any], today: date, *, marking: str = DEFAULT_MARKING) -> str:
    person = doc["person"]
    out = [f"**{escape_markdown(marking)}**", ""]
    out += [f"# {escape_markdown(doc['title'])}: {escape_markdown(document_name(person))}", ""]
    if person_refs(person):
        out += [escape_markdown(person_refs(person)), ""]
    out += [
        f"Written on {fmt_date(today)} from {escape_markdown(doc['site'])}. Part 1 is grouped as the OASys "
        "sections, part 2 as the Pathway Plan areas.",
        "",
        overall(doc),
        "",
    ]
    for key, title in PARTS:
        out += [f"## {title}", ""]
        if key == "oasys" and doc["oasys_note"]:
            out += [f"_{escape_markdown(doc['oasys_note'])}_", ""]
        for g in doc[key]:
            out += [f"### {escape_markdown(g['title'])}", ""]
            if g["intro"]:
                out += [f"_{escape_markdown(g['intro'])}_", ""]
            out += [f"{g['summary']}.", ""]
            for r in g["rows"]:
                ref = f"**{r['ref']}** " if r["ref"] else ""
                answer = (
                    f"**{escape_markdown(r['answer'])}**" if r["answer"] else f"_{r['missing']}_"
                )
                out.append(f"- {ref}{escape_markdown(r['text'])}: {answer}")
                if r["extra"]:
                    # One continuation line under the item: "Disclosed: Yes · Answered ...".
                    out.append(markdown_block(" · ".join(r["extra"]), indent="  "))
            for title_, value in g["notes"]:
                out += ["", f"**{escape_markdown(title_)}:** {markdown_block(value)}"]
            out.append("")
    out = [*"\n".join(out).rstrip().split("\n"), "", f"**{escape_markdown(marking)}**"]
    return "\n".join(out) + "\n"


# -- HTML ------------------------------------------------------------------------------------


def to_html(doc: dict[str, Any], today: date, *, marking: str = DEFAULT_MARKING) -> str:
    person = doc["person"]
    title = f"{doc['title']}: {document_name(person)}"
    b = [marking_html(marking), f"<header>\n<h1>{escape_html(title)}</h1>"]
    if person_refs(person):
        b.append(f'<p class="refs">{escape_html(person_refs(person))}</p>')
    b.append(
        f'<p class="meta">Written on {escape_html(fmt_date(today))} from {escape_html(doc["site"])}. Part 1 is '
        "grouped as the OASys sections, part 2 as the Pathway Plan areas.</p>"
    )
    b.append(f'<p class="meta">{escape_html(overall(doc))}</p>\n</header>\n<main>')
    b.append(
        "<nav><ul>"
        + "".join(f'<li><a href="#{k}">{escape_html(t)}</a></li>' for k, t in PARTS)
        + "</ul></nav>"
    )
    for key, part_title in PARTS:
        b.append(f'<section id="{key}">\n<h2>{escape_html(part_title)}</h2>')
        if key == "oasys" and doc["oasys_note"]:
            b.append(f'<p class="note">{escape_html(doc["oasys_note"])}</p>')
        for g in doc[key]:
            b.append(f"<h3>{escape_html(g['title'])}</h3>")
            if g["intro"]:
                b.append(f'<p class="note">{escape_html(g["intro"])}</p>')
            b.append(f"<p>{escape_html(g['summary'])}.</p>")
            b.append(
                '<table>\n<thead><tr><th scope="col">No.</th><th scope="col">Question</th>'
                '<th scope="col">Answer</th></tr></thead>\n<tbody>'
            )
            for r in g["rows"]:
                answer = (
                    html_lines(r["answer"])
                    if r["answer"]
                    else f"<em>{escape_html(r['missing'])}</em>"
                )
                if r["extra"]:
                    answer += "".join(f"<br>\n<small>{escape_html(x)}</small>" for x in r["extra"])
                b.append(
                    f'<tr><th scope="row">{escape_html(r["ref"])}</th><td>{escape_html(r["text"])}</td>'
                    f"<td>{answer}</td></tr>"
                )
            b.append("</tbody>\n</table>")
            if g["notes"]:
                b.append(
                    "<dl>"
                    + "".join(
                        f"<dt>{escape_html(t)}</dt><dd>{html_lines(v)}</dd>" for t, v in g["notes"]
                    )
                    + "</dl>"
                )
        b.append("</section>")
    b.append("</main>")
    b.append(
        f"<footer><p>Written on {escape_html(fmt_date(today))} from {escape_html(doc['site'])} by ahtui. "
        "This document holds personal information: keep it where your agency's rules "
        "allow.</p></footer>"
    )
    b.append(marking_html(marking))
    css = running_header_css(marking, legal_name(person), person_refs(person, born=False))
    return html_page(title, "\n".join(b), css)
