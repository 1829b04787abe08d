"""Open data: listings out as HSDS 3.0, our own JSON and CSV, and back in from JSON."""

from __future__ import annotations

from directory.models import Organisation
from directory.records import OrganisationRecord

# What the writers accept: a published row, or a validated record about to be published.
Listing = Organisation | OrganisationRecord
