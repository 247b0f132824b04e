"""A modal form: labelled fields in one column, inline plain messages, save or cancel.

Every data-entry screen uses it. Fields are data (`Field`), so a form is a list, not a class.
On ctrl+s every check runs at once: required fields, the format of each date, and the form's
own `check` (the service's validation, with nothing written) when it has one; only when all
pass does `on_submit` get the values and call the services. When anything fails, the messages
appear beside the fields, a summary line stays in view at the bottom of the form, the first
field in question is focused and scrolled into view, and the form stays open with everything
typed. A message about a missing or malformed value goes as soon as the field is put right.

Escape with unsaved input asks first, in a modal question (`QuestionScreen`, also used by the
app before quitting or locking over unsaved input), so nothing is lost by a stray key and no
warning is drawn where it cannot be seen. The focused field is marked with ▶ and its label in
reverse video, so it shows without colour. Each field fits one line at 80 columns; a message
takes the line below.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Select, Static, TextArea

from .. import keymap
from ..errors import AhtuiError, ValidationFailed
from .shown import Shown, plain

REQUIRED = "This is required."
_MARK = "▶"


@dataclass
class Field:
    """One field: `kind` is text, date, time (HH:MM), select, yesno or area (several lines)."""

    name: str
    label: str
    kind: str = "text"
    value: Any = None
    options: Sequence[tuple[str, Any]] = field(default_factory=tuple)
    placeholder: str = ""
    required: bool = False


def _initial(f: Field) -> Any:
    if f.kind == "yesno":
        return bool(f.value)
    if f.kind == "select":
        return f.value
    return "" if f.value is None else str(f.value)


def date_problem(value: Any) -> str | None:
    """What is wrong with a typed date (YYYY-MM-DD, a real day; a time after it where a field
    takes one), or None when it is fine."""
    if value is None or value == "":
        return None
    text = str(value)
    try:
        date.fromisoformat(text)
    except ValueError:
        try:
            datetime.fromisoformat(text)
        except ValueError:
            if len(text) > 10:
                return f"{text} is not a real date and time."
            return f"{text} is not a real date; write it as YYYY-MM-DD."
    return None


def time_problem(value: Any) -> str | None:
    """What is wrong with a typed time of day (HH:MM, 24-hour), or None when it is fine."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    hours, colon, minutes = text.partition(":")
    if (
        colon
        and hours.isdigit()
        and minutes.isdigit()
        and len(minutes) == 2
        and len(hours) <= 2
        and int(hours) < 24
        and int(minutes) < 60
    ):
        return None
    return f"{text} is not a time of day; write it as HH:MM, e.g. 14:30."


def field_problems(fields: Sequence[Field], values: dict[str, Any]) -> dict[str, str]:
    """The problems the form finds by itself: a required field left empty, a date not real."""
    problems: dict[str, str] = {}
    for f in fields:
        value = values.get(f.name)
        if f.required and (value is None or value == ""):
            problems[f.name] = REQUIRED
        elif f.kind == "date" and (bad := date_problem(value)):
            problems[f.name] = bad
        elif f.kind == "time" and (bad := time_problem(value)):
            problems[f.name] = bad
    return problems


def _stand_in(f: Field) -> Any:
    """A value that passes the form's own checks for `f`, to check the other fields with."""
    if not f.required:
        return None
    if f.kind == "select":
        return f.options[0][1] if f.options else None
    if f.kind == "yesno":
        return False
    if f.kind == "date":
        return date.today().isoformat()
    if f.kind == "time":
        return "12:00"
    return "-"


class _Choice(Select[Any], inherit_bindings=False):
    """A drop-down whose Enter moves on to the next field, as Enter does in every field."""

    BINDINGS = keymap.bindings("form.choice")

    def action_next_field(self) -> None:
        self.screen.focus_next()


class QuestionScreen(ModalScreen[str]):
    """A short question with a few answers; Esc gives the first, which changes nothing.

    `answers` are (result, label, key): each a button, and its key answers at once.
    """

    KEY_SCOPES = ("question",)
    BINDINGS = keymap.bindings("question")
    HELP_TITLE = "Question"

    def __init__(self, title: str, text: str, answers: Sequence[tuple[str, str, str]]) -> None:
        super().__init__()
        self.question_title = title
        self.text = text
        self.answers = list(answers)

    def compose(self) -> ComposeResult:
        with Vertical(id="question-box") as box:
            box.border_title = self.question_title
            yield Shown(self.text, id="question-text")
            with Horizontal(id="question-answers"):
                for result, label, key in self.answers:
                    shown = "Esc" if key == "escape" else key
                    yield Button(f"{label} ({shown})", id=f"answer-{result}", compact=True)

    def on_mount(self) -> None:
        # The answer that changes nothing has the focus, so a stray Enter loses nothing.
        self.query_one(Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(str(event.button.id).removeprefix("answer-"))

    def on_key(self, event: events.Key) -> None:
        for result, _label, key in self.answers:
            if event.key == key and key != "escape":
                event.stop()
                self.dismiss(result)
                return

    def action_keep(self) -> None:
        self.dismiss(self.answers[0][0])

    def action_previous_answer(self) -> None:
        self.focus_previous()

    def action_next_answer(self) -> None:
        self.focus_next()


class FormScreen(ModalScreen[Any]):
    """A titled form; dismisses with whatever `on_submit` returned, or None when cancelled.

    `check`, when given, returns the problems `on_submit` would raise for these values without
    writing anything, so they are shown with the form's own on the first ctrl+s.
    """

    KEY_SCOPES = ("form", "form.choice")
    BINDINGS = keymap.bindings("form")
    HELP_TITLE = "Form"

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        on_submit: Callable[[dict[str, Any]], Any],
        *,
        intro: str = "",
        check: Callable[[dict[str, Any]], dict[str, str]] | None = None,
    ) -> None:
        super().__init__()
        self.form_title = title
        self.fields = list(fields)
        self._on_submit = on_submit
        self._check = check
        self._intro = intro
        # The messages shown now, by field, and the general line, kept to redraw the summary.
        self.problems: dict[str, str] = {}
        self._general = ""
        # The fields whose message the form found itself (a missing or malformed value).
        self._own: set[str] = set()

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form-box") as box:
            box.border_title = plain(self.form_title)
            box.border_subtitle = "ctrl+s saves · Esc cancels"
            # Docked, so it stays in view however far the form is scrolled.
            yield Shown("", id="form-status", classes="form-summary")
            if self._intro:
                yield Shown(self._intro, classes="form-intro")
            for f in self.fields:
                with Vertical(id=f"box-{f.name}", classes="form-field"):
                    with Horizontal(classes="form-row"):
                        yield Shown(" ", classes="form-mark")
                        label = f"{f.label}{' *' if f.required else ''}"
                        yield Label(label, classes="form-label", markup=False)
                        yield self._widget(f)
                    yield Shown("", id=f"error-{f.name}", classes="form-error")
        yield Footer(compact=True)

    def _widget(self, f: Field) -> Widget:
        wid = f"field-{f.name}"
        if f.kind == "select":
            known = any(v == f.value for _, v in f.options)
            value = f.value if known else Select.NULL
            # A required choice that starts answered keeps no blank entry: arrowing past the
            # last option must not land on "Choose" and turn a good answer into an error.
            return _Choice(
                [(plain(label), v) for label, v in f.options],
                value=value,
                id=wid,
                compact=True,
                prompt=f.placeholder or "Choose",
                allow_blank=not (f.required and known),
            )
        if f.kind == "yesno":
            return _Choice(
                [("No", False), ("Yes", True)],
                value=bool(f.value),
                allow_blank=False,
                id=wid,
                compact=True,
            )
        if f.kind == "area":
            return TextArea(_initial(f), id=wid, compact=True, classes="form-area")
        placeholder = f.placeholder or ("YYYY-MM-DD" if f.kind == "date" else "")
        # Typing into a filled field adds to what is there: nothing is replaced unseen.
        return Input(
            _initial(f), id=wid, compact=True, placeholder=placeholder, select_on_focus=False
        )

    def on_mount(self) -> None:
        self._start = self.values()
        first = self.query(".form-row > Input, .form-row > Select, .form-row > TextArea")
        if first:
            self.set_focus(first.first())

    # -- values --------------------------------------------------------------------------
    def _value_of(self, w: Widget) -> Any:
        if isinstance(w, Select):
            return None if w.value is Select.NULL else w.value
        if isinstance(w, TextArea):
            return w.text.strip() or None
        assert isinstance(w, Input)
        return w.value.strip() or None

    def values(self) -> dict[str, Any]:
        return {f.name: self._value_of(self.query_one(f"#field-{f.name}")) for f in self.fields}

    def set_value(self, name: str, value: Any) -> None:
        w = self.query_one(f"#field-{name}")
        if isinstance(w, TextArea):
            w.text = value or ""
        elif isinstance(w, Select):
            w.value = value
        elif isinstance(w, Input):
            w.value = "" if value is None else str(value)
            w.cursor_position = len(w.value)

    @property
    def dirty(self) -> bool:
        return self.values() != getattr(self, "_start", None)

    # -- messages ------------------------------------------------------------------------
    def show_problems(self, problems: dict[str, str], general: str = "") -> None:
        """Show each field's message, the summary line, and go to the first field in question."""
        self.problems = {f.name: problems[f.name] for f in self.fields if problems.get(f.name)}
        self._own = set()
        names = {f.name for f in self.fields}
        other = [msg for name, msg in problems.items() if name not in names and msg]
        self._general = " ".join([general, *other]).strip()
        for f in self.fields:
            self._show_error(f.name)
        self._show_summary()
        first = next((f for f in self.fields if f.name in self.problems), None)
        if first is not None:
            widget = self.query_one(f"#field-{first.name}")
            self.set_focus(widget, scroll_visible=False)
            # After the messages are laid out, so the field's message line is in view too.
            block = self.query_one(f"#box-{first.name}")
            self.call_after_refresh(
                self.query_one("#form-box", VerticalScroll).scroll_to_widget,
                block,
                animate=False,
            )

    def _show_error(self, name: str) -> None:
        msg = self.problems.get(name, "")
        box = self.query_one(f"#error-{name}", Static)
        # Indented by the CSS, so a message of two lines keeps its second under the first.
        box.update(f"↳ {msg}" if msg else "")
        box.display = bool(msg)

    def _show_summary(self) -> None:
        labels = [f.label for f in self.fields if f.name in self.problems]
        parts = []
        if labels:
            count = "1 field" if len(labels) == 1 else f"{len(labels)} fields"
            parts.append(f"Not saved. Check {count}: {', '.join(labels)}.")
        if self._general:
            parts.append(self._general)
        status = " ".join(parts)
        box = self.query_one("#form-status", Static)
        box.update(status)
        box.display = bool(status)

    def _field_changed(self, widget: Widget | None) -> None:
        # A message about a missing or malformed value goes once the value is put right; one
        # from the service stays until the next ctrl+s checks again.
        if widget is None or not widget.id or not widget.id.startswith("field-"):
            return
        name = widget.id.removeprefix("field-")
        shown = self.problems.get(name)
        f = next((f for f in self.fields if f.name == name), None)
        if f is None or shown is None:
            return
        local = field_problems([f], {name: self._value_of(widget)}).get(name)
        if local is None and (shown == REQUIRED or name in self._own):
            del self.problems[name]
            self._show_error(name)
            self._show_summary()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._field_changed(event.input)

    def on_select_changed(self, event: Select.Changed) -> None:
        self._field_changed(event.select)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._field_changed(event.text_area)

    # -- focus ---------------------------------------------------------------------------
    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget: Widget | None = event.widget
        while widget is not None and not widget.has_class("form-field"):
            parent = widget.parent
            widget = parent if isinstance(parent, Widget) else None
        if widget is None:
            return
        for box in self.query(".form-field"):
            here = box is widget
            box.query_one(".form-mark", Static).update(_MARK if here else " ")
            box.query_one(".form-label", Label).set_class(here, "-focused")
        # Arriving in a filled field puts the cursor after what is there.
        field_widget = event.widget
        if isinstance(field_widget, Input):
            field_widget.cursor_position = len(field_widget.value)
        elif isinstance(field_widget, TextArea):
            field_widget.move_cursor(field_widget.document.end)

    # -- keys ----------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter moves on, as on paper; ctrl+s saves from anywhere.
        event.stop()
        self.focus_next()

    def problems_for(self, values: dict[str, Any]) -> dict[str, str]:
        """Every problem with `values` found without saving: the form's own, then `check`'s."""
        problems = field_problems(self.fields, values)
        if self._check is None:
            return problems
        for name, msg in self._check(values).items():
            problems.setdefault(name, msg)
        if problems:
            # A model stops at a missing or malformed field before its rules over the rest (a
            # CRN's pattern, one date before another), so it is asked again with those fields
            # stood in for; what it then says about the other fields is shown too.
            stood = {f.name: _stand_in(f) for f in self.fields if f.name in problems}
            for name, msg in self._check({**values, **stood}).items():
                if name not in stood:
                    problems.setdefault(name, msg)
        return problems

    def action_save(self) -> None:
        values = self.values()
        problems = self.problems_for(values)
        if problems:
            self.show_problems(problems)
            self._own = set(field_problems(self.fields, values))
            return
        try:
            result = self._on_submit(values)
        except ValidationFailed as exc:
            self.show_problems(exc.problems, "Nothing was saved: see the messages.")
            return
        except AhtuiError as exc:
            self.show_problems({}, f"Nothing was saved: {exc.message}")
            return
        self.dismiss(True if result is None else result)

    def action_cancel(self) -> None:
        if not self.dirty:
            self.dismiss(None)
            return

        def answered(answer: str | None) -> None:
            if answer == "discard":
                self.dismiss(None)

        self.app.push_screen(
            QuestionScreen(
                "Unsaved input",
                "You have typed into this form and not saved it.\nDiscard what you typed?",
                [("keep", "Keep editing", "escape"), ("discard", "Discard", "d")],
            ),
            answered,
        )
