"""Template emails saved as .eml files that open in any mail client, built with `email`.

The message is marked as a draft (`X-Unsent: 1`), so Outlook and Thunderbird open it ready to
send rather than as a received message. Nothing is sent from ahtui: the practitioner sends it
from their own secure mail, then records the sent date.
"""

from __future__ import annotations

import re
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path


def build_eml(
    *,
    subject: str,
    body: str,
    to_name: str,
    to_address: str | None,
    from_name: str,
    from_address: str | None,
    cc: list[tuple[str, str | None]] | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["To"] = formataddr((to_name, to_address or ""))
    msg["From"] = formataddr((from_name, from_address or ""))
    if cc:
        msg["Cc"] = ", ".join(formataddr((n, a or "")) for n, a in cc)
    # Opens as a draft to send, not as a received message.
    msg["X-Unsent"] = "1"
    msg.set_content(body.strip() + "\n")
    return msg


def eml_filename(code: str, person_name: str, on: date) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", person_name.casefold()).strip("-") or "person"
    return f"{on.isoformat()}-{code.replace('_', '-')}-{slug}.eml"


def save_eml(message: EmailMessage, path: Path) -> Path:
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(message))
    return path
