"""What every screen over an open site shares: the site, today, going back, forms, and
`call_service` (a write for a key press: a refusal is shown, then the screen redraws).

Screens reach the site through the app (`self.site`), never through a reference of their own:
after a lock and an unlock by the same user the screens underneath carry on with the newly
opened site, keeping whatever was typed into them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from ..domain import names
from ..domain.dates import fmt_date as fmt_date
from ..errors import AhtuiError, ValidationFailed
from ..widgets.form import Field, FormScreen
from ..widgets.shown import one_line

if TYPE_CHECKING:
    from ..store.site import Site


def parse_day(value: str | None, field: str) -> date | None:
    """A date typed into a form field (YYYY-MM-DD); a bad one is that field's problem."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            {field: f"{value} is not a real date; write it as YYYY-MM-DD."}
        ) from None


def label(enum: Any, code: str | None) -> str:
    """An enum code in words; an unknown code as it is (a newer site's value)."""
    if not code:
        return ""
    try:
        return enum(code).label()
    except ValueError:
        return one_line(code)


def person_refs(row: Any) -> str:
    """The person's listed name and identifiers, for the top line of their screens.

    Each on one line whatever it holds: the line below the heading is the screen's own.
    """
    parts = [one_line(names.listed_name(row))]
    if row["crn"]:
        parts.append(f"CRN {one_line(row['crn'])}")
    if row["nomis_number"]:
        parts.append(f"NOMIS {one_line(row['nomis_number'])}")
    return " · ".join(parts)


class SiteScreen(Screen[None]):
    """A screen over the open site; `reload()` redraws it from the services."""

    @property
    def site(self) -> Site:
        site = self.app.site  # type: ignore[attr-defined]
        if site is None:
            raise AhtuiError("The site is locked.")
        return site

    @property
    def today(self) -> date:
        return getattr(self.app, "today", None) or date.today()

    def time_now(self) -> str:
        """The time now as HH:MM, for a form to start from; blank when the app is set to
        another day (a test, a demo on a fixed date), where the clock's time means nothing."""
        now = datetime.now()
        return now.strftime("%H:%M") if self.today == now.date() else ""

    def reload(self) -> None:  # pragma: no cover - each screen draws itself
        pass

    def on_screen_resume(self) -> None:
        # Back from a form or another screen: show what changed there.
        if self.app.site is not None:  # type: ignore[attr-defined]
            self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    def open_form(
        self,
        title: str,
        fields: Sequence[Field],
        on_submit: Callable[[dict[str, Any]], Any],
        *,
        intro: str = "",
        done: Callable[[Any], None] | None = None,
        check: Callable[[dict[str, Any]], dict[str, str]] | None = None,
    ) -> None:
        """Push a `FormScreen`; `check` finds the service's problems with nothing written."""

        def after(result: Any) -> None:
            if result is not None and done is not None:
                done(result)

        self.app.push_screen(FormScreen(title, fields, on_submit, intro=intro, check=check), after)

    def call_service(self, fn: Callable[[], Any], success: str = "") -> Any:
        """Run a service call for a key press, then redraw: a refusal is shown, never raised."""
        try:
            result = fn()
        except AhtuiError as exc:
            lock = getattr(self.app, "lock_for_new_key", None)
            if lock is not None and self.app.key_changed(exc):  # type: ignore[attr-defined]
                # A rekey elsewhere: nothing was saved, and only unlocking again helps.
                lock()
                return None
            self.notify(exc.message, title="Not saved", severity="error", markup=False)
            return None
        if success:
            self.notify(success, markup=False)
        self.reload()
        return result if result is not None else True
