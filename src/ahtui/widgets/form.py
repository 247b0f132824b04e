"""A modal form: labelled fields in one column, inline plain messages, save or cancel.

Every data-entry screen uses it. Fields are data (`Field`), so a form is a list, not a class.
`on_submit` gets the values and calls the services; when they raise `ValidationFailed`, its
per-field messages appear beside the fields and the form stays open with everything typed.
Escape with unsaved input asks first (press Escape again to discard), so nothing is lost by
a stray key. Each field fits one line at 80 columns; a message takes the line below.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Select, Static, TextArea

from .. import keymap
from ..errors import AhtuiError, ValidationFailed
from .shown import Shown, plain


@dataclass
class Field:
    """One field: `kind` is text, date, select, yesno or area (several lines)."""

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


class FormScreen(ModalScreen[Any]):
    """A titled form; dismisses with whatever `on_submit` returned, or None when cancelled."""

    KEY_SCOPES = ("form",)
    BINDINGS = keymap.bindings("form")
    HELP_TITLE = "Form"

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        on_submit: Callable[[dict[str, Any]], Any],
        *,
        intro: str = "",
    ) -> None:
        super().__init__()
        self.form_title = title
        self.fields = list(fields)
        self._on_submit = on_submit
        self._intro = intro
        self._asked_to_discard = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form-box") as box:
            box.border_title = plain(self.form_title)
            box.border_subtitle = "ctrl+s saves · Esc cancels"
            if self._intro:
                yield Shown(self._intro, classes="form-intro")
            for f in self.fields:
                with Horizontal(classes="form-row"):
                    label = f"{f.label}{' *' if f.required else ''}"
                    yield Label(label, classes="form-label", markup=False)
                    yield self._widget(f)
                yield Shown("", id=f"error-{f.name}", classes="form-error")
            yield Shown("", id="form-status", classes="form-error")
        yield Footer(compact=True)

    def _widget(self, f: Field):
        wid = f"field-{f.name}"
        if f.kind == "select":
            known = any(v == f.value for _, v in f.options)
            value = f.value if known else Select.NULL
            # A required choice that starts answered keeps no blank entry: arrowing past the
            # last option must not land on "Choose" and turn a good answer into an error.
            return Select(
                [(plain(label), v) for label, v in f.options],
                value=value,
                id=wid,
                compact=True,
                prompt=f.placeholder or "Choose",
                allow_blank=not (f.required and known),
            )
        if f.kind == "yesno":
            return Select(
                [("No", False), ("Yes", True)],
                value=bool(f.value),
                allow_blank=False,
                id=wid,
                compact=True,
            )
        if f.kind == "area":
            return TextArea(_initial(f), id=wid, compact=True, classes="form-area")
        placeholder = f.placeholder or ("YYYY-MM-DD" if f.kind == "date" else "")
        return Input(_initial(f), id=wid, compact=True, placeholder=placeholder)

    def on_mount(self) -> None:
        self._start = self.values()
        first = self.query(".form-row > Input, .form-row > Select, .form-row > TextArea")
        if first:
            self.set_focus(first.first())

    # -- values --------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            w = self.query_one(f"#field-{f.name}")
            if isinstance(w, Select):
                v = w.value
                out[f.name] = None if v is Select.NULL else v
            elif isinstance(w, TextArea):
                out[f.name] = w.text.strip() or None
            else:
                out[f.name] = w.value.strip() or None
        return out

    def set_value(self, name: str, value: Any) -> None:
        w = self.query_one(f"#field-{name}")
        if isinstance(w, TextArea):
            w.text = value or ""
        elif isinstance(w, Select):
            w.value = value
        else:
            w.value = "" if value is None else str(value)

    @property
    def dirty(self) -> bool:
        return self.values() != getattr(self, "_start", None)

    # -- messages ------------------------------------------------------------------------
    def show_problems(self, problems: dict[str, str], general: str = "") -> None:
        names = {f.name for f in self.fields}
        other = [msg for name, msg in problems.items() if name not in names]
        for f in self.fields:
            msg = problems.get(f.name, "")
            box = self.query_one(f"#error-{f.name}", Static)
            box.update(f"  ↳ {msg}" if msg else "")
            box.display = bool(msg)
        status = " ".join([general, *other]).strip()
        box = self.query_one("#form-status", Static)
        box.update(status)
        box.display = bool(status)
        first = next((f.name for f in self.fields if f.name in problems), None)
        if first:
            self.query_one(f"#field-{first}").scroll_visible(animate=False)

    # -- keys ----------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter moves on, as on paper; ctrl+s saves from anywhere.
        event.stop()
        self.focus_next()

    def action_save(self) -> None:
        values = self.values()
        missing = {
            f.name: "This is required."
            for f in self.fields
            if f.required and (values.get(f.name) is None or values.get(f.name) == "")
        }
        if missing:
            self.show_problems(missing, "Some fields need attention.")
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
        if self.dirty and not self._asked_to_discard:
            self._asked_to_discard = True
            self.show_problems(
                {}, "You have unsaved input. Press Esc again to discard it, or ctrl+s to save."
            )
            return
        self.dismiss(None)

    def on_input_changed(self) -> None:
        self._asked_to_discard = False
