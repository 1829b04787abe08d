"""Setting up two-factor sign-in as finished data for templates: the QR code and the key. No I/O."""

from __future__ import annotations

from dataclasses import dataclass

import segno

from directory.two_factor import Enrolment


@dataclass(frozen=True)
class EnrolmentView:
    # The QR code as an SVG data: URI, drawn here: a QR service would learn the secret.
    qr_code: str
    # The secret in groups of four, for typing into an app by hand.
    key: str


def enrolment_view(enrolment: Enrolment) -> EnrolmentView:
    qr = segno.make(enrolment.uri, error="m")
    secret = enrolment.secret
    key = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return EnrolmentView(qr_code=qr.svg_data_uri(scale=5, border=4), key=key)
