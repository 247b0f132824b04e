"""Whether a site is a demo site (a `demo` key in `site_meta`), marking one, and how many
people it holds: what `ahtui demo` needs before it reuses, rebuilds or fills a site.

The mark is what lets `ahtui demo --fresh` delete a file: a real site never carries it.
"""

from __future__ import annotations

from .site import Site


def is_demo_site(site: Site) -> bool:
    """True when the site was made by `ahtui demo` and holds invented people only."""
    return site.one("SELECT value FROM site_meta WHERE key = 'demo'") is not None


def mark_demo_site(site: Site) -> None:
    """Mark a new site as a demo site, before any invented person is added to it."""
    with site.write() as conn:
        conn.execute("INSERT INTO site_meta (key, value) VALUES ('demo', '1')")


def people_count(site: Site) -> int:
    """How many people the site holds (deleted ones not counted)."""
    return int(site.one("SELECT count(*) FROM people WHERE deleted_at IS NULL")[0])
