"""Respondent-level files are parsed in chunks (flat memory): the merged result equals a
one-piece parse, units spanning chunks are merged, checks that need all of a unit's rows are
made after merging, and problems in later chunks name the file's rows."""
from __future__ import annotations

import random

import numpy as np
import pytest

from tracker.imports.blocks import unpack
from tracker.imports.readers import ImportRejected, read_table, read_table_chunks
from tracker.imports.scores import parse_response_chunks, parse_responses

HEAD = "unit,u1,u2,u3,u4,u5,u6,u7,u8,u9,usia,jenis_kelamin,survey_start,survey_end\n"


def _file(rows=57, seed=3):
    rng = random.Random(seed)
    lines = []
    for i in range(rows):
        unit = rng.choice(["Kantor A", "kantor  a", "Kantor B", "Kantor C"])
        answers = [str(rng.randint(1, 4)) for _ in range(9)]
        if unit == "Kantor C" and i < 30:
            answers[2] = ""  # unit C answers U3 only in later rows
        lines.append(",".join([unit, *answers, str(rng.randint(17, 70)), rng.choice("LP"),
                               f"2024-0{rng.randint(1, 3)}-01", f"2024-0{rng.randint(4, 6)}-28"]))
    return (HEAD + "\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("chunk", [1, 7, 50, 10_000])
def test_chunks_give_the_one_piece_result(chunk):
    data = _file()
    whole, problems = parse_responses(read_table(data, "r.csv", as_text=False), "questionnaire")
    assert not problems.total
    parts, problems = parse_response_chunks(read_table_chunks(data, "r.csv", rows=chunk), "questionnaire")
    assert not problems.total
    key = lambda u: u.unit.lower()  # noqa: E731
    for a, b in zip(sorted(whole.units, key=key), sorted(parts.units, key=key)):
        assert (a.unit.lower(), a.row, a.respondents, a.survey_start, a.survey_end) == \
               (b.unit.lower(), b.row, b.respondents, b.survey_start, b.survey_end)
        assert b.result.nrrs == pytest.approx(a.result.nrrs) and b.result.ikm == pytest.approx(a.result.ikm)
    assert len(parts) == len(whole.unit_codes) == 57
    # The packed blocks hold each unit's respondents in file order, whatever the chunking.
    by_unit: dict[str, list] = {}
    for index, fields in parts.pieces:
        by_unit.setdefault(parts.unit_names[index].lower(), []).extend(unpack(fields).rows())
    expected: dict[str, list] = {}
    for row, code in enumerate(whole.unit_codes):
        answers = {k: (int(whole.answers[k][row]) if not np.isnan(whole.answers[k][row]) else None)
                   for k in whole.keys}
        expected.setdefault(whole.unit_names[code].lower(), []).append(
            (answers, whole.demographics["sex"][row], whole.demographics["age"][row]))
    got = {u: [({k: r[k] for k in whole.keys}, r["sex"], r["age"]) for r in rows] for u, rows in by_unit.items()}
    assert got == expected
    # One block per unit and chunk it appears in.
    assert len(parts.pieces) == len({(whole.unit_names[code].lower(), row // chunk)
                                     for row, code in enumerate(whole.unit_codes)})


def test_a_file_on_disk_reads_as_its_bytes(tmp_path):
    data = _file()
    path = tmp_path / "r.csv"
    path.write_bytes(data)
    from_bytes, _ = parse_response_chunks(read_table_chunks(data, "r.csv", rows=10), "questionnaire")
    from_path, _ = parse_response_chunks(read_table_chunks(str(path), "r.csv", rows=10), "questionnaire")
    assert [(u.unit, u.row, u.result.nrrs) for u in from_path.units] == \
           [(u.unit, u.row, u.result.nrrs) for u in from_bytes.units]
    assert [(i, f["answers"], f["profile"]) for i, f in from_path.pieces] == \
           [(i, f["answers"], f["profile"]) for i, f in from_bytes.pieces]


def test_a_problem_in_a_later_chunk_names_its_row():
    lines = _file(40).decode().splitlines()
    cells = lines[35].split(",")
    cells[1] = "7"  # a 7 in u1 on file row 36
    lines[35] = ",".join(cells)
    data = ("\n".join(lines) + "\n").encode()
    parsed, problems = parse_response_chunks(read_table_chunks(data, "r.csv", rows=8), "questionnaire")
    assert parsed is None
    assert [str(p) for p in problems.items] == ["Baris 36, kolom 'u1': Jawaban '7' harus 1, 2, 3 atau 4 (atau kosong)."]


def test_an_element_nobody_answered_is_found_after_merging():
    data = (HEAD + "Kantor A,4,4,,4,4,4,4,4,4,30,L,,\n" * 5).encode()
    parsed, problems = parse_response_chunks(read_table_chunks(data, "r.csv", rows=2), "questionnaire")
    assert parsed is None and [str(p) for p in problems.items] == [
        "Baris 2, kolom 'unit': Unit 'Kantor A' tidak punya jawaban untuk unsur waktu."]


def test_header_problems_are_reported_once():
    data = ("unit,u1,u2\n" + "A,1,2\n" * 10).encode()
    parsed, problems = parse_response_chunks(read_table_chunks(data, "r.csv", rows=3), "questionnaire")
    assert parsed is None and problems.total == 7  # u3..u9 missing, once each


def test_an_empty_file_and_a_header_only_file_are_refused():
    with pytest.raises(ImportRejected):
        list(read_table_chunks(b"", "r.csv"))
    parsed, problems = parse_response_chunks(read_table_chunks(HEAD.encode(), "r.csv"), "questionnaire")
    assert parsed is None and "tidak berisi baris data" in str(problems.items[0])


def test_read_ahead_gives_every_item_raises_the_producers_error_and_stops_early():
    from tracker.imports.readers import read_ahead
    assert list(read_ahead(iter(range(50)))) == list(range(50))

    def failing():
        yield 1
        raise ValueError("rusak")
    got = []
    with pytest.raises(ValueError, match="rusak"):
        for item in read_ahead(failing()):
            got.append(item)
    assert got == [1]

    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1
    ahead = read_ahead(endless())
    assert [next(ahead) for _ in range(3)] == [0, 1, 2]
    ahead.close()  # the consumer stops: the producer stops too, one or two items ahead at most
    count = len(produced)
    import time
    time.sleep(0.2)
    assert len(produced) == count <= 6


def test_block_profiles_count_their_rows_and_older_zlib_blocks_still_read():
    import zlib
    from collections import Counter

    from tracker.imports.blocks import DEMOGRAPHIC_COLUMNS, _decompress
    parts, problems = parse_response_chunks(read_table_chunks(_file(), "r.csv", rows=20), "questionnaire")
    assert not problems.total
    for _, fields in parts.pieces:
        rows = list(unpack(fields).rows())
        assert fields["respondents"] == len(rows)
        for column in ("age", "sex"):
            counted = Counter(r[column] or "" for r in rows)
            assert {v: k for v, k in fields["profile"][column]} == dict(counted)
    # A block as written before zstd: zlib streams and codes always uint32.
    index, fields = parts.pieces[0]
    n = fields["respondents"]
    codes = np.frombuffer(_decompress(fields["detail_codes"]), dtype=np.uint8 if len(
        _decompress(fields["detail_codes"])) == len(DEMOGRAPHIC_COLUMNS) * n else np.uint16)
    old = dict(fields, answers=zlib.compress(_decompress(fields["answers"])),
               detail_codes=zlib.compress(codes.astype(np.uint32).tobytes()))
    assert list(unpack(old).rows()) == list(unpack(fields).rows())
