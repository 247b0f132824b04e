"""Cases worked by hand from DOMAIN.md, the seeds (the Connections guide, the Always Hope
manual, National Standards 2021) and OMiC as Manage POM Cases computes it, run through
`ahtui rules` as a practitioner would: facts in a JSON file, a day, the JSON printed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ahtui.cli.parser import main
from ahtui.cli.rules import facts_schema

SCHEMA = Path(__file__).resolve().parents[1] / "schema" / "case_facts.schema.json"


def run(tmp_path: Path, capsys: Any, facts: dict[str, Any], today: str) -> dict[str, Any]:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts), encoding="utf-8")
    capsys.readouterr()
    assert main(["rules", "--facts", str(path), "--today", today, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def items(out: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["key"]: i for i in out["items"]}


def test_long_sentence(tmp_path: Path, capsys: Any) -> None:
    # Connections guide: Meeting 1 "within 10 weeks of sentencing": 5 Jan + 70 days = 16 Mar.
    # OMiC: CRD 1 Dec 2027 less 8 months (1 Apr) less 14 days = 18 Mar 2027.
    # Review "10 months before release": 1 Feb 2027.
    out = run(
        tmp_path,
        capsys,
        {"pathway": "long", "sentence_type": "determinate", "sentence_date": "2026-01-05",
         "conditional_release_date": "2027-12-01"},
        "2026-12-03",
    )  # fmt: skip
    assert out["responsibility"] == "pom" and out["lead"] == "pom"
    assert out["handover_date"] == out["handover_start_date"] == "2027-03-18"
    got = items(out)
    assert got["meeting1"]["due_on"] == "2026-03-16" and got["meeting1"]["status"] == "overdue"
    assert got["handover"]["due_on"] == "2027-03-18"
    assert got["handover_reminder"]["due_on"] == "2027-01-21"  # 8 weeks before
    assert got["review_before_release"]["due_on"] == "2027-02-01"
    assert set(out["items"][0]) == {
        "key", "title", "rule", "source", "due_on", "window_opens_on", "status", "explanation"
    }  # fmt: skip


def test_long_sentence_after_the_handover(tmp_path: Path, capsys: Any) -> None:
    facts = {
        "pathway": "long",
        "sentence_date": "2026-01-05",
        "conditional_release_date": "2027-12-01",
    }
    assert run(tmp_path, capsys, facts, "2027-03-17")["lead"] == "pom"
    after = run(tmp_path, capsys, facts, "2027-03-18")
    assert after["responsibility"] == "pp" and after["lead"] == "pp"
    # No Probation Practitioner allocated on the handover day: raised, overdue after 14 days.
    assert items(after)["handover_no_pp"]["due_on"] == "2027-04-01"


def test_short_sentence(tmp_path: Path, capsys: Any) -> None:
    # "10 months or less": PP allocated immediately, no handover; a review "at least once".
    out = run(
        tmp_path,
        capsys,
        {
            "pathway": "short",
            "sentence_date": "2026-01-05",
            "conditional_release_date": "2026-06-05",
        },
        "2026-02-01",
    )
    assert out["responsibility"] == "pp" and out["handover_date"] is None
    got = items(out)
    assert got["meeting1"]["due_on"] == "2026-03-16"
    assert got["review"]["due_on"] == "2026-06-05"
    assert "handover" not in got


def test_standard_recall(tmp_path: Path, capsys: Any) -> None:
    # NS 10.2: risk management plan within 10 working days of 1 Jun 2026 (Mon) = 15 Jun.
    # The recall review is owed with no release date known: owed, undated.
    out = run(
        tmp_path,
        capsys,
        {"pathway": "recall", "recall_date": "2026-06-01", "recall_type": "standard"},
        "2026-06-02",
    )
    assert out["responsibility"] == "pp" and out["handover_date"] is None
    got = items(out)
    assert got["risk_management_plan"]["due_on"] == "2026-06-15"
    assert got["meeting1"]["due_on"] == "2026-06-15"
    assert got["review"]["due_on"] is None and got["review"]["status"] == "due"


def test_release_on_licence_before_easter(tmp_path: Path, capsys: Any) -> None:
    # NS 3.3: first appointment within 1 working day of release on Thu 25 Mar 2027: Good
    # Friday, the weekend and Easter Monday skipped, Tue 30 Mar. Always Hope manual: plans
    # updated 15 days after release; a Final Review 1 month before each end of support.
    out = run(
        tmp_path,
        capsys,
        {"pathway": "community", "release_date": "2027-03-25", "licence_end_date": "2028-06-01",
         "date_of_birth": "2003-03-15"},
        "2027-03-25",
    )  # fmt: skip
    assert out["lead"] == "pp"
    got = items(out)
    assert got["first_appointment"]["due_on"] == "2027-03-30"
    assert got["plans_updated_after_release"]["due_on"] == "2027-04-09"
    assert got["final_review:pa"]["due_on"] == "2028-02-15"
    assert got["final_review:licence"]["due_on"] == "2028-05-01"


def test_community_order(tmp_path: Path, capsys: Any) -> None:
    # NS 3.3: within five working days of sentence on Mon 5 Jan 2026: Mon 12 Jan.
    out = run(
        tmp_path,
        capsys,
        {"pathway": "community", "sentence_type": "community_order", "sentence_date": "2026-01-05"},
        "2026-01-05",
    )
    assert items(out)["first_appointment"]["due_on"] == "2026-01-12"


def test_remand_is_led_by_the_care_experience_specialist(tmp_path: Path, capsys: Any) -> None:
    out = run(tmp_path, capsys, {"pathway": "remand", "remand_date": "2026-10-01"}, "2026-12-03")
    assert out["responsibility"] == "ces" and out["lead"] == "ces"


def test_life_sentence_in_open_conditions(tmp_path: Path, capsys: Any) -> None:
    out = run(
        tmp_path,
        capsys,
        {"pathway": "long", "sentence_type": "life", "sentence_date": "2016-01-05",
         "tariff_expiry_date": "2030-06-01", "open_conditions_since": "2028-01-15"},
        "2028-02-01",
    )  # fmt: skip
    assert out["handover_date"] == "2029-06-01" and out["handover_start_date"] == "2028-01-15"
    assert out["responsibility"] == "pom_pp_supporting" and out["lead"] == "pom"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        pytest.param('{"pathway": "long", "recall_date": "2027-03-03", "licence_end_date": "2027-02-01"}', "03 Mar 2027", id="recall-after-licence"),
        pytest.param('{"pathway": "long", "sentence_date": "2026-05-01", "release_date": "2026-04-01"}', "01 May 2026", id="release-before-sentence"),
        pytest.param('{"pathway": "long", "mappa_level": 7}', "mappa_level", id="mappa-out-of-range"),
        pytest.param('{"pathway": "long",', "not valid JSON", id="not-json"),
        pytest.param('{"pathway": "sideways"}', "pathway", id="unknown-pathway"),
    ],
)  # fmt: skip
def test_bad_facts_exit_2_with_one_plain_line(
    tmp_path: Path, capsys: Any, content: str, words: str
) -> None:
    path = tmp_path / "facts.json"
    path.write_text(content, encoding="utf-8")
    assert main(["rules", "--facts", str(path), "--today", "2026-12-03"]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1


def test_bad_today_exits_2(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "facts.json"
    path.write_text('{"pathway": "long"}', encoding="utf-8")
    assert main(["rules", "--facts", str(path), "--today", "tomorrow"]) == 2


def test_readable_list_says_the_same(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "facts.json"
    path.write_text(
        '{"pathway": "long", "sentence_date": "2026-01-05", "conditional_release_date": "2027-12-01"}',
        encoding="utf-8",
    )
    assert main(["rules", "--facts", str(path), "--today", "2026-12-03"]) == 0
    out = capsys.readouterr().out
    assert "Handover to probation: 18 Mar 2027." in out
    assert "_" not in out


def test_the_shipped_schema_is_the_models(capsys: Any) -> None:
    assert main(["rules", "--schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == facts_schema() == json.loads(SCHEMA.read_text(encoding="utf-8"))
    for name in ("parole_eligibility_date", "automatic_release_date", "tariff_expiry_date",
                 "target_hearing_date", "early_allocation", "open_conditions_since",
                 "mappa_level", "parole_outcome", "immigration_case"):  # fmt: skip
        assert name in printed["properties"]
