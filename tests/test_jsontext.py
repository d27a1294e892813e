"""tracker.jsontext decodes kept JSON exactly as the standard decoder does."""
import json
import math

from hypothesis import given
from hypothesis import strategies as st

from tracker import jsontext

values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30)


def _same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@given(values)
def test_decodes_what_json_dumps_wrote_as_json_loads_does(value):
    text = json.dumps(value)
    assert _same(jsontext.loads(text), json.loads(text))


def test_nan_written_by_json_dumps_is_read_back():
    assert math.isnan(jsontext.loads(json.dumps([["waktu", None, None, float("nan")]]))[0][3])
