"""What Datasette is told for the supervisors' view: its settings and its metadata.

Plain data, no Datasette: who may see what (`allow` blocks for signed-in supervisors), the
settings that turn off SQL, downloads and facets, and the plugin's own configuration (the
supervisors' file and the served sites). Keys are never in it; `ahtui serve` hands them to the
plugin in memory.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from .unlock import UnlockedSite


def datasette_settings() -> dict[str, Any]:
    return {
        "default_allow_sql": False,
        "allow_download": False,
        "allow_facet": False,
        "suggest_facets": False,
        "allow_csv_stream": False,
        "max_returned_rows": 2000,
        "sql_time_limit_ms": 5000,
    }


def datasette_metadata(
    sites: list[UnlockedSite], auth: Path, sign_in: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The configuration: who may see what, and the sign-in settings (`ServeOptions.sign_in`;
    the plugin's defaults without). Keys are never in it."""
    supervisor = {"ahtui": "supervisor"}
    links = "".join(
        f'<li><a href="/{s.name}">{escape(s.title)}</a> ({escape(s.agency)}): its queries</li>'
        for s in sites
    )
    return {
        "title": "Supervisors' view",
        "description_html": (
            "<p>Read-only figures for joined-up work: overdue actions, meeting timescales, "
            "caseloads, consent, release plans, the monthly scorecard and equality monitoring. "
            "No names of people, no notes.</p>"
            # The rule of ahtui_datasette.disclosure, word for word.
            "<p>Counts under 5 are shown as &lt;5; all other counts are rounded to the nearest "
            "5.</p>"
            f'<ul><li><a href="/-/ahtui/scorecard">Monthly scorecard chart</a></li>{links}</ul>'
        ),
        "allow": supervisor,
        "allow_sql": False,
        "databases": {
            s.name: {
                "title": s.title,
                "description": f"Queries for {s.title}. Each reports per site.",
                "allow": supervisor,
                "allow_sql": False,
            }
            for s in sites
        },
        "plugins": {
            "ahtui": {
                "auth_file": str(auth),
                "sites": {s.name: {} for s in sites},
                **(sign_in or {}),
            }
        },
    }
