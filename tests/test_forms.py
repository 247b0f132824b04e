"""Tests for the forms-as-data: the Combined Assessment, the agendas and the template emails.

The Combined Assessment is checked against the seed text itself, re-parsed here with regular
expressions that share nothing with the TOML, so a typo in an official code, question or scale
fails the suite.
"""

from __future__ import annotations

import ast
import copy
import re
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from ahtui import forms_loader
from ahtui.domain import forms
from ahtui.domain.enums import EmailTemplate, MeetingType, Pathway, Role
from ahtui.domain.forms import (
    EMAIL_PLACEHOLDERS,
    FormsError,
    ItemKind,
    ItemType,
    MissingEmailValuesError,
    Source,
    build_agendas,
    build_assessment,
    build_email_templates,
    render_email,
)
from ahtui.forms_loader import (
    agenda,
    agenda_for,
    email_template,
    load_agendas,
    load_assessment,
    load_email_templates,
    read_agendas,
    read_assessment,
    read_email_templates,
)
from ahtui.resources import schema_dir

# tests/ -> main/ -> the directory holding both the repository and shared/.
# The official text, kept with the tests (tests/data/seeds/README.md says where it came from).
SEED = (
    Path(__file__).resolve().parent
    / "data"
    / "seeds"
    / "integrated-planning-and-assessment-manual.txt"
)
FORMS = schema_dir() / "forms"


def _norm(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------------------------
# Independent parse of the seed's Combined Assessment
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_lines() -> list[str]:
    # Never skipped: without the official text these checks would pass by not running.
    assert SEED.is_file(), f"the seed text is missing at {SEED}; restore it from shared/seeds"
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = lines.index("# Combined Assessment")
    end = lines.index("# Links to appendix", start)
    return lines[start:end]


def _cells(line: str) -> list[str]:
    inner = line.strip()[1:]
    if inner.endswith("|"):
        inner = inner[:-1]
    return [re.sub(r"</?b>", "", c).strip() for c in inner.split("|")]


def _table_rows(lines: list[str]) -> list[list[str]]:
    return [
        _cells(line)
        for line in lines
        if line.strip().startswith("|") and not re.fullmatch(r"[|\s-]+", line.strip())
    ]


def _printed_scale(cells: list[str]) -> list[str]:
    labels: list[str] = []
    for cell in cells:
        if cell and cell != "Disclosed":
            labels.extend(part.strip() for part in cell.split(" - "))
    return labels


@pytest.fixture(scope="module")
def seed_oasys(seed_lines: list[str]) -> dict[str, dict]:
    """OASys code -> {text, condition, scale, disclosed}, as the seed prints them."""
    found: dict[str, dict] = {}
    for cells in _table_rows(seed_lines):
        if not re.fullmatch(r"\d+\.\d+", cells[0]):
            continue
        text, condition = cells[1], ""
        if "<br>" in text:
            condition, text = (part.strip() for part in text.split("<br>", 1))
        assert cells[0] not in found, f"seed prints {cells[0]} twice"
        found[cells[0]] = {
            "text": _norm(text),
            "condition": _norm(condition),
            "scale": _printed_scale(cells[2:]),
            "disclosed": "Disclosed" in cells[2:],
        }
    return found


@pytest.fixture(scope="module")
def assessment():
    return load_assessment()


def _by_oasys_code(assessment) -> dict[str, forms.Item]:
    return {i.oasys_code: i for i in assessment.oasys_items()}


def _scale_labels(assessment, item) -> list[str]:
    return assessment.scales[item.scale].labels if item.scale else []


def test_oasys_codes_match_seed_exactly(assessment, seed_oasys):
    ours = _by_oasys_code(assessment)
    assert len(seed_oasys) == 63
    assert set(ours) == set(seed_oasys)
    assert len(assessment.oasys_items()) == len(ours)


def test_oasys_question_texts_match_seed(assessment, seed_oasys):
    ours = _by_oasys_code(assessment)
    mismatched = {
        code: (_norm(ours[code].text), seen["text"])
        for code, seen in seed_oasys.items()
        if _norm(ours[code].text) != seen["text"]
    }
    assert mismatched == {}


def test_oasys_scales_match_seed(assessment, seed_oasys):
    ours = _by_oasys_code(assessment)
    mismatched = {
        code: (_scale_labels(assessment, ours[code]), seen["scale"])
        for code, seen in seed_oasys.items()
        if _scale_labels(assessment, ours[code]) != seen["scale"]
    }
    assert mismatched == {}
    # Spot checks of the scales the brief names, against the printed wording.
    assert assessment.scales[ours["3.3"].scale].printed == "No - Some - Sig - Missing"
    assert assessment.scales[ours["10.1"].scale].printed == "No - Some - Sig"
    assert assessment.scales[ours["12.8"].scale].printed == (
        "Very motivated - Quite motivated - Not at all"
    )


def test_oasys_disclosed_marks_and_conditions_match_seed(assessment, seed_oasys):
    ours = _by_oasys_code(assessment)
    assert {c for c, s in seed_oasys.items() if s["disclosed"]} == {
        c for c, i in ours.items() if i.disclosable
    }
    # Not every item carries the mark, so the flag is per item.
    assert not all(i.disclosable for i in ours.values())
    for code, seen in seed_oasys.items():
        if seen["condition"]:
            assert _norm(ours[code].condition) == seen["condition"]
            assert ours[code].shown_if is not None


def test_oasys_section_titles_match_seed(assessment, seed_lines):
    printed = {}
    for line in seed_lines:
        if m := re.fullmatch(r"### (\d+)\. (.+)", line.strip()):
            printed[int(m[1])] = m[2].strip()
    assert {s.number: s.title for s in assessment.oasys_sections} == printed


def test_issue_and_linked_rows_match_seed(assessment, seed_lines):
    rows = _table_rows(seed_lines)
    texts = [c for cells in rows for c in cells if c]
    printed_issues = {_norm(t) for t in texts if t.startswith("Identify ")}
    printed_harm = {_norm(t) for t in texts if "linked to risk of serious harm" in t}
    printed_offending = {_norm(t) for t in texts if "linked to offending behaviour" in t}
    items = list(assessment.items())

    def ours(kind):
        return {_norm(i.text) for i in items if i.kind is kind}

    assert ours(ItemKind.ISSUES) == printed_issues
    assert ours(ItemKind.LINKED_HARM) == printed_harm
    assert ours(ItemKind.LINKED_OFFENDING) == printed_offending
    assert len(printed_harm) == len(printed_offending) == 8
    for i in items:
        if i.kind in (ItemKind.LINKED_HARM, ItemKind.LINKED_OFFENDING):
            assert _scale_labels(assessment, i) == ["Yes", "No"]
        if i.kind is ItemKind.ISSUES:
            assert i.type is ItemType.TEXT


def test_pathway_plan_questions_match_seed(assessment, seed_lines):
    printed: list[tuple[int, str, bool]] = []
    in_questions = False
    for line in seed_lines:
        if line.startswith("#"):
            in_questions = "Questions from a Pathway Plan" in line
            continue
        if in_questions and (m := re.fullmatch(r"(\d+)\. (.+)", line.strip())):
            text = m[2].strip()
            no_answer = text.endswith(" No Answer")
            printed.append((int(m[1]), text.removesuffix(" No Answer"), no_answer))
    ours = [
        (i.number, i.text, i.no_answer_option)
        for area in assessment.areas
        if area.code != "cared"
        for i in area.pathway_plan_items
    ]
    assert ours == printed
    assert len(printed) == 77


def test_cared_for_scales_match_seed(assessment, seed_lines):
    printed = [
        (int(m[1]), m[2].strip(), m[3].strip())
        for line in seed_lines
        if (m := re.fullmatch(r"\*\*(\d+)\. (.+?)\*\* (.+)", line.strip()))
    ]
    cared = assessment.area("cared")
    assert [(i.number, i.text, i.prompt) for i in cared.items] == printed
    assert all(i.type is ItemType.SCALE_1_10 for i in cared.items)
    assert len(cared.items) == 6


def test_drug_grid_matches_seed(assessment, seed_lines):
    printed = []
    for cells in _table_rows(seed_lines):
        if m := re.fullmatch(r"([A-P]) (.+)", cells[0]):
            printed.append((m[1], m[2].strip(), _printed_scale(cells[1:])))
    grid = assessment.item("health.oasys.8.1.drugs")
    current = next(c for c in grid.columns if c.code == "current_usage")
    scale = assessment.scales[current.scale].labels
    assert [(r.code, r.label, scale) for r in grid.rows] == printed
    assert grid.shown_if.items == ("health.oasys.8.1",)


def test_tick_lists_and_13_3_grid_match_seed(assessment, seed_lines):
    rows = _table_rows(seed_lines)
    codes = [r[0] for r in rows]

    def labels_between(first: str, last: str) -> list[str]:
        block = rows[codes.index(first) + 1 : codes.index(last)]
        return [r[1] for r in block if r[0] == "" and r[1] and r[1] != "Issue"]

    tick_10_7 = assessment.item("health.oasys.10.7")
    assert [o.label for o in tick_10_7.options] == labels_between("10.7", "10.8")
    grid = assessment.item("health.oasys.13.3")
    assert [r.label for r in grid.rows] == labels_between("13.3", "13.4")
    header = next(r for r in rows if len(r) > 1 and r[1] == "Issue")
    assert [c.label for c in grid.columns] == [c for c in header[2:] if c]


# --------------------------------------------------------------------------------------------
# The assessment's own structure
# --------------------------------------------------------------------------------------------


def test_nine_areas_in_form_order(assessment):
    assert [a.title for a in assessment.areas] == [
        "Accommodation",
        "Employment, Education and Training",
        "Finance",
        "Important Relationships",
        "Physical and Emotional Health",
        "Independence",
        "Cared for, Cared about and Able to Care for Yourself",
        "Identity",
        "Goals and Aspirations",
    ]
    assert [a.code for a in assessment.areas if a.pathway_plan_only] == [
        "ind",
        "cared",
        "identity",
        "goals",
    ]


def test_item_codes_unique_and_every_area_has_questions(assessment):
    codes = [i.code for i in assessment.items()]
    assert len(codes) == len(set(codes))
    for area in assessment.areas:
        assert area.pathway_plan_items, area.code
        assert all(i.code.startswith(area.code + ".") for i in area.items)
        assert bool(area.oasys_items) != area.pathway_plan_only


def test_cared_for_has_exactly_six_1_to_10_scales(assessment):
    cared = assessment.area("cared")
    scales = [i for i in cared.items if i.type is ItemType.SCALE_1_10]
    assert len(scales) == 6 == len(cared.items)
    assert [o.code for o in assessment.options_for(scales[0])] == [str(n) for n in range(1, 11)]


def test_grouping_as_oasys_sections_and_pathway_plan_areas(assessment):
    grouped = assessment.by_oasys_section()
    assert [s.number for s, _ in grouped] == [3, 4, 5, 6, 8, 9, 10, 11, 12, 13]
    in_sections = [i.code for _, items in grouped for i in items]
    oasys = [i.code for i in assessment.items() if i.source is Source.OASYS]
    assert sorted(in_sections) == sorted(oasys)
    for section, items in grouped:
        for item in items:
            if item.oasys_code:
                assert item.oasys_code.split(".")[0] == str(section.number)
    assert assessment.area("health").oasys_sections == [13, 10, 8, 9, 11, 12]
    pp = assessment.by_pathway_plan_area()
    assert sum(len(items) for _, items in pp) == 83
    assert all(i.source is Source.PATHWAY_PLAN for _, items in pp for i in items)


def test_conditional_items_point_at_real_answers(assessment):
    shown = {i.code: i.shown_if for i in assessment.items() if i.shown_if}
    assert shown["rel.oasys.6.10"].items == ("rel.oasys.6.9",)
    assert set(shown["health.oasys.9.4"].items) == {
        "health.oasys.9.1",
        "health.oasys.9.2",
        "health.oasys.9.3",
    }
    assert set(shown["health.oasys.9.4"].values) == {"some", "sig"}
    assert assessment.item("fin.oasys.5.2").optional
    assert not assessment.item("fin.pp.1").optional


def _raw_assessment() -> dict:
    with (FORMS / "combined_assessment.toml").open("rb") as fh:
        return tomllib.load(fh)


def _first_oasys(raw: dict) -> dict:
    return next(i for i in raw["areas"][0]["items"] if i.get("oasys_code"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: _first_oasys(r).update(scale="no_such_scale"), "unknown scale"),
        (lambda r: r["areas"][0]["items"][1].update(code="acc.pp.1"), "repeated item codes"),
        (lambda r: _first_oasys(r).update(oasys_code="4.1"), "is not in section 3"),
        (lambda r: _first_oasys(r).update(colour="red"), "Extra inputs are not permitted"),
        (lambda r: _first_oasys(r).update(type="text"), "exactly when the type is 'choice'"),
        (lambda r: r["areas"][5].update(pathway_plan_only=False), "no OASys items"),
        (lambda r: r["areas"][0]["items"].pop(2), "not numbered 1..n"),
        (
            lambda r: r["areas"][3]["items"][-1]["shown_if"].update(values=["maybe"]),
            "not on the scale",
        ),
    ],
)
def test_assessment_validation_catches_mistakes(mutate, message):
    raw = _raw_assessment()
    mutate(raw)
    with pytest.raises(ValidationError, match=re.escape(message)):
        build_assessment(raw)


def test_loader_errors_name_the_file(tmp_path):
    missing = tmp_path / "combined_assessment.toml"
    with pytest.raises(
        FormsError, match="combined_assessment.toml: the form definition file is missing"
    ):
        read_assessment(missing)
    missing.write_text("title = [unclosed", encoding="utf-8")
    with pytest.raises(FormsError, match="not valid TOML"):
        read_assessment(missing)
    missing.write_text('title = "Combined Assessment"\n', encoding="utf-8")
    with pytest.raises(FormsError) as err:
        read_assessment(missing)
    assert str(missing) in str(err.value)
    assert "scales: Field required" in str(err.value)
    assert isinstance(err.value, ValueError)


def test_loaders_are_cached_and_schema_dir_found():
    assert load_assessment() is load_assessment()
    assert load_agendas() is load_agendas()
    assert load_email_templates() is load_email_templates()
    assert (schema_dir() / "forms" / "combined_assessment.toml").is_file()


def test_domain_forms_module_does_no_io():
    tree = ast.parse(Path(forms.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.Name) and node.id == "open":
            pytest.fail("domain/forms.py calls open()")
    assert not imported & {"os", "pathlib", "tomllib", "io", "textual", "importlib", "sqlite3"}


# --------------------------------------------------------------------------------------------
# Agendas
# --------------------------------------------------------------------------------------------


def _item_codes(sections) -> set[str]:
    return {i.code for s in sections for i in s.items}


def _all_questions(sections) -> str:
    return " ".join(q for s in sections for i in s.items for q in i.questions)


def test_every_meeting_type_has_an_agenda():
    agendas = load_agendas()
    assert {a.meeting_type for a in agendas.agendas} == set(MeetingType)
    for a in agendas.agendas:
        codes = [i.code for s in a.sections for i in s.items]
        assert len(codes) == len(set(codes)), a.meeting_type
        for pathway in Pathway:
            assert agenda_for(a.meeting_type, pathway), (a.meeting_type, pathway)


def test_planning_1_recall_has_recall_questions_and_recall_officer():
    sections = agenda_for(MeetingType.PLANNING_1, Pathway.RECALL)
    codes = _item_codes(sections)
    assert {"understand.recall", "understand.recall_reasons"} <= codes
    text = _all_questions(sections)
    assert "What led to the recall?" in text
    assert "What support was helpful before the recall, and what was missing?" in text
    lead = next(i for s in sections for i in s.items if i.code == "understand.recall_reasons")
    assert lead.lead is Role.RECALL_OFFICER
    roles = [a.role for a in agenda(MeetingType.PLANNING_1).attendees_for(Pathway.RECALL)]
    assert Role.RECALL_OFFICER in roles
    assert agenda(MeetingType.PLANNING_1).chair_for(Pathway.RECALL) is Role.PP


def test_recall_material_stays_out_of_other_pathways():
    for pathway in (Pathway.LONG, Pathway.SHORT, Pathway.REMAND):
        codes = _item_codes(agenda_for(MeetingType.PLANNING_1, pathway, resettlement=True))
        assert not {"understand.recall", "understand.recall_reasons"} & codes
        roles = [a.role for a in agenda(MeetingType.PLANNING_1).attendees_for(pathway)]
        assert Role.RECALL_OFFICER not in roles


def test_planning_1_long_resettlement_adds_progress_in_custody():
    with_resettlement = agenda_for(MeetingType.PLANNING_1, Pathway.LONG, resettlement=True)
    without = agenda_for(MeetingType.PLANNING_1, Pathway.LONG)
    assert {"progress", "network"} <= {s.code for s in with_resettlement}
    assert "progress.in_custody" in _item_codes(with_resettlement)
    assert "network.outcomes" in _item_codes(with_resettlement)
    assert not {"progress", "network"} & {s.code for s in without}
    assert "progress.in_custody" not in _item_codes(without)
    # Short sentences are in resettlement from day one but have no custody-progress review.
    assert "progress.in_custody" not in _item_codes(
        agenda_for(MeetingType.PLANNING_1, Pathway.SHORT)
    )


def test_planning_1_covers_the_guide_in_order():
    sections = agenda_for(MeetingType.PLANNING_1, Pathway.LONG)
    assert [s.code for s in sections] == ["connect", "understand", "next", "actions"]
    codes = _item_codes(sections)
    for code in (
        "understand.first_meeting",
        "understand.pom_shares",
        "understand.pa_shares",
        "understand.care_journey",
        "understand.offending_risk",
        "understand.identity",
        "understand.current_situation",
        "understand.strengths_goals",
        "next.release_planning",
        "next.accommodation",
        "next.licence",
        "next.rotl",
        "next.further_work",
        "next.parole",
        "next.mappa",
        "next.iom",
        "actions.log",
    ):
        assert code in codes


def test_chair_rule_by_pathway_and_phase():
    p1 = agenda(MeetingType.PLANNING_1)
    assert p1.chair_for(Pathway.LONG) is Role.POM
    assert p1.chair_for(Pathway.LONG, resettlement=True) is Role.PP
    assert p1.chair_for(Pathway.SHORT) is Role.PP
    assert p1.chair_for(Pathway.REMAND) is Role.CES
    assert p1.chair_for(Pathway.COMMUNITY) is Role.PP
    assert agenda(MeetingType.REVIEW).chair_for(Pathway.COMMUNITY) is Role.PP
    assert agenda(MeetingType.HANDOVER).chair_for(Pathway.LONG) is Role.PP


def test_attendees_follow_the_team_for_each_pathway():
    p1 = agenda(MeetingType.PLANNING_1)

    def roles(pathway, resettlement=False, optional=False):
        return {
            a.role for a in p1.attendees_for(pathway, resettlement) if optional or not a.optional
        }

    assert roles(Pathway.LONG) == {Role.POM, Role.PA, Role.CES}
    assert roles(Pathway.LONG, resettlement=True) == {Role.POM, Role.PP, Role.PA, Role.CES}
    assert roles(Pathway.REMAND) == {Role.PA, Role.CES}
    assert Role.SOLICITOR in roles(Pathway.REMAND, optional=True)
    assert agenda(MeetingType.PLANNING_2).person_attends
    assert not p1.person_attends


def test_planning_2_plans_the_day_of_release_only_in_resettlement():
    release = {"my_plan.gate", "my_plan.first_appointment"}
    assert release <= _item_codes(agenda_for(MeetingType.PLANNING_2, Pathway.SHORT))
    assert release <= _item_codes(
        agenda_for(MeetingType.PLANNING_2, Pathway.LONG, resettlement=True)
    )
    assert not release & _item_codes(agenda_for(MeetingType.PLANNING_2, Pathway.LONG))
    assert not release & _item_codes(agenda_for(MeetingType.PLANNING_2, Pathway.REMAND))
    recall = agenda_for(MeetingType.PLANNING_2, Pathway.RECALL)
    assert "my_plan.recall_review" in _item_codes(recall)
    assert [s.code for s in recall] == ["start", "my_plan", "aob", "actions", "close"]


def test_meetings_built_on_other_agendas():
    handover = agenda_for(MeetingType.HANDOVER, Pathway.LONG)
    assert {"connect.handover", "progress.in_custody"} <= _item_codes(handover)
    resettlement = agenda_for(MeetingType.RESETTLEMENT, Pathway.LONG)
    assert "my_plan.gate" in _item_codes(resettlement)
    community = _item_codes(agenda_for(MeetingType.COMMUNITY_ASSESSMENT, Pathway.COMMUNITY))
    assert "my_plan.release_check_in" in community
    assert "my_plan.gate" not in community
    assert agenda(MeetingType.HANDOVER).sections_from is MeetingType.PLANNING_1


def test_final_review_celebrates_and_plans_ongoing_support():
    codes = _item_codes(agenda_for(MeetingType.FINAL_REVIEW, Pathway.COMMUNITY))
    assert {"statutory.termination_oasys", "ending.support_plan", "close.celebrate"} <= codes
    review = _item_codes(agenda_for(MeetingType.REVIEW, Pathway.LONG))
    assert {"progress.my_plan", "progress.pathway_plan"} <= review


def _raw_agendas() -> dict[str, dict]:
    docs = {}
    for path in sorted((FORMS / "agendas").glob("*.toml")):
        with path.open("rb") as fh:
            docs[path.name] = tomllib.load(fh)
    return docs


def test_agenda_validation_catches_mistakes():
    raw = _raw_agendas()
    assert len(raw) == len(MeetingType)
    broken = copy.deepcopy(raw)
    items = broken["review.toml"]["sections"][0]["items"]
    items[1]["code"] = items[0]["code"]
    with pytest.raises(ValidationError, match="repeated item codes"):
        build_agendas(broken)
    broken = copy.deepcopy(raw)
    broken["review.toml"]["sections"][0]["items"][0]["code"] = "elsewhere.introductions"
    with pytest.raises(ValidationError, match="must start with 'start.'"):
        build_agendas(broken)
    broken = copy.deepcopy(raw)
    del broken["final_review.toml"]
    with pytest.raises(ValidationError, match="no agenda for meeting types"):
        build_agendas(broken)
    broken = copy.deepcopy(raw)
    broken["handover.toml"]["sections_from"] = "resettlement"
    with pytest.raises(FormsError, match="itself copies its sections"):
        build_agendas(broken)


def test_agenda_file_must_match_its_name(tmp_path):
    for name in _raw_agendas():
        (tmp_path / name).write_bytes((FORMS / "agendas" / name).read_bytes())
    assert read_agendas(tmp_path).agenda(MeetingType.REVIEW).title
    text = (tmp_path / "review.toml").read_text(encoding="utf-8")
    (tmp_path / "review.toml").write_text(
        text.replace('meeting_type = "review"', 'meeting_type = "final_review"'), encoding="utf-8"
    )
    with pytest.raises(FormsError, match=r"review\.toml: meeting_type is 'final_review'"):
        read_agendas(tmp_path)
    with pytest.raises(FormsError, match="agendas directory is missing"):
        read_agendas(tmp_path / "nowhere")


# --------------------------------------------------------------------------------------------
# Template emails
# --------------------------------------------------------------------------------------------

VALUES = {
    "person_name": "Sam Example",
    "person_first_name": "Sam",
    "recipient_name": "Jo Advisor",
    "sender_name": "Alex Officer",
    "sender_role": "Prison Offender Manager",
    "prison": "HMP Somewhere",
    "cc_name": "Pat Advisor",
    "cc_role": "Personal Advisor",
    "first_sent_on": "3 March 2025",
    "first_email": "On 3 March 2025, Alex Officer wrote:\n> Dear Jo Advisor,",
    "expectations": "expectations within prison",
    "planning_for": "their resettlement",
}


def test_three_template_emails_with_roles():
    emails = load_email_templates()
    assert {e.code for e in emails.emails} == set(EmailTemplate)
    intro = email_template(EmailTemplate.INTRODUCTION)
    assert intro.from_roles == (Role.POM,) and intro.to_roles == (Role.PA,)
    assert intro.follow_up is EmailTemplate.PROFESSIONAL_CHALLENGE
    first = email_template(EmailTemplate.PP_FIRST_CONTACT)
    assert set(first.from_roles) == {Role.POM, Role.PA} and first.to_roles == (Role.PP,)
    for email in emails.emails:
        assert email.placeholders() <= set(EMAIL_PLACEHOLDERS)


def test_emails_follow_the_seed_wording():
    intro = email_template(EmailTemplate.INTRODUCTION).body
    assert "who I understand is on your caseload" in intro
    assert "We are offering additional support to all the care leavers in our prison" in intro
    challenge = email_template(EmailTemplate.PROFESSIONAL_CHALLENGE).body
    assert "I am still waiting for a response from you" in challenge
    assert "As stated in HMPPS's Care Experience Matters guidance document" in challenge
    first = email_template(EmailTemplate.PP_FIRST_CONTACT).body
    assert "to both hand over the case to you" in first
    assert "appointed Probation Practitioner" in first


def test_render_email_fills_every_placeholder():
    for code in EmailTemplate:
        subject, body = render_email(email_template(code), VALUES)
        assert "{" not in subject + body and "}" not in subject + body
        assert "Sam Example" in subject
        assert body.startswith("Dear Jo Advisor,")
        assert (
            body.rstrip().endswith(VALUES["sender_role"])
            or "HMP Somewhere" in body
            or "> Dear Jo Advisor," in body
        )
    _, body = render_email(email_template(EmailTemplate.PROFESSIONAL_CHALLENGE), VALUES)
    assert "sent on 3 March 2025" in body


def test_no_template_email_leaves_a_choice_for_the_sender_to_make():
    # The manual's "prison/licence conditions" and "sentence/resettlement" are chosen by the
    # app from the record: no template keeps a slash choice or an unfilled gap.
    for code in EmailTemplate:
        _, body = render_email(email_template(code), VALUES)
        assert not re.search(r"\b\w+/\w+\b", body), code
        assert "prison/licence" not in body and "sentence/resettlement" not in body
    _, body = render_email(email_template(EmailTemplate.PROFESSIONAL_CHALLENGE), VALUES)
    assert body.rstrip().endswith("> Dear Jo Advisor,")


def test_render_email_names_missing_values():
    values = dict(VALUES, recipient_name="  ")
    del values["sender_name"]
    with pytest.raises(MissingEmailValuesError) as err:
        render_email(email_template(EmailTemplate.INTRODUCTION), values)
    assert err.value.names == ["recipient_name", "sender_name"]
    assert "'introduction' email needs a value for: recipient_name, sender_name" in str(err.value)
    assert isinstance(err.value, FormsError)


def test_render_email_inserts_values_literally():
    values = dict(VALUES, person_first_name="{crn}")
    _, body = render_email(email_template(EmailTemplate.INTRODUCTION), values)
    assert "I have spoken with {crn} and" in body


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Dear {recipient_nmae}", "unknown placeholders ['recipient_nmae']"),
        ("Dear {recipient_name!r}", "must be a plain name"),
        ("Dear {person.name}", "must be a plain name"),
        ("Dear {recipient_name", "bad braces"),
    ],
)
def test_email_placeholders_are_checked(body, message):
    with (FORMS / "emails.toml").open("rb") as fh:
        raw = tomllib.load(fh)
    raw["emails"][0]["body"] = body
    with pytest.raises(ValidationError, match=re.escape(message)):
        build_email_templates(raw)


def test_email_file_errors_name_the_file(tmp_path):
    path = tmp_path / "emails.toml"
    path.write_text("[[emails]]\ncode = 'introduction'\n", encoding="utf-8")
    with pytest.raises(FormsError, match=r"emails\.toml: \d+ problems"):
        read_email_templates(path)


def test_forms_loader_reexports_forms_error():
    assert forms_loader.FormsError is FormsError
