"""JSON documents kept as text in the database (plan digests, a result's kept scores), decoded
with orjson: about twice as fast as the standard decoder on these documents, which pages read by
the hundred. What orjson refuses (NaN and infinities, which ``json.dumps`` writes) is decoded by
the standard one, so the values are the same either way (tested)."""
from __future__ import annotations

import json

import orjson


def loads(text: str | bytes):
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
