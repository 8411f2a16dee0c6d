# ruff: noqa: E501  (a data file: long strings of tip text)
"""The question set of bench/search_quality.py: EHR tips and the questions they answer.

Written for PhysNet (no patient information: the tips are EHR workflows, order sets, drug
dosing references and protocols; the questions are typed the way physicians type them).
Each question names the one tip that answers it and a category: "abbrev" (clinical and
EHR shorthand), "brand" (brand or generic drug names), "typo" (misspelled words), "plain"
(everyday words for what the tip says in clinical terms) and "multi" (several clauses,
most words not in the tip). The demo tips (physnet/demo/tips.py) are in the corpus too,
as keys "demo-<n>".
"""

from __future__ import annotations

from typing import NamedTuple


class T(NamedTuple):
    key: str
    title: str
    tags: list[str]
    body: str


class Q(NamedTuple):
    tip: str
    category: str
    text: str


DEMO_KEYS = {
    "demo-smartphrase": 0,
    "demo-inbasket": 1,
    "demo-troponin": 2,
    "demo-sepsis": 3,
    "demo-handoff": 4,
    "demo-securechat": 5,
}

TIPS = [
    T(
        "k-replace",
        "Potassium replacement protocol order set",
        ["electrolytes", "order-sets", "nursing-protocols"],
        "Search *Electrolyte Replacement - Adult* in the order set activity. Pick the potassium "
        "section: it doses KCl by the latest level and kidney function, with oral or IV routes, "
        "and nursing rechecks the level 2 hours after the last dose. Do not use it with CrCl under 30.",
    ),
    T(
        "mag-replace",
        "Magnesium and phosphorus repletion without a separate order each time",
        ["electrolytes", "order-sets"],
        "The same electrolyte order set has magnesium sulfate and potassium phosphate lines driven by "
        "the morning labs. Nursing gives the dose the table shows and reorders the lab. Check the "
        "lines you want before signing; they are off by default.",
    ),
    T(
        "insulin-drip",
        "DKA insulin infusion: use the DKA order set, not a free-text drip",
        ["endocrine", "order-sets", "icu"],
        "The **Diabetic Ketoacidosis** order set builds the insulin infusion, hourly glucose checks, "
        "the dextrose switch when glucose falls below 250, and the potassium rules. The anion gap "
        "closes faster when the transition to subcutaneous basal insulin overlaps by 2 hours.",
    ),
    T(
        "ssi",
        "Correction insulin scale: pick sensitive, usual or resistant",
        ["endocrine", "insulin", "order-sets"],
        "In the inpatient glycemic order set choose the correction scale by total daily dose "
        "and kidney function: sensitive for the elderly or dialysis, resistant for steroids. "
        "Add bedtime coverage only if they are eating.",
    ),
    T(
        "heparin-nomogram",
        "Heparin infusion nomogram for ACS versus VTE",
        ["anticoagulation", "order-sets", "pharmacy"],
        "There are two weight-based heparin protocols: the ACS one (no bolus above 60 units/kg, lower "
        "rate) and the VTE one (80 units/kg bolus). Pick the indication in the order set; anti-Xa "
        "levels every 6 hours adjust the rate automatically.",
    ),
    T(
        "doac-reversal",
        "Reversing apixaban or rivaroxaban in a major bleed",
        ["anticoagulation", "bleeding", "pharmacy"],
        "Order andexanet through the *Anticoagulant Reversal* order set, which asks for the last dose "
        "time and picks low or high dose; if unavailable, 4-factor PCC 50 units/kg. Call pharmacy "
        "on the hotline: it is a restricted medication.",
    ),
    T(
        "warfarin-reversal",
        "Warfarin reversal: INR above 10 or bleeding",
        ["anticoagulation", "bleeding"],
        "Vitamin K 10 mg IV plus prothrombin complex concentrate dosed by INR and weight for a major "
        "bleed; oral vitamin K alone for a high INR without bleeding. The reversal order set calculates it.",
    ),
    T(
        "doac-periop",
        "Holding anticoagulants before procedures",
        ["anticoagulation", "perioperative"],
        "The perioperative anticoagulation navigator shows when to stop each agent by kidney function "
        "and bleeding risk of the procedure, and whether bridging with enoxaparin is needed (rarely "
        "for the newer agents).",
    ),
    T(
        "enox-renal",
        "Enoxaparin dose when kidney function is low",
        ["anticoagulation", "renal-dosing", "pharmacy"],
        "For CrCl under 30 the treatment dose becomes 1 mg/kg once daily; prophylaxis 30 mg daily. "
        "The order warns you but does not change the dose by itself: pick the renal line.",
    ),
    T(
        "vanc-auc",
        "Vancomycin: pharmacy to dose with AUC monitoring",
        ["antibiotics", "pharmacy", "infectious-disease"],
        "Order *Pharmacy to dose vancomycin*: pharmacists use AUC-guided dosing with two levels, "
        "so do not order troughs yourself. Give the loading dose in the ED before the consult.",
    ),
    T(
        "sepsis-abx",
        "Empiric antibiotics in the sepsis order set",
        ["sepsis", "antibiotics", "order-sets"],
        "The sepsis order set suggests broad-spectrum coverage by suspected source: for pneumonia "
        "from the community, ceftriaxone plus azithromycin; hospital onset, cefepime or "
        "piperacillin-tazobactam plus vancomycin. Blood cultures are drawn before the first dose.",
    ),
    T(
        "c-diff",
        "Testing for C. difficile: only for three or more loose stools",
        ["infectious-disease", "lab-stewardship"],
        "The stool test order refuses if a laxative was given in the last 48 hours or the patient "
        "had fewer than 3 unformed stools. Treat with oral vancomycin or fidaxomicin; put contact "
        "precautions in with the order.",
    ),
    T(
        "abx-allergy",
        "Penicillin allergy: cefazolin is usually fine",
        ["antibiotics", "allergies", "pharmacy"],
        "Most listed penicillin allergies are not true allergies. The allergy assessment tool in "
        "the chart asks what happened; for low-risk histories cephalosporins like cefazolin can be "
        "given. Update the allergy entry with the reaction type.",
    ),
    T(
        "uti-abx",
        "Uncomplicated cystitis: nitrofurantoin first",
        ["antibiotics", "urology", "stewardship"],
        "The urinary infection order panel defaults to nitrofurantoin 100 mg twice daily for 5 days; "
        "fluoroquinolones are discouraged. Do not order a urine culture for asymptomatic bacteriuria.",
    ),
    T(
        "bcx-order",
        "Ordering two sets of blood cultures correctly",
        ["infectious-disease", "labs"],
        "Order blood cultures x2 from two sites; the lab panel labels them set 1 and set 2 and "
        "prints both. One set alone is rejected by microbiology unless it is from a line.",
    ),
    T(
        "npo-order",
        "NPO after midnight orders that do not starve the patient",
        ["nutrition", "perioperative", "orders"],
        "Use the *Pre-procedure diet* order instead of a plain nothing-by-mouth order: it keeps clear "
        "liquids until 2 hours before and ends itself when the case is done or cancelled.",
    ),
    T(
        "tube-feeds",
        "Starting tube feeds with a dietitian consult",
        ["nutrition", "orders"],
        "The enteral nutrition order set consults the dietitian and starts the formula at a low rate "
        "with advancement every 8 hours; it adds free water flushes and a check for residuals only if asked.",
    ),
    T(
        "tpn",
        "TPN orders are due by noon",
        ["nutrition", "pharmacy"],
        "Parenteral nutrition must be ordered by 12:00 for the same-day bag; the nutrition support "
        "team writes the formula if you consult them. Check the central line is in place first.",
    ),
    T(
        "dc-summary",
        "Discharge summary template that pulls the hospital course",
        ["discharge", "documentation", "smartphrases"],
        "Type .DCSUMMARY in a new note: it brings the problem list, procedures, discharge medications "
        "and pending results, leaving the hospital course blank for you.",
    ),
    T(
        "med-rec",
        "Discharge medication reconciliation in one pass",
        ["discharge", "medications"],
        "In the discharge navigator open *Reconcile Outpatient Medications*: mark each home "
        "medication continue, change or stop, then new prescriptions go to the pharmacy on signing.",
    ),
]
TIPS += [
    T(
        "avs",
        "After visit summary: add patient instructions in plain language",
        ["discharge", "documentation"],
        "Add instructions in the *Patient Instructions* section of the discharge navigator; the "
        "AVS prints them first. Use the shared instruction library for common conditions.",
    ),
    T(
        "hp-note",
        "Admission H&P with the hospital medicine note template",
        ["documentation", "admission", "smartphrases"],
        "Use .HMADMIT for the history and physical: it pulls vitals, labs from the last 24 hours and "
        "the home medication list; the assessment and plan section lists active problems.",
    ),
    T(
        "progress-copy",
        "Progress notes: copy forward without note bloat",
        ["documentation", "progress-notes"],
        "Use *Copy last note* only for the plan: the template refreshes vitals, labs and I/O, so "
        "copied numbers never go stale. Delete the subjective section from the copy.",
    ),
    T(
        "attestation",
        "Teaching physician attestation SmartPhrase",
        ["documentation", "billing", "smartphrases"],
        "Attending physicians add .TEACHATTEST to the resident's note: it states you saw the patient "
        "and agree with the plan, which billing requires.",
    ),
    T(
        "addendum",
        "Adding an addendum to a signed note",
        ["documentation"],
        "Open the signed note, choose *Addendum* from the note menu; the original stays unchanged "
        "and the addendum is timestamped. Never edit a signed note for late information.",
    ),
    T(
        "dictation",
        "Dragon voice recognition: train your profile",
        ["documentation", "dictation"],
        "Run the accuracy tuning in the Dragon microphone menu once a week; add drug names you use "
        "to the vocabulary. Say *next field* to jump between template blanks.",
    ),
    T(
        "inbasket-results",
        "Result notes to patients from the In Basket",
        ["epic-in-basket", "results", "patient-portal"],
        "In a result message click *Result Note*: choose the portal letter template, write one line "
        "of plain language, and it is released to the patient portal with the result.",
    ),
    T(
        "inbasket-delegate",
        "Out of office: route your In Basket to a covering colleague",
        ["epic-in-basket", "coverage"],
        "In **In Basket > Out** set the dates and pick a delegate: results and messages go to them, "
        "and senders see the coverage.",
    ),
    T(
        "refill",
        "Batch prescription refills from the In Basket",
        ["epic-in-basket", "prescriptions"],
        "Refill requests can be approved together: select several messages and choose *Approve*; "
        "controlled substances still need two-factor signing one by one.",
    ),
    T(
        "epcs",
        "Prescribing controlled substances electronically",
        ["prescriptions", "controlled-substances"],
        "EPCS requires two-factor authentication with the token app on your phone. Check the state "
        "prescription monitoring program first; the link in the order opens it with the patient filled in.",
    ),
    T(
        "prior-auth",
        "Prior authorization requests start from the prescription",
        ["prescriptions", "insurance"],
        "When a medication needs prior authorization the pharmacy benefit check shows a banner; "
        "click it to start the electronic request, which pulls diagnosis and tried alternatives.",
    ),
    T(
        "code-status",
        "Documenting code status and DNR orders",
        ["goals-of-care", "orders"],
        "Use the *Code Status* order, not a note: full code, DNR, or DNR with selective treatment. "
        "It shows in the banner and on every handoff list. Document the goals of care conversation "
        "with .GOC.",
    ),
    T(
        "goc",
        "Goals of care note template",
        ["goals-of-care", "palliative", "documentation"],
        "The .GOC SmartPhrase has sections for who was present, prognosis discussed, values and "
        "the decision; it files to the advance care planning tab so the next team finds it.",
    ),
    T(
        "rrt",
        "Calling a rapid response from the chart",
        ["emergencies", "nursing"],
        "The rapid response order pages the team and starts a documentation flowsheet; the early "
        "warning score in the banner turns red before criteria are met.",
    ),
    T(
        "stroke-alert",
        "Code stroke: the tPA and thrombectomy pathway",
        ["neurology", "emergencies", "order-sets"],
        "The stroke alert order set records last known well, the NIH stroke scale and the head CT "
        "order in one go; the thrombolysis section calculates alteplase or tenecteplase by weight.",
    ),
    T(
        "seizure",
        "Status epilepticus order set",
        ["neurology", "emergencies"],
        "Benzodiazepine first (lorazepam IV), then levetiracetam or fosphenytoin loading doses "
        "by weight from the status epilepticus order set; EEG is ordered from the same set.",
    ),
    T(
        "ciwa",
        "Alcohol withdrawal: CIWA protocol with symptom-triggered dosing",
        ["psychiatry", "nursing-protocols", "order-sets"],
        "The alcohol withdrawal order set gives lorazepam or chlordiazepoxide by CIWA-Ar score, "
        "thiamine before glucose, and folate. Choose the liver-safe option for cirrhosis.",
    ),
    T(
        "delirium",
        "Delirium prevention bundle",
        ["geriatrics", "nursing-protocols"],
        "Order the delirium bundle: sleep protocol, glasses and hearing aids, mobilization, and "
        "avoid benzodiazepines. Use low-dose haloperidol or quetiapine only for distress; CAM "
        "screening is charted each shift.",
    ),
    T(
        "restraints",
        "Restraint orders expire and must be renewed",
        ["nursing", "orders", "safety"],
        "Violent restraint orders last 4 hours for adults and need a face-to-face evaluation within "
        "one hour; non-violent orders need renewal every calendar day. The order reminds you before expiry.",
    ),
    T(
        "sitter",
        "Ordering a safety sitter for suicidal patients",
        ["psychiatry", "safety"],
        "Order *Continuous observation (1:1)* and the suicide precautions panel; the room safety "
        "checklist is attached. Psychiatry consult goes in the same panel.",
    ),
]
TIPS += [
    T(
        "vent",
        "Ventilator orders and weaning protocol",
        ["icu", "respiratory", "order-sets"],
        "Initial vent settings come from the ARDS-safe defaults (6 mL/kg ideal body weight); "
        "respiratory therapy runs daily spontaneous breathing trials paired with sedation holidays.",
    ),
    T(
        "sedation",
        "ICU sedation: propofol and dexmedetomidine infusions",
        ["icu", "sedation", "pharmacy"],
        "The ICU sedation order set targets a RASS of 0 to -1; propofol needs triglycerides checked "
        "every 48 hours; dexmedetomidine for lighter sedation and delirium.",
    ),
    T(
        "pressors",
        "Starting norepinephrine through a peripheral line",
        ["icu", "shock", "nursing-protocols"],
        "Norepinephrine may run peripherally for up to 24 hours in a large proximal vein under the "
        "peripheral vasopressor protocol; order the central line in parallel. Vasopressin is added "
        "second for septic shock.",
    ),
    T(
        "hyperk",
        "Treating high potassium: the hyperkalemia order set",
        ["electrolytes", "emergencies", "order-sets"],
        "Calcium gluconate first if the ECG changed, then insulin with dextrose, albuterol, and a "
        "binder (sodium zirconium cyclosilicate). The set schedules the repeat level and glucose checks.",
    ),
    T(
        "hypona",
        "Low sodium workup panel",
        ["electrolytes", "nephrology", "labs"],
        "The hyponatremia panel orders serum osmolality, urine sodium and osmolality and TSH together. "
        "Correct no faster than 8 mEq/L in 24 hours; the nephrology consult is suggested below 120.",
    ),
    T(
        "aki",
        "Acute kidney injury: renal dosing alerts and the nephrotoxin list",
        ["nephrology", "pharmacy", "renal-dosing"],
        "When creatinine rises the chart flags nephrotoxic medications (NSAIDs, contrast, "
        "aminoglycosides) and pharmacy adjusts doses for kidney function. Hold ACE inhibitors and diuretics.",
    ),
    T(
        "dialysis",
        "Ordering inpatient hemodialysis",
        ["nephrology", "orders"],
        "Dialysis orders are written by nephrology; you order the consult and the dialysis access "
        "check. Schedule other tests around the dialysis times shown on the unit board.",
    ),
    T(
        "contrast",
        "CT with contrast when kidney function is reduced",
        ["radiology", "nephrology"],
        "IV contrast is safe above eGFR 30; below it radiology asks for a discussion. Metformin is "
        "held for 48 hours after contrast only when kidney function is low.",
    ),
    T(
        "ct-order",
        "Picking the right CT protocol",
        ["radiology", "orders"],
        "Choose the indication from the list instead of free text: radiology protocols the scan "
        "(with or without contrast, angiography for pulmonary embolism) from it and the study is faster.",
    ),
    T(
        "mri-safety",
        "MRI with a pacemaker",
        ["radiology", "cardiology", "safety"],
        "Order the MRI and answer the implant questions; for a pacemaker or ICD the device clinic "
        "is paged to reprogram it before and after the scan.",
    ),
    T(
        "echo",
        "Ordering a transthoracic echo with the right question",
        ["cardiology", "imaging"],
        "Pick the indication (ejection fraction, valve, pericardial effusion) in the echo order; a "
        "limited study is done the same day, a complete one within 48 hours.",
    ),
    T(
        "tele",
        "Telemetry orders have an end date",
        ["cardiology", "orders", "nursing"],
        "Cardiac monitoring orders default to 48 hours and ask for the indication; after that "
        "telemetry stops unless renewed. It frees monitored beds.",
    ),
    T(
        "afib-rate",
        "Rate control for atrial fibrillation with RVR",
        ["cardiology", "order-sets"],
        "The atrial fibrillation order set offers IV diltiazem or metoprolol pushes then a "
        "diltiazem drip; amiodarone for low blood pressure or heart failure. It adds the "
        "anticoagulation decision with the CHA2DS2-VASc score.",
    ),
    T(
        "chf",
        "Heart failure admission: diuresis order set",
        ["cardiology", "heart-failure", "order-sets"],
        "Use the acute decompensated heart failure set: IV furosemide at 2.5 times the home dose, "
        "daily weights, strict intake and output, and the BMP twice daily while diuresing.",
    ),
    T(
        "chest-pain",
        "Low-risk chest pain in the ED: the HEART score",
        ["cardiology", "emergency"],
        "The chest pain pathway calculates the HEART score from the chart; low-risk patients "
        "with two negative troponins go home with outpatient follow-up.",
    ),
    T(
        "pe",
        "Suspected pulmonary embolism: Wells and D-dimer first",
        ["pulmonary", "radiology", "emergency"],
        "The PE pathway asks the Wells criteria; if low, a D-dimer (age-adjusted) rules out; "
        "otherwise it orders CT pulmonary angiography. Start heparin while waiting if the risk is high.",
    ),
    T(
        "copd",
        "COPD exacerbation order set",
        ["pulmonary", "order-sets"],
        "Nebulized albuterol and ipratropium, prednisone 40 mg for 5 days, and antibiotics if the "
        "sputum changed. Target oxygen saturation 88 to 92 percent.",
    ),
    T(
        "bipap",
        "Starting BiPAP on the floor",
        ["pulmonary", "respiratory"],
        "Noninvasive ventilation can start on the floor for COPD with hypercapnia; respiratory "
        "therapy sets it up and a blood gas is repeated in 1 hour. Otherwise transfer to the ICU.",
    ),
    T(
        "o2-order",
        "Oxygen orders with a target saturation",
        ["respiratory", "nursing"],
        "Order oxygen with a target range, not a flow: nursing titrates nasal cannula or high flow "
        "to keep saturation in range and calls if the need rises.",
    ),
    T(
        "pain-pca",
        "Patient-controlled analgesia orders",
        ["pain", "pharmacy", "order-sets"],
        "The PCA order set has hydromorphone and morphine options with demand dose, lockout and "
        "hourly limit; capnography monitoring is added for opioid-naive patients.",
    ),
]
TIPS += [
    T(
        "opioid-conv",
        "Opioid conversion calculator",
        ["pain", "pharmacy"],
        "The equianalgesic calculator in the order activity converts oral oxycodone, morphine and "
        "hydromorphone between routes; reduce the new opioid by 25 to 50 percent for cross-tolerance.",
    ),
    T(
        "naloxone-rx",
        "Co-prescribe naloxone with opioids",
        ["pain", "prescriptions", "safety"],
        "The discharge prescription for opioids suggests a naloxone nasal spray when the daily "
        "morphine equivalent is 50 or more; accept the suggestion to add it.",
    ),
    T(
        "bup",
        "Starting buprenorphine in the hospital",
        ["addiction", "pharmacy"],
        "The opioid use disorder order set starts buprenorphine when the COWS score is above 8; "
        "the addiction consult team arranges the outpatient bridge prescription.",
    ),
    T(
        "vte-ppx",
        "VTE prophylaxis in the admission order set",
        ["anticoagulation", "admission", "order-sets"],
        "Every admission order set has a required blood clot prevention section: pick enoxaparin, "
        "heparin subcutaneous, mechanical only, or document why none (bleeding, already anticoagulated).",
    ),
    T(
        "transfusion",
        "Blood transfusion consent and order",
        ["hematology", "blood-bank", "orders"],
        "Transfuse red cells below hemoglobin 7 (8 for cardiac disease); the order needs a type and "
        "screen within 72 hours and a signed consent, and defaults to one unit at a time.",
    ),
    T(
        "mtp",
        "Massive transfusion protocol activation",
        ["blood-bank", "emergencies"],
        "Call the blood bank and order the massive transfusion protocol: coolers of red cells, "
        "plasma and platelets in a fixed ratio arrive every 15 minutes until you stop it.",
    ),
    T(
        "labs-addon",
        "Adding a lab to a sample already drawn",
        ["labs", "orders"],
        "Use the *Add-on* order and pick the specimen already in the lab; most chemistries can be "
        "added within 4 hours, which spares another needle stick.",
    ),
    T(
        "lab-timing",
        "Scheduling morning labs at 4 AM",
        ["labs", "orders"],
        "Order labs as *AM draw* so phlebotomy collects them at 4 AM before rounds; a stat "
        "order pulls someone off the morning run.",
    ),
    T(
        "critical-values",
        "Who gets called for critical lab values",
        ["labs", "results"],
        "Critical results are called to the ordering provider, or to the covering provider after "
        "hours; read back and document the call in the result acknowledgement.",
    ),
    T(
        "consult-order",
        "Placing a consult the right way",
        ["orders", "communication"],
        "Use the consult order with a specific question and urgency; the consultant is paged "
        "through it. A secure chat alone does not create a consult.",
    ),
    T(
        "handoff-ipass",
        "I-PASS handoff in the sign-out tool",
        ["handoff", "documentation"],
        "The handoff tool is organized by I-PASS: illness severity, summary, action list, "
        "situation awareness and contingencies; update it before evening sign out.",
    ),
    T(
        "downtime",
        "What to do during EHR downtime",
        ["downtime", "safety"],
        "Use paper downtime forms from the unit binder; the business continuity computer prints "
        "medication administration records and recent results. Enter orders once the system is back.",
    ),
    T(
        "password",
        "Resetting your EHR password",
        ["access", "it-support"],
        "Use the self-service reset link on the login screen with your registered phone; the help "
        "desk can unlock the account after three failed tries.",
    ),
    T(
        "mfa",
        "Two-factor sign in from home",
        ["access", "remote"],
        "Remote access needs the authenticator app; approve the push on your phone. Register a new "
        "phone with the help desk before you change devices.",
    ),
    T(
        "preference-list",
        "Save your common orders to a preference list",
        ["orders", "efficiency"],
        "Right-click an order and add it to your personal preference list with your defaults; next "
        "time it appears first when you search.",
    ),
    T(
        "smartphrase-share",
        "Copying a colleague's SmartPhrase",
        ["smartphrases", "efficiency"],
        "In SmartPhrase Manager search by the owner's name, open it and click *Copy*; your copy is "
        "yours to edit and does not change theirs.",
    ),
    T(
        "patient-list",
        "Building a patient list for your team",
        ["lists", "efficiency"],
        "Create a shared system list for the team; patients are added automatically when the "
        "treatment team includes your group, and columns show new results.",
    ),
    T(
        "portal-msg",
        "Answering patient portal messages efficiently",
        ["patient-portal", "epic-in-basket"],
        "Use quick replies for common answers and route clinical questions to the nurse pool; "
        "messages that need a visit can be converted to a billable e-visit.",
    ),
    T(
        "telehealth",
        "Starting a video visit from the schedule",
        ["telehealth", "outpatient"],
        "Click the camera icon next to the appointment; the patient joins from the portal link. "
        "Document with the telehealth template so the visit type is billed correctly.",
    ),
    T(
        "interpreter",
        "Booking a medical interpreter",
        ["communication", "language-services"],
        "Order interpreter services in the chart or use the video interpreter cart; document the "
        "interpreter ID in the note. Family members should not interpret.",
    ),
]
TIPS += [
    T(
        "isolation",
        "Isolation precautions orders",
        ["infection-control", "orders", "nursing"],
        "Order the isolation type (contact, droplet, airborne) from the infection prevention panel; "
        "the door sign prints and the banner shows it. MRSA history triggers contact precautions.",
    ),
    T(
        "covid-test",
        "Ordering a COVID test",
        ["infection-control", "labs"],
        "Order the SARS-CoV-2 PCR for symptomatic patients; the respiratory panel adds influenza "
        "and RSV. Results return in 2 hours for admissions.",
    ),
    T(
        "central-line",
        "Central line insertion checklist and note",
        ["procedures", "documentation", "safety"],
        "Use the line insertion procedure note, which includes the bundle checklist (hand hygiene, "
        "full barrier, chlorhexidine) and tip confirmation. Remove lines not needed: bloodstream infections.",
    ),
    T(
        "foley",
        "Urinary catheter orders with a removal reminder",
        ["nursing", "orders", "safety"],
        "The indwelling catheter order asks for an indication; after 48 hours nursing removes it "
        "under protocol unless the indication continues. This prevents urinary infections.",
    ),
    T(
        "falls",
        "Fall prevention orders",
        ["nursing", "safety"],
        "Order fall precautions with bed alarm and assisted walking for high fall risk scores; "
        "review sedating medications and check orthostatic vitals.",
    ),
    T(
        "pressure-injury",
        "Wound care consult for pressure injuries",
        ["nursing", "wound-care"],
        "Stage the wound with the documentation flowsheet and photo; the wound care nurse consult "
        "sets dressings and the turning schedule.",
    ),
    T(
        "discharge-order",
        "Discharge order early in the day",
        ["discharge", "throughput"],
        "Write the expected discharge order the day before; case management and pharmacy then "
        "prepare equipment and medications and the bed frees before noon.",
    ),
    T(
        "obs-status",
        "Observation versus inpatient status",
        ["billing", "admission", "case-management"],
        "Pick observation when you expect fewer than two midnights; the utilization review nurse "
        "can change the status. The patient gets a notice if they stay in observation.",
    ),
    T(
        "billing-level",
        "Choosing the level of service for progress notes",
        ["billing", "documentation"],
        "The level is chosen by medical decision making or time; the billing section of the note "
        "suggests it from problems addressed and data reviewed.",
    ),
    T(
        "peds-dosing",
        "Weight-based dosing for children",
        ["pediatrics", "pharmacy"],
        "Pediatric orders calculate the dose in mg/kg from the recorded weight; weigh the child at "
        "admission, a stale weight triggers a warning.",
    ),
    T(
        "pregnancy-meds",
        "Checking medication safety in pregnancy",
        ["obstetrics", "pharmacy"],
        "The drug reference in the order shows pregnancy and lactation information; the OB "
        "pharmacist can be consulted through the pharmacy consult order.",
    ),
    T(
        "pph",
        "Postpartum hemorrhage order set",
        ["obstetrics", "emergencies", "order-sets"],
        "Oxytocin infusion, methylergonovine or carboprost, tranexamic acid, and quantitative blood "
        "loss documentation are in the postpartum hemorrhage set; it also activates the blood bank.",
    ),
    T(
        "steroid-taper",
        "Prednisone taper prescriptions",
        ["prescriptions", "medications"],
        "Use the taper builder in the prescription: enter the start dose and steps and it writes "
        "the day-by-day instructions and the total tablets.",
    ),
    T(
        "thyroid",
        "Levothyroxine dosing and TSH follow-up",
        ["endocrine", "medications"],
        "Start levothyroxine at 1.6 mcg/kg for young healthy adults, lower in the elderly or heart "
        "disease; recheck TSH in 6 weeks. The health maintenance reminder schedules it.",
    ),
    T(
        "glp1",
        "Semaglutide and other weekly injections before surgery",
        ["endocrine", "perioperative", "medications"],
        "Hold weekly GLP-1 receptor agonists a week before procedures with anesthesia because of "
        "delayed gastric emptying; the preop clinic note flags them.",
    ),
    T(
        "statin",
        "Statin intensity from the lipid results",
        ["cardiology", "prevention", "medications"],
        "The cardiovascular risk calculator uses the lipid panel; high intensity is atorvastatin 40 "
        "to 80 or rosuvastatin 20 to 40 mg.",
    ),
]

QUESTIONS = [
    # abbreviations and clinical shorthand
    Q("k-replace", "abbrev", "K replacement protocol"),
    Q("k-replace", "abbrev", "how do I order KCl for low K"),
    Q("mag-replace", "abbrev", "mag and phos repletion"),
    Q("insulin-drip", "abbrev", "DKA insulin gtt"),
    Q("insulin-drip", "abbrev", "insulin drip for diabetic ketoacidosis"),
    Q("ssi", "abbrev", "SSI scale for steroids"),
    Q("heparin-nomogram", "abbrev", "heparin gtt for ACS"),
    Q("enox-renal", "abbrev", "lovenox dose CrCl < 30"),
    Q("vanc-auc", "abbrev", "vanc AUC dosing"),
    Q("vanc-auc", "abbrev", "who orders vanco troughs"),
    Q("sepsis-abx", "abbrev", "empiric abx for sepsis"),
    Q("sepsis-abx", "abbrev", "CAP antibiotics in the sepsis bundle"),
    Q("c-diff", "abbrev", "C diff testing criteria"),
    Q("bcx-order", "abbrev", "BCx x2 how to order"),
    Q("npo-order", "abbrev", "NPO after midnight order"),
    Q("tube-feeds", "abbrev", "start TF"),
    Q("dc-summary", "abbrev", "DC summary template"),
    Q("med-rec", "abbrev", "med rec at discharge"),
    Q("avs", "abbrev", "AVS instructions"),
    Q("hp-note", "abbrev", "H&P template for admissions"),
    Q("goc", "abbrev", "GOC note"),
    Q("code-status", "abbrev", "DNR order"),
    Q("rrt", "abbrev", "call RRT from chart"),
    Q("stroke-alert", "abbrev", "tPA dosing code stroke"),
    Q("stroke-alert", "abbrev", "NIHSS and LKW documentation"),
    Q("seizure", "abbrev", "status epilepticus keppra load"),
    Q("ciwa", "abbrev", "CIWA protocol EtOH withdrawal"),
    Q("restraints", "abbrev", "restraint order renewal"),
    Q("sitter", "abbrev", "1:1 sitter for SI"),
    Q("vent", "abbrev", "SBT and vent weaning"),
    Q("pressors", "abbrev", "levophed through a PIV"),
    Q("hyperk", "abbrev", "treat hyperK"),
    Q("hyperk", "abbrev", "high K with ECG changes"),
    Q("hypona", "abbrev", "low Na workup"),
    Q("aki", "abbrev", "AKI nephrotoxins"),
    Q("dialysis", "abbrev", "order HD inpatient"),
    Q("contrast", "abbrev", "CT contrast with low GFR"),
    Q("echo", "abbrev", "order TTE for EF"),
    Q("tele", "abbrev", "tele order expires"),
    Q("afib-rate", "abbrev", "afib RVR dilt drip"),
    Q("chf", "abbrev", "CHF diuresis lasix dose"),
    Q("pe", "abbrev", "PE workup d-dimer"),
    Q("copd", "abbrev", "AECOPD steroids and nebs"),
    Q("bipap", "abbrev", "BiPAP on the floor"),
    Q("pain-pca", "abbrev", "PCA dilaudid settings"),
    Q("bup", "abbrev", "start bupe for OUD"),
    Q("vte-ppx", "abbrev", "DVT ppx at admission"),
    Q("transfusion", "abbrev", "PRBC transfusion threshold"),
    Q("mtp", "abbrev", "activate MTP"),
    Q("labs-addon", "abbrev", "add on BMP"),
    Q("isolation", "abbrev", "MRSA contact precautions"),
    Q("covid-test", "abbrev", "covid PCR and RSV"),
    Q("central-line", "abbrev", "CVC insertion note CLABSI"),
    Q("foley", "abbrev", "foley removal CAUTI"),
    Q("peds-dosing", "abbrev", "peds mg/kg dosing weight"),
    Q("pph", "abbrev", "PPH order set"),
    Q("thyroid", "abbrev", "synthroid dose TSH recheck"),
    Q("epcs", "abbrev", "EPCS 2FA"),
    Q("obs-status", "abbrev", "obs vs inpatient"),
    Q("handoff-ipass", "abbrev", "IPASS signout"),
    Q("demo-sepsis", "abbrev", "repeat lactate sepsis"),
    Q("demo-troponin", "abbrev", "hs trop chest pain order set"),
    Q("demo-inbasket", "abbrev", "duplicate results inbasket"),
    # brand and generic names
    Q("doac-reversal", "brand", "reverse eliquis bleeding"),
    Q("doac-reversal", "brand", "xarelto reversal andexxa"),
    Q("warfarin-reversal", "brand", "coumadin INR 12 reversal"),
    Q("doac-periop", "brand", "when to stop eliquis before surgery"),
    Q("enox-renal", "brand", "lovenox in kidney failure"),
    Q("vanc-auc", "brand", "vancocin levels"),
    Q("sepsis-abx", "brand", "zosyn or cefepime for sepsis"),
    Q("sepsis-abx", "brand", "rocephin and zithromax pneumonia"),
    Q("c-diff", "brand", "dificid or oral vanc"),
    Q("abx-allergy", "brand", "ancef with PCN allergy"),
    Q("uti-abx", "brand", "macrobid for cystitis"),
    Q("uti-abx", "brand", "cipro for bladder infection"),
    Q("seizure", "brand", "ativan then keppra for seizures"),
    Q("ciwa", "brand", "librium vs ativan withdrawal"),
    Q("delirium", "brand", "haldol or seroquel for delirium"),
    Q("sedation", "brand", "precedex vs diprivan"),
    Q("pressors", "brand", "levophed peripheral"),
    Q("hyperk", "brand", "lokelma for potassium"),
    Q("afib-rate", "brand", "cardizem drip"),
    Q("afib-rate", "brand", "cordarone for afib with low BP"),
    Q("chf", "brand", "lasix dose heart failure admission"),
    Q("copd", "brand", "duoneb and prednisone"),
    Q("pain-pca", "brand", "dilaudid PCA"),
    Q("opioid-conv", "brand", "convert oxycontin to dilaudid"),
    Q("naloxone-rx", "brand", "narcan prescription with opioids"),
    Q("bup", "brand", "suboxone induction"),
    Q("vte-ppx", "brand", "lovenox prophylaxis admission"),
    Q("thyroid", "brand", "synthroid starting dose"),
    Q("glp1", "brand", "ozempic before surgery"),
    Q("glp1", "brand", "hold wegovy before anesthesia"),
    Q("statin", "brand", "lipitor or crestor dose"),
    Q("steroid-taper", "brand", "deltasone taper"),
    Q("insulin-drip", "brand", "humulin R infusion DKA"),
    Q("ssi", "brand", "humalog correction scale"),
    Q("pph", "brand", "pitocin and hemabate"),
    Q("hyperk", "brand", "kayexalate or lokelma"),
    Q("contrast", "brand", "glucophage and contrast"),
    Q("mag-replace", "brand", "magnesium sulfate repletion"),
    # typos
    Q("k-replace", "typo", "potasium replacment"),
    Q("mag-replace", "typo", "magnesim repletion"),
    Q("heparin-nomogram", "typo", "hepparin nomogram"),
    Q("doac-reversal", "typo", "apixiban reversal"),
    Q("warfarin-reversal", "typo", "warfrin reversal"),
    Q("vanc-auc", "typo", "vancomicin dosing"),
    Q("c-diff", "typo", "difficle testing"),
    Q("abx-allergy", "typo", "penicilin allergy cephalosporin"),
    Q("uti-abx", "typo", "nitrofurantion cystitis"),
    Q("tpn", "typo", "parenteral nutriton deadline"),
    Q("dc-summary", "typo", "discharge sumary template"),
    Q("dictation", "typo", "dragon dictaiton"),
    Q("seizure", "typo", "levetiracetum loading"),
    Q("ciwa", "typo", "alchohol withdrawl"),
    Q("delirium", "typo", "delerium prevention"),
    Q("pressors", "typo", "norepinephrin peripheral"),
    Q("hypona", "typo", "hyponatremai workup"),
    Q("afib-rate", "typo", "diltiazam drip"),
    Q("pe", "typo", "pulmonary embolsim workup"),
    Q("transfusion", "typo", "transfussion consent"),
    Q("interpreter", "typo", "interpeter services"),
    Q("thyroid", "typo", "levothyroxin dose"),
    Q("restraints", "typo", "restrant order"),
    Q("demo-smartphrase", "typo", "smartphase discharge vitals"),
    # plain-word questions
    Q("k-replace", "plain", "how do I replace potassium"),
    Q("npo-order", "plain", "nothing by mouth before a procedure but allow clear liquids"),
    Q("tube-feeds", "plain", "how to start feeding through a tube"),
    Q("tpn", "plain", "what time do IV nutrition orders need to be in"),
    Q("med-rec", "plain", "how do I stop home medications at discharge"),
    Q("progress-copy", "plain", "can I copy yesterday's note"),
    Q("attestation", "plain", "what do attendings write on resident notes"),
    Q("addendum", "plain", "how do I add late information to a signed note"),
    Q("dictation", "plain", "voice recognition keeps getting drug names wrong"),
    Q("inbasket-results", "plain", "send a result letter to the patient"),
    Q("inbasket-delegate", "plain", "going on vacation who gets my messages"),
    Q("refill", "plain", "approve many refill requests at once"),
    Q("prior-auth", "plain", "insurance needs approval for a medication"),
    Q("rrt", "plain", "patient getting worse on the floor who do I call"),
    Q("sitter", "plain", "patient wants to hurt themselves what do I order"),
    Q("mri-safety", "plain", "can a patient with a pacemaker get an MRI"),
    Q("ct-order", "plain", "which scan protocol should I choose"),
    Q("tele", "plain", "why did the heart monitoring stop"),
    Q("chest-pain", "plain", "can low risk chest pain go home"),
    Q("o2-order", "plain", "how much oxygen to order"),
    Q("labs-addon", "plain", "add a test to blood already sent"),
    Q("lab-timing", "plain", "get labs drawn before rounds"),
    Q("critical-values", "plain", "who gets the call for a panic lab value"),
    Q("consult-order", "plain", "how do I ask another service to see my patient"),
    Q("downtime", "plain", "the computer system is down what now"),
    Q("password", "plain", "locked out of my account"),
    Q("mfa", "plain", "sign in from home with my phone"),
    Q("preference-list", "plain", "save my favorite orders"),
    Q("smartphrase-share", "plain", "use a colleague's dot phrase"),
    Q("patient-list", "plain", "list of my team's patients"),
    Q("portal-msg", "plain", "too many patient messages"),
    Q("telehealth", "plain", "start a video appointment"),
    Q("interpreter", "plain", "patient does not speak english"),
    Q("falls", "plain", "stop patients from falling"),
    Q("pressure-injury", "plain", "bed sore dressing"),
    Q("discharge-order", "plain", "get patients out before noon"),
    Q("billing-level", "plain", "which billing level for a daily note"),
    Q("pregnancy-meds", "plain", "is this drug safe while pregnant"),
    Q("demo-handoff", "plain", "which columns print when the system goes down"),
    Q("demo-securechat", "plain", "stop getting paged during a procedure"),
    Q("demo-smartphrase", "plain", "shortcut for discharge notes with latest vitals"),
    # multi-clause questions
    Q(
        "k-replace",
        "multi",
        "what is the potassium protocol and when is the level rechecked after the last dose",
    ),
    Q(
        "insulin-drip",
        "multi",
        "when do I add dextrose to the insulin drip and when do I switch to subcutaneous insulin",
    ),
    Q(
        "heparin-nomogram",
        "multi",
        "is there a bolus for the heparin drip in acute coronary syndrome or only for clots",
    ),
    Q(
        "doac-reversal",
        "multi",
        "patient on a blood thinner is bleeding, what reverses it and do I need pharmacy",
    ),
    Q("vanc-auc", "multi", "should I order a trough or does pharmacy dose vancomycin now"),
    Q("c-diff", "multi", "stool test refused because of a laxative, how many stools are needed"),
    Q(
        "abx-allergy",
        "multi",
        "allergic to penicillin, can I still give a cephalosporin before surgery",
    ),
    Q(
        "npo-order",
        "multi",
        "nothing by mouth order for a morning case that ends when the procedure is cancelled",
    ),
    Q(
        "code-status",
        "multi",
        "where do I put the do not resuscitate status so it shows on the banner",
    ),
    Q(
        "stroke-alert",
        "multi",
        "stroke patient last known well two hours ago, how do I dose the clot buster",
    ),
    Q(
        "ciwa",
        "multi",
        "alcohol withdrawal in a patient with cirrhosis, which benzodiazepine and do I give thiamine",
    ),
    Q(
        "restraints",
        "multi",
        "how long does a restraint order last and when does someone need to see the patient",
    ),
    Q(
        "pressors",
        "multi",
        "blood pressure low in sepsis, can norepinephrine run peripherally while the central line goes in",
    ),
    Q("hyperk", "multi", "potassium is 6.8 with peaked T waves, what do I give first"),
    Q("hypona", "multi", "sodium is 118, which labs do I send and how fast can I correct"),
    Q("aki", "multi", "creatinine doubled, which meds should I hold and who adjusts doses"),
    Q("afib-rate", "multi", "fast heart rate in atrial fibrillation with heart failure, what drip"),
    Q("pe", "multi", "low probability clot in the lung, do I get a d-dimer or go straight to CT"),
    Q(
        "transfusion",
        "multi",
        "hemoglobin 6.9 with heart disease, what is the threshold and do I need consent",
    ),
    Q(
        "glp1",
        "multi",
        "patient on a weekly diabetes injection has a scope tomorrow, do we hold it",
    ),
    Q(
        "demo-sepsis",
        "multi",
        "the lactate repeat did not fire after shift change, where is that checkbox",
    ),
    Q(
        "demo-troponin",
        "multi",
        "chest pain workup, how do I time the troponin draws without remembering the delta",
    ),
]
