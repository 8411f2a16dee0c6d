"""Find patient names: a capitalized name is a patient's only when its context says so.

Colleagues are named all day ("Dr. Kim's SmartPhrase", "ask Maria Lopez in pharmacy"), so
a name alone never alarms. It does after "pt"/"patient"/"Mr."/"Mrs."/"Ms.", next to a bed
or room, after "saw"/"rounding on"/"admitted", before "'s labs" and other clinical words,
or right before an age, an id or a date. Words that are capitalized for other reasons (EHR
activities, products, units, months) are never taken for a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from physnet.phi.settings import PhiSettings

Hit = tuple[str, int, int]

_NOT_NAME_WORDS = """
    a an the this that these those it its i we you he she they my our your his her their
    and or but if so for of in on at to by with from as is are was were be been not no yes
    use open click please thanks thank anyone anybody someone everyone does do did can could
    should would will may might must need needs new old all any some each every one two three
    what when where which who why how here there today tomorrow yesterday tip tips note notes
    fyi update question questions reminder heads help also just still now then again ok okay
    station list lists portal education experience safety access friendly header care
    movement summary instructions information lookup search banner advisory family services
    relations registration transport flow tracking rights outcomes satisfaction centered
    financial identification identity id chart review results orders order meds medication
    medications lab labs vitals problem problems allergies allergy history plan plans admit
    admission discharge transfer status name names record records data entry portal's
    epic cerner hyperspace haiku canto rover storyboard brain sidebar synopsis mychart
    powerchart millennium dragon smartphrase smartphrases smartset smartsets smarttext
    smartlink smartform navigator activity basket inbox bpa bpas cds mpage powerplan
    flowsheet flowsheets mar emar avs secure chat vocera spectralink citrix teams outlook
    west east north south tower unit units floor wing icu micu sicu ccu picu nicu ed er or
    pacu pharmacy radiology cardiology oncology neurology nephrology informatics
    hospitalist hospitalists nursing nurse nurses resident residents fellow fellows
    attending attendings physician physicians doctor doctors analyst analysts team staff
    charge provider providers pcp md do rn np pa cmio cnio it desk service support office
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december jan feb mar apr jun jul aug
    sep sept oct nov dec
    sepsis stroke heparin insulin vanc vancomycin warfarin chf copd aki ckd dka afib
    hospital clinic center health medical memorial general regional university saint st
    grand rounds quality committee meeting conference council board huddle training session
    lecture forum workshop town hall lab lunch learn journal club grand-rounds retreat
    advice request requests message messages call calls portal outreach questionnaire
    pool pools dr mr mrs ms prof patients pts rover monitor scanner workstation printer
    dashboard board clean dirty blocked isolation reserved available empty occupied pending
    pt patient hold swing step track fast endo ready bath shower window door sink pump vent
    fall falls sitter private main back side corner light telemetry tele housekeeping evs
    maintenance observation obs resus peds nursery psych infusion procedure overflow transport
    triage trauma cath dialysis chemo hallway boarding contact droplet airborne precautions
    restraint restraints lobby waiting annex pavilion front tv turnover assignment assignments
    endoscopy recovery medicare medicaid test tests training demo zztest utility suite kiosk
    only also still now too is was has had next first last both same done free full
    """
NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())

_CAP = r"(?:[A-Z]')?[A-Z][a-z]+(?:['-][A-Z][a-z]+)?"
_NAME2 = rf"(?P<name>{_CAP}\s+(?:[A-Z]\.?\s+)?{_CAP})"
# After a bed or room, a name is also written "Doe, Jane" or "J. Doe".
_BED_NAME = rf"(?P<name>{_CAP}\s+(?:[A-Z]\.?\s+)?{_CAP}|{_CAP},\s*{_CAP}|[A-Z]\.\s?{_CAP})"
_TITLE = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+(?P<name>{_CAP})")
_AFTER_PATIENT = re.compile(
    rf"\b(?i:pt|patient|pt\s+name|patient\s+name|her\s+name|his\s+name)"
    rf"(?:\s*(?i:is)\b)?\s*[:.,]?\s+(?P<name>{_CAP}(?:\s+{_CAP}){{0,2}})"
)
_IN_BED = re.compile(rf"{_NAME2}\s+(?i:in|at)\s+(?i:bed|room|rm)\b")
_BED_THEN = re.compile(rf"\b(?i:bed|room|rm)\s*#?\s*\d+[A-Za-z]?\s*[-–:,(]?\s*{_BED_NAME}")
_VERB_THEN = re.compile(
    rf"\b(?i:saw|seeing|seen|rounding\s+on|rounded\s+on|consult(?:ed)?\s+on|admitted|"
    rf"admitting|discharged|discharging|evaluated|examined|transferred|"
    rf"(?:chart|labs|orders?|meds|notes?|avs|results|allergies|vitals)\s+(?:of|for|on)|"
    rf"(?:the\s+|his\s+|her\s+|pt's\s+)?(?:daughter|son|wife|husband|mother|father|mom|dad|"
    rf"sister|brother|spouse|guardian|caregiver)(?:'s\s+name\s+is|,)?)"
    rf"\s+{_NAME2}"
)
CLINICAL = (
    r"(?:chart|labs?|potassium|sodium|inr|vitals|meds|med\s+list|allerg(?:y|ies)|diet|"
    r"discharge|admission|code\s+status|weight|insulin|heparin|drip|family|wife|husband|"
    r"daughter|son|mom|room|bed|mrn|dob|avs|portal|results|imaging|ct|mri|biopsy|surgery|"
    r"procedure|blood|bp|orders?|glucose|creatinine|cultures?|troponin|lactate|hgb|a1c|"
    r"result|results|ekg|ecg|echo|scan|x-?ray|ultrasound|path|pathology|appointment)"
)
_POSSESSIVE = re.compile(rf"{_NAME2}'s\s+(?i:{CLINICAL})\b")
_BEFORE_ID = re.compile(
    rf"{_NAME2}\s*[,(]?\s*(?:\d{{1,3}}\s?[MF]\b|\d{{1,3}}\s?(?i:yo|y/o)\b|\d{{4,}}|"
    rf"(?i:dob|mrn|born)\b)"
)
_LAST_FIRST = re.compile(rf"(?:^|(?<=[.!?]\s))(?P<name>{_CAP},\s+{_CAP})\s+(?i:is|was|has|in)\b")
_COLLEAGUE_BEFORE = re.compile(r"(?:\bDr\.?|\bDoctor|\bProf\.?|@)\s*$")
_COLLEAGUE_AFTER = re.compile(
    r",?\s*(?:MD|DO|RN|NP|PA|PharmD|PA-C)\b"
    # "Maria Lopez from pharmacy", "Ms. Garcia, our nurse educator": someone we work with.
    r"|\s+(?:from|in|at|of|with)\s+(?:the\s+)?(?:pharmacy|IT|informatics|clinical|lab|"
    r"radiology|nursing|Epic|Cerner|build|education|quality|compliance|registration|HIM|"
    r"vendor|biomed|facilities|EVS|security|supply|billing|coding|CDI|HR|admin|"
    r"administration|transport|finance|legal|marketing)\b"
    r"|,\s+(?:our|the|a|an|my)\s+(?:[\w-]+\s+){0,2}(?:nurse|educator|analyst|pharmacist|"
    r"manager|director|cmio|cnio|builder|trainer|informaticist|lead|coordinator|clerk|tech|"
    r"specialist|engineer|champion|colleague|resident|fellow|attending|hospitalist)\b",
    re.I,
)


def vocabulary(word: str) -> bool:
    """True for a word that is never a patient's name: EHR and ward vocabulary, and the
    ZZ-prefixed names EHRs give their test and training patients ("Zztest, Adult")."""
    low = word.lower()
    return low in NOT_NAMES or low.startswith("zz")


def _plausible(name: str) -> bool:
    """False when the first word is a capitalized non-name (an activity, a unit, a month)."""
    words = re.split(r"[\s,]+", name.strip())
    return bool(words) and not any(vocabulary(w) for w in words[:2])


def colleague(text: str, start: int, end: int) -> bool:
    """True when text[start:end] is someone we work with: "Dr." before, "from pharmacy" after."""
    return bool(
        _COLLEAGUE_BEFORE.search(text[max(0, start - 8) : start])
        or _COLLEAGUE_AFTER.match(text, end)
    )


_VERB_WORDS = (
    "saw", "seeing", "seen", "rounding", "rounded", "consult", "admitted", "admitting",
    "discharg", "evaluated", "examined", "transferred", " of ", " for ", " on ", "daughter",
    " son", "wife", "husband", "mother", "father", "mom", "dad", "sister", "brother", "spouse",
    "guardian", "caregiver",
)  # fmt: skip


def patient_name(text: str, settings: PhiSettings) -> Iterator[Hit]:
    low = text.lower()
    # Each pattern runs only when its cue word is in the text: most messages have none.
    if "mr" in low or "ms" in low or "mx" in low or "miss" in low:
        for match in _TITLE.finditer(text):
            if not vocabulary(match.group("name")) and not colleague(
                text, match.start(), match.end()
            ):
                yield "name", match.start(), match.end()
    patterns = []
    if "pt" in low or "patient" in low or "name" in low:
        patterns.append(_AFTER_PATIENT)
    if "bed" in low or "room" in low or "rm" in low:
        patterns += [_IN_BED, _BED_THEN]
    if any(word in low for word in _VERB_WORDS):
        patterns.append(_VERB_THEN)
    if "'s" in low:
        patterns.append(_POSSESSIVE)
    if any(c.isdigit() for c in text) or "dob" in low or "mrn" in low or "born" in low:
        patterns.append(_BEFORE_ID)
    for pattern in patterns:
        for match in pattern.finditer(text):
            start, end = match.span("name")
            if _plausible(match.group("name")) and not colleague(text, start, end):
                yield "name", start, end
    if "," in text:
        for match in _LAST_FIRST.finditer(text):
            if _plausible(match.group("name")):
                yield "name", *match.span("name")
