"""Patient names that only their clinical context gives away, often a surname alone.

"bed 12 Garcia", "Kowalczyk in bay 2", "52 yo Jenkins", "Sullivan, 67 yo", "baby girl
Ramirez", "K 6.1 on Whitfield", "portal message from Gloria Stanton", "refill request for
Dominguez". Two kinds of context:

- strong (a bed, bay or room number right beside the word, an age with it, "baby boy/girl"):
  any capitalized word that is not known vocabulary counts, so invented names are caught;
- weaker (a result, an in-basket message, a consult or transfer): the word must be a
  surname of the 2010 Census list, or a census first name followed by a capitalized word.

Colleagues stay colleagues: "Dr." before, "from pharmacy" or ", our educator" after, as in
`names.py`, whose vocabulary of non-names this module shares.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from physnet.phi.namelists import is_first_name, is_surname
from physnet.phi.names import CLINICAL, colleague, vocabulary
from physnet.phi.settings import PhiSettings

Hit = tuple[str, int, int]

_CAP = r"(?:Mc|Mac|O')?[A-Z][a-z]+(?:-(?:Mc|Mac|O')?[A-Z][a-z]+)?"
# One or two capitalized words, or "Last, First".
_NAME = rf"(?<![\w'])(?P<name>{_CAP}(?:,[ \t]*{_CAP}|[ \t]+{_CAP})?)(?![\w'])"
_TITLE = r"(?:(?:Mr|Mrs|Ms|Miss)\.?[ \t]+)?"
_PLACE = r"(?:bed|bay|room|rm|stretcher|pod|ED|ER)"
_AGE = (
    r"\d{1,3}\s?(?:yo|y/o|y\.o\.|-?years?[- ]old|-?yr[- ]old|[MF])\b"
    r"(?:\s+(?:[MF]|male|female|man|woman|gentleman|lady|gent|boy|girl)\b)?"
)

# Strong context: any capitalized word that is not vocabulary.
_AFTER_PLACE = re.compile(
    rf"(?:\b(?i:{_PLACE})\s*#?\s*\d{{1,4}}[A-Za-z]?|\b\d{{1,2}}[A-Z]{{1,2}}-\d{{1,3}})"
    rf"\s*[-–:,)]?\s*{_TITLE}{_NAME}"
)
_BEFORE_PLACE = re.compile(
    rf"{_NAME},?\s+(?:(?i:in|on)\s+)?"
    rf"(?:(?i:{_PLACE})\s*#?\s*\d|\d{{1,2}}\s?(?:West|East|North|South)\b)"
)
# "52 yo Jenkins", "the 72 yo in 412, Thaddeus Pike", "61 yo named Desmond Achterberg"
_AGE_THEN = re.compile(
    rf"\b{_AGE}(?:\s+(?:in|on)\s+(?:(?i:{_PLACE})\s*)?#?\d{{1,4}}[A-Za-z]?)?"
    rf"(?:,?\s+(?i:named|called))?,?\s+{_TITLE}{_NAME}"
)
_NAMED = re.compile(rf"\b(?i:named|name\s+is)\s+{_TITLE}{_NAME}")
# As EHR headers and banners print it, and so as text read out of a screenshot:
# "GARCIA, MARIA", "Name: Maria Garcia".
_UPPER_LAST_FIRST = re.compile(r"\b(?P<name>[A-Z]{2,}(?:['-][A-Z]{2,})?,[ \t]*[A-Z]{3,})\b")
_NAME_LABEL = re.compile(rf"\b(?:Name|NAME|Patient|PATIENT|Pt)[ \t]*:[ \t]*{_TITLE}{_NAME}")
# Typed in lower case: only after a title with its period, or after a bed with a comma.
_LOWER = r"(?P<name>[a-z][a-z'-]{2,})"
_LOWER_TITLE = re.compile(rf"\b(?i:mr|mrs|ms)\.\s*{_LOWER}\b")
_LOWER_AFTER_PLACE = re.compile(
    rf"\b(?i:{_PLACE})\s*#?\s*\d{{1,4}}[A-Za-z]?\s*[-–:,]?\s*{_LOWER}\s*[,–-]"
)
_THEN_AGE = re.compile(rf"{_NAME},?\s+(?:\(|(?i:is|was)\s+an?\s+)?{_AGE}")
_BABY = re.compile(rf"\b(?:(?i:baby|infant|twin\s+[AB])\s+(?i:boy|girl)|BB|BG)\s+(?P<name>{_CAP})")
# Weaker context: a result, a message, a request; the name must look like a real name.
_RESULT_ON = re.compile(
    r"(?i:\b(?:result(?:ed|s)?|labs?|critical|value|level|troponin|lactate|potassium|"
    r"hgb|inr|platelets?|creatinine|a1c|culture|imaging|ct|mri|x-?ray|path(?:ology)?|"
    r"report|k|na|lipase|amylase|ammonia|bili(?:rubin)?|sodium|magnesium|mg|calcium|phos|"
    r"tsh|d-dimer|ferritin|bnp|cbc|bmp|cmp|abg|vbg|ua|urine|sputum|echo|ekg|ecg|biopsy|"
    r"glucose|wbc|plt|ast|alt|lft|lfts|cr|bun|psa|hcg|cultures?)\b(?:[^.!?\n]|\.\d){0,40}?"
    r"\b(?:on|for|of)[ \t]+|\bbaby[ \t]+)"
    rf"{_TITLE}{_NAME}"
)
_NAME_RESULT = re.compile(
    rf"{_NAME}[ \t]+(?:K|Na|Hgb|INR|Cr|BNP|A1c|WBC|trop(?:onin)?|lactate|glucose|plt)"
    r"[ \t]*(?:is|was|of|=|:)?[ \t]*\d"
)
_MESSAGE_FROM = re.compile(
    r"(?i:\b(?:message|msg|note|call|request|refill|question|email|reply|encounter|csn|"
    r"fin|har|chart|results?|in[ -]?basket|inbox|mychart|portal)\b[^.!?\n]{0,20}?"
    r"(?:\b(?:from|for|to|re:?|about|of)[ \t]+|:[ \t]*)"
    r"|\b(?:consult(?:ed)?(?:[ \t]+(?:on|for))?|transfer(?:red|ring)?|admit(?:ted|ting)?|"
    r"readmit(?:ted)?|discharg(?:e|ed|ing))[ \t]+)"
    rf"{_TITLE}{_NAME}"
)
_NAME_SENT = re.compile(
    rf"{_NAME}[ \t]+(?:sent|messaged|called|emailed|wrote|replied|asked|requested|"
    r"is asking|wants|needs)\b[^.!?\n]{0,30}?\b(?i:portal|mychart|in ?basket|refill|"
    r"results?|message|appointment|records?)\b"
)
_POSSESSIVE = re.compile(rf"(?<![\w'])(?P<name>{_CAP})'s\s+(?i:{CLINICAL})\b")
# A full name (census first name and surname) with the patient's own clinical things after.
_FULL_NAME_HER = re.compile(
    rf"(?<![\w'])(?P<name>{_CAP}[ \t]+{_CAP})(?![\w'])[^.!?\n]{{0,50}}?\b(?i:his|her)[ \t]+"
    r"(?i:meds|medications|labs|chart|allerg(?:y|ies)|insulin|heparin|drip|potassium|inr|"
    r"diet|discharge|code\s+status|daughter|son|husband|wife|biopsy|results?|refills?|"
    r"pain|surgery|a1c|bp|blood\s+pressure|appointment|portal|mychart|diagnosis|dialysis)\b"
)
_PLACE_CUE = re.compile(
    rf"\b(?i:{_PLACE})\s*#?\s*\d|\b\d{{1,2}}[A-Z]{{1,2}}-\d|\b\d{{1,2}}\s?(?:West|East|North|South)\b"
)
_AGE_CUE = re.compile(_AGE)
_BABY_CUE = re.compile(r"(?i:baby|infant|twin)|BB|BG")
_LAB_CUE = re.compile(
    r"\b(?:K|Na|Hgb|INR|Cr|BNP|A1c|WBC|trop(?:onin)?|lactate|glucose|plt)"
    r"[ \t]*(?:is|was|of|=|:)?[ \t]*\d"
)
_SENT_CUE = re.compile(
    r"\b(?:sent|messaged|called|emailed|wrote|replied|asked|requested|is asking|wants|needs)\b"
)
_HIS_HER_CUE = re.compile(r"\b(?i:his|her)\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n)\s*$")
# Substrings one of which a text must hold for _RESULT_ON / _MESSAGE_FROM to match.
_RESULT_WORDS = (
    "result", "lab", "critical", "value", "level", "trop", "lactate", "potassium", "hgb",
    "inr", "platelet", "creatinine", "a1c", "culture", "imaging", "ct", "mri", "ray", "path",
    "report", "k", "na", "baby", "lipase", "amylase", "ammonia", "bili", "sodium", "mg",
    "calcium", "phos", "tsh", "dimer", "ferritin", "bnp", "cbc", "bmp", "cmp", "abg", "vbg",
    "ua", "urine", "sputum", "echo", "ekg", "ecg", "biopsy", "glucose", "wbc", "plt", "ast",
    "alt", "lft", "cr", "bun", "psa", "hcg",
)  # fmt: skip
_MESSAGE_WORDS = (
    "message", "msg", "note", "call", "request", "refill", "question", "email", "reply",
    "encounter", "csn", "fin", "har", "chart", "result", "basket", "inbox", "mychart",
    "portal", "consult", "transfer", "admit", "discharg",
)  # fmt: skip
_NEED_DIGITS = (_PLACE_CUE, _AGE_CUE, _LAB_CUE)
# (gate, pattern, weak): the pattern runs only when its gate finds something.
_PATTERNS: tuple[tuple[re.Pattern[str] | tuple[str, ...], re.Pattern[str], bool], ...] = (
    (_PLACE_CUE, _AFTER_PLACE, False),
    (_PLACE_CUE, _BEFORE_PLACE, False),
    (_AGE_CUE, _AGE_THEN, False),
    (_AGE_CUE, _THEN_AGE, False),
    (_BABY_CUE, _BABY, False),
    (("named", "name is"), _NAMED, False),
    ((":",), _NAME_LABEL, True),
    (("mr.", "mrs.", "ms."), _LOWER_TITLE, True),
    (_PLACE_CUE, _LOWER_AFTER_PLACE, True),
    (_RESULT_WORDS, _RESULT_ON, True),
    (_MESSAGE_WORDS, _MESSAGE_FROM, True),
    (_SENT_CUE, _NAME_SENT, True),
    (_LAB_CUE, _NAME_RESULT, True),
    (("'s",), _POSSESSIVE, True),
)
_NOUN_ENDING = re.compile(
    r"(?:ing|tion|sion|ment|ness|ity|ance|ence|ed|ly|ive|ics|ary|ory|ure|[cpt]ist|alist|ogist|"
    r"ogy|scopy|ery|care|aid)$"
)
_PRONOUN_AFTER = re.compile(r"\b(?i:his|her|him|she|he)\b")


def clinical_name(text: str, settings: PhiSettings) -> Iterator[Hit]:
    # A pattern that starts with the name would try every capital; each runs only when
    # its cue (the place, the age, the lab value, ...) is in the text, found by a cheaper scan.
    digits = any(c.isdigit() for c in text)
    low = text.lower()
    for gate, pattern, weak in _PATTERNS:
        if gate in _NEED_DIGITS and not digits:
            continue
        if isinstance(gate, tuple):
            if not any(word in low for word in gate):
                continue
        elif gate is not None and not gate.search(text):
            continue
        for match in pattern.finditer(text):
            opening_ok = pattern is _POSSESSIVE or pattern is _NAME_RESULT
            span = _name_span(text, match, weak=weak, opening_ok=opening_ok)
            if span is not None:
                yield "name", *span
    if "," in text:
        for match in _UPPER_LAST_FIRST.finditer(text):
            last, first = re.split(r",\s*", match.group("name"))
            if is_first_name(first) and _surname(last) and not vocabulary(last):
                yield "name", *match.span("name")
    if _HIS_HER_CUE.search(text):
        for match in _FULL_NAME_HER.finditer(text):
            first, last = match.group("name").split()
            if is_first_name(first) and is_surname(last):
                span = _name_span(text, match, weak=True)
                if span == match.span("name"):
                    yield "name", *span


def _name_span(
    text: str, match: re.Match[str], *, weak: bool, opening_ok: bool = False
) -> tuple[int, int] | None:
    """Where the name of `match` is, when it is one. A second word that is vocabulary after
    a column gap (two spaces or a tab, as in text read out of a screen) is dropped: "Jones"
    of "Pt: Jones  Allergies: PCN"; with one space it says the whole is a place ("Wilson
    Center")."""
    start, end = match.span("name")
    words = re.split(r"[\s,]+", match.group("name"))
    gap = re.search(r"  |\t", match.group("name"))
    if len(words) == 2 and gap and vocabulary(words[1]) and not vocabulary(words[0]):
        words, end = words[:1], start + len(words[0])
    if _is_name(text, start, end, words, weak=weak, opening_ok=opening_ok, whole=match):
        return start, end
    return None


def _is_name(
    text: str,
    start: int,
    end: int,
    words: list[str],
    *,
    weak: bool,
    opening_ok: bool,
    whole: re.Match[str],
) -> bool:
    if any(vocabulary(w) for w in words) or colleague(text, start, end):
        return False
    if not weak:
        # Any capitalized word, unless it is not a surname and ends like a common noun
        # ("Room 210 Housekeeping", "bed 4 Construction").
        return len(words) > 1 or _surname(words[0]) or not _NOUN_ENDING.search(words[0])
    # A capitalized word opening a sentence says nothing; mid-sentence, it may be a name.
    opening = _SENTENCE_START.search(text[:start]) and whole.start() == start
    if opening and len(words) == 1 and not opening_ok:
        return False
    if len(words) == 2:  # "Gloria Stanton", "Stanton, Gloria"
        first, last = words[::-1] if "," in text[start:end] else words
        return is_first_name(first) or _surname(last)
    # A lone first name is more often a colleague ("ask Jessica"), unless his/her follows.
    if is_first_name(words[0]):
        return _surname(words[0]) and bool(_PRONOUN_AFTER.search(text, end, end + 40))
    return _surname(words[0])


def _surname(word: str) -> bool:
    """A census surname, or a double-barrelled one with a census half ("Delgado-Reyes");
    the census writes O'Brien as OBRIEN."""
    return any(is_surname(part.replace("'", "")) for part in word.split("-"))
