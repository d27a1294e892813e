"""jobs.worker.run: when RQ's work loop ends because Redis went away (it quits on timeouts and
on errors outside its dequeue retry, and its teardown raises while Redis is down), the worker
waits with growing pauses until Redis answers and starts again; a stop request or a burst ends it."""
from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from jobs import worker as W


class FakeConnection:
    def __init__(self, answers):
        self.answers = list(answers)  # True: ping answers; False: still down
        self.pings = 0

    def ping(self):
        self.pings += 1
        if not self.answers.pop(0):
            raise RedisConnectionError("Error 111 connecting. Connection refused.")
        return True


class FakeQueue:
    def __init__(self, answers):
        self.connection = FakeConnection(answers)


def _fake_worker_class(script):
    """Each new worker takes the next step of ``script``: an exception to raise from work(),
    'ended' (the loop broke off by itself), 'stop' (a SIGTERM arrived) or 'done' (burst over)."""
    made = []

    class Fake:
        def __init__(self, queues, connection=None, app=None):
            self.stop_asked = False
            made.append(self)

        def work(self, burst=False, with_scheduler=True):
            step = script.pop(0)
            if isinstance(step, Exception):
                raise step
            if step == "stop":
                self.stop_asked = True
            return True
    return Fake, made


def test_restarts_after_redis_errors_with_growing_pauses(monkeypatch):
    fake, made = _fake_worker_class([RedisTimeoutError("Timeout reading from socket"), "ended",
                                     RedisConnectionError("Connection closed by server."), "stop"])
    monkeypatch.setattr(W, "AppWorker", fake)
    pauses = []
    queue = FakeQueue([False, False, True,   # first outage: two failed pings, then up
                       True,                 # loop ended by itself: up at once
                       False, True])         # teardown raised: one failed ping
    assert W.run(object(), queue, sleep=pauses.append) == 0
    assert len(made) == 4  # a fresh worker after each of the three ends, none after the stop
    assert pauses == [1.0, 2.0, 4.0, 1.0, 1.0, 2.0]
    assert queue.connection.pings == 6


def test_pauses_stop_growing_at_the_maximum(monkeypatch):
    fake, _ = _fake_worker_class([RedisConnectionError("down"), "stop"])
    monkeypatch.setattr(W, "AppWorker", fake)
    pauses = []
    W.run(object(), FakeQueue([False] * 9 + [True]), sleep=pauses.append, max_delay=60)
    assert pauses == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]


@pytest.mark.parametrize("script, burst", [(["stop"], False), (["done"], True)])
def test_a_stop_request_or_a_finished_burst_ends_the_worker(monkeypatch, script, burst):
    fake, made = _fake_worker_class(script)
    monkeypatch.setattr(W, "AppWorker", fake)
    assert W.run(object(), FakeQueue([]), burst=burst, sleep=lambda s: pytest.fail("no pause")) == 0
    assert len(made) == 1


def test_a_stop_request_during_a_failing_teardown_ends_the_worker(monkeypatch):
    made = []

    class Fake:
        def __init__(self, *a, **k):
            self.stop_asked = False
            made.append(self)

        def work(self, **k):
            self.stop_asked = True
            raise RedisConnectionError("teardown without Redis")
    monkeypatch.setattr(W, "AppWorker", Fake)
    assert W.run(object(), FakeQueue([]), sleep=lambda s: pytest.fail("no pause")) == 0
    assert len(made) == 1
