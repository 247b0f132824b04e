"""Files ahtui writes for people to take elsewhere: template emails (.eml), actions (CSV).

Headless: nothing here imports Textual, so the CLI and tests can use it directly.
"""
