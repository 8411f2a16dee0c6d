"""The "Mentions & replies" view: messages that mention me, replies in my threads, and the
open questions offered to me ("Can you help?", physnet/actions/help_offers.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select, union

from physnet.access import shown_to_readers, visible_messages
from physnet.extensions import db
from physnet.models import HelpOffer, Membership, Mention, Message, RepliesReadMarker, User
from physnet.reads.json import message_json

MAX_PAGE = 100


def _my_threads(user: User) -> Any:
    """Roots of the threads `user` started or replied in."""
    return select(func.coalesce(Message.thread_id, Message.id)).where(Message.author_id == user.id)


def mentions_page(
    user: User, *, before: int | None = None, limit: int = 30
) -> tuple[list[dict[str, Any]], bool]:
    """Newest first: messages mentioning `user` and others' replies in threads `user` started
    or took part in, that `user` may see now. Each item says whether it is unread:
    a mention until cleared; a reply until the channel's or this view's read marker passes it.
    """
    limit = max(1, min(limit, MAX_PAGE))
    # The candidates come from two indexed lookups (my mentions; replies in my threads), so
    # the cost follows how much concerns me, not how many messages the network holds.
    mentioned = select(Mention.message_id).where(Mention.user_id == user.id)
    replies = select(Message.id).where(
        Message.thread_id.in_(_my_threads(user)), Message.author_id != user.id
    )
    offered = select(HelpOffer.message_id).where(HelpOffer.user_id == user.id)
    if before is not None:
        mentioned = mentioned.where(Mention.message_id < before)
        replies = replies.where(Message.id < before)
        offered = offered.where(HelpOffer.message_id < before)
    marker = select(RepliesReadMarker.last_read_id).where(RepliesReadMarker.user_id == user.id)
    query = (
        select(
            Message,
            Mention.user_id.is_not(None),
            Mention.read_at.is_(None),
            func.coalesce(Membership.last_read_id, 0),
            func.coalesce(marker.scalar_subquery(), 0),
            HelpOffer.user_id.is_not(None),
            HelpOffer.read_at.is_(None),
        )
        .outerjoin(Mention, and_(Mention.message_id == Message.id, Mention.user_id == user.id))
        .outerjoin(
            HelpOffer, and_(HelpOffer.message_id == Message.id, HelpOffer.user_id == user.id)
        )
        .outerjoin(
            Membership,
            and_(Membership.channel_id == Message.channel_id, Membership.user_id == user.id),
        )
        .where(
            visible_messages(user),
            Message.author_id != user.id,
            Message.id.in_(union(mentioned, replies, offered)),
        )
    )
    rows = db.session.execute(query.order_by(Message.id.desc()).limit(limit + 1)).all()
    items = []
    for row in rows[:limit]:
        message, is_mention, mention_unread, channel_read, view_read, offered, offer_unread = row
        # A mention and an offer keep their own read_at; a reply is read once either marker
        # passes it. An offer is listed at its question's place (it is a top-level message).
        read_up_to = max(channel_read, view_read)
        if is_mention:
            kind, unread = "mention", bool(mention_unread)
        elif offered:
            kind, unread = "help", bool(offer_unread)
        else:
            kind, unread = "reply", message.id > read_up_to
        items.append(
            {
                "kind": kind,
                "unread": unread,
                "channel": {
                    "name": message.channel.name,
                    "title": message.channel.title or message.channel.name,
                    "kind": message.channel.kind,
                },
                "message": message_json(message),
            }
        )
    return items, len(rows) > limit


def unread_mention_count(user: User) -> int:
    """The sidebar badge of "Mentions & replies": unread mentions of `user` and unread "Can
    you help?" offers to them, in channels they may read now; a message that both mentions
    them and is offered to them counts once. Marking the view read clears both."""
    mentioned = select(Mention.message_id).where(
        Mention.user_id == user.id, Mention.read_at.is_(None)
    )
    offered = select(HelpOffer.message_id).where(
        HelpOffer.user_id == user.id, HelpOffer.read_at.is_(None)
    )
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Message)
            .where(
                Message.id.in_(union(mentioned, offered)),
                visible_messages(user),
                shown_to_readers(),  # a reported message notifies no one
            )
        )
        or 0
    )
