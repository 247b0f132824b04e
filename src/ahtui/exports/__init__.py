"""Files ahtui writes for people to take elsewhere: template emails (.eml), actions (CSV), My Plan
and the Combined Assessment (Markdown, printable HTML), meetings (.ics) and minutes (Markdown).

- documents.py: which documents there are, in which formats, and `export_document`, the one
  way one is written (by `ahtui export` and the app's export screen alike);
- one writer per document: myplan.py, assessment.py, ics.py, minutes.py; and eml.py and
  actions_csv.py;
- text.py: what the writers share to say things (dates, references, Markdown and HTML made
  literal, the printable page); files.py: file names and owner-only, whole-or-nothing writes,
  the one way every file here (documents, CSV and .eml alike) reaches the disk.

Headless: nothing here imports Textual, so the CLI and tests can use it directly.
"""
