"""The shared rate limiter: counts per hashed key and fixed window, in the database."""
from __future__ import annotations

import pytest

from tracker.extensions import db
from tracker.models import RateCounter
from tracker.web import ratelimit


def test_limit_parses_and_refuses_nonsense():
    assert ratelimit.Limit.parse("60/600") == ratelimit.Limit(60, 600)
    for bad in ("", "0/10", "5/0", "a/b", "5"):
        with pytest.raises(ValueError):
            ratelimit.Limit.parse(bad)


def test_hits_within_a_window_then_refused_then_a_new_window(app):
    limit = ratelimit.Limit(3, 60)
    now = 6_000_000.0  # the start of a window
    verdicts = [ratelimit.hit("survey-address", "10.0.0.1", limit, now + i) for i in range(5)]
    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    assert [v.hits for v in verdicts] == [1, 2, 3, 4, 5]
    assert verdicts[2].remaining == 0 and verdicts[3].retry_after == 57
    # Another client, and another scope, count apart.
    assert ratelimit.hit("survey-address", "10.0.0.2", limit, now).hits == 1
    assert ratelimit.hit("api", "10.0.0.1", limit, now).hits == 1
    # The next window starts again from one.
    assert ratelimit.hit("survey-address", "10.0.0.1", limit, now + 60).allowed


def test_counters_keep_no_address_and_are_pruned(app):
    from datetime import datetime
    ratelimit.hit("survey-address", "192.168.7.7", ratelimit.Limit(5, 60), 6_000_000.0)
    keys = [r.key for r in RateCounter.query.all()]
    assert len(keys) == 1 and "192.168" not in keys[0] and len(keys[0]) == 64
    assert ratelimit.prune(datetime(2100, 1, 1)) == 1
    assert RateCounter.query.count() == 0
    db.session.remove()


def test_the_daily_job_forgets_ended_windows(app):
    from datetime import date
    from jobs.reminders import check_deadlines
    ratelimit.hit("survey-device", "abc", ratelimit.Limit(5, 60), 1_000.0)  # a window of 1970
    ratelimit.hit("survey-device", "abc", ratelimit.Limit(5, 60))            # this minute's
    check_deadlines(date.today())
    assert RateCounter.query.count() == 1


def test_peek_reads_the_window_without_counting(app):
    limit = ratelimit.Limit(2, 60)
    now = 6_000_000.0
    assert ratelimit.peek("api-auth-failure", "10.0.0.9", limit, now).allowed
    ratelimit.hit("api-auth-failure", "10.0.0.9", limit, now)
    seen = ratelimit.peek("api-auth-failure", "10.0.0.9", limit, now + 1)
    assert seen.allowed and seen.hits == 1  # one failure of two: still let in
    ratelimit.hit("api-auth-failure", "10.0.0.9", limit, now + 2)
    seen = ratelimit.peek("api-auth-failure", "10.0.0.9", limit, now + 3)
    assert not seen.allowed and seen.hits == 2 and seen.retry_after == 57  # the limit reached: kept out
    assert ratelimit.peek("api-auth-failure", "10.0.0.9", limit, now + 60).allowed  # a new window
    assert RateCounter.query.one().hits == 2  # peeking counted nothing
