"""Detectors for identifiers that are numbers, dates or addresses.

Each detector takes the text (and the settings) and yields (kind, start, end). They are
written for the clean side first: a number is PHI because of what labels it or what
surrounds it (an MRN label, a patient word, a date-of-birth word), never only because it
is long, so order-set ids, build numbers, lab values and doses pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from physnet.phi.settings import PhiSettings

Hit = tuple[str, int, int]

# --- social security numbers ------------------------------------------------------------------
_SSN_DASHED = re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])")
_SSN_LABELLED = re.compile(
    r"\b(?:SSN|SS#|social(?:\s+security)?(?:\s+(?:number|no\.?|#))?)"
    r"\s*(?:is\s*|ends\s+(?:in|with)\s*|ending\s+(?:in|with)\s*)?[:#]?\s*"
    r"(\d{3}[- ]?\d{2}[- ]?\d{4}|\d{4})(?![\w-])",
    re.I,
)


def ssn(text: str, settings: PhiSettings) -> Iterator[Hit]:
    for match in _SSN_LABELLED.finditer(text):
        yield "ssn", match.start(1), match.end(1)
    for match in _SSN_DASHED.finditer(text):
        yield "ssn", match.start(), match.end()


# --- phone and fax numbers --------------------------------------------------------------------
_PHONE_10 = re.compile(
    r"(?<![\w/.-])(?:\+?1[\s.-]?)?(?:\((\d{3})\)\s?|(\d{3})([\s.-]?))(\d{3})[\s.-]?\d{4}(?![\w/-])"
)
_PHONE_7 = re.compile(r"(?<![\w/.-])\d{3}[-.]\d{4}(?![\w/-])")
# Words that make a number a patient's (or their family's) own phone.
_PERSONAL_PHONE = re.compile(
    r"\b(?:cell|mobile|home|wife|husband|daughter|son|mom|mother|dad|father|family|sister|"
    r"brother|spouse|guardian|caregiver|pt|pt's|patient|patient's|his|her|him)\b",
    re.I,
)
# Words that say a number is a phone, without saying whose.
_PHONE_WORD = re.compile(r"\b(?:phone|cell|mobile|contact|call|fax|text|reach|number)\b", re.I)
# Words that make a number the hospital's own line (help desks, offices, pagers) or the
# writer's own ("call me").
_SERVICE_LINE = re.compile(
    r"\b(?:desk|office|line|hotline|pager|page|ext|extension|informatics|pharmacy|lab|"
    r"radiology|department|dept|unit|center|support|help|analyst|on-call|vocera|option|"
    r"switchboard|operator|lounge|clerk|station|nurse|demo|my|me|our|us)\b",
    re.I,
)


_FIRST_PERSON = re.compile(r"\b(?:my|me)\b", re.I)


def phone(text: str, settings: PhiSettings) -> Iterator[Hit]:
    for match in _PHONE_10.finditer(text):
        area = match.group(1) or match.group(2)
        exchange = match.group(4)
        before = text[max(0, match.start() - 40) : match.start()]
        # Ten bare digits are a phone only if they could be one and something says so;
        # otherwise they are some other id (a CSN, an order, a build).
        bare = match.group(2) and not match.group(3)
        if bare and (area[0] in "01" or exchange[0] in "01" or not _PHONE_WORD.search(before)):
            continue
        if _patients_phone(text, match.start(), match.end(), default=True):
            yield "phone", match.start(), match.end()
    for match in _PHONE_7.finditer(text):
        before = text[max(0, match.start() - 30) : match.start()]
        if _PHONE_WORD.search(before) and _patients_phone(
            text, match.start(), match.end(), default=True
        ):
            yield "phone", match.start(), match.end()


def _patients_phone(text: str, start: int, end: int, default: bool) -> bool:
    """A patient or family word nearby says yes; a service line or "my" says no."""
    if _FIRST_PERSON.search(text[max(0, start - 20) : start]):
        return False  # "my cell is", "call me on": the writer's own number
    around = text[max(0, start - 40) : start] + " " + text[end : end + 30]
    if _PERSONAL_PHONE.search(around):
        return True
    if _SERVICE_LINE.search(around):
        return False
    return default


# --- e-mail addresses ---------------------------------------------------------------------------
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# Role mailboxes belong to an organisation, never to a patient.
_ROLE_MAILBOX = re.compile(
    r"(?:support|help|helpdesk|servicedesk|info|noreply|no-reply|sales|admin|billing)", re.I
)


def email(text: str, settings: PhiSettings) -> Iterator[Hit]:
    if "@" not in text:
        return
    for match in _EMAIL.finditer(text):
        if not settings.internal_email(match.group(2)) and not _ROLE_MAILBOX.fullmatch(
            match.group(1)
        ):
            yield "email", match.start(), match.end()


# --- dates of birth ---------------------------------------------------------------------------
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    r"(?<![\w/.-])(?:"
    r"\d{1,2}[/.-]\d{1,2}[/.-](?P<y1>\d{4}|\d{2})"
    r"|(?P<y2>\d{4})-\d{2}-\d{2}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?P<y3>\d{{4}})"
    rf"|\d{{1,2}}\s+{_MONTH},?\s+(?P<y4>\d{{4}})"
    r")(?![\w/-])",
    re.I,
)
_BIRTH_WORD = re.compile(
    r"(?:\bDOB\b|\bD\.O\.B\.?|date\s+of\s+birth|\bborn\b|\bbirth\s*date|\bbirthday|\bbday\b|"
    r"(?<![\w.])b\.)",
    re.I,
)
_AGE_OR_PATIENT = re.compile(
    r"\b(?:\d{1,3}\s*(?:yo|y/o|y\.o\.|year[- ]old|yr[- ]old|[MF])|pt|patient|his|her|she|he)\b",
    re.I,
)


def _year(match: re.Match[str]) -> int | None:
    raw = match.group("y1") or match.group("y2") or match.group("y3") or match.group("y4")
    if raw is None or len(raw) != 4:
        return None
    return int(raw)


def date_of_birth(text: str, settings: PhiSettings) -> Iterator[Hit]:
    for match in _DATE.finditer(text):
        before = text[max(0, match.start() - 30) : match.start()]
        if _BIRTH_WORD.search(before):
            yield "dob", match.start(), match.end()
            continue
        # A full date from a birth year, next to an age or a patient, is a birthday too;
        # EHR upgrades, go-lives and meetings are recent or coming.
        year = _year(match)
        around = text[max(0, match.start() - 40) : match.end() + 20]
        if year is not None and 1900 <= year <= 2010 and _AGE_OR_PATIENT.search(around):
            yield "dob", match.start(), match.end()


# --- medical record numbers ---------------------------------------------------------------------
_LONG_NUMBER = re.compile(r"(?<![\w.#/:-])\d{6,10}(?![\w%/]|\.\d|-\d)")
_PATIENT_WORD = re.compile(
    r"\b(?:pt|pts|pt's|patient|patient's|chart|admit|admitted|admission|discharged|his|her|"
    r"him|encounter|mrn|\d{1,3}\s?[MF]|\d{1,3}\s?yo)\b",
    re.I,
)
# What a number is when these words label it: not a person.
_CLEAN_LABEL_WORDS = """
    set erx list panel osq ser eap report lpp bpa rule smartset powerplan id order ticket inc sr
    chg build version release department dept flowsheet row med sde pager page ext extension
    room rm workqueue wq queue npi loinc snomed cpt drg icd icd-10 icd10 record template group
    plt platelet platelets wbc anc load count level total of to x #
    """
_CLEAN_LABELS = frozenset(_CLEAN_LABEL_WORDS.split())
_LAST_WORDS = re.compile(r"[a-z0-9#-]+")


def _labelled_clean(before: str) -> bool:
    """True when the word just before a number says it is not a person's ("order set 123")."""
    words = _LAST_WORDS.findall(before[-20:].lower())
    return bool(words) and words[-1].rstrip("#:") in _CLEAN_LABELS


_UNIT_AFTER = re.compile(
    r"\s*(?:(?:mg|mcg|g|units?|u|ml|l|meq|mmol|copies|cells|k|ng|pg|ms|sec|secs|seconds|"
    r"min|mins|minutes|hours|hrs|days|visits|messages|rows|times)\b|/|%)",
    re.I,
)


def mrn_labelled(text: str, settings: PhiSettings) -> Iterator[Hit]:
    """Numbers the hospital's MRN patterns match ("MRN 1234567", "MR# 1234567")."""
    for pattern in settings.mrn_scanners:
        for match in pattern.finditer(text):
            yield "mrn", match.start(), match.end()


def mrn_nearby(text: str, settings: PhiSettings) -> Iterator[Hit]:
    """6-10 digit numbers next to a patient word, unless something else labels them."""
    for match in _LONG_NUMBER.finditer(text):
        before = text[max(0, match.start() - 30) : match.start()]
        if (
            _labelled_clean(before)
            or _PHONE_WORD.search(before)
            or _UNIT_AFTER.match(text, match.end())
        ):
            continue
        after = text[match.end() : match.end() + 20]
        if _PATIENT_WORD.search(before) or _PATIENT_WORD.search(after):
            yield "mrn", match.start(), match.end()


_MRN_SEPARATED = re.compile(
    r"\b(?:MRN|MR\s*#|med(?:ical)?\s+rec(?:ord)?(?:\s*(?:number|no\.?|num|#))?|"
    r"chart\s*(?:number|no\.?|num|#)|(?:patient|pt)\s*(?:id|#|no\.?|number))"
    r"\s*(?:is\s*)?[:#]?\s*(?P<id>[A-Z]{1,2}-?\d{1,10}(?:(?:[-.]|\s)\d{1,8}){0,4}|"
    r"\d{1,8}(?:(?:[-.]|\s)\d{1,8}){1,4})(?![\w-]|\.\d)",
    re.I,
)


def mrn_separated(text: str, settings: PhiSettings) -> Iterator[Hit]:
    """A labelled MRN in groups or with a letter: "MRN 12-345-678", "MRN: 0012 3456",
    "MRN E0012345"."""
    for match in _MRN_SEPARATED.finditer(text):
        if 5 <= sum(c.isdigit() for c in match.group("id")) <= 12:
            yield "mrn", match.start(), match.end()


# --- specimen accession numbers ---------------------------------------------------------------
_ACCESSION = re.compile(
    r"\b(?:accession|acc\s*#|specimen\s*(?:id|#|number|no\.?))\s*(?:number|no\.?|num|#)?"
    r"\s*(?:is\s*)?[:#]?\s*(?P<id>[A-Z0-9]{1,6}(?:-[A-Z0-9]{1,12}){0,3})(?![\w-])",
    re.I,
)


def accession(text: str, settings: PhiSettings) -> Iterator[Hit]:
    if "acc" not in text.lower() and "specimen" not in text.lower():
        return
    for match in _ACCESSION.finditer(text):
        if sum(c.isdigit() for c in match.group("id")) >= 4:
            yield "accession", match.start("id"), match.end("id")


# --- insurance, account and member ids ---------------------------------------------------
_ACCOUNT = re.compile(
    r"\b(?:(?:insurance|ins|medicaid|medicare|payer)\s+)?"
    r"(?:member|subscriber|policy|insurance|account|acct|medicaid|medicare|mbi|hicn|group|"
    r"har|csn|fin)\s*(?:id|#|no\.?|number|num)?\s*(?:is\s*)?[:#]?\s*"
    r"(?P<id>[A-Z0-9][A-Z0-9-]{4,19})(?![\w-])",
    re.I,
)
_MBI = re.compile(
    r"\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?"
    r"[AC-HJKMNP-RT-Y]{2}\d{2}\b"
)


_ACCOUNT_CUES = (
    "member", "subscriber", "policy", "insurance", "account", "acct", "medicaid", "medicare",
    "mbi", "hicn", "group", "har", "csn", "fin",
)  # fmt: skip


def account_id(text: str, settings: PhiSettings) -> Iterator[Hit]:
    low = text.lower()
    matches = _ACCOUNT.finditer(text) if any(c in low for c in _ACCOUNT_CUES) else ()
    for match in matches:
        ident = match.group("id")
        if sum(c.isdigit() for c in ident) >= 4:
            yield "account_id", match.start("id"), match.end("id")
    for match in _MBI.finditer(text):
        yield "account_id", match.start(), match.end()


# --- street addresses ----------------------------------------------------------------------
_ADDRESS = re.compile(
    r"\b\d{1,6}\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-z]+\s+){1,3}"
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
    r"Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Trl|Square|Sq)\b\.?"
    r"(?:,?\s+(?:Apt|Apartment|Unit|Suite|Ste|#)\.?\s*\w+)?"
)
_PO_BOX = re.compile(r"\bP\.?\s?O\.?\s+Box\s+\d+\b", re.I)
_STREET_WORD = re.compile(
    r"\b(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
    r"Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Trl|Square|Sq)\b"
)


def address(text: str, settings: PhiSettings) -> Iterator[Hit]:
    patterns = [_ADDRESS] if _STREET_WORD.search(text) else []
    if "box" in text.lower():
        patterns.append(_PO_BOX)
    for pattern in patterns:
        for match in pattern.finditer(text):
            yield "address", match.start(), match.end()
