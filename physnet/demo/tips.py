"""Demo knowledge tips: EHR workflow shortcuts the demo physicians curated (no patient data)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from physnet.actions.tips.edit import do_create_tip
from physnet.actions.tips.votes import do_endorse_tip, do_verify_tip
from physnet.extensions import db
from physnet.models import Channel, Message, Tip, User, utcnow
from physnet.models.tips import today

TIPS: list[dict] = [
    {
        "channel": "ehr-tips",
        "owner": "akim",
        "title": "Build a discharge SmartPhrase that pulls the last vitals and pending results",
        "tags": ["epic", "smartphrases", "discharge", "documentation"],
        "promote_from": "SmartPhrase",  # promoted from the first demo message mentioning it
        "body": (
            "1. Open **Epic button > Tools > SmartPhrase Manager** and click *New*.\n"
            "2. Add `@VS@` for the latest vitals and `@PENDRES@` for results still pending.\n"
            "3. Share it with your department so colleagues get the same layout.\n\n"
            "Keep free-text blanks (`***`) for anything that needs your judgement: F2 jumps "
            "between them."
        ),
        "endorsed_by": ["gmorales", "eschmidt", "lnguyen", "dcohen"],
        "verified_by": "mokafor",
    },
    {
        "channel": "ehr-tips",
        "owner": "mokafor",
        "title": "Stop duplicate result notifications in the In Basket",
        "tags": ["epic-in-basket", "results", "notifications"],
        "body": (
            "In **In Basket > Manage Rules**, add a rule for *Results* with the condition "
            "*Resulting provider is me* and the action *Move to folder: Auto-filed*. "
            "Results you ordered still arrive once; copies for co-signers stop."
        ),
        "endorsed_by": ["akim", "rpatel", "sobrien"],
        "verified_by": "mokafor",
    },
    {
        "channel": "cardiology",
        "owner": "rpatel",
        "title": "Use the hs-troponin chest pain order set instead of single troponin orders",
        "tags": ["order-sets", "cardiology", "hs-troponin"],
        "body": (
            "Search **Chest Pain - hs-Troponin Pathway** in the order set activity. It "
            "times the 0/1-hour draws for you and adds the pathway's BPA, so nobody has "
            "to remember the delta rule."
        ),
        "endorsed_by": ["tadeyemi", "akim"],
    },
    {
        "channel": "sepsis-protocol",
        "owner": "sobrien",
        "title": "Sepsis bundle: sign the lactate repeat with the initial order",
        "tags": ["sepsis", "order-sets", "protocols"],
        "body": (
            "The **ED Sepsis** order set has a *Repeat lactate in 3 hours* line that is "
            "unchecked by default. Check it when you sign the bundle: the repeat then "
            "fires on time even across a shift change."
        ),
        "endorsed_by": ["lnguyen", "jhernandez"],
    },
    {
        "channel": "hospital-medicine",
        "owner": "gmorales",
        "title": "Handoff list columns that survive downtime printouts",
        "tags": ["handoff", "downtime", "cerner-powerchart"],
        "body": (
            "In **PowerChart > Patient List > Customize Columns**, keep *Code status*, "
            "*Isolation* and *Pending consults* in the first three columns: the downtime "
            "print shows only the first five."
        ),
        "endorsed_by": ["akim"],
        "review_days_ago": 20,  # shows the "may be out of date" banner
    },
    {
        "channel": "ehr-tips",
        "owner": "lnguyen",
        "title": "Secure Chat: set your status before a procedure",
        "tags": ["secure-chat", "epic"],
        "body": (
            "Tap your photo in **Secure Chat** and pick *In procedure*: messages still "
            "arrive, and senders see you will answer later instead of paging again."
        ),
        "endorsed_by": [],
    },
]


def load_demo_tips(users: dict[str, User], channels: dict[str, Channel]) -> int:
    """Create the demo tips unless there are tips already; return how many were created."""
    if db.session.scalar(select(func.count()).select_from(Tip)):
        return 0
    created = 0
    for spec in TIPS:
        source = None
        if "promote_from" in spec:
            source = db.session.scalar(
                select(Message)
                .where(
                    Message.channel_id == channels[spec["channel"]].id,
                    Message.body.contains(spec["promote_from"]),
                    Message.deleted_at.is_(None),
                )
                .order_by(Message.id)
                .limit(1)
            )
        review = None
        if "review_days_ago" in spec:
            review = today() - timedelta(days=spec["review_days_ago"])
        tip = do_create_tip(
            users[spec["owner"]],
            channels[spec["channel"]],
            spec["title"],
            spec["body"],
            spec["tags"],
            review,
            source_message_id=source.id if source else None,
            thread_id=(source.thread_id or source.id) if source else None,
            created_at=utcnow() - timedelta(days=len(TIPS) - created),
        )
        for username in spec["endorsed_by"]:
            do_endorse_tip(users[username], tip, True)
        if "verified_by" in spec:
            do_verify_tip(users[spec["verified_by"]], tip, True)
        created += 1
    return created
