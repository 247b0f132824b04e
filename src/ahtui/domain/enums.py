"""The closed vocabularies of the domain: pathways, roles, agencies, meeting types and the like.

Values are the stable codes stored in the database and carried in sync bundles; never rename a
value, only add. `label()` gives the wording we show on screen.
"""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    """A StrEnum whose members carry on-screen wording."""

    def label(self) -> str:
        return _LABELS.get(self, self.value.replace("_", " ").capitalize())

    @classmethod
    def label_of(cls, code: str | None) -> str:
        """The wording for a stored code: empty for none, and a code this program does not
        know (written by a newer one) shown as it is."""
        if not code:
            return ""
        try:
            return cls(code).label()
        except ValueError:
            return code


class Agency(_Labelled):
    """The kind of organisation a site (or a practitioner) belongs to."""

    PRISON = "prison"
    PROBATION = "probation"
    LOCAL_AUTHORITY = "local_authority"
    CES = "ces"
    HUB = "hub"


class ConsentAgency(_Labelled):
    """Who a person may consent to share information with."""

    PRISON = "prison"
    PROBATION = "probation"
    LOCAL_AUTHORITY = "local_authority"
    CES = "ces"
    OTHER = "other"


class Pathway(_Labelled):
    """The four custody pathways of the Connections guide, plus life in the community."""

    LONG = "long"
    SHORT = "short"
    RECALL = "recall"
    REMAND = "remand"
    COMMUNITY = "community"


class Role(_Labelled):
    """A practitioner's role in the team around a person."""

    POM = "pom"
    PP = "pp"
    PA = "pa"
    CES = "ces"
    RECALL_OFFICER = "recall_officer"
    NETWORK_COORDINATOR = "network_coordinator"
    KEY_WORKER = "key_worker"
    WING_STAFF = "wing_staff"
    SOLICITOR = "solicitor"
    PRE_RELEASE_TEAM = "pre_release_team"
    CHANGING_LIVES_WORKER = "changing_lives_worker"
    OTHER = "other"


class UserRole(_Labelled):
    """What a user account may do at its site."""

    ADMIN = "admin"
    PRACTITIONER = "practitioner"
    READONLY = "readonly"


class SentenceType(_Labelled):
    """How the person is held; drives review frequency (life sentences every 3 years)."""

    DETERMINATE = "determinate"
    EXTENDED = "extended"
    LIFE = "life"
    IPP = "ipp"
    REMAND = "remand"
    COMMUNITY_ORDER = "community_order"


class RecallType(_Labelled):
    STANDARD = "standard"
    FIXED_TERM = "fixed_term"


class MeetingType(_Labelled):
    PLANNING_1 = "planning_1"
    PLANNING_2 = "planning_2"
    HANDOVER = "handover"
    RESETTLEMENT = "resettlement"
    COMMUNITY_PLANNING = "community_planning"
    COMMUNITY_ASSESSMENT = "community_assessment"
    REVIEW = "review"
    FINAL_REVIEW = "final_review"


class MeetingMode(_Labelled):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


class MeetingStatus(_Labelled):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class ConsentEvent(_Labelled):
    """One step in the life of a consent to share with one agency."""

    OFFERED = "offered"
    GIVEN = "given"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class ConsentMethod(_Labelled):
    WRITTEN = "written"
    VERBAL = "verbal"
    ELECTRONIC = "electronic"


class IdentificationMethod(_Labelled):
    SELF_DISCLOSURE = "self_disclosure"
    PA_LEARNED = "pa_learned"
    RECORDS_CHECK = "records_check"
    OASYS = "oasys"
    KEY_WORKER = "key_worker"
    OTHER = "other"


class CareLeaverStatus(_Labelled):
    """Leaving-care status under the Children (Leaving Care) Act categories."""

    ELIGIBLE = "eligible"
    RELEVANT = "relevant"
    FORMER_RELEVANT = "former_relevant"
    QUALIFYING = "qualifying"
    UNKNOWN = "unknown"


class ContactType(_Labelled):
    """What kind of contact a case note records. Some count towards timescales."""

    PA_VISIT = "pa_visit"
    POM_SUPERVISION = "pom_supervision"
    PROBATION_APPOINTMENT = "probation_appointment"
    PHONE = "phone"
    VIDEO = "video"
    EMAIL = "email"
    LETTER = "letter"
    MEETING = "meeting"
    OTHER = "other"


class NoteKind(_Labelled):
    FACT = "fact"
    OPINION = "opinion"


class MilestoneKind(_Labelled):
    """Statutory plans and checks recorded as done on a date."""

    PATHWAY_PLAN_REVIEW = "pathway_plan_review"
    PRE_RELEASE_SENTENCE_PLAN = "pre_release_sentence_plan"
    INITIAL_SENTENCE_PLAN = "initial_sentence_plan"
    RISK_MANAGEMENT_PLAN = "risk_management_plan"
    PLANS_UPDATED_AFTER_RELEASE = "plans_updated_after_release"
    START_CUSTODY_OASYS = "start_custody_oasys"
    START_SENTENCE_OASYS = "start_sentence_oasys"
    TERMINATION_OASYS = "termination_oasys"


class NetworkOffer(_Labelled):
    LIFELONG_LINKS = "lifelong_links"
    FAMILY_GROUP_CONFERENCE = "family_group_conference"
    OTHER = "other"


class EmailTemplate(_Labelled):
    INTRODUCTION = "introduction"
    PROFESSIONAL_CHALLENGE = "professional_challenge"
    PP_FIRST_CONTACT = "pp_first_contact"


class ParoleOutcome(_Labelled):
    """The outcome of the last parole hearing (Manage POM Cases reads it for indeterminate
    sentences)."""

    def label(self) -> str:
        return _OWN_LABELS["ParoleOutcome"][self.value]

    RELEASE = "release"
    NOT_RELEASE = "not_release"
    OPEN_CONDITIONS = "open_conditions"


class Responsibility(_Labelled):
    """Who is responsible for the case under OMiC, as Manage POM Cases says it."""

    def label(self) -> str:
        return _OWN_LABELS["Responsibility"][self.value]

    POM = "pom"
    POM_PP_SUPPORTING = "pom_pp_supporting"
    PP = "pp"
    CES = "ces"


class DueStatus(_Labelled):
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"


_LABELS: dict[StrEnum, str] = {
    Agency.LOCAL_AUTHORITY: "Local authority",
    Agency.CES: "Care Experience Specialist",
    Agency.HUB: "Supervisors' hub",
    ConsentAgency.LOCAL_AUTHORITY: "Local authority",
    ConsentAgency.CES: "Care Experience Specialist",
    Pathway.LONG: "Long sentence",
    Pathway.SHORT: "Short sentence",
    Role.POM: "Prison Offender Manager",
    Role.PP: "Probation Practitioner",
    Role.PA: "Personal Advisor",
    Role.CES: "Care Experience Specialist",
    Role.NETWORK_COORDINATOR: "Network coordinator",
    SentenceType.IPP: "IPP",
    MeetingType.PLANNING_1: "Planning Meeting 1",
    MeetingType.PLANNING_2: "Planning Meeting 2",
    MeetingType.HANDOVER: "Handover planning meeting",
    MeetingType.RESETTLEMENT: "Resettlement meeting",
    MeetingType.FINAL_REVIEW: "Final review",
    MeetingType.COMMUNITY_PLANNING: "Community planning meeting",
    MeetingType.COMMUNITY_ASSESSMENT: "Community assessment",
    IdentificationMethod.PA_LEARNED: "Personal Advisor learned of custody",
    IdentificationMethod.OASYS: "During an OASys assessment",
    ContactType.PA_VISIT: "Personal Advisor visit",
    ContactType.POM_SUPERVISION: "POM supervision session",
    MilestoneKind.RISK_MANAGEMENT_PLAN: "Risk management plan",
    NetworkOffer.FAMILY_GROUP_CONFERENCE: "Family Group Conference",
    NetworkOffer.LIFELONG_LINKS: "Lifelong Links",
    EmailTemplate.PP_FIRST_CONTACT: "First contact with the Probation Practitioner",
    DueStatus.NOT_APPLICABLE: "Not applicable",
}
# Kept apart from _LABELS: members of different enums with the same code ("pom") are equal
# keys there, so one's wording would replace the other's.
_OWN_LABELS: dict[str, dict[str, str]] = {
    "ParoleOutcome": {
        "not_release": "Not released",
        "release": "Released",
        "open_conditions": "Moved to open conditions",
    },
    "Responsibility": {
        "pom": "Prison Offender Manager responsible",
        "pom_pp_supporting": "Prison Offender Manager responsible, Probation Practitioner supporting",
        "pp": "Probation Practitioner responsible",
        "ces": "Care Experience Specialist leads (remand)",
    },
}
