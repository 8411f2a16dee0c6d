"""`phi_scan`: run every detector over a text and return the findings, left to right."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from physnet.phi import clinical_names, detectors, names
from physnet.phi.settings import PhiSettings

KIND_LABELS = {
    "mrn": "medical record number",
    "ssn": "social security number",
    "dob": "date of birth",
    "phone": "phone or fax number",
    "email": "e-mail address",
    "address": "street address",
    "name": "patient name",
    "account_id": "insurance, account or member id",
    "accession": "specimen accession number",
}
KINDS = tuple(KIND_LABELS)

# Labelled identifiers first: where two findings overlap, the earlier detector names it
# (ten digits after "CSN" are an account id, not a phone number).
_DETECTORS: tuple[Callable[[str, PhiSettings], Iterator[tuple[str, int, int]]], ...] = (
    detectors.ssn,
    detectors.mrn_labelled,
    detectors.mrn_separated,
    detectors.accession,
    detectors.account_id,
    detectors.date_of_birth,
    detectors.email,
    detectors.phone,
    detectors.mrn_nearby,
    detectors.address,
    names.patient_name,
    clinical_names.clinical_name,
)


@dataclass(frozen=True, order=True)
class Finding:
    """Something that looks like patient information at text[start:end]."""

    start: int
    end: int
    kind: str

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "start": self.start, "end": self.end}


def phi_scan(text: str, settings: PhiSettings) -> list[Finding]:
    """Every finding in `text`, sorted by position, with no two overlapping."""
    if not text or not _worth_scanning(text):
        return []
    taken: list[Finding] = []
    for detector in _DETECTORS:
        for kind, start, end in detector(text, settings):
            if end > start and not any(start < f.end and f.start < end for f in taken):
                taken.append(Finding(start, end, kind))
    return sorted(taken)


def _worth_scanning(text: str) -> bool:
    """A cheap first look: every detector needs a digit, an @ or a capital letter."""
    return any(c.isdigit() or c.isupper() or c == "@" for c in text)


def describe(findings: list[Finding]) -> str:
    """A sentence naming the kinds found, for an error message or a dialog."""
    kinds = sorted({f.kind for f in findings}, key=KINDS.index)
    labels = [KIND_LABELS[k] for k in kinds]
    listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return f"This looks like it contains patient information ({listed})."
