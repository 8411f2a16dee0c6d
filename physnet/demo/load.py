"""Load the demo health system: physicians, channels and a month of EHR conversation."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from sqlalchemy import func, select, update

from physnet.actions.channels import do_add_member, do_create_channel
from physnet.actions.digest.send import do_send_digests
from physnet.actions.messages.reactions import do_toggle_reaction
from physnet.actions.messages.send import do_send_message
from physnet.actions.profiles import do_update_profile
from physnet.actions.users import do_create_local_user
from physnet.db.transaction import atomic
from physnet.demo import content, profiles
from physnet.demo.questions import load_demo_questions
from physnet.demo.tips import load_demo_tips
from physnet.extensions import db
from physnet.models import Channel, Digest, Membership, Message, User, utcnow

DEMO_PASSWORD = "physnet-demo"  # documented in the README; demo accounts only
DAYS = 30


def load_demo(progress: Callable[[str], None] = lambda text: None) -> str:
    """Create whatever part of the demo is missing; a second run changes nothing."""
    with atomic():
        users = _users(progress)
        channels = _channels(users, progress)
        posted = _messages(users, channels, progress)
        tips = load_demo_tips(users, channels)
        questions = load_demo_questions()
    # A weekly digest for the demo accounts only (never anyone else on the instance), so the
    # Mentions & replies view shows what one looks like; once: a later run sends none.
    demo_ids = [user.id for user in users.values()]
    had_one = db.session.scalar(select(Digest.id).where(Digest.user_id.in_(demo_ids)).limit(1))
    digests = 0 if had_one else do_send_digests(only=demo_ids).in_app
    return (
        f"Demo ready: {len(users)} physicians, {len(channels)} channels, "
        f"{posted} new messages, {tips} new tips, {questions} new questions, "
        f"{digests} new weekly digests. "
        "Password for every demo account: "
        f"{DEMO_PASSWORD}"
    )


def _users(progress: Callable[[str], None]) -> dict[str, User]:
    existing = {u.username: u for u in db.session.scalars(select(User))}
    for spec in content.USERS:
        if spec["username"] in existing:
            continue
        fields = {
            k: spec[k]
            for k in (
                "display_name",
                "title",
                "credentials",
                "specialty",
                "department",
                "facility",
                "phone",
                "email",
                "bio",
            )
        }
        existing[spec["username"]] = do_create_local_user(
            spec["username"],
            DEMO_PASSWORD,
            role=spec["role"],
            expertise=",".join(spec["expertise"]),
            **fields,
        )
    _profile_extras(existing)
    progress(f"users: {len(content.USERS)}")
    return {spec["username"]: existing[spec["username"]] for spec in content.USERS}


def _profile_extras(users: dict[str, User]) -> None:
    """Fill the self-written profile fields the demo physicians have left empty."""
    for username, extra in profiles.PROFILES.items():
        user = users.get(username)
        if user is not None and not user.ehr_systems and not user.ask_me_about:
            do_update_profile(
                user,
                {
                    "ehr_systems": ",".join(extra["ehr_systems"]),
                    "ask_me_about": extra["ask_me_about"],
                },
            )


def _channels(users: dict[str, User], progress: Callable[[str], None]) -> dict[str, Channel]:
    channels = {}
    for spec in content.CHANNELS:
        channel = db.session.scalar(select(Channel).where(Channel.name == spec["name"]))
        if channel is None:
            channel = do_create_channel(
                None, spec["name"], spec["title"], spec["description"], spec["kind"]
            )
        members = (
            users.values()
            if spec["members"] == "all"
            else [users[name] for name in spec["members"]]
        )
        for user in members:
            role = "moderator" if user.role in ("admin", "moderator") else "member"
            do_add_member(channel, user, role=role)
        channels[spec["name"]] = channel
    progress(f"channels: {len(channels)}")
    return channels


def _messages(
    users: dict[str, User], channels: dict[str, Channel], progress: Callable[[str], None]
) -> int:
    if db.session.scalar(select(func.count()).select_from(Message)):
        return 0  # conversation already there: loading is idempotent
    total = sum(1 + len(m.get("replies", [])) for m in content.MESSAGES)
    start = utcnow() - timedelta(days=DAYS)
    step = timedelta(days=DAYS) / max(total, 1)
    when = start
    posted = 0
    for spec in content.MESSAGES:
        channel = channels[spec["channel"]]
        when += step
        root = do_send_message(
            users[spec["author"]], channel, spec["body"], None, None, created_at=when
        )
        posted += 1
        for emoji, username in spec.get("reactions", []):
            do_toggle_reaction(users[username], root, emoji)
        for reply in spec.get("replies", []):
            when += step
            do_send_message(
                users[reply["author"]], channel, reply["body"], None, root, created_at=when
            )
            posted += 1
        if posted % 50 == 0:
            progress(f"messages: {posted}/{total}")
    _leave_a_few_unread(channels.values())
    return posted


def _leave_a_few_unread(channels: Iterable[Channel], unread: int = 3) -> None:
    """Mark each channel read up to its last few messages, as after a normal working day."""
    for channel in channels:
        ids = db.session.scalars(
            select(Message.id)
            .where(Message.channel_id == channel.id, Message.thread_id.is_(None))
            .order_by(Message.id.desc())
            .limit(unread + 1)
        ).all()
        if len(ids) > unread:
            db.session.execute(
                update(Membership)
                .where(Membership.channel_id == channel.id)
                .values(last_read_id=ids[-1])
            )
