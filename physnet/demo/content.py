"""Demo seed content for PhysNet: facilities, physicians, channels and EHR-workflow messages."""

import re

FACILITIES: list[str] = [
    "Riverside General",
    "Northgate Medical Center",
    "St. Brendan Community Hospital",
]

USERS: list[dict] = [
    {
        "username": "mokafor",
        "display_name": "Dr. Miriam Okafor",
        "title": "Chief Medical Information Officer",
        "credentials": "MD",
        "specialty": "Clinical Informatics",
        "department": "Department of Clinical Informatics",
        "facility": "Riverside General",
        "phone": "x4100",
        "email": "mokafor@example-health.org",
        "role": "admin",
        "bio": "Internist turned informaticist who leads EHR optimization and the CDS committee.",
        "expertise": ["EHR build", "clinical decision support", "order set governance"],
    },
    {
        "username": "akim",
        "display_name": "Dr. Alex Kim",
        "title": "Associate Director of Hospital Medicine",
        "credentials": "MD",
        "specialty": "Hospital Medicine",
        "department": "Department of Medicine",
        "facility": "Northgate Medical Center",
        "phone": "x4821",
        "email": "akim@example-health.org",
        "role": "moderator",
        "bio": "Hospitalist and physician informatics champion focused on handoffs and discharge.",
        "expertise": ["handoff tools", "SmartPhrases", "discharge workflow"],
    },
    {
        "username": "rpatel",
        "display_name": "Dr. Rohan Patel",
        "title": "Attending Cardiologist",
        "credentials": "MD",
        "specialty": "Cardiology",
        "department": "Department of Cardiovascular Medicine",
        "facility": "Riverside General",
        "phone": "x5230",
        "email": "rpatel@example-health.org",
        "role": "moderator",
        "bio": "General cardiologist who maintains the heart failure and chest pain order sets.",
        "expertise": ["heart failure", "order sets", "hs-troponin pathway"],
    },
    {
        "username": "lnguyen",
        "display_name": "Dr. Linh Nguyen",
        "title": "Attending Physician",
        "credentials": "DO",
        "specialty": "Emergency Medicine",
        "department": "Department of Emergency Medicine",
        "facility": "St. Brendan Community Hospital",
        "phone": "x3307",
        "email": "lnguyen@example-health.org",
        "role": "member",
        "bio": "Emergency physician and ED informatics lead for throughput and downtime readiness.",
        "expertise": ["ED workflow", "downtime procedures", "sepsis screening"],
    },
    {
        "username": "jhernandez",
        "display_name": "Dr. Javier Hernandez",
        "title": "Medical Director, Antimicrobial Stewardship",
        "credentials": "MD",
        "specialty": "Infectious Disease",
        "department": "Department of Medicine",
        "facility": "Northgate Medical Center",
        "phone": "x4467",
        "email": "jhernandez@example-health.org",
        "role": "member",
        "bio": "ID physician who runs the stewardship program and the OPAT service.",
        "expertise": ["antimicrobial stewardship", "OPAT", "infection prevention"],
    },
    {
        "username": "sobrien",
        "display_name": "Dr. Siobhan O'Brien",
        "title": "Medical Director, Medical ICU",
        "credentials": "MD",
        "specialty": "Critical Care",
        "department": "Department of Critical Care Medicine",
        "facility": "Riverside General",
        "phone": "x5012",
        "email": "sobrien@example-health.org",
        "role": "member",
        "bio": "Intensivist who chairs the sepsis committee and reviews SEP-1 abstraction results.",
        "expertise": ["sepsis", "critical care billing", "BPA review"],
    },
    {
        "username": "tadeyemi",
        "display_name": "Dr. Tunde Adeyemi",
        "title": "Attending Cardiologist",
        "credentials": "MD",
        "specialty": "Cardiology",
        "department": "Department of Cardiovascular Medicine",
        "facility": "Northgate Medical Center",
        "phone": "x4590",
        "email": "tadeyemi@example-health.org",
        "role": "member",
        "bio": "Cardiologist with an interest in anticoagulation and electrophysiology workflows.",
        "expertise": ["anticoagulation", "echo ordering", "arrhythmia"],
    },
    {
        "username": "eschmidt",
        "display_name": "Dr. Elena Schmidt",
        "title": "Attending Physician",
        "credentials": "DO",
        "specialty": "Internal Medicine",
        "department": "Department of Medicine",
        "facility": "St. Brendan Community Hospital",
        "phone": "x3142",
        "email": "eschmidt@example-health.org",
        "role": "member",
        "bio": "Teaching internist who cares about note quality and CDI-friendly documentation.",
        "expertise": ["note templates", "CDI queries", "medical education"],
    },
    {
        "username": "dcohen",
        "display_name": "Dr. David Cohen",
        "title": "Attending Nephrologist",
        "credentials": "MD",
        "specialty": "Nephrology",
        "department": "Department of Medicine",
        "facility": "Riverside General",
        "phone": "x5376",
        "email": "dcohen@example-health.org",
        "role": "member",
        "bio": "Nephrologist covering inpatient consults and the dialysis unit.",
        "expertise": ["AKI", "dialysis orders", "ICD-10 coding"],
    },
    {
        "username": "hsato",
        "display_name": "Dr. Haruka Sato",
        "title": "Attending Pediatrician",
        "credentials": "MD",
        "specialty": "Pediatrics",
        "department": "Department of Pediatrics",
        "facility": "St. Brendan Community Hospital",
        "phone": "x3268",
        "email": "hsato@example-health.org",
        "role": "member",
        "bio": "Pediatric hospitalist working on weight-based dosing and sepsis screening.",
        "expertise": ["weight-based dosing", "pediatric sepsis", "e-prescribing"],
    },
    {
        "username": "f.alrashid",
        "display_name": "Dr. Farah Al-Rashid",
        "title": "Medical Director, Family Medicine Clinic",
        "credentials": "DO",
        "specialty": "Family Medicine",
        "department": "Department of Family Medicine",
        "facility": "Northgate Medical Center",
        "phone": "x4715",
        "email": "f.alrashid@example-health.org",
        "role": "member",
        "bio": "Family physician focused on In Basket management and refill protocols.",
        "expertise": ["In Basket", "prescription renewals", "population health"],
    },
    {
        "username": "gmorales",
        "display_name": "Dr. Gabriel Morales",
        "title": "Attending Physician",
        "credentials": "MD",
        "specialty": "Hospital Medicine",
        "department": "Department of Medicine",
        "facility": "St. Brendan Community Hospital",
        "phone": "x3389",
        "email": "gmorales@example-health.org",
        "role": "member",
        "bio": "Hospitalist and former Cerner user helping colleagues with the Epic transition.",
        "expertise": ["admission order sets", "Dragon dictation", "cross-cover"],
    },
]

CHANNELS: list[dict] = [
    {
        "name": "ehr-tips",
        "title": "EHR tips",
        "description": "Shortcuts, SmartPhrases, order sets, In Basket and downtime know-how.",
        "kind": "public",
        "members": "all",
    },
    {
        "name": "cardiology",
        "title": "Cardiology",
        "description": "Cardiology order sets, consult routing, and cardiac documentation tips.",
        "kind": "public",
        "members": [
            "rpatel",
            "tadeyemi",
            "akim",
            "gmorales",
            "sobrien",
            "dcohen",
            "eschmidt",
        ],
    },
    {
        "name": "hospital-medicine",
        "title": "Hospital medicine",
        "description": "Admission, handoff, and discharge workflows for hospitalists at all sites.",
        "kind": "public",
        "members": [
            "akim",
            "gmorales",
            "eschmidt",
            "jhernandez",
            "dcohen",
            "f.alrashid",
            "mokafor",
        ],
    },
    {
        "name": "sepsis-protocol",
        "title": "Sepsis protocol",
        "description": "Sepsis BPA, order set, and SEP-1 bundle documentation workflow.",
        "kind": "public",
        "members": [
            "sobrien",
            "lnguyen",
            "jhernandez",
            "akim",
            "gmorales",
            "hsato",
            "mokafor",
            "eschmidt",
        ],
    },
    {
        "name": "announcements",
        "title": "Announcements",
        "description": "Official updates from clinical informatics and medical staff leadership.",
        "kind": "announcement",
        "members": "all",
    },
    {
        "name": "informatics-council",
        "title": "Informatics council",
        "description": "Working channel for physician builders: CDS review, governance, releases.",
        "kind": "private",
        "members": ["mokafor", "akim", "rpatel", "lnguyen", "f.alrashid"],
    },
]

MESSAGES: list[dict] = [
    # ---- #ehr-tips ----------------------------------------
    {
        "channel": "ehr-tips",
        "author": "mokafor",
        "body": (
            "Welcome to **#ehr-tips**! This is the place for EHR workflow questions, "
            "shortcuts, SmartPhrases, order set tweaks, and anything else that saves a click.\n"
            "\n"
            "Ground rules:\n"
            "1. **No patient identifiers.** No names, MRNs, DOBs, or screenshots that show "
            "the banner bar. Crop them, or reproduce the issue in the PLAYGROUND environment.\n"
            "2. Search the channel before posting; a lot of questions have already been "
            "answered here.\n"
            "3. If something looks like a build bug, post here *and* put in a ticket: "
            "https://intranet.example-health.org/ehr/ticket"
        ),
        "reactions": [
            ["👋", "akim"],
            ["👋", "rpatel"],
            ["👋", "eschmidt"],
            ["👋", "hsato"],
            ["🎉", "lnguyen"],
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "akim",
        "body": (
            "Anyone have a good In Basket rule for CC'd results? I'm getting ~60 \"CC'd "
            'Chart" messages a day from consultants and almost none need action from me.'
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    "Yes. In Basket > **Rules** (wrench icon) > New Rule:\n"
                    "1. Folder: `CC'd Charts`\n"
                    "2. Condition: sender is *not* on my care team **and** message has no "
                    "abnormal results\n"
                    "3. Action: `Mark as done after 3 days`\n"
                    "\n"
                    "The 3-day delay means they still show up if you want to skim, but they "
                    "stop piling up."
                ),
            },
            {
                "author": "akim",
                "body": "That cut it from 60 a day to maybe 8. Thank you.",
            },
            {
                "author": "eschmidt",
                "body": (
                    "Stealing this. Worth adding a second rule above it that flags anything "
                    "tied to your own pended orders so those never get auto-completed."
                ),
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "f.alrashid",
        "body": (
            "PSA for the clinic folks: before vacation, set **Out of Contact** in In Basket "
            "and pick a delegate. Otherwise your results just sit there and the refill "
            "protocol pool can't see them. In Basket > Out of Contact > Add. You can "
            "schedule it weeks ahead."
        ),
        "reactions": [["🙏", "eschmidt"], ["🙏", "hsato"]],
    },
    {
        "channel": "ehr-tips",
        "author": "rpatel",
        "body": (
            "Quick one: inside any order set, click the **star** next to an individual order "
            "to add it to your order set favorites. Next time you open the set, toggle "
            '"Favorites only" and it collapses to the 8 orders you actually use. Saves me '
            "a ton of scrolling in the ADHF admission set."
        ),
        "reactions": [["💡", "tadeyemi"], ["💡", "gmorales"]],
    },
    {
        "channel": "ehr-tips",
        "author": "gmorales",
        "body": (
            "What's the difference between my personal preference list and the facility "
            "preference list? I added a custom PRN oxycodone sig to mine and it doesn't show "
            "up when I'm logged in at Riverside."
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    "Personal preference lists are tied to your user but can be scoped by "
                    "login department. If you built the entry while logged into a St. "
                    "Brendan department, it only appears there. Open the Preference List "
                    'Editor, select the entry, and change the scope to "All departments".'
                ),
            },
            {
                "author": "gmorales",
                "body": "That was it. I'd only built it at St. Brendan. Fixed, thanks.",
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "mokafor",
        "body": (
            "**How to share a SmartPhrase** (we get asked this weekly):\n"
            "1. Epic button > Tools > **SmartPhrase Manager**\n"
            "2. Select your phrase and click **Sharing**\n"
            '3. Add users by name, or add a whole department under "Share with"\n'
            "4. Choose *Viewer* (they can use it) or *Editor* (they can change it)\n"
            "\n"
            "People you share with still need to add it to their favorites to get it in "
            "autocomplete. Department-wide SmartPhrase sharing beats copying because your "
            "edits propagate to everyone."
        ),
        "reactions": [
            ["👍", "akim"],
            ["👍", "rpatel"],
            ["👍", "sobrien"],
            ["👍", "lnguyen"],
            ["👍", "jhernandez"],
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "akim",
        "body": (
            "Here's the discharge summary SmartPhrase our team uses. Feel free to copy it.\n"
            "\n"
            "```\n"
            ".HMDCSUM\n"
            "Admission diagnosis: ***\n"
            "Discharge diagnosis: ***\n"
            "Hospital course by problem:\n"
            "  # ***\n"
            "Procedures: {None/List:***}\n"
            "Consultants: ***\n"
            "Pending results at discharge: ***\n"
            "Follow-up: PCP in *** days; *** clinic in *** weeks\n"
            "Code status at discharge: ***\n"
            "```\n"
            "\n"
            'The "pending results" line is the one the quality reviewers always flag when '
            "it's missing."
        ),
        "reactions": [["🔥", "gmorales"], ["🔥", "eschmidt"]],
    },
    {
        "channel": "ehr-tips",
        "author": "lnguyen",
        "body": (
            "Where are the BCA workstations in the St. Brendan ED? Downtime drill is next "
            "week and I realized I have no idea."
        ),
        "replies": [
            {
                "author": "sobrien",
                "body": (
                    "Can't speak for St. Brendan, but at Riverside it's the PC at the charge "
                    'nurse desk with the green "BCA" sticker, plus one in the ED pharmacy '
                    "room."
                ),
            },
            {
                "author": "mokafor",
                "body": (
                    "St. Brendan ED: the charge desk and the PC behind triage. Both have "
                    "green stickers. The unit-by-unit map is at "
                    "https://intranet.example-health.org/ehr/downtime"
                ),
            },
            {
                "author": "lnguyen",
                "body": "Found both. Thanks!",
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "mokafor",
        "body": (
            "**Downtime refresher**, since we have a planned upgrade window coming up:\n"
            "- **BCA reports** print automatically every 2 hours to the BCA workstation on "
            "each unit. They include active orders, the MAR for the next 12 hours, "
            "allergies, and the last 72 hours of results.\n"
            "- If you need a report off-cycle, the charge nurse can run it from the BCA "
            "desktop shortcut.\n"
            "- During downtime, use the paper order forms in the **red downtime binder**. "
            "Write legibly and always include the time.\n"
            "- After recovery, paper orders must be **back-entered** within 4 hours. "
            "Pharmacy verifies them against the paper copy.\n"
            "\n"
            "Full downtime procedures: https://intranet.example-health.org/ehr/downtime"
        ),
        "reactions": [["📌", "akim"], ["📌", "sobrien"]],
    },
    {
        "channel": "ehr-tips",
        "author": "eschmidt",
        "body": (
            "Note template question: can I make my H&P template pull the last 24h of vitals "
            "as a compact table instead of the current wall of text?"
        ),
        "replies": [
            {
                "author": "akim",
                "body": (
                    "Swap the vitals link for the table version. In the SmartPhrase editor, "
                    'search "vitals" and pick the one labelled *Vitals (table, 24h '
                    "min/max)*."
                ),
            },
            {
                "author": "eschmidt",
                "body": "Found it. So much more readable.",
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "mokafor",
        "body": (
            "**Secure chat etiquette** (reminder from the Medical Executive Committee):\n"
            "1. Secure chat is for **non-urgent** communication. Anything urgent or "
            "time-critical: call or page.\n"
            '2. Put the context in the first message. "Can you call me?" with nothing else '
            "is the most reported annoyance.\n"
            "3. No orders over chat. Nursing and pharmacy will not accept chat orders.\n"
            "4. Set your status when you're scrubbed, in a procedure, or off shift.\n"
            "5. Use the **attach chart** button instead of typing identifiers into the "
            "message text.\n"
            "6. Chats can be discoverable. Write accordingly."
        ),
        "reactions": [["💯", "akim"], ["💯", "rpatel"], ["💯", "f.alrashid"], ["💯", "dcohen"]],
    },
    {
        "channel": "ehr-tips",
        "author": "hsato",
        "body": (
            "+1 on the status thing. Half the chats I get at 2 a.m. are meant for the day team."
        ),
        "reactions": [["😂", "lnguyen"], ["😂", "sobrien"]],
    },
    {
        "channel": "ehr-tips",
        "author": "f.alrashid",
        "body": (
            "Prescription renewals in clinic: the Rx Request folder now supports **batch "
            "approve** for meds that pass the refill protocol (stable dose, labs in range, "
            "seen within 12 months). Select several > right-click > Approve. Anything "
            "failing protocol gets a yellow flag and can't be batch approved, which is the "
            "point."
        ),
        "reactions": [["👍", "eschmidt"], ["👍", "gmorales"]],
    },
    {
        "channel": "ehr-tips",
        "author": "eschmidt",
        "body": (
            "Has anyone figured out HbA1c results routing? Mine go to me as the ordering "
            "provider, but when endocrinology co-manages they never see them."
        ),
        "replies": [
            {
                "author": "f.alrashid",
                "body": (
                    'Results follow the "Results to" field on the order. When you order '
                    "it, add the endocrinologist under **Additional recipients**. There's "
                    "also a build request in to route A1c results to the care team "
                    "endocrinologist automatically."
                ),
            },
            {
                "author": "mokafor",
                "body": (
                    "That build request was approved and is in the next release. HbA1c "
                    "results routing will follow the **care team** relationship, not just "
                    "the order."
                ),
            },
            {
                "author": "eschmidt",
                "body": "Perfect, thanks both.",
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "lnguyen",
        "body": (
            "Heads up: the **COVID-19 testing order panel** changed today. There's now a "
            "single panel, *Respiratory Viral Panel: COVID-19/Flu/RSV*, and standalone "
            "COVID-19 PCR is only orderable with an indication (pre-procedure, symptomatic "
            "and immunocompromised, or an infection prevention request). Rapid antigen is "
            "still in the ED order set."
        ),
        "reactions": [["👀", "sobrien"], ["👀", "hsato"], ["👀", "jhernandez"]],
    },
    {
        "channel": "ehr-tips",
        "author": "jhernandez",
        "body": (
            "Adding to what @lnguyen said: for asymptomatic pre-procedure testing, pick the "
            'reason "Pre-procedure screening" or the lab will call you. Infection '
            "prevention has asked that we not use the full viral panel for screening."
        ),
        "reactions": [["👍", "lnguyen"]],
    },
    {
        "channel": "ehr-tips",
        "author": "dcohen",
        "body": (
            'ICD-10 code search tips, since I keep seeing "unspecified" codes on problem '
            "lists:\n"
            "- Search by concept, not by code. Type `ckd 3b` rather than `N18`.\n"
            "- The diagnosis calculator asks follow-up questions (stage, laterality, "
            "with/without complication). Answer them; that's what gets you off the "
            "unspecified code.\n"
            "- `N18.9` (CKD, unspecified) gets denied a lot. `N18.32` is CKD stage 3b.\n"
            "- `E11.22` (type 2 DM with diabetic CKD) needs a paired N18 code for the stage."
        ),
        "reactions": [["💡", "akim"], ["💡", "eschmidt"], ["💡", "gmorales"]],
    },
    {
        "channel": "ehr-tips",
        "author": "gmorales",
        "body": (
            "Why does acetaminophen default to q6h while cefazolin defaults to q8h even when "
            'I search "cefazolin q6h"? I change the frequency on nearly every cefazolin '
            "order."
        ),
        "replies": [
            {
                "author": "jhernandez",
                "body": (
                    "The q8h default is deliberate. For most indications, including "
                    "bacteremia, we want 2 g q8h. The q6h option was pulled as a default "
                    "because it kept colliding with the renal dosing rules."
                ),
            },
            {
                "author": "mokafor",
                "body": (
                    "@gmorales frequency defaults live on the order record itself, not in "
                    "your preferences. You can save a personal q6h version to your "
                    "preference list, but pharmacy will still adjust for renal function."
                ),
            },
            {
                "author": "gmorales",
                "body": "Got it. I'll stop fighting it.",
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "sobrien",
        "body": (
            "Can we talk about **BPA fatigue**? On an average ICU day I dismiss 40+ best "
            "practice advisories. The VTE prophylaxis BPA fires on patients already on "
            "therapeutic heparin. The falls BPA fires on intubated patients. People click "
            "through without reading, and someday it'll be the one that mattered."
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    "Completely agree. The CDS committee reviews override rates quarterly "
                    "and anything over 90% goes on the chopping block. Can you send me the "
                    "two you mentioned? The VTE one should be suppressed by an active "
                    "anticoagulant order; if it isn't, that's a bug."
                ),
            },
            {
                "author": "sobrien",
                "body": (
                    "Sent. Also added the sepsis BPA re-firing every 4 hours on the same encounter."
                ),
            },
            {
                "author": "lnguyen",
                "body": "Seconding the re-fire issue from the ED side.",
            },
        ],
        "reactions": [["🙏", "lnguyen"], ["🙏", "akim"], ["🙏", "rpatel"], ["🙏", "dcohen"]],
    },
    {
        "channel": "ehr-tips",
        "author": "mokafor",
        "body": (
            "Epic shortcut cheat sheet, since it came up:\n"
            "- `Ctrl+Space`: search activities\n"
            "- `F2`: jump to the next `***` wildcard in a note\n"
            "- `Shift+F2`: previous wildcard\n"
            "- `Ctrl+1` … `Ctrl+9`: switch workspace tabs\n"
            "- `F5`: refresh the current activity\n"
            "- `Ctrl+Shift+F`: chart search\n"
            "\n"
            "Full list: https://intranet.example-health.org/ehr/shortcuts"
        ),
        "reactions": [["👍", "tadeyemi"], ["👍", "hsato"], ["👍", "gmorales"]],
    },
    {
        "channel": "ehr-tips",
        "author": "hsato",
        "body": "`F2` for wildcards changed my life. I used to click every single one.",
        "reactions": [["😂", "akim"], ["😂", "eschmidt"]],
    },
    {
        "channel": "ehr-tips",
        "author": "eschmidt",
        "body": (
            "Is anyone else's copy-forward dragging along the ROS from three days ago? "
            "Compliance flagged several of our progress notes for identical ROS across a "
            "whole stay."
        ),
        "replies": [
            {
                "author": "akim",
                "body": (
                    "Classic copy-forward problem. Our template now has ROS as a `***` "
                    "block, so the note won't sign until you touch it. Slower, but "
                    "defensible."
                ),
            },
            {
                "author": "dcohen",
                "body": (
                    "We removed ROS from the daily progress note entirely. Under the 2023 "
                    "E/M rules it doesn't contribute to the level of service; MDM or time "
                    "drives it."
                ),
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "dcohen",
        "body": (
            "Billing reminder for inpatient notes under the 2023 E/M changes: the level is "
            "based on **MDM or total time**, not history/exam bullet counts. If you spent 55 "
            "minutes on a subsequent visit, document the time and what it included "
            "(reviewing outside records, talking with consultants, counseling). That "
            "supports 99233 on its own."
        ),
        "reactions": [["💡", "eschmidt"], ["💡", "f.alrashid"]],
    },
    {
        "channel": "ehr-tips",
        "author": "f.alrashid",
        "body": (
            "`.TIMESTATEMENT` for anyone who wants it:\n"
            "\n"
            "```\n"
            "I spent a total of *** minutes on the date of this encounter,\n"
            "including {review of records/examination/counseling/care coordination/\n"
            "documentation:***}. This time does not include separately billed procedures.\n"
            "```"
        ),
        "reactions": [["🙌", "dcohen"], ["🙌", "eschmidt"]],
    },
    {
        "channel": "ehr-tips",
        "author": "gmorales",
        "body": (
            "Handoff tool question: the I-PASS column on our patient list truncates the "
            "action list after about three lines. Any way to expand it?"
        ),
        "replies": [
            {
                "author": "akim",
                "body": (
                    'Click the column header menu > "Wrap text". Or open the Handoff '
                    "activity from the sidebar, which shows the full text. The printed "
                    "handoff report shows everything too."
                ),
            },
            {
                "author": "gmorales",
                "body": "Wrap text. That's all I needed.",
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "rpatel",
        "body": (
            'Reminder that the **Handoff** tool\'s "Illness severity" field drives the '
            "color on the team list. If everyone is marked Watcher, nobody is. Be honest "
            "with it."
        ),
        "reactions": [["👍", "akim"], ["👍", "sobrien"]],
    },
    {
        "channel": "ehr-tips",
        "author": "lnguyen",
        "body": (
            "ED friends: the chest pain order set now has the 0/1h high-sensitivity troponin "
            'pathway built in. Pick "hs-cTnT 0h/1h" and it auto-times the second draw. No '
            "more setting a timer on your phone."
        ),
        "reactions": [["🎉", "rpatel"], ["🎉", "tadeyemi"]],
    },
    {
        "channel": "ehr-tips",
        "author": "jhernandez",
        "body": (
            "Antimicrobial time-out reminder: on day 3 of any IV antibiotic, a BPA asks you "
            "to document the plan (continue, narrow, stop, or switch to PO). You can satisfy "
            "it from the progress note with `.ABXTIMEOUT` instead of the pop-up:\n"
            "\n"
            "```\n"
            ".ABXTIMEOUT\n"
            "Antimicrobial time-out (day ***):\n"
            "Indication: ***\n"
            "Culture data: ***\n"
            "Plan: {Continue/Narrow to ***/Stop/IV to PO:***}\n"
            "Anticipated total duration: *** days\n"
            "```"
        ),
        "reactions": [["👍", "sobrien"], ["👍", "lnguyen"], ["👍", "akim"]],
    },
    {
        "channel": "ehr-tips",
        "author": "hsato",
        "body": (
            "Peds question: weight-based dosing orders keep pulling the weight from the ED "
            "visit instead of today's weight. Is that a setting?"
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    "Dosing uses whatever is documented as **Dosing weight** in the "
                    "flowsheet, not the most recent weight. Nursing can update it, or you "
                    "can click the weight link inside the order composer. Worth a reminder "
                    "to the peds floor."
                ),
            },
            {
                "author": "hsato",
                "body": "Good to know. I'll bring it to our unit huddle.",
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "eschmidt",
        "body": (
            'Tip for discharge med rec: sort by "Changes" instead of alphabetically. New, '
            "changed, and stopped meds float to the top, which is exactly what the AVS "
            "highlights anyway."
        ),
        "reactions": [["💡", "gmorales"], ["💡", "akim"]],
    },
    {
        "channel": "ehr-tips",
        "author": "tadeyemi",
        "body": "My EPCS hard token died. Is there an app option now?",
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    "Yes, the authenticator app is supported for two-factor EPCS signing. "
                    "Enroll through https://intranet.example-health.org/ehr/epcs and stop by "
                    "the help desk. It takes about 10 minutes and requires in-person ID "
                    "proofing."
                ),
            },
            {
                "author": "tadeyemi",
                "body": "Done. Much better than the key fob.",
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "f.alrashid",
        "body": (
            "For controlled substance prescriptions: the **PDMP check** is now integrated. "
            'Click the "PDMP" link in the Rx composer, the state report opens inside Epic, '
            "and the review is documented automatically. No more separate portal login."
        ),
        "reactions": [["👍", "eschmidt"], ["👍", "dcohen"]],
    },
    {
        "channel": "ehr-tips",
        "author": "dcohen",
        "body": (
            'Renal dosing BPA caveat: when it fires, "Accept" swaps in the renally '
            "adjusted dose based on the **latest creatinine**, not a stable baseline. When "
            "the creatinine is moving fast in either direction, double-check before "
            "accepting."
        ),
        "replies": [
            {
                "author": "jhernandez",
                "body": (
                    "Very true for vancomycin and cefepime. Pharmacy usually catches it, but "
                    "the first dose goes out fast."
                ),
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "lnguyen",
        "body": (
            "Tip: use **Sticky Notes** for team-only to-dos that don't belong in the note "
            "(e.g. \"outside records fax requested\"). They don't print and aren't part of "
            "the note. Do not put clinical decisions in them."
        ),
        "reactions": [["👍", "jhernandez"], ["👍", "hsato"]],
    },
    {
        "channel": "ehr-tips",
        "author": "hsato",
        "body": (
            "Is there a SmartPhrase for peds fever without a source? I'd rather not reinvent it."
        ),
        "replies": [
            {
                "author": "lnguyen",
                "body": (
                    "`.FEVERNOSOURCE` is shared by the ED peds group. In SmartPhrase "
                    'Manager, filter by owner "ED Peds".'
                ),
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "eschmidt",
        "body": (
            'Is "Reason for hold" mandatory on med holds now? I got stopped three times today.'
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    "Yes, as of Monday. Pharmacy asked for it because held meds weren't "
                    "getting resumed. It's a one-click list: NPO, procedure, hypotension, "
                    "AKI, other."
                ),
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "dcohen",
        "body": (
            "Future orders for outpatient labs: set both an **expected date** and an "
            "**expiration**, or the draw station can't release them. Half of the \"my labs "
            "weren't drawn\" calls we get are expired future orders."
        ),
        "reactions": [["💡", "f.alrashid"], ["💡", "eschmidt"]],
    },
    {
        "channel": "ehr-tips",
        "author": "f.alrashid",
        "body": (
            "Our clinic built an **in-basket filter** for Patient Advice Requests with "
            '"refill" in the subject. They route straight to the refill pool so the nurses '
            "can handle them under protocol. Happy to walk other clinics through it."
        ),
        "replies": [
            {
                "author": "eschmidt",
                "body": "Yes please, can you share the rule?",
            },
            {
                "author": "f.alrashid",
                "body": (
                    "In Basket rules can't be shared the way SmartPhrases can, but here's "
                    "the setup:\n"
                    "- Folder: `Patient Advice Request`\n"
                    '- Condition: subject contains "refill"\n'
                    "- Action: forward to pool `FM Refill Pool`\n"
                    "\n"
                    "Swap in your own pool name."
                ),
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "mokafor",
        "body": (
            "**This week's upgrade release notes:**\n"
            '- Order sets: the "Favorites only" toggle is now the default view\n'
            "- In Basket: results can be grouped by patient\n"
            "- SmartPhrase Manager: new search by shared owner\n"
            "- BPAs: suppression window for the sepsis BPA extended to 8 hours after "
            "acknowledgement\n"
            "\n"
            "Full notes: https://intranet.example-health.org/ehr/release-notes"
        ),
        "reactions": [["👍", "akim"], ["👍", "lnguyen"]],
    },
    {
        "channel": "ehr-tips",
        "author": "akim",
        "body": (
            "For anyone who trained on Cerner, a rough translation table:\n"
            "| Cerner | Epic |\n"
            "|---|---|\n"
            "| Auto Text | SmartPhrase |\n"
            "| PowerPlan | Order set |\n"
            "| Message Center | In Basket |\n"
            "| Dynamic Documentation | Note templates |"
        ),
        "reactions": [["👍", "gmorales"]],
    },
    {
        "channel": "ehr-tips",
        "author": "eschmidt",
        "body": (
            "How do I make a SmartList remember my last choice? My `.DIETORDER` list always "
            "defaults to the first option."
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    "In the SmartList editor under Properties, check \"Remember user's last "
                    'selection". It only works on personal SmartLists; shared system lists '
                    "can't be changed per user."
                ),
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "sobrien",
        "body": (
            "Critical care time: `.CCTIME` now includes the required exclusion language. "
            "Please use it. Auditors are specifically checking that we state procedure time "
            "was excluded.\n"
            "\n"
            "```\n"
            ".CCTIME\n"
            "Critical care time: *** minutes, excluding separately billable procedures\n"
            "and time spent teaching. High probability of imminent or life-threatening\n"
            "deterioration due to ***.\n"
            "```"
        ),
        "reactions": [["👍", "akim"], ["👍", "dcohen"]],
    },
    {
        "channel": "ehr-tips",
        "author": "dcohen",
        "body": (
            "Is there a way to get the dialysis flowsheet into my note without the giant "
            "table? I only need UF goal, UF achieved, and access."
        ),
        "replies": [
            {
                "author": "sobrien",
                "body": (
                    "Build a personal SmartPhrase with just those flowsheet rows. Pick the "
                    "flowsheet link and select the specific rows. Takes about five minutes; "
                    "informatics can help if you get stuck."
                ),
            },
            {
                "author": "dcohen",
                "body": (
                    "Done. `.HDSUMMARY` is shared with the nephrology department if anyone "
                    "wants it."
                ),
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "f.alrashid",
        "body": (
            "Clinic tip: the well-visit **SmartSets** now include age-appropriate screening "
            "orders. Open the SmartSet and the right screenings are pre-checked by age and "
            "sex. Uncheck anything not indicated."
        ),
        "reactions": [["👍", "hsato"]],
    },
    {
        "channel": "ehr-tips",
        "author": "akim",
        "body": (
            "Tip: you can **pend** orders while writing a note and sign them later. Handy "
            "when you're drafting during rounds and want the attending to look first. Pended "
            "orders show in the Orders sidebar with a clock icon."
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "eschmidt",
        "body": (
            "Attending attestation for teaching services: use `.TEACHATTEST`. The old "
            '`.ATTEST` lacks the "I personally saw and examined" language and gets kicked '
            "back by billing."
        ),
        "reactions": [["👍", "dcohen"], ["👍", "akim"]],
    },
    {
        "channel": "ehr-tips",
        "author": "jhernandez",
        "body": (
            "Why don't culture results show the susceptibility table in the results view? I "
            "have to click into each one."
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    'Turn on "Show susceptibilities inline" in the results review settings '
                    "(gear icon). It's off by default because it makes the view very long."
                ),
            },
            {
                "author": "jhernandez",
                "body": "Way better. Thanks.",
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "mokafor",
        "body": (
            "**Downtime drill** Thursday 02:00–02:30 at all three facilities. The EHR goes "
            "read-only, then fully down for 15 minutes. Before the drill, please:\n"
            "1. Locate your unit's BCA workstation and the red downtime binder\n"
            "2. Confirm you can open the latest BCA report\n"
            "3. Practice one paper order using the downtime order form\n"
            "\n"
            "Feedback form: https://intranet.example-health.org/ehr/downtime/feedback"
        ),
        "reactions": [["👍", "sobrien"], ["👍", "lnguyen"], ["👍", "akim"]],
    },
    {
        "channel": "ehr-tips",
        "author": "sobrien",
        "body": (
            "ICU survived the drill. Lessons: the BCA report was 90 minutes old, and the "
            "paper MAR layout for drips is confusing. Sending feedback through the form."
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    "That's exactly what we need. We'll look at the drip layout on the BCA report."
                ),
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "lnguyen",
        "body": (
            "ED downtime went OK. Biggest gap was the tracking board; charge nurses went "
            "back to the whiteboard. Could we add a printed tracking board to the downtime "
            "reports?"
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": "Good idea. Adding it to the list for the next BCA report review.",
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "gmorales",
        "body": (
            "Anyone else having trouble with secure chat notifications on mobile? Haiku "
            "shows the badge but no push."
        ),
        "replies": [
            {
                "author": "akim",
                "body": (
                    "Check the phone's notification settings; the last OS update reset them "
                    'for several of us. Also, Haiku > Settings > Secure Chat > "Notify only '
                    'while on shift" can silently mute you.'
                ),
            },
            {
                "author": "gmorales",
                "body": "It was the OS reset. Fixed.",
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "dcohen",
        "body": (
            "Friendly reminder: when you place a nephrology consult order, fill in the "
            '**question**. "Renal consult" with no question means we have to call you '
            "first."
        ),
        "reactions": [["😂", "jhernandez"], ["😂", "eschmidt"], ["😂", "akim"]],
    },
    {
        "channel": "ehr-tips",
        "author": "tadeyemi",
        "body": 'Same for cardiology. "Please eval" is not a question.',
        "reactions": [["😂", "rpatel"], ["😂", "gmorales"]],
    },
    {
        "channel": "ehr-tips",
        "author": "f.alrashid",
        "body": (
            "Prescription renewals: pharmacy renewal requests for 90-day supplies sometimes "
            "arrive as 30 days. Before approving, you can edit quantity and days supply "
            "right in the request. No need to deny and re-prescribe."
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "hsato",
        "body": (
            "Does e-prescribing support liquid formulations with mg/kg dosing yet? Right now "
            "I calculate by hand and enter mL."
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    'Yes, if you start from the weight-based order (look for the "mg/kg" '
                    "label). It calculates and rounds to a measurable volume. The plain "
                    "liquid order doesn't."
                ),
            },
            {
                "author": "hsato",
                "body": "That's the one I'd been missing. Thanks.",
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "akim",
        "body": (
            "Advance care planning billing: `.ACPNOTE` documents time and participants and "
            "supports 99497/99498. You need at least 16 minutes for 99497."
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "rpatel",
        "body": "When an order set gets a new version, do my favorites carry over?",
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    "Favorites are preserved across versions unless that specific order was "
                    "removed from the set. If an order was replaced, star the new one."
                ),
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "sobrien",
        "body": (
            "More on BPA fatigue: the **falls risk** BPA is now suppressed for patients with "
            "an active restraint or ventilator order. Thank you to whoever fixed that."
        ),
        "reactions": [["🎉", "mokafor"], ["🎉", "lnguyen"], ["🎉", "akim"]],
    },
    {
        "channel": "ehr-tips",
        "author": "mokafor",
        "body": (
            "That was the CDS committee. Override rate dropped from 96% to 71% in one week. "
            "Keep the feedback coming."
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "gmorales",
        "body": (
            "Tip: type `.med` in a note and pause. It lists every SmartPhrase starting with "
            '"med", so you don\'t have to remember exact names.'
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "akim",
        "body": (
            "Patient list tip: build a **system list** for your team and share it with the "
            "cross-cover resident. They get the list automatically when you sign out."
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "dcohen",
        "body": (
            "ICD-10 tip for AKI: `N17.9` works for AKI unspecified, but if your note says "
            "ATN, use `N17.0`. Coders will query you if the note says ATN and the problem "
            "list says N17.9."
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "f.alrashid",
        "body": (
            'Has anyone tried the new **in-basket filter** "Needs my signature"? It hides '
            "result noise and shows only orders and notes waiting on you. It's in the filter "
            "dropdown at the top of In Basket."
        ),
        "replies": [
            {
                "author": "akim",
                "body": "Using it daily. Best new feature this year.",
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "mokafor",
        "body": (
            "Secure chat etiquette, part 2: please don't add 15 people to a group chat for "
            "one question. Add the person who can answer it."
        ),
        "reactions": [["😂", "akim"], ["😂", "sobrien"], ["😂", "rpatel"]],
    },
    {
        "channel": "ehr-tips",
        "author": "eschmidt",
        "body": (
            "Who gets prescription renewals for meds originally prescribed by someone who has left?"
        ),
        "replies": [
            {
                "author": "f.alrashid",
                "body": (
                    "They go to the department pool by default. Whoever picks it up should "
                    "change the authorizing provider to themselves before approving."
                ),
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "sobrien",
        "body": (
            "q6h vs q8h gotcha: the electrolyte replacement protocol labs (BMP, Mg, Phos) "
            "default to q6h in the ICU and q8h on the floors. When a patient transfers, the "
            "frequency does not change automatically."
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    "Transfer order reconciliation should prompt for it. If it doesn't, the "
                    "labs were probably ordered outside the protocol. Can you send an "
                    "example (no identifiers)?"
                ),
            },
            {
                "author": "sobrien",
                "body": "Will do. I think you're right that they were ad hoc orders.",
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "gmorales",
        "body": (
            "A BPA I actually love: the **duplicate anticoagulant** alert. It caught a "
            "double dose for a colleague last week. Not all BPAs are bad."
        ),
        "reactions": [["💯", "sobrien"], ["💯", "tadeyemi"]],
    },
    {
        "channel": "ehr-tips",
        "author": "lnguyen",
        "body": (
            "COVID-19 testing order panel follow-up: rapid antigen is only orderable from "
            "the ED now. Inpatient panels go to PCR. If you need a rapid for a transfer, "
            "call the lab."
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "jhernandez",
        "body": (
            "Infection prevention asked me to pass this on: place the isolation order *with* "
            "the COVID-19/Flu/RSV panel, not after results come back. The panel now has a "
            'checkbox for "Place droplet/contact isolation".'
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "mokafor",
        "body": (
            "Reminder: SmartPhrases owned by people who have left the organization are "
            "deactivated after 90 days. If you rely on a phrase shared by someone who left, "
            "copy it into your own account."
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "akim",
        "body": (
            'SmartPhrase Manager > "Usage" shows how often each shared phrase gets used. '
            "We deleted 40 team phrases nobody had touched in a year."
        ),
        "reactions": [["💡", "mokafor"], ["💡", "eschmidt"]],
    },
    {
        "channel": "ehr-tips",
        "author": "rpatel",
        "body": (
            "Cardiology phrase for stress test orders: `.STRESSORDER` includes the "
            "indication, prior stress results, and beta-blocker hold instructions. Shared "
            "with the cardiology department."
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "dcohen",
        "body": (
            'Tip: in Chart Review > Labs, right-click any result and choose "Graph". Much '
            "faster for creatinine trends than scrolling."
        ),
        "reactions": [["💡", "sobrien"], ["💡", "akim"]],
    },
    {
        "channel": "ehr-tips",
        "author": "eschmidt",
        "body": (
            "HbA1c results routing update: confirmed live. An A1c routed to the care team "
            "endocrinologist this morning without anyone adding a CC."
        ),
        "reactions": [["🎉", "f.alrashid"], ["🎉", "mokafor"]],
    },
    {
        "channel": "ehr-tips",
        "author": "f.alrashid",
        "body": (
            "ICD-10 code search tip: type `sdoh` to pull up social determinants codes. "
            "`Z59.00` (homelessness, unspecified) and `Z59.41` (food insecurity) both count "
            "for risk adjustment, and they're useful for care management referrals."
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "hsato",
        "body": (
            "In Basket tip: set up a **Quick Action** for normal results so the result note "
            "opens pre-filled with your normal-result message. Saves a lot of typing."
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "gmorales",
        "body": (
            "How do I print a blank downtime note template? Our floor binder is missing the "
            "progress note page."
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    "All downtime forms are at "
                    "https://intranet.example-health.org/ehr/downtime/forms. Please also "
                    "tell your unit manager so the binder gets restocked."
                ),
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "mokafor",
        "body": (
            "**EHR office hours**: Tuesdays 12:00–13:00 in the Riverside informatics office "
            "or on video. Bring your SmartPhrase, order set, In Basket, or BPA questions. "
            "https://intranet.example-health.org/ehr/office-hours"
        ),
        "reactions": [["👍", "akim"], ["👍", "gmorales"], ["👍", "eschmidt"], ["👍", "sobrien"]],
    },
    {
        "channel": "ehr-tips",
        "author": "lnguyen",
        "body": (
            "I know BPA fatigue is a recurring theme, but the stroke BPA in the ED is "
            "genuinely useful: it fires when last-known-well is under 24 hours and pre-fills "
            "the stroke order set."
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "jhernandez",
        "body": (
            "Allergy tip: the allergy activity now has a **penicillin allergy assessment** "
            "button that documents reaction history and risk category. Low-risk patients can "
            "get a direct oral challenge order from the same screen."
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "akim",
        "body": (
            "Progress note tip: put the **assessment and plan at the top** (APSO). "
            "Consultants and nurses read the plan first. `.APSO` is shared with Hospital "
            "Medicine."
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "dcohen",
        "body": (
            'Does ICD-10 code search handle abbreviations? Searching "ESRD" gave me odd results.'
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    'It does. "ESRD" maps to `N18.6` plus dialysis status `Z99.2`, and '
                    "search shows both because they're usually paired. Pick both."
                ),
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "akim",
        "body": (
            "SmartPhrase sharing question: can we share a phrase with a whole department but "
            "keep editing rights to two people?"
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    "Yes. Share with the department as *Viewer*, then add the two people "
                    "individually as *Editor*."
                ),
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "eschmidt",
        "body": (
            "Is the acetaminophen max-dose check 3 g or 4 g now? My q6h PRN order threw a warning."
        ),
        "replies": [
            {
                "author": "jhernandez",
                "body": (
                    "3 g/day for patients over 65 or with liver disease, 4 g otherwise. The "
                    "warning multiplies by frequency, so 1 g q6h hits 4 g/day."
                ),
            },
        ],
    },
    {
        "channel": "ehr-tips",
        "author": "mokafor",
        "body": (
            "Reminder: the **BPA feedback** button (thumbs-down icon on any BPA) goes "
            "straight to the CDS committee. Every comment gets read."
        ),
    },
    {
        "channel": "ehr-tips",
        "author": "hsato",
        "body": (
            "Thanks for this channel, by the way. I've learned more EHR tricks here in a "
            "month than in orientation."
        ),
        "reactions": [["❤️", "mokafor"], ["❤️", "akim"], ["❤️", "lnguyen"]],
    },
    # ---- #cardiology ----------------------------------------
    {
        "channel": "cardiology",
        "author": "rpatel",
        "body": (
            "Welcome to **#cardiology**. Use this for cardiology-specific EHR workflows: "
            "order sets, consult routing, echo/cath/stress ordering, and documentation tips. "
            "General EHR questions go in #ehr-tips."
        ),
        "reactions": [["👋", "tadeyemi"], ["👋", "akim"], ["👋", "gmorales"]],
    },
    {
        "channel": "cardiology",
        "author": "tadeyemi",
        "body": (
            "Is there a shortcut to jump straight to Chart Review > Cardiology? I live in that tab."
        ),
        "replies": [
            {
                "author": "rpatel",
                "body": (
                    "Not a default one, but you can right-click the Cardiology tab and "
                    'choose "Set as default" so Chart Review always opens there. Also, '
                    "`Ctrl+Space` opens activity search from anywhere."
                ),
            },
        ],
    },
    {
        "channel": "cardiology",
        "author": "rpatel",
        "body": (
            "The **ADHF admission order set** got a refresh. Highlights:\n"
            "1. Daily weights and strict I/O are pre-checked\n"
            "2. IV furosemide dose defaults to **2.5× the home oral dose** (you can override)\n"
            '3. New "GDMT review" section lists the four pillars with a reason field if '
            "you don't start one\n"
            "4. Potassium and magnesium replacement protocol is built in\n"
            "\n"
            "Feedback welcome here before we lock the next version."
        ),
        "reactions": [["👍", "tadeyemi"], ["👍", "akim"], ["👍", "eschmidt"]],
    },
    {
        "channel": "cardiology",
        "author": "akim",
        "body": (
            'Love the GDMT section. Is the "reason not started" field required, or can we skip it?'
        ),
        "replies": [
            {
                "author": "rpatel",
                "body": (
                    "Optional on admission, required at discharge. The discharge navigator "
                    "has a GDMT checkpoint now."
                ),
            },
            {
                "author": "akim",
                "body": "Makes sense. Most of the decisions happen closer to discharge anyway.",
            },
        ],
    },
    {
        "channel": "cardiology",
        "author": "tadeyemi",
        "body": (
            'Documentation tip for heart failure coding: "CHF" alone codes to `I50.9`, '
            "which is unspecified and tanks our risk adjustment. Specify type and acuity:\n"
            "- `I50.23` acute on chronic systolic (HFrEF)\n"
            "- `I50.33` acute on chronic diastolic (HFpEF)\n"
            "- `I50.43` acute on chronic combined\n"
            "\n"
            "CDI will query you if you don't."
        ),
        "reactions": [["💡", "rpatel"], ["💡", "gmorales"]],
    },
    {
        "channel": "cardiology",
        "author": "gmorales",
        "body": "Is there a SmartPhrase that calculates CHA2DS2-VASc from the chart?",
        "replies": [
            {
                "author": "tadeyemi",
                "body": (
                    "`.CHADSVASC` pulls age, sex, and the relevant problem list entries, "
                    "then asks you to confirm each item. Always confirm; the problem list is "
                    "often incomplete."
                ),
            },
            {
                "author": "gmorales",
                "body": "Perfect. And HAS-BLED?",
            },
            {
                "author": "tadeyemi",
                "body": (
                    "`.HASBLED` works the same way. Both are shared with the whole "
                    "Department of Medicine."
                ),
            },
        ],
    },
    {
        "channel": "cardiology",
        "author": "sobrien",
        "body": (
            "Cardiology folks: what's the preferred way to reach the on-call fellow "
            "overnight? Secure chat or page?"
        ),
        "replies": [
            {
                "author": "rpatel",
                "body": (
                    "Page for anything that needs a response within 15 minutes. Secure chat "
                    'is fine for "FYI, please see in the morning". The on-call schedule in '
                    "the paging directory is always current."
                ),
            },
        ],
    },
    {
        "channel": "cardiology",
        "author": "rpatel",
        "body": (
            "The **hs-troponin 0/1h pathway** is live in both the ED chest pain order set "
            'and the inpatient "rule out ACS" order set. Thresholds for hs-cTnT:\n'
            "- 0h < 5 ng/L (if symptoms > 3h): rule out\n"
            "- 0h < 12 and Δ1h < 3: rule out\n"
            "- 0h ≥ 52 or Δ1h ≥ 5: rule in\n"
            "- Everything else: observe, 3h draw\n"
            "\n"
            "The order set auto-times the 1h draw. Questions to me or @tadeyemi."
        ),
        "reactions": [["🎉", "tadeyemi"], ["🎉", "akim"], ["🎉", "sobrien"]],
    },
    {
        "channel": "cardiology",
        "author": "dcohen",
        "body": (
            "How does the troponin pathway handle CKD? Our dialysis patients chronically run "
            "above the cutoff."
        ),
        "replies": [
            {
                "author": "rpatel",
                "body": (
                    "Good question. The pathway is validated less well in advanced CKD. The "
                    "order set shows a warning when eGFR < 30 and recommends serial deltas "
                    "rather than absolute cutoffs."
                ),
            },
            {
                "author": "dcohen",
                "body": "Thanks. I'll pass that to the dialysis unit physicians.",
            },
        ],
    },
    {
        "channel": "cardiology",
        "author": "eschmidt",
        "body": (
            "Heads up: the ECG tracings from outside hospitals that come via Care Everywhere "
            "don't show in the MUSE viewer. You have to open them from the outside documents "
            "tab."
        ),
    },
    {
        "channel": "cardiology",
        "author": "rpatel",
        "body": (
            "Related: when an outside echo report comes in via Care Everywhere, "
            "**reconcile** it into our chart so it shows under Chart Review > Cardiology. "
            "Otherwise nobody finds it."
        ),
    },
    {
        "channel": "cardiology",
        "author": "tadeyemi",
        "body": (
            'The heparin nomogram order set now asks "ACS or VTE?" up front and picks '
            "bolus and infusion accordingly. Please don't choose VTE for ACS to get the "
            "bigger bolus. Pharmacy will call."
        ),
        "reactions": [["😂", "rpatel"], ["😂", "gmorales"]],
    },
    {
        "channel": "cardiology",
        "author": "akim",
        "body": (
            "Post-PCI discharge: is there a way to make the DAPT prescription show the "
            "planned duration on the AVS?"
        ),
        "replies": [
            {
                "author": "tadeyemi",
                "body": (
                    'Yes. The post-PCI discharge order set has a "DAPT duration" field (6 '
                    "or 12 months, or custom) that prints on the AVS and adds a health "
                    "maintenance reminder to the PCP."
                ),
            },
            {
                "author": "akim",
                "body": "That reminder is going to save people. Thank you.",
            },
        ],
    },
    {
        "channel": "cardiology",
        "author": "rpatel",
        "body": (
            "Telemetry orders now require an indication and a duration (24, 48, or 72h). "
            "When it ends, you get an In Basket message to renew or discontinue."
        ),
        "replies": [
            {
                "author": "tadeyemi",
                "body": "Finally. Is the AHA indication list built in?",
            },
            {
                "author": "rpatel",
                "body": "Yes, mapped to the AHA practice standard categories.",
            },
        ],
    },
    {
        "channel": "cardiology",
        "author": "gmorales",
        "body": (
            "When I order an echo, how do I get it prioritized as inpatient vs "
            "outpatient-after-discharge? I keep getting echoes scheduled a day after "
            "discharge."
        ),
        "replies": [
            {
                "author": "tadeyemi",
                "body": (
                    'In the echo order, set "Timing" to "Before discharge". "Routine" '
                    "means the echo lab schedules it whenever, which can be outpatient."
                ),
            },
        ],
    },
    {
        "channel": "cardiology",
        "author": "tadeyemi",
        "body": (
            "The echo order now has a **limited echo** option that schedules faster. Use it "
            "when you just need an EF or a pericardial effusion check."
        ),
        "reactions": [["👍", "rpatel"], ["👍", "eschmidt"]],
    },
    {
        "channel": "cardiology",
        "author": "eschmidt",
        "body": (
            "Can someone explain the new **SGLT2 inhibitor BPA** on HF discharges? It fires "
            "even when the patient is already on one."
        ),
        "replies": [
            {
                "author": "rpatel",
                "body": (
                    "It checks the *discharge* med list, not the home list. If you haven't "
                    'reconciled the home SGLT2i as "continue" yet, it fires. Reconcile '
                    "first and it goes away."
                ),
            },
            {
                "author": "eschmidt",
                "body": "That explains it. I usually do med rec last.",
            },
        ],
    },
    {
        "channel": "cardiology",
        "author": "tadeyemi",
        "body": (
            "IV amiodarone load orders now have a BPA for QTc over 500 ms. Enter the QTc "
            "from the latest ECG when prompted."
        ),
    },
    {
        "channel": "cardiology",
        "author": "dcohen",
        "body": (
            "DOAC dosing question: does the apixaban dosing CDS use the Cockcroft-Gault CrCl "
            "or eGFR?"
        ),
        "replies": [
            {
                "author": "rpatel",
                "body": (
                    "Apixaban dose reduction for AF uses the two-of-three rule (age ≥ 80, "
                    "weight ≤ 60 kg, Cr ≥ 1.5), not CrCl. The CDS checks all three. "
                    "Rivaroxaban and dabigatran use Cockcroft-Gault."
                ),
            },
            {
                "author": "dcohen",
                "body": "That's what I thought; just confirming the build matches.",
            },
        ],
    },
    {
        "channel": "cardiology",
        "author": "tadeyemi",
        "body": (
            "Prescription renewals for DOACs now check the latest creatinine and weight. If "
            "either is older than 12 months, the renewal shows a warning."
        ),
        "reactions": [["👍", "dcohen"]],
    },
    {
        "channel": "cardiology",
        "author": "rpatel",
        "body": (
            "Our cardiology consult note template, for anyone who wants to use it:\n"
            "\n"
            "```\n"
            ".CARDSCONSULT\n"
            "Reason for consult: ***\n"
            "Requesting physician: ***\n"
            "HPI: ***\n"
            "Cardiac history: {CAD/HF/AF/Valve/Device/None:***}\n"
            "Relevant data:\n"
            "  ECG: ***\n"
            "  Echo (most recent): ***\n"
            "  Troponin trend: ***\n"
            "Assessment: ***\n"
            "Recommendations:\n"
            "  1. ***\n"
            "Thank you for this consult. We will follow {daily/PRN:***}.\n"
            "```"
        ),
        "reactions": [["🔥", "tadeyemi"], ["🔥", "akim"], ["🔥", "gmorales"]],
    },
    {
        "channel": "cardiology",
        "author": "akim",
        "body": (
            'Can we get the "Recommendations" section from the cardiology consult note to '
            "show up in the hospitalist handoff? Right now it's buried."
        ),
        "replies": [
            {
                "author": "rpatel",
                "body": (
                    "Yes, there's a handoff link for consult recommendations. @mokafor added "
                    'it last quarter. In the Handoff activity, click "Consult recs" and it '
                    "imports the latest recommendations from each consult."
                ),
            },
            {
                "author": "akim",
                "body": "Didn't know about that. Game changer.",
            },
        ],
    },
    {
        "channel": "cardiology",
        "author": "gmorales",
        "body": (
            "Question about the **cardiac rehab referral**: is it automatic after an MI admission?"
        ),
        "replies": [
            {
                "author": "tadeyemi",
                "body": (
                    "It's a BPA at discharge. If you dismiss it, you have to document why. "
                    "The referral goes to the cardiac rehab scheduler directly."
                ),
            },
        ],
    },
    {
        "channel": "cardiology",
        "author": "rpatel",
        "body": (
            "**Cath lab pre-procedure order set** updated:\n"
            "- Contrast allergy premedication is now a separate section\n"
            "- Metformin hold and creatinine check are pre-checked\n"
            "- Hydration orders default to 1 mL/kg/h for 6h pre and post, or 0.5 mL/kg/h if "
            "EF < 35%"
        ),
        "reactions": [["👍", "akim"], ["👍", "tadeyemi"]],
    },
    {
        "channel": "cardiology",
        "author": "eschmidt",
        "body": (
            "Is there a way to see device interrogation reports in Epic? Patients with ICDs "
            "come in and I never know where to look."
        ),
        "replies": [
            {
                "author": "tadeyemi",
                "body": (
                    "Chart Review > Cardiology > Device. Remote and in-clinic interrogations "
                    "both land there. If a report is missing, the device clinic can upload "
                    "it."
                ),
            },
        ],
    },
    {
        "channel": "cardiology",
        "author": "sobrien",
        "body": (
            "Question about the **vasopressin** order in the shock order set: why is it "
            "fixed at 0.03 units/min with no titration?"
        ),
        "replies": [
            {
                "author": "tadeyemi",
                "body": (
                    "That's on purpose; vasopressin isn't typically titrated. If you need a "
                    'different dose, use the free-text "other" option and pharmacy will '
                    "verify."
                ),
            },
        ],
    },
    {
        "channel": "cardiology",
        "author": "tadeyemi",
        "body": (
            "Statin BPA reminder: it fires when LDL ≥ 70 in patients with ASCVD on the "
            "problem list and no high-intensity statin. Please document intolerance if "
            "that's the reason; it'll stop firing."
        ),
    },
    {
        "channel": "cardiology",
        "author": "rpatel",
        "body": (
            "We're tracking **GDMT at discharge** for HFrEF patients. Current rates: "
            "beta-blocker 92%, ARNI/ACEi/ARB 81%, MRA 58%, SGLT2i 49%. The GDMT checkpoint "
            "in the discharge navigator should help the last two."
        ),
        "replies": [
            {
                "author": "akim",
                "body": "The MRA number surprises me. Is it mostly potassium concerns?",
            },
            {
                "author": "rpatel",
                "body": (
                    "Largely, plus undocumented reasons. If it's K or eGFR, document it in "
                    "the reason field so it's excluded from the measure."
                ),
            },
        ],
    },
    {
        "channel": "cardiology",
        "author": "tadeyemi",
        "body": (
            "**Syncope order set** is live: orthostatic vitals, ECG, tele with a 24h "
            "default, and a BPA that discourages head CT and carotid US unless specific "
            "criteria are met."
        ),
        "reactions": [["👍", "rpatel"], ["👍", "sobrien"]],
    },
    {
        "channel": "cardiology",
        "author": "rpatel",
        "body": (
            "Thanks everyone for the feedback on the ADHF order set. Version 2.1 goes live "
            "next Monday. Changes:\n"
            "- IV diuretic dose multiplier is now adjustable (1×, 2×, 2.5×)\n"
            '- Added "diuretic response check" at 6h (urine output ≥ 100 mL/h or spot '
            "urine Na ≥ 50–70 mEq/L)\n"
            "- Added SGLT2i initiation to the inpatient section"
        ),
        "reactions": [["🙏", "tadeyemi"], ["🙏", "akim"], ["🙏", "gmorales"], ["🙏", "eschmidt"]],
    },
    # ---- #hospital-medicine ----------------------------------------
    {
        "channel": "hospital-medicine",
        "author": "akim",
        "body": (
            "Kicking off **#hospital-medicine** for hospitalists across all three sites. "
            "Workflow questions, order sets, discharge and handoff tools, CDI/billing tips. "
            "Cross-site differences especially welcome; we're trying to standardize."
        ),
        "reactions": [["👋", "gmorales"], ["👋", "eschmidt"], ["👋", "f.alrashid"]],
    },
    {
        "channel": "hospital-medicine",
        "author": "gmorales",
        "body": (
            "St. Brendan question: do Riverside and Northgate use the same **admission order "
            "set**? Ours still has the old VTE prophylaxis section that makes you pick a "
            "risk score manually."
        ),
        "replies": [
            {
                "author": "akim",
                "body": (
                    "Northgate moved to the new one in the spring. It calculates Padua "
                    "automatically and pre-selects enoxaparin 40 mg daily if score ≥ 4 and "
                    "no contraindications. Riverside is on it too."
                ),
            },
            {
                "author": "mokafor",
                "body": (
                    "St. Brendan gets it in the next release. The delay was a local pharmacy "
                    "formulary difference."
                ),
            },
            {
                "author": "gmorales",
                "body": "Good. Looking forward to dropping the manual scoring.",
            },
        ],
    },
    {
        "channel": "hospital-medicine",
        "author": "eschmidt",
        "body": (
            "CDI tip: the most common query we get is for **acute respiratory failure**. If "
            "you document it, include the supporting criteria in the note: SpO2 or PaO2, "
            "respiratory rate, work of breathing, and the oxygen requirement. Just "
            '"hypoxia" codes as a symptom, not respiratory failure (`J96.01`).'
        ),
        "reactions": [["💡", "akim"], ["💡", "dcohen"]],
    },
    {
        "channel": "hospital-medicine",
        "author": "dcohen",
        "body": (
            'Same for AKI. The CDI query is usually "please clarify etiology". Document '
            "prerenal vs ATN vs obstructive if you know, and the baseline creatinine you're "
            "comparing to."
        ),
    },
    {
        "channel": "hospital-medicine",
        "author": "akim",
        "body": (
            "**Expected discharge date (EDD)**: please update it daily in the Handoff or "
            "Progress Note navigator. Case management uses it to plan placement, and the bed "
            "board uses it for capacity forecasting. A stale EDD is worse than none."
        ),
        "reactions": [["👍", "gmorales"], ["👍", "eschmidt"]],
    },
    {
        "channel": "hospital-medicine",
        "author": "jhernandez",
        "body": (
            "ID here. Could hospitalists please use the **ID consult question** field "
            'specifically? "Bacteremia" is not a question; "Duration of therapy for MSSA '
            'bacteremia with negative TEE?" is.'
        ),
        "replies": [
            {
                "author": "akim",
                "body": "Fair. Adding it to the next team meeting agenda.",
            },
        ],
    },
    {
        "channel": "hospital-medicine",
        "author": "jhernandez",
        "body": (
            'OPAT referrals now have their own order. Search "OPAT referral" in the '
            "discharge navigator. It notifies ID and the infusion pharmacy in one step and "
            "asks for line type and planned stop date."
        ),
        "reactions": [["🙌", "akim"], ["🙌", "gmorales"]],
    },
    {
        "channel": "hospital-medicine",
        "author": "f.alrashid",
        "body": (
            "Primary care perspective: the discharge summary is great, but please make sure "
            "the **follow-up appointment** is actually scheduled or at least requested via "
            'the referral order. "Follow up with PCP" without a request often doesn\'t '
            "happen."
        ),
        "replies": [
            {
                "author": "gmorales",
                "body": 'Does the "Request PCP follow-up" order notify your clinic directly?',
            },
            {
                "author": "f.alrashid",
                "body": (
                    "Yes, it drops into our scheduling pool and we call to book. Much more "
                    "reliable than the AVS instruction alone."
                ),
            },
        ],
    },
    {
        "channel": "hospital-medicine",
        "author": "mokafor",
        "body": (
            "We're piloting **ambient documentation** in hospital medicine at Northgate next "
            "month. If you want in, reply in the thread. You still review and sign every "
            "note: it drafts, you own it."
        ),
        "replies": [
            {
                "author": "akim",
                "body": "In.",
            },
            {
                "author": "gmorales",
                "body": "Me too, though I'm at St. Brendan. Any chance of cross-site?",
            },
            {
                "author": "mokafor",
                "body": (
                    "Phase 1 is Northgate only because of device licensing. St. Brendan is "
                    "in phase 2."
                ),
            },
        ],
    },
    {
        "channel": "hospital-medicine",
        "author": "gmorales",
        "body": (
            '**Observation vs inpatient**: the status order now shows a "two-midnight '
            'expectation" question. If you expect the stay to cross two midnights, document '
            "*why* in the admission note. Utilization review reads that sentence."
        ),
        "reactions": [["👍", "akim"], ["👍", "eschmidt"]],
    },
    {
        "channel": "hospital-medicine",
        "author": "eschmidt",
        "body": (
            "The **insulin order set** now defaults to basal-bolus with correction scale. "
            "Sliding-scale-only orders trigger a BPA. I'm fine with that, but the BPA should "
            "suppress for patients who are NPO."
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    "Good catch. I'll take it to CDS. It should check for an active NPO diet order."
                ),
            },
        ],
    },
    {
        "channel": "hospital-medicine",
        "author": "akim",
        "body": (
            "Cross-cover SmartPhrase for night events. Keeps the overnight note short and "
            "consistent:\n"
            "\n"
            "```\n"
            ".XCOVER\n"
            "Cross-cover event note\n"
            "Called by: {RN/Pharmacy/Family/Other:***} regarding ***\n"
            "Assessment: ***\n"
            "Actions taken: ***\n"
            "Plan/communicated to day team via: {Handoff/Secure chat:***}\n"
            "```"
        ),
        "reactions": [["🔥", "gmorales"], ["🔥", "eschmidt"], ["🔥", "dcohen"]],
    },
    {
        "channel": "hospital-medicine",
        "author": "dcohen",
        "body": (
            "Hyponatremia order set question: is there a way to get sodium q4h without "
            "putting in four separate orders?"
        ),
        "replies": [
            {
                "author": "eschmidt",
                "body": (
                    'The order set has a "Sodium q4h × 24h" option under monitoring. It '
                    "creates recurring orders and auto-stops after 24 hours."
                ),
            },
            {
                "author": "dcohen",
                "body": 'Ah, I was searching for "BMP q4h". Thanks.',
            },
        ],
    },
    {
        "channel": "hospital-medicine",
        "author": "f.alrashid",
        "body": (
            "Is there a way for the PCP to get a notification when a patient is admitted? "
            "Right now I find out when the discharge summary arrives."
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    "Yes. The ADT notification for PCPs is an In Basket message that fires "
                    "on admission if you're listed as PCP. If you're not getting them, check "
                    'that your name is on the PCP field in the care team, not just "Other '
                    'provider".'
                ),
            },
            {
                "author": "f.alrashid",
                "body": 'That was it. Half my panel had me as "Other provider".',
            },
        ],
    },
    {
        "channel": "hospital-medicine",
        "author": "gmorales",
        "body": (
            "Is the **CIWA-Ar** order set still requiring a score before every lorazepam "
            "dose? Nurses are asking."
        ),
        "replies": [
            {
                "author": "akim",
                "body": (
                    "Yes, the symptom-triggered protocol needs a documented CIWA score "
                    "before each PRN dose. If you want fixed dosing, use the separate "
                    "fixed-schedule option in the same order set."
                ),
            },
        ],
    },
    {
        "channel": "hospital-medicine",
        "author": "jhernandez",
        "body": (
            "**C. difficile testing** reminder: the BPA blocks the order if the patient got "
            "a laxative in the last 48 hours or has < 3 unformed stools in 24h. You can "
            "override with a reason, but please don't just to move on. False positives lead "
            "to unnecessary treatment."
        ),
        "reactions": [["💯", "eschmidt"], ["💯", "akim"]],
    },
    {
        "channel": "hospital-medicine",
        "author": "eschmidt",
        "body": (
            "Delirium prevention order set is now part of the **admission order set** for "
            "patients ≥ 65. It includes sleep hygiene, mobility, and avoiding "
            "diphenhydramine. Please don't uncheck it unless there's a specific reason."
        ),
    },
    {
        "channel": "hospital-medicine",
        "author": "akim",
        "body": (
            "Geographic cohorting starts Monday at Northgate. Your patient list will have a "
            '"unit" filter; please use the **Team list** rather than the unit list for '
            "handoff."
        ),
    },
    {
        "channel": "hospital-medicine",
        "author": "dcohen",
        "body": "Discharge before noon: any tips? Our median is still around 14:30.",
        "replies": [
            {
                "author": "akim",
                "body": (
                    "What's helped us: discharge orders pended the afternoon before, DC "
                    'summary drafted the day before, and "likely discharge tomorrow" '
                    "flagged in the handoff so the night team doesn't add new work-ups."
                ),
            },
            {
                "author": "eschmidt",
                "body": (
                    "Also: put the prescriptions in the day before and route to the "
                    "meds-to-beds pharmacy. Waiting for meds is our number one delay."
                ),
            },
            {
                "author": "gmorales",
                "body": (
                    'We started a 09:00 "discharge huddle" with case management. Median '
                    "dropped about an hour."
                ),
            },
        ],
    },
    {
        "channel": "hospital-medicine",
        "author": "mokafor",
        "body": (
            '**Readmission risk score** is now visible on the patient list (column "Readmit '
            'risk"). High-risk patients get an automatic referral to the '
            "transitions-of-care pharmacist. No action needed from you unless you want to "
            "opt out."
        ),
        "reactions": [["👍", "akim"], ["👍", "gmorales"]],
    },
    {
        "channel": "hospital-medicine",
        "author": "f.alrashid",
        "body": (
            "Appreciate the transitions-of-care pharmacist calls. We've seen fewer "
            "post-discharge med errors in clinic since it started."
        ),
    },
    {
        "channel": "hospital-medicine",
        "author": "jhernandez",
        "body": (
            "For patients going home on IV antibiotics, please include the **planned end "
            "date** and the monitoring labs (weekly CBC, BMP, and CK for daptomycin) in the "
            "discharge summary. OPAT uses them to set up the lab schedule."
        ),
    },
    {
        "channel": "hospital-medicine",
        "author": "eschmidt",
        "body": (
            'Reminder that the "Pending results" section of the DC summary isn\'t optional. '
            "Somebody has to follow up on that final blood culture."
        ),
        "reactions": [["😂", "akim"], ["😂", "gmorales"], ["😂", "dcohen"]],
    },
    {
        "channel": "hospital-medicine",
        "author": "gmorales",
        "body": (
            "What's the current best practice for documenting **malnutrition**? Dietitian "
            "documents it, but coding says it needs to be in the physician note too."
        ),
        "replies": [
            {
                "author": "eschmidt",
                "body": (
                    "Correct. Coding can only use the dietitian's documentation for BMI and "
                    'nutrition details, not the diagnosis. Document "severe protein-calorie '
                    'malnutrition (`E43`)" with the criteria in your A&P, or use '
                    "`.MALNUTRITION`, which pulls the dietitian's assessment."
                ),
            },
        ],
    },
    {
        "channel": "hospital-medicine",
        "author": "akim",
        "body": (
            "Handoff tool update: the **I-PASS** fields now have character limits (Patient "
            "summary 500 characters, Action list 300). Keep it short; the night team reads "
            "20 of these."
        ),
    },
    {
        "channel": "hospital-medicine",
        "author": "dcohen",
        "body": (
            "Hospitalist-nephrology question: when do you want us to put in a **dialysis "
            "order** vs just recommend it?"
        ),
        "replies": [
            {
                "author": "akim",
                "body": (
                    "For established dialysis patients, please put in the orders directly. "
                    "For new starts, recommend and we'll confirm after the family discussion."
                ),
            },
        ],
    },
    {
        "channel": "hospital-medicine",
        "author": "mokafor",
        "body": (
            "Ambient documentation pilot update: first two weeks, 14 hospitalists enrolled, "
            "median note time down 4 minutes per note, no safety events. Full debrief at the "
            "next informatics council."
        ),
        "reactions": [["🎉", "akim"], ["🎉", "gmorales"], ["🎉", "eschmidt"]],
    },
    {
        "channel": "hospital-medicine",
        "author": "gmorales",
        "body": "Looking forward to phase 2 at St. Brendan.",
    },
    {
        "channel": "hospital-medicine",
        "author": "f.alrashid",
        "body": (
            "PCP ask: in the DC summary, when you change a chronic med (e.g. stop an ACE "
            "inhibitor for AKI), include **why** and **when to restart**. Otherwise we "
            "either never restart or restart too early."
        ),
    },
    {
        "channel": "hospital-medicine",
        "author": "eschmidt",
        "body": (
            "What's the right way to document **goals of care** conversations so they show "
            "up in the next admission?"
        ),
        "replies": [
            {
                "author": "akim",
                "body": (
                    "Use the ACP navigator. It saves to the Advance Care Planning section "
                    "that shows in the storyboard on every future encounter. A note alone "
                    "gets buried."
                ),
            },
        ],
    },
    {
        "channel": "hospital-medicine",
        "author": "jhernandez",
        "body": (
            "Penicillin allergy delabeling pilot is now on the hospital medicine service. "
            "Use the allergy assessment button; low-risk patients can get a direct oral "
            "amoxicillin challenge order from there."
        ),
    },
    {
        "channel": "hospital-medicine",
        "author": "akim",
        "body": (
            "End-of-month reminder: please close out **incomplete notes and unsigned "
            "orders**. The delinquent chart report goes to the department chair on the 5th."
        ),
        "reactions": [
            ["👍", "gmorales"],
            ["👍", "dcohen"],
            ["👍", "eschmidt"],
            ["👍", "jhernandez"],
        ],
    },
    # ---- #sepsis-protocol ----------------------------------------
    {
        "channel": "sepsis-protocol",
        "author": "sobrien",
        "body": (
            "Welcome to **#sepsis-protocol**. This channel is for the sepsis workflow across "
            "all three sites: the BPA, the order set, SEP-1 bundle documentation, and "
            "feedback from abstraction. Policy link: "
            "https://intranet.example-health.org/clinical/sepsis"
        ),
        "reactions": [["👍", "lnguyen"], ["👍", "jhernandez"], ["👍", "akim"], ["👍", "mokafor"]],
    },
    {
        "channel": "sepsis-protocol",
        "author": "sobrien",
        "body": (
            "**SEP-1 bundle in one place** (pin-worthy):\n"
            "\n"
            "*Within 3 hours of time zero:*\n"
            "1. Lactate\n"
            "2. Blood cultures **before** antibiotics\n"
            "3. Broad-spectrum antibiotics\n"
            "4. 30 mL/kg crystalloid if hypotensive or lactate ≥ 4\n"
            "\n"
            "*Within 6 hours:*\n"
            "5. Repeat lactate if initial lactate > 2\n"
            "6. Vasopressors for hypotension persisting after fluids (target MAP ≥ 65)\n"
            "7. Repeat volume status and tissue perfusion assessment if septic shock\n"
            "\n"
            "The sepsis order set covers 1–4. Items 5–7 are where we lose points."
        ),
        "reactions": [["📌", "lnguyen"], ["📌", "akim"], ["📌", "gmorales"], ["📌", "eschmidt"]],
    },
    {
        "channel": "sepsis-protocol",
        "author": "lnguyen",
        "body": (
            "ED question: when exactly is **time zero**? The BPA fire time, triage, or when "
            "I document suspicion of infection?"
        ),
        "replies": [
            {
                "author": "sobrien",
                "body": (
                    "Time zero is when the last criterion is met: suspected infection "
                    "documented + 2 SIRS + organ dysfunction, all within 6 hours of each "
                    "other. If the patient meets criteria at triage, triage time is time "
                    "zero. The BPA fire time is *not* used by abstractors."
                ),
            },
            {
                "author": "mokafor",
                "body": (
                    "And if severe sepsis is documented by a physician, the note time can "
                    "become time zero if it's earlier. That's why we ask people to use the "
                    "sepsis navigator rather than free text."
                ),
            },
            {
                "author": "lnguyen",
                "body": "So the earlier we document, the earlier the clock starts. Got it.",
            },
        ],
    },
    {
        "channel": "sepsis-protocol",
        "author": "jhernandez",
        "body": (
            "ID perspective on **antibiotic selection** in the order set. The empiric "
            "options are now grouped by source:\n"
            "- Unknown source: vancomycin (pharmacy to dose) + cefepime 2 g IV q8h\n"
            "- Pneumonia (CAP, no MRSA risk): ceftriaxone 2 g + azithromycin\n"
            "- Urinary: ceftriaxone 2 g, or cefepime if recent resistant organism\n"
            "- Intra-abdominal: piperacillin-tazobactam 4.5 g IV q6h (extended infusion "
            "available)\n"
            "\n"
            "All of them count for SEP-1 as long as they're started within 3 hours."
        ),
        "reactions": [["💡", "sobrien"], ["💡", "lnguyen"]],
    },
    {
        "channel": "sepsis-protocol",
        "author": "gmorales",
        "body": (
            "Does the **pip-tazo extended infusion** option count for SEP-1? The first dose "
            "is a 30-minute load, then the extended doses."
        ),
        "replies": [
            {
                "author": "jhernandez",
                "body": (
                    "Yes. The start time of the first dose counts. Make sure nursing "
                    "documents the start time in the MAR; that's what abstraction uses."
                ),
            },
        ],
    },
    {
        "channel": "sepsis-protocol",
        "author": "sobrien",
        "body": (
            "Here's the **reassessment SmartPhrase** that satisfies the 6-hour volume status "
            "and tissue perfusion requirement. It must be documented *after* the fluid bolus "
            "is complete.\n"
            "\n"
            "```\n"
            ".SEPSISREASSESS\n"
            "Sepsis reassessment (after initial fluid resuscitation)\n"
            "Time of reassessment: ***\n"
            "I have reassessed volume status and tissue perfusion.\n"
            "Vitals: ***\n"
            "Cardiopulmonary exam: ***\n"
            "Capillary refill: ***\n"
            "Peripheral pulses: ***\n"
            "Skin findings: ***\n"
            "Repeat lactate: ***\n"
            "Plan: ***\n"
            "```\n"
            "\n"
            'Abstractors look for the exact phrase "reassessed volume status and tissue '
            "perfusion\". Don't delete it."
        ),
        "reactions": [["🔥", "lnguyen"], ["🔥", "akim"], ["🔥", "jhernandez"], ["🔥", "gmorales"]],
    },
    {
        "channel": "sepsis-protocol",
        "author": "akim",
        "body": ("Is the `.SEPSISREASSESS` phrase shared with hospital medicine? I can't find it."),
        "replies": [
            {
                "author": "sobrien",
                "body": (
                    "It's shared with the whole Department of Medicine and the ED. In "
                    'SmartPhrase Manager, search owner "Sepsis Committee" and add it to '
                    "your favorites."
                ),
            },
            {
                "author": "akim",
                "body": "Found it, thanks.",
            },
        ],
    },
    {
        "channel": "sepsis-protocol",
        "author": "lnguyen",
        "body": (
            "ED data from last month: lactate within 3 hours 96%, blood cultures before "
            "antibiotics 91%, antibiotics within 3 hours 88%, **repeat lactate within 6 "
            "hours 62%**. The repeat lactate is our weak spot."
        ),
        "reactions": [["👀", "sobrien"]],
    },
    {
        "channel": "sepsis-protocol",
        "author": "sobrien",
        "body": (
            "We fixed part of that in the ICU by having the order set automatically place a "
            "**timed repeat lactate** at 3 hours if the initial lactate ≥ 2. Could we do the "
            "same in the ED order set?"
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    "Yes. It's a small build change. The repeat lactate will auto-order when "
                    "the initial result is ≥ 2 and time it for 2 hours after the first "
                    "result. I'll put it in for the next release."
                ),
            },
            {
                "author": "lnguyen",
                "body": (
                    "That would make a big difference. The repeat lactate is always "
                    "forgotten at handoff."
                ),
            },
        ],
    },
    {
        "channel": "sepsis-protocol",
        "author": "eschmidt",
        "body": (
            "Floor question: if the **sepsis BPA** fires on a patient who's already on "
            "antibiotics for a known infection and looks well, what should we document?"
        ),
        "replies": [
            {
                "author": "sobrien",
                "body": (
                    'Use the BPA\'s "Not sepsis / alternative explanation" option and pick '
                    "the reason (e.g. known infection already treated, SIRS explained by "
                    "another cause). That documentation protects the case in abstraction."
                ),
            },
            {
                "author": "jhernandez",
                "body": (
                    "Please don't pick \"Not sepsis\" if you're actually escalating "
                    "antibiotics. That contradicts the note."
                ),
            },
        ],
    },
    {
        "channel": "sepsis-protocol",
        "author": "hsato",
        "body": (
            "Peds sepsis: our pediatric screening tool uses age-based vital sign thresholds, "
            "and the BPA is different from the adult one. The peds order set defaults to "
            "**20 mL/kg boluses**, reassessing after each. Peds isn't part of SEP-1, but we "
            "follow the same timing goals."
        ),
        "reactions": [["👍", "sobrien"], ["👍", "lnguyen"]],
    },
    {
        "channel": "sepsis-protocol",
        "author": "lnguyen",
        "body": (
            "Does anyone know why the sepsis BPA fires twice on ED patients? Once at triage, "
            "once after labs."
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": (
                    "The first fire uses SIRS criteria from triage vitals. The second fires "
                    "when labs show organ dysfunction (lactate ≥ 2, creatinine > 2, "
                    "platelets < 100, bilirubin > 2, INR > 1.5). We're changing it so that "
                    "the second fire only happens if the first was dismissed."
                ),
            },
        ],
    },
    {
        "channel": "sepsis-protocol",
        "author": "gmorales",
        "body": (
            "Fluid exception question: for a patient with severe HF or ESRD where 30 mL/kg "
            "is unsafe, what's the correct documentation?"
        ),
        "replies": [
            {
                "author": "sobrien",
                "body": (
                    "Document the ordered volume and the reason it's less than 30 mL/kg, "
                    'e.g. "Fluids limited to 1000 mL due to concern for volume overload in '
                    'severe HF, reassessed after". Current SEP-1 allows a '
                    "physician-documented lower volume with a reason."
                ),
            },
            {
                "author": "gmorales",
                "body": "And the reason should be in the note within the 3-hour window?",
            },
            {
                "author": "sobrien",
                "body": "Yes. Before or at the time the fluids are ordered.",
            },
        ],
    },
    {
        "channel": "sepsis-protocol",
        "author": "akim",
        "body": (
            "Hospitalists: when you get a **sepsis handoff** from the ED, please check the "
            "repeat lactate and the reassessment note. If they're not done, do them. The "
            "6-hour clock doesn't stop at admission."
        ),
        "reactions": [["💯", "sobrien"], ["💯", "lnguyen"]],
    },
    {
        "channel": "sepsis-protocol",
        "author": "jhernandez",
        "body": (
            'Blood cultures before antibiotics: the order set now prints a **"Cultures '
            'drawn?"** hard stop on the first antibiotic dose. Nursing has to confirm '
            "before the first dose is given. If cultures can't be drawn (e.g. difficult "
            "access), document the reason and give the antibiotic; don't delay for cultures "
            "beyond 45 minutes."
        ),
    },
    {
        "channel": "sepsis-protocol",
        "author": "eschmidt",
        "body": "Why does the sepsis order set default to lactate q2h × 3? Isn't that a lot?",
        "replies": [
            {
                "author": "sobrien",
                "body": (
                    "It auto-cancels once lactate is < 2. You only get the full 3 draws if "
                    "lactate stays elevated, which is exactly when you want them."
                ),
            },
        ],
    },
    {
        "channel": "sepsis-protocol",
        "author": "sobrien",
        "body": (
            "Vasopressor workflow in the **septic shock** order set:\n"
            "1. Norepinephrine is first-line (start 0.05 mcg/kg/min, titrate to MAP ≥ 65)\n"
            "2. Add vasopressin 0.03 units/min if norepinephrine > 0.25 mcg/kg/min\n"
            "3. Hydrocortisone 50 mg IV q6h if ongoing pressor requirement\n"
            "4. Peripheral norepinephrine is allowed for up to 24h through a proximal "
            "large-bore IV\n"
            "\n"
            "The order set has all four. Please don't wait for a central line to start "
            "pressors."
        ),
        "reactions": [["📌", "lnguyen"], ["📌", "mokafor"]],
    },
    {
        "channel": "sepsis-protocol",
        "author": "lnguyen",
        "body": (
            "We're starting peripheral norepi in the ED more often now. Is the extravasation "
            "protocol built in?"
        ),
        "replies": [
            {
                "author": "sobrien",
                "body": (
                    "Yes, the phentolamine order is in the order set under "
                    '"Extravasation". Nursing checks the site every hour.'
                ),
            },
        ],
    },
    {
        "channel": "sepsis-protocol",
        "author": "mokafor",
        "body": (
            "**Sepsis BPA changes** in the upcoming release:\n"
            "- Re-fires suppressed for 8 hours after a response\n"
            '- New "Sepsis ruled out by physician" option that suppresses for the rest of '
            "the encounter\n"
            "- Lactate auto-reorder when initial ≥ 2\n"
            '- The BPA now shows which criteria triggered it (instead of just "Possible '
            'sepsis")'
        ),
        "reactions": [["👍", "sobrien"], ["👍", "lnguyen"], ["👍", "akim"]],
    },
    {
        "channel": "sepsis-protocol",
        "author": "sobrien",
        "body": (
            "Showing the triggering criteria is the best change here. Half the override "
            'reasons in the audit were "why did this fire?"'
        ),
        "reactions": [["🎉", "lnguyen"], ["🎉", "jhernandez"]],
    },
    {
        "channel": "sepsis-protocol",
        "author": "jhernandez",
        "body": (
            "Procalcitonin is **not** in the sepsis order set, on purpose. Please don't use "
            "it to decide whether to start antibiotics in suspected sepsis. It can help with "
            "stopping decisions later."
        ),
    },
    {
        "channel": "sepsis-protocol",
        "author": "hsato",
        "body": (
            "Peds question: is the peds sepsis order set also getting the lactate auto-reorder?"
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": "Yes, same release. Threshold is the same (lactate ≥ 2).",
            },
        ],
    },
    {
        "channel": "sepsis-protocol",
        "author": "gmorales",
        "body": (
            "St. Brendan's sepsis compliance dropped last month. Abstraction said most "
            "failures were **missing reassessment** documentation. Has anyone found a good "
            "workflow for making sure it happens?"
        ),
        "replies": [
            {
                "author": "sobrien",
                "body": (
                    'We added a "Sepsis reassessment due" task to the nursing worklist '
                    "that fires when the fluid bolus is complete. Nurses page the physician. "
                    "Compliance went from 70% to 89%."
                ),
            },
            {
                "author": "akim",
                "body": (
                    "Northgate did something similar. We also put a reminder in the handoff "
                    'tool: "Sepsis reassessment due by ***".'
                ),
            },
            {
                "author": "gmorales",
                "body": "I'll ask our nursing director about the worklist task.",
            },
        ],
    },
    {
        "channel": "sepsis-protocol",
        "author": "eschmidt",
        "body": (
            "Tip: if you document the reassessment in a progress note instead of "
            '`.SEPSISREASSESS`, include the words **"reassessed volume status and tissue '
            'perfusion"** and at least 5 exam elements. Abstractors need both.'
        ),
        "reactions": [["👍", "sobrien"]],
    },
    {
        "channel": "sepsis-protocol",
        "author": "lnguyen",
        "body": (
            'Sepsis "code" pages are now live at all three EDs. Triggered by the triage '
            "nurse when a patient meets septic shock criteria. Pages the ED attending, "
            "pharmacist, and charge nurse."
        ),
    },
    {
        "channel": "sepsis-protocol",
        "author": "jhernandez",
        "body": (
            "For suspected **neutropenic fever**, use the separate febrile neutropenia order "
            "set. Cefepime 2 g IV q8h first dose within 60 minutes. It satisfies SEP-1 "
            "antibiotics if the patient also meets sepsis criteria."
        ),
    },
    {
        "channel": "sepsis-protocol",
        "author": "sobrien",
        "body": (
            "ICU sepsis compliance this quarter: 78%, up from 64%. The biggest improvement "
            "was repeat lactate (now 91%). Thanks everyone."
        ),
        "reactions": [["👍", "mokafor"], ["👍", "akim"]],
    },
    {
        "channel": "sepsis-protocol",
        "author": "akim",
        "body": (
            'Question about ICD-10 coding for sepsis: "sepsis due to pneumonia" codes as '
            "`A41.9` + `J18.9`. Severe sepsis adds `R65.20`, septic shock `R65.21`. Is that "
            "right?"
        ),
        "replies": [
            {
                "author": "sobrien",
                "body": (
                    'Correct. And document the organ dysfunction explicitly (e.g. "AKI due '
                    'to sepsis"), otherwise CDI will query for severe sepsis.'
                ),
            },
        ],
    },
    {
        "channel": "sepsis-protocol",
        "author": "mokafor",
        "body": (
            "Sepsis abstraction FAQ is updated with this channel's questions: "
            "https://intranet.example-health.org/clinical/sepsis/faq. Thanks for all the "
            "input."
        ),
        "reactions": [["📌", "sobrien"], ["📌", "lnguyen"]],
    },
    # ---- #announcements ----------------------------------------
    {
        "channel": "announcements",
        "author": "mokafor",
        "body": (
            "Welcome to **PhysNet**, our internal collaboration network for physicians at "
            "Riverside General, Northgate Medical Center, and St. Brendan Community Hospital.\n"
            "\n"
            "- **#ehr-tips**: EHR workflows and shortcuts (everyone)\n"
            "- **#hospital-medicine**, **#cardiology**, **#sepsis-protocol**: specialty and "
            "protocol channels\n"
            "- **#announcements**: official updates (read-only for most)\n"
            "\n"
            "Reminder: **no patient identifiers** anywhere on PhysNet. Use the EHR for "
            "patient-specific communication."
        ),
        "reactions": [["👍", "akim"], ["👍", "rpatel"], ["👍", "sobrien"], ["👍", "lnguyen"]],
    },
    {
        "channel": "announcements",
        "author": "mokafor",
        "body": (
            "**Planned EHR upgrade**: Saturday 01:00–05:00. Expect read-only mode for about "
            "2 hours and full downtime for about 30 minutes. BCA reports will print at "
            "00:30. Downtime procedures: https://intranet.example-health.org/ehr/downtime"
        ),
        "reactions": [["👀", "akim"], ["👀", "gmorales"], ["👀", "eschmidt"]],
    },
    {
        "channel": "announcements",
        "author": "akim",
        "body": (
            "Hospital medicine: the **ambient documentation pilot** at Northgate begins next "
            "Monday. Enrolled physicians will get device training this week. Questions in "
            "#hospital-medicine."
        ),
        "reactions": [["🎉", "gmorales"], ["🎉", "eschmidt"], ["🎉", "dcohen"]],
    },
    {
        "channel": "announcements",
        "author": "mokafor",
        "body": (
            "The EHR upgrade is complete. All systems are back to normal. If you notice "
            "anything unusual, please submit a ticket: "
            "https://intranet.example-health.org/ehr/ticket"
        ),
        "reactions": [["✅", "akim"], ["✅", "rpatel"], ["✅", "lnguyen"]],
    },
    {
        "channel": "announcements",
        "author": "rpatel",
        "body": (
            "**hs-troponin 0/1h pathway** goes live in all three EDs on the 1st. Education "
            "slides and the algorithm card are at "
            "https://intranet.example-health.org/clinical/troponin"
        ),
        "reactions": [["👍", "tadeyemi"], ["👍", "akim"], ["👍", "sobrien"]],
    },
    {
        "channel": "announcements",
        "author": "mokafor",
        "body": (
            "**Downtime drill** Thursday 02:00–02:30 at all three facilities. Please locate "
            "your unit's BCA workstation and red downtime binder beforehand. Feedback form: "
            "https://intranet.example-health.org/ehr/downtime/feedback"
        ),
        "reactions": [["👍", "sobrien"], ["👍", "lnguyen"], ["👍", "hsato"]],
    },
    {
        "channel": "announcements",
        "author": "akim",
        "body": (
            "The **sepsis BPA** changes discussed in #sepsis-protocol go live with this "
            "week's release: fewer re-fires, visible trigger criteria, and automatic repeat "
            "lactate when the initial lactate ≥ 2."
        ),
        "reactions": [["💯", "sobrien"], ["💯", "lnguyen"], ["💯", "jhernandez"]],
    },
    {
        "channel": "announcements",
        "author": "mokafor",
        "body": (
            "**HbA1c results routing** to care team endocrinologists is now live. No action "
            "needed; results will route based on the care team relationship."
        ),
        "reactions": [["👍", "f.alrashid"], ["👍", "eschmidt"]],
    },
    {
        "channel": "announcements",
        "author": "rpatel",
        "body": (
            "The **ADHF order set v2.1** is live. Changes: adjustable IV diuretic "
            "multiplier, 6-hour diuretic response check, and SGLT2i initiation. Details in "
            "#cardiology."
        ),
        "reactions": [["🙏", "tadeyemi"], ["🙏", "akim"], ["🙏", "gmorales"]],
    },
    {
        "channel": "announcements",
        "author": "mokafor",
        "body": (
            "Thanks to everyone who completed the EHR satisfaction survey (62% response "
            "rate!). Top three requests: fewer BPAs, faster In Basket, and better "
            "SmartPhrase sharing. The informatics council has these on the roadmap for next "
            "quarter."
        ),
        "reactions": [["🙏", "akim"], ["🙏", "rpatel"], ["🙏", "lnguyen"], ["🙏", "f.alrashid"]],
    },
    {
        "channel": "announcements",
        "author": "mokafor",
        "body": (
            "**EHR office hours** moved to Wednesdays 12:00–13:00 starting next week, same "
            "room and video link: https://intranet.example-health.org/ehr/office-hours"
        ),
        "reactions": [["👍", "hsato"], ["👍", "dcohen"], ["👍", "tadeyemi"]],
    },
    # ---- #informatics-council ----------------------------------------
    {
        "channel": "informatics-council",
        "author": "mokafor",
        "body": (
            "Welcome to the **informatics council** channel. This is the working space for "
            "the physician builders and champions. Agenda items, build requests, CDS review, "
            "and release planning. Meeting notes go to "
            "https://intranet.example-health.org/informatics/council"
        ),
        "reactions": [["👍", "akim"], ["👍", "rpatel"], ["👍", "lnguyen"], ["👍", "f.alrashid"]],
    },
    {
        "channel": "informatics-council",
        "author": "mokafor",
        "body": (
            "Agenda for Thursday:\n"
            "1. BPA override report (Q3)\n"
            "2. Ambient documentation pilot status\n"
            "3. Order set governance: who approves changes to shared order sets?\n"
            "4. In Basket volume metrics by department"
        ),
    },
    {
        "channel": "informatics-council",
        "author": "lnguyen",
        "body": (
            "For the BPA report, can we include **firing rate per 100 encounters** alongside "
            "override rate? A BPA with a 95% override rate that fires twice a month is less "
            "of a problem than one at 80% that fires 400 times a day."
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": "Yes, good idea. I'll ask the analytics team to add it.",
            },
            {
                "author": "rpatel",
                "body": ("Also the number of clicks to dismiss. Some of these take three clicks."),
            },
        ],
    },
    {
        "channel": "informatics-council",
        "author": "akim",
        "body": (
            "BPA override summary (top five by volume):\n"
            "| BPA | Fires/week | Override % |\n"
            "|---|---|---|\n"
            "| VTE prophylaxis | 2,140 | 93% |\n"
            "| Sepsis screen | 1,870 | 88% |\n"
            "| Falls risk | 1,530 | 96% |\n"
            "| Duplicate therapy | 980 | 72% |\n"
            "| Renal dosing | 760 | 61% |\n"
            "\n"
            "Falls risk and VTE are the obvious targets."
        ),
        "reactions": [["📊", "mokafor"], ["📊", "rpatel"]],
    },
    {
        "channel": "informatics-council",
        "author": "rpatel",
        "body": (
            "Falls risk should be a nursing workflow, not a physician BPA. Proposal: retire "
            "it for physicians and leave the nursing version."
        ),
        "replies": [
            {
                "author": "lnguyen",
                "body": "Agree. Nursing already does the Morse score at admission.",
            },
            {
                "author": "f.alrashid",
                "body": "+1, as long as nursing leadership signs off.",
            },
            {
                "author": "mokafor",
                "body": "I'll bring it to the nursing informatics meeting on Tuesday.",
            },
        ],
    },
    {
        "channel": "informatics-council",
        "author": "f.alrashid",
        "body": (
            "Ambulatory perspective: **In Basket volume** is our biggest burnout driver. "
            "Median 112 messages per physician per day in family medicine. The top "
            "categories are results (38%), patient advice requests (27%), and Rx requests "
            "(19%)."
        ),
    },
    {
        "channel": "informatics-council",
        "author": "mokafor",
        "body": (
            "That's consistent with the national data. For Rx requests, the refill protocol "
            "pool should take most of them. How many go through the pool now?"
        ),
        "replies": [
            {
                "author": "f.alrashid",
                "body": (
                    "About 60%. The rest fail protocol, mostly due to labs being older than "
                    "12 months."
                ),
            },
            {
                "author": "akim",
                "body": (
                    "Could we have the protocol auto-order the missing lab instead of "
                    "bouncing to the physician?"
                ),
            },
            {
                "author": "mokafor",
                "body": "That's a good build request. I'll draft it for the next sprint.",
            },
        ],
    },
    {
        "channel": "informatics-council",
        "author": "lnguyen",
        "body": (
            "Order set governance proposal:\n"
            "- **Department-level** order sets: approved by department informatics champion\n"
            "- **Shared multi-department** order sets (sepsis, chest pain, VTE): approved by "
            "this council\n"
            "- **Pharmacy-impacting** changes: also need P&T review\n"
            "- All changes logged at "
            "https://intranet.example-health.org/informatics/orderset-log"
        ),
        "reactions": [["👍", "mokafor"], ["👍", "akim"]],
    },
    {
        "channel": "informatics-council",
        "author": "rpatel",
        "body": "Seems right. What's the SLA? Some requests sit for months.",
        "replies": [
            {
                "author": "lnguyen",
                "body": "I'd propose 30 days for department-level, 60 for shared sets.",
            },
            {
                "author": "mokafor",
                "body": "Let's adopt that for a trial quarter.",
            },
        ],
    },
    {
        "channel": "informatics-council",
        "author": "mokafor",
        "body": (
            "Ambient documentation pilot, week 4 data:\n"
            "- 14 physicians, 1,060 notes\n"
            "- Median documentation time per note: 11.2 → 6.8 minutes\n"
            '- After-hours EHR time ("pajama time"): −38%\n'
            "- 3 note corrections flagged for wrong medication name; all caught before "
            "signing\n"
            "\n"
            "We should discuss expanding to the ED and cardiology."
        ),
        "reactions": [["🎉", "akim"], ["🎉", "lnguyen"], ["🎉", "rpatel"], ["🎉", "f.alrashid"]],
    },
    {
        "channel": "informatics-council",
        "author": "lnguyen",
        "body": (
            "ED would be interested, but our encounters are short and noisy. Would need a "
            "device trial first."
        ),
    },
    {
        "channel": "informatics-council",
        "author": "rpatel",
        "body": "Cardiology clinic would be a great fit: long conversations, lots of history.",
    },
    {
        "channel": "informatics-council",
        "author": "akim",
        "body": (
            "The three medication errors are worth looking at. I'd like us to make \"review "
            'meds in ambient note" a required step in the training.'
        ),
        "replies": [
            {
                "author": "mokafor",
                "body": "Agreed. I'll add it to the training materials.",
            },
        ],
    },
    {
        "channel": "informatics-council",
        "author": "f.alrashid",
        "body": (
            "SmartPhrase cleanup proposal: we have 14,200 shared SmartPhrases. 61% haven't "
            "been used in a year. Suggest deactivating unused shared phrases after 12 months "
            "with 30 days' notice to the owner."
        ),
        "reactions": [["👍", "mokafor"]],
    },
    {
        "channel": "informatics-council",
        "author": "mokafor",
        "body": (
            "Support. We'll also make the usage count visible to owners so they know what's "
            "actually used."
        ),
    },
    {
        "channel": "informatics-council",
        "author": "rpatel",
        "body": (
            "Sepsis BPA tuning: I reviewed 200 firings. 41% were in patients with a "
            "documented alternative explanation (e.g. post-op SIRS, PE, pancreatitis). "
            'Adding a 12h suppression after a physician documents "not sepsis" would '
            "remove most of them."
        ),
        "replies": [
            {
                "author": "lnguyen",
                "body": "That matches the ED experience.",
            },
            {
                "author": "mokafor",
                "body": (
                    "Adding it to the sepsis BPA release. The sepsis committee already "
                    "agreed over in #sepsis-protocol."
                ),
            },
        ],
    },
    {
        "channel": "informatics-council",
        "author": "mokafor",
        "body": (
            "Upgrade planning: next major upgrade is in 4 months. We need physician testers "
            "for the **order entry** and **In Basket** modules. Each tester would need about "
            "6 hours over 2 weeks."
        ),
        "replies": [
            {
                "author": "akim",
                "body": "I can test order entry.",
            },
            {
                "author": "f.alrashid",
                "body": "In Basket for me.",
            },
            {
                "author": "lnguyen",
                "body": "ED order entry for me.",
            },
        ],
    },
    {
        "channel": "informatics-council",
        "author": "akim",
        "body": (
            "CDS Hooks pilot for the **antibiotic stewardship** app passed technical review. "
            "Next step is a clinical review with ID. @mokafor can you set up the meeting "
            "with the ID stewardship team?"
        ),
        "reactions": [["✅", "mokafor"]],
    },
    {
        "channel": "informatics-council",
        "author": "mokafor",
        "body": (
            "Q3 priorities from today's meeting:\n"
            "1. Retire physician falls BPA (pending nursing sign-off)\n"
            '2. Sepsis BPA suppression after "not sepsis"\n'
            "3. Refill protocol auto-order for missing labs\n"
            "4. Ambient documentation expansion to cardiology clinic\n"
            "5. SmartPhrase cleanup policy\n"
            "\n"
            "Thanks all."
        ),
        "reactions": [["👍", "akim"], ["👍", "rpatel"], ["👍", "lnguyen"], ["👍", "f.alrashid"]],
    },
]


def _members(channel: dict) -> set[str]:
    if channel["members"] == "all":
        return {user["username"] for user in USERS}
    return set(channel["members"])


def validate() -> None:
    """Assert that the demo content is internally consistent."""
    names = [user["username"] for user in USERS]
    assert len(names) == len(set(names)), "duplicate usernames"
    assert all(re.fullmatch(r"[a-z][a-z0-9.]{1,39}", name) for name in names), "bad username"
    assert sum(user["role"] == "admin" for user in USERS) == 1, "need exactly one admin"
    assert all(user["facility"] in FACILITIES for user in USERS), "unknown facility"
    channels = {channel["name"]: channel for channel in CHANNELS}
    assert len(channels) == len(CHANNELS), "duplicate channel names"
    for channel in CHANNELS:
        assert _members(channel) <= set(names), f"unknown member in {channel['name']}"
    total = 0
    for message in MESSAGES:
        assert message["channel"] in channels, f"unknown channel {message['channel']}"
        members = _members(channels[message["channel"]])
        posts = [message, *message.get("replies", [])]
        for post in posts:
            assert post["author"] in members, f"{post['author']} not in {message['channel']}"
            assert 0 < len(post["body"]) <= 10_000, "body empty or too long"
        for _emoji, username in message.get("reactions", []):
            assert username in members, f"reaction by non-member {username}"
        total += len(posts)
    assert total >= 320, f"only {total} messages"
