"""What the demo physicians wrote on their own profiles: EHR systems and "ask me about"."""

from typing import Any

PROFILES: dict[str, dict[str, Any]] = {
    "mokafor": {
        "ehr_systems": ["Epic", "Oracle Health (Cerner)"],
        "ask_me_about": "Getting a new order set or BPA through the CDS committee",
    },
    "akim": {
        "ehr_systems": ["Epic"],
        "ask_me_about": "Handoff SmartPhrases and the discharge navigator",
    },
    "rpatel": {
        "ehr_systems": ["Epic", "MEDITECH"],
        "ask_me_about": "The chest pain and heart failure order sets",
    },
    "lnguyen": {
        "ehr_systems": ["Epic", "MEDITECH Expanse"],
        "ask_me_about": "Downtime procedures and the ED track board",
    },
    "jhernandez": {
        "ehr_systems": ["Epic"],
        "ask_me_about": "Antimicrobial time-outs and OPAT referral orders",
    },
    "sobrien": {
        "ehr_systems": ["Epic", "Oracle Health (Cerner)"],
        "ask_me_about": "Sepsis BPA alerts and SEP-1 documentation",
    },
    "tadeyemi": {
        "ehr_systems": ["Epic"],
        "ask_me_about": "Anticoagulation order panels and echo ordering",
    },
    "eschmidt": {
        "ehr_systems": ["Epic", "Allscripts (Veradigm)"],
        "ask_me_about": "Note templates that answer CDI queries up front",
    },
    "dcohen": {
        "ehr_systems": ["Epic"],
        "ask_me_about": "Dialysis order sets and renal dosing alerts",
    },
    "hsato": {
        "ehr_systems": ["Epic", "MEDITECH"],
        "ask_me_about": "Weight-based dosing checks in pediatric order sets",
    },
    "f.alrashid": {
        "ehr_systems": ["Epic", "athenahealth"],
        "ask_me_about": "In Basket pools, filters and refill protocols",
    },
    "gmorales": {
        "ehr_systems": ["Oracle Health (Cerner)", "Epic"],
        "ask_me_about": "Moving from PowerChart to Epic: what maps to what",
    },
}
