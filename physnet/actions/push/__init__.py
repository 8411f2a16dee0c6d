"""Web Push: subscriptions, VAPID, the outbox and its delivery (issue 16)."""
