"""Files ahtui writes for people to take elsewhere: template emails (.eml), actions (CSV), My Plan
and the Combined Assessment (Markdown, printable HTML), meetings (.ics) and minutes (Markdown).

Headless: nothing here imports Textual, so the CLI and tests can use it directly.
"""
