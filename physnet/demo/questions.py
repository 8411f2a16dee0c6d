"""A season of demo questions and answers (and searches), so /admin/insights shows real-
looking curves: more questions as people adopt PhysNet, answers arriving faster, a few
left open. EHR workflows only, no patient data."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from physnet.actions.insights import do_rollup_insights
from physnet.actions.messages.send import do_send_message
from physnet.extensions import db
from physnet.models import Channel, Membership, Question, SearchRecord, User, utcnow

WEEKS = 16
ASKS = [
    (
        "ehr-tips",
        "How do I add an order set to my favorites so it opens from the sidebar?",
        "Search the order set, then click the star beside its name: it shows under Favorites.",
    ),
    (
        "ehr-tips",
        "Is there a shortcut to sign several notes at once in the In Basket?",
        "Select them with Shift+click and use Sign Selected; co-sign notes stay separate.",
    ),
    (
        "ehr-tips",
        "Where do I change which results route to my In Basket pool?",
        "Epic button > In Basket > Message Routing; pick the pool per result type.",
    ),
    (
        "ehr-tips",
        "Can a SmartPhrase pull in the last set of vitals?",
        "Yes: @VS@ gives the latest vitals; @VSRANGE@ the range over the last 24 hours.",
    ),
    (
        "cardiology",
        "Which order set has the heparin nomogram for ACS now?",
        "It moved into the ACS Admission order set, section Anticoagulation.",
    ),
    (
        "cardiology",
        "How do I get the echo report to show in the cardiology navigator?",
        "Add the Imaging Results section in the navigator's wrench menu and pin it.",
    ),
    (
        "hospital-medicine",
        "How do I hand off my list to the night team in one step?",
        "Use Patient List > Handoff > Send Team; it keeps your to-do column.",
    ),
    (
        "hospital-medicine",
        "Is there a discharge navigator checklist for weekend discharges?",
        "Yes, the Weekend Discharge checklist is under the Discharge activity's drop-down.",
    ),
    (
        "sepsis-protocol",
        "Does the sepsis BPA fire again after I acknowledge it once?",
        "It re-fires after 6 hours if the lactate order is still unsigned.",
    ),
    (
        "sepsis-protocol",
        "Where is the repeat lactate in the ED sepsis order set?",
        "Second section, already ticked: it times itself 2 hours after the first draw.",
    ),
    (
        "ehr-tips",
        "What is the fastest way to find a colleague's pager in PhysNet?",
        "Open People, filter by facility and specialty; the phone is on the profile.",
    ),
    (
        "ehr-tips",
        "How do I print the downtime census before a planned outage?",
        "Reports > Downtime > Unit Census; run it per unit the evening before.",
    ),
]
SEARCHES = [
    ("order set favorites", 3),
    ("in basket pool routing", 2),
    ("heparin nomogram", 2),
    ("downtime census", 2),
    ("smartphrase vitals", 3),
    ("sepsis bpa", 2),
    ("epic haiku secure chat", 0),
    ("dragon microphone setup", 0),
    ("fax to outside clinic", 0),
    ("badge tap login", 0),
    ("cerner powerchart favorites", 0),
    ("discharge navigator", 2),
]


def load_demo_questions() -> int:
    """Create the season unless questions already exist; returns how many were asked."""
    if db.session.scalar(select(func.count()).select_from(Question)):
        return 0
    rng = random.Random(17)
    now = utcnow()
    start = now - timedelta(weeks=WEEKS)
    channels = {c.name: c for c in db.session.scalars(select(Channel))}
    members: dict[int, list[User]] = {}
    for membership in db.session.scalars(select(Membership)):
        members.setdefault(membership.channel_id, []).append(membership.user)
    asked = 0
    for week in range(WEEKS):
        # Adoption grows: two questions a week at first, about ten by the end.
        for _ in range(2 + week // 2 + rng.randint(0, 2)):
            name, question, answer = rng.choice(ASKS)
            channel = channels.get(name)
            people = members.get(channel.id, []) if channel else []
            if channel is None or len(people) < 2:
                continue
            asker, helper = rng.sample(people, 2)
            at = start + timedelta(weeks=week, hours=rng.uniform(0, 24 * 7 - 48))
            root = do_send_message(asker, channel, question, None, None, created_at=at, asked=True)
            asked += 1
            if rng.random() < 0.12 and week > WEEKS - 4:
                continue  # still open
            # Answers come faster as more people watch the channels.
            delay = timedelta(hours=rng.expovariate(1 / max(30 - 1.6 * week, 2)))
            reply = do_send_message(helper, channel, answer, None, root, created_at=at + delay)
            if rng.random() < 0.8 and at + delay * 2 < now:
                record = db.session.get(Question, root.id)
                assert record is not None
                record.status, record.answer_id = "answered", reply.id
                record.answered_at = at + delay * rng.uniform(1.1, 2.0)
    for day in range(WEEKS * 7):
        for _ in range(rng.randint(2 + day // 12, 6 + day // 8)):
            words, results = rng.choice(SEARCHES)
            db.session.add(
                SearchRecord(
                    day=(start + timedelta(days=day)).date(),
                    results=results and rng.randint(1, 12),
                    query=words,
                    flagged=False,
                )
            )
    db.session.flush()
    do_rollup_insights()
    return asked
