"""Sign-in throttling: per address, per (address, username), and a per-username delay that
slows a guesser down without locking the account's owner out."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask

from physnet.ratelimit.signin import DELAY_CAP_S, FREE_FAILURES, failure_delay

from conftest import PASSWORD, Factory, csrf_token

ATTACKER, OWNER = "10.20.0.66", "10.20.0.7"


def attempt(app: Flask, username: str, password: str, address: str) -> Any:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_token(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def test_the_delay_doubles_up_to_a_ceiling() -> None:
    delays = [failure_delay(n) for n in range(1, 16)]
    assert delays[:FREE_FAILURES] == [0.0] * FREE_FAILURES  # a typo or two costs nothing
    grown = delays[FREE_FAILURES:]
    assert grown[:4] == [1.0, 2.0, 4.0, 8.0]
    assert max(grown) == DELAY_CAP_S and grown[-1] == DELAY_CAP_S
    assert grown == sorted(grown)


def test_a_guesser_slows_the_owner_down_but_cannot_lock_them_out(limited_app: Flask) -> None:
    Factory(limited_app).user("alice")
    # From one address, a guesser runs into the delay after the free failures...
    answers = [attempt(limited_app, "alice", f"guess-{n}", ATTACKER) for n in range(4)]
    codes = [a.status_code for a in answers]
    assert codes == [401] * (FREE_FAILURES + 1) + [429], codes
    refused = answers[-1]
    assert refused.headers["Retry-After"] == "1"
    assert "Try again in 1 second" in refused.get_data(as_text=True)
    # ...and so does the owner, elsewhere, though only for as long as the delay.
    waiting = attempt(limited_app, "alice", PASSWORD, OWNER)
    assert waiting.status_code == 429
    assert int(waiting.headers["Retry-After"]) <= failure_delay(FREE_FAILURES + 1)
    time.sleep(int(waiting.headers["Retry-After"]) + 0.1)
    assert attempt(limited_app, "alice", PASSWORD, OWNER).status_code == 302
    # A success clears the failures: the next typo is free again.
    assert attempt(limited_app, "alice", "typo", OWNER).status_code == 401
    assert attempt(limited_app, "alice", PASSWORD, OWNER).status_code == 302


def test_refused_attempts_do_not_lengthen_the_delay(limited_app: Flask) -> None:
    Factory(limited_app).user("alice")
    for n in range(FREE_FAILURES + 1):
        assert attempt(limited_app, "alice", f"guess-{n}", ATTACKER).status_code == 401
    for _ in range(4):  # hammering while refused counts for nothing
        assert attempt(limited_app, "alice", "guess", f"10.20.1.{_}").status_code == 429
    time.sleep(failure_delay(FREE_FAILURES + 1) + 0.1)
    assert attempt(limited_app, "alice", PASSWORD, OWNER).status_code == 302


def test_one_address_is_limited_whatever_the_usernames(limited_app: Flask) -> None:
    for n in range(10):
        assert attempt(limited_app, f"nobody{n}", "guess", ATTACKER).status_code == 401
    refused = attempt(limited_app, "nobody-else", "guess", ATTACKER)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Too many sign-in attempts" in refused.get_data(as_text=True)
    Factory(limited_app).user("alice")  # another address is not affected
    assert attempt(limited_app, "alice", PASSWORD, OWNER).status_code == 302


def test_one_address_and_username_pair_is_limited(limited_app: Flask) -> None:
    # Empty passwords are refused unchecked, so no failure delay builds up: only the pair
    # limit (5 a minute) is left to stop them.
    for _ in range(5):
        assert attempt(limited_app, "alice", "", ATTACKER).status_code == 401
    assert attempt(limited_app, "alice", "", ATTACKER).status_code == 429
    Factory(limited_app).user("alice")
    assert attempt(limited_app, "alice", PASSWORD, OWNER).status_code == 302
