"""Template emails saved as .eml files that open in any mail client, built with `email`.

The message is marked as a draft (`X-Unsent: 1`), so Outlook and Thunderbird open it ready to
send rather than as a received message. Nothing is sent from ahtui: the practitioner sends it
from their own secure mail, then records the sent date.

The file is named by the person's reference, never their name, and written by
files.write_file: whole or not at all, owner-only, an existing file kept unless the caller says
to replace it.
"""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path
from typing import Any

from .files import default_filename, write_file


def build_eml(
    *,
    subject: str,
    body: str,
    to_name: str,
    to_address: str | None,
    from_name: str,
    from_address: str | None,
    cc: list[tuple[str, str | None]] | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
) -> EmailMessage:
    """The draft; `message_id` its own Message-ID, `in_reply_to` the Message-ID of the email
    it answers (In-Reply-To and References, so mail clients thread the two)."""
    msg = EmailMessage()
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg["To"] = formataddr((to_name, to_address or ""))
    msg["From"] = formataddr((from_name, from_address or ""))
    if cc:
        msg["Cc"] = ", ".join(formataddr((n, a or "")) for n, a in cc)
    # Opens as a draft to send, not as a received message.
    msg["X-Unsent"] = "1"
    msg.set_content(body.strip() + "\n")
    return msg


def eml_filename(code: str, person: Any, on: date) -> str:
    """e.g. pp-first-contact-x100022-2025-03-03.eml: the person's reference, never their name."""
    return default_filename(code.replace("_", "-"), "eml", person, on)


def save_eml(message: EmailMessage, path: Path, *, force: bool = False) -> Path:
    """Write the draft; refuses (BadInput) when `path` exists and `force` is false."""
    return write_file(Path(path), bytes(message), force=force)
