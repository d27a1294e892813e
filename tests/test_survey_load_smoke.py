"""The SKM daring load bench (``bench/survey_load.py``) in a tiny configuration, so CI keeps it
working: a real gunicorn (gthread) on PostgreSQL, 10 respondents a second for 3 seconds, each
its own device fetching its form and posting its own answers a second later. Every answer must
be accepted, stored once with the digits that were sent, and counted by the staff page's live
count: none lost."""
from __future__ import annotations

import time

from bench import survey_load
from tests.conftest import fresh_pg_url


def test_the_load_bench_loses_no_answer(tmp_path):
    started = time.monotonic()
    url = fresh_pg_url("_survey_load")
    r = survey_load.run(url, tmp_path, rate=10, seconds=3, think=1.0, min_seconds=0, workers=2, threads=2,
                        clients=4, count_sql=False, probe=False, log=lambda *_: None)
    assert r.sent == 30
    assert r.post_statuses == {200: 30} and r.get_statuses == {200: 30}, (r.post_failures, r.get_failures)
    assert r.accepted == 30 and r.duplicates == 0
    assert r.stored == 30 and r.counted == 30
    assert (r.lost, r.extra, r.wrong_answers) == (0, 0, 0)
    assert r.ok
    section = "\n".join(survey_load.markdown(r, "smoke"))
    assert "| **lost** (accepted, not stored) / stored not accepted / stored with other answers | **0** / 0 / 0 |" \
        in section
    assert time.monotonic() - started < 20


def test_a_run_replaces_its_own_section_of_the_results(tmp_path):
    path = tmp_path / "survey_load.md"
    survey_load.write_result(["first pipeline"], "pipeline 200/s 60s", path)
    survey_load.write_result(["first ahead"], "ahead 200/s 60s", path)
    text = survey_load.write_result(["second pipeline"], "pipeline 200/s 60s", path)
    assert text.startswith("# SKM daring load")
    assert "second pipeline" in text and "first ahead" in text and "first pipeline" not in text
    assert text.index("second pipeline") < text.index("first ahead")
