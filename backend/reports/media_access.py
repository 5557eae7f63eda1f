"""Who may see a photo, and its unguessable address.

A photo's URL is `/media/{id}-{mac}`: the mac is an HMAC of the id under SECRET_KEY, so the
addresses of other photos cannot be guessed by counting. Whoever has the URL still gets the photo
only under the report's visibility rules: a photo approved for the public (and not of a report
merged away) is public; any other photo is shown to staff who may see its report (an officer:
their agency's reports only), never to other staff or the public."""

from __future__ import annotations

import hashlib
import hmac

from backend.core.actor import Actor
from backend.core.config import get_settings
from backend.reports.models import Attachment, Report
from backend.reports.policy import can_see

MAC_CHARS = 32  # 128 bits


def _mac(attachment_id: int) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"media|{attachment_id}".encode(), hashlib.sha256).hexdigest()[:MAC_CHARS]


def media_ref(attachment_id: int) -> str:
    return f"{attachment_id}-{_mac(attachment_id)}"


def media_url(attachment_id: int, *, absolute: bool = False) -> str:
    path = f"/media/{media_ref(attachment_id)}"
    return f"{get_settings().base_url.rstrip('/')}{path}" if absolute else path


def attachment_id_of(ref: str) -> int | None:
    """The id in a media reference whose mac is right, else None."""
    head, _, mac = ref.partition("-")
    if not head.isdigit() or len(head) > 12 or len(mac) != MAC_CHARS:
        return None
    attachment_id = int(head)
    return attachment_id if hmac.compare_digest(mac, _mac(attachment_id)) else None


def may_view(attachment: Attachment, report: Report, actor: Actor | None) -> bool:
    if attachment.public:
        return True
    return actor is not None and actor.kind == "staff" and can_see(actor, report)
