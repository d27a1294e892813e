"""The generated SKM report (issue 12): its structure, every generated sentence against the table
it summarises, organisational order, the writers (DOCX, PDF) and their safety, the web job."""
from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal

import pytest

from tests.conftest import make_user
from tests.helpers import login
from tracker.extensions import db


def _num(text: str) -> Decimal:
    """An Indonesian-printed number back to a Decimal ('11.232' -> 11232, '85,41' -> 85.41)."""
    return Decimal(text.replace(".", "").replace(",", "."))


def _numbers(sentence: str) -> list[Decimal]:
    return [_num(m) for m in re.findall(r"\d[\d.]*(?:,\d+)?", sentence)]


@pytest.fixture
def report(loaded):
    from tracker.reports.report import build_report
    return build_report("2021", charts_on=False)


def _sentence(doc, caption_key, startswith=""):
    from tracker.reports.report import CAPTIONS
    found = [p.text for p in doc.paragraphs() if p.summarises == CAPTIONS[caption_key]
             and p.text.startswith(startswith)]
    assert found, (caption_key, startswith)
    return found[0]


def test_the_report_has_the_seeds_chapters_tables_and_annexes(loaded):
    from tracker.reports.document import Figure, Heading
    from tracker.reports.report import CAPTIONS, build_report
    doc = build_report("2021")
    chapters = [b.text for b in doc.blocks if isinstance(b, Heading) and b.level == 0]
    assert chapters == ["BAB I PENDAHULUAN", "BAB II METODE SURVEI", "BAB III HASIL SURVEI", "BAB IV PENUTUP",
                        "LAMPIRAN 1 HASIL SKM DAN RENCANA TINDAK LANJUT PER UNIT",
                        "LAMPIRAN 2 TAUTAN LAPORAN SKM DAN LAPORAN REALISASI TINDAK LANJUT"]
    tables = doc.tables()
    for key in ("elements", "intervals", "participation", "t31", "t32", "t33", "t34", "t35", "categories",
                "effect"):
        assert CAPTIONS[key] in tables, key
    assert any("Belum ada unit yang ditetapkan mewakili pemerintah kota" in p.text for p in doc.paragraphs())
    # One Lampiran 1 block per unit, in the order of Tabel 3.2.
    units = [row[1] for row in tables[CAPTIONS["t32"]].rows]
    blocks = [b.text.split(". ", 1)[1] for b in doc.blocks if isinstance(b, Heading) and b.level == 2]
    assert blocks == units and len(units) == 55
    figures = [b for b in doc.blocks if isinstance(b, Figure)]
    assert len(figures) >= 5 and all(f.png.startswith(b"\x89PNG") for f in figures)
    # The element list uses the period's numbering: U8 is Sarana in the questionnaire numbering.
    assert ["U8", "Sarana dan Prasarana"] == tables[CAPTIONS["elements"]].rows[7][1:]
    # The regulation's word for C, and never Surakarta's.
    text = "\n".join(p.text for p in doc.paragraphs())
    assert "Cukup Baik" not in text and "Cukup Baik" not in str([t.rows for t in tables.values()])
    assert ["C", "Kurang Baik"] == tables[CAPTIONS["categories"]].rows[2][:2]


def test_city_sentence_equals_the_city_row(report):
    from tracker.reports.report import CAPTIONS
    footer = report.tables()[CAPTIONS["t32"]].footer
    sentence = _sentence(report, "t32", "IKM ")
    assert f"adalah {footer[2]} dengan mutu pelayanan {footer[3]} (" in sentence
    assert f"dari {len(report.tables()[CAPTIONS['t32']].rows)} unit" in sentence


def test_category_sentence_equals_the_category_table(report):
    from tracker.reports.report import CAPTIONS
    table = report.tables()[CAPTIONS["categories"]]
    sentence = _sentence(report, "categories")
    for code, name, count, share in table.rows:
        if count != "0":
            assert f"{count} unit ({share}%) bermutu {code} ({name})" in sentence
        else:
            assert f"bermutu {code} " not in sentence
    assert sentence.startswith(f"Dari {table.footer[2]} unit layanan")
    assert sum(int(r[2]) for r in table.rows) == int(table.footer[2])


def test_change_sentence_counts_the_words_of_table_31(report):
    from tracker.reports.report import CAPTIONS
    table = report.tables()[CAPTIONS["t31"]]
    words = [row[-1] for row in table.rows if row[-1]]
    sentence = _sentence(report, "t31")
    assert (f"IKM {words.count('Naik')} unit naik, {words.count('Turun')} unit turun dan "
            f"{words.count('Stagnan')} unit tetap") in sentence
    assert sentence.startswith(f"Dari {len(words)} unit")


def test_mean_sentence_counts_the_units_of_table_32(report):
    from tracker.domain import scoring
    from tracker.reports.report import CAPTIONS
    from tracker.results import service
    table = report.tables()[CAPTIONS["t32"]]
    sentence = _sentence(report, "t32", "Dari ")
    # The mean and each unit's unrounded IKM, from the same views the table prints.
    views = {v.unit.name: v for v in service.unit_views("2021")}
    mean = scoring.city_recap([v.result for v in views.values()]).ikm
    above = sum(1 for row in table.rows if views[row[1]].ikm > mean)
    below = len(table.rows) - above
    assert all(views[row[1]].ikm == pytest.approx(float(_num(row[2])), abs=0.005) for row in table.rows)
    numbers = _numbers(sentence)
    assert numbers[:2] == [len(table.rows), above] and below in numbers


def test_element_and_ranking_sentences_name_the_tables_rows(report):
    from tracker.reports.report import CAPTIONS
    t33 = report.tables()[CAPTIONS["t33"]]
    sentence = _sentence(report, "t33")
    first, last = t33.rows[0], t33.rows[-1]
    assert f"terendah adalah {first[1]} {first[2]} ({first[3]}, mutu {first[5]})" in sentence
    assert f"tertinggi {last[1]} {last[2]} ({last[3]}, mutu {last[5]})" in sentence
    for key, kind in (("t34", "tertinggi"), ("t35", "terendah")):
        names = [row[1] for row in report.tables()[CAPTIONS[key]].rows]
        assert _sentence(report, key) == f"10 unit dengan IKM {kind}: " + ", ".join(names[:-1]) + " dan " + names[-1] + "."
    top = [_num(r[4]) for r in report.tables()[CAPTIONS["t34"]].rows]
    assert top == sorted(top, reverse=True)


def test_trend_sentence_and_history_before_the_system(loaded):
    from tracker.models import HistoricalIkm
    from tracker.reports.report import CAPTIONS, build_report
    db.session.add_all([HistoricalIkm(year=2017, ikm=82.1, source="Laporan SKM 2017"),
                        HistoricalIkm(year=2019, ikm=83.9, units=150, source="Laporan SKM 2019"),
                        HistoricalIkm(year=2021, ikm=70.0, source="ignored: the system holds 2021")])
    db.session.commit()
    doc = build_report("2021", charts_on=False)
    table = doc.tables()[CAPTIONS["trend"]]
    assert [r[0] for r in table.rows] == ["2017", "2019", "2021"]
    assert table.rows[-1][1] == doc.tables()[CAPTIONS["t32"]].footer[2]  # the system's value wins
    sentence = _sentence(doc, "trend")
    assert sentence.startswith(f"IKM kota 2017-2021: dari {table.rows[0][1]} pada 2017 naik ")
    assert sentence.endswith(f"menjadi {table.rows[-1][1]} pada 2021.")
    # Beside each year, the word its own value earns against the year before.
    assert [r[3] for r in table.rows] == ["-", "Naik", "Naik"]


def test_units_follow_the_admins_group_order_with_kelurahan_under_kecamatan(app):
    from tracker.imports.service import import_scores
    from tracker.models import GroupOrder, Unit
    from tracker.reports.report import CAPTIONS, build_report
    head = "unit,unit_group,respondents," + ",".join(f"s_u{i}" for i in range(1, 10)) + "\n"
    names = [("Kelurahan Banyuanyar", "Kelurahan"), ("Dinas Sosial", "Dinas"), ("Kecamatan Banjarsari", "Kecamatan"),
             ("Kelurahan Gilingan", "Kelurahan"), ("Badan Keuangan", "Badan"), ("Kecamatan Jebres", "Kecamatan"),
             ("Kelurahan Jebres", "Kelurahan"), ("Dinas Kesehatan", "Dinas"), ("Puskesmas Nusukan", "UPT")]
    body = "".join(f"{n},{g},10,30,31,28,35,32,33,34,29,36\n" for n, g in names)
    import_scores((head + body).encode(), "o.csv", "2022-S1", "questionnaire", user="test")
    units = {u.name: u for u in Unit.query.all()}
    for kel, kec in (("Kelurahan Banyuanyar", "Kecamatan Banjarsari"), ("Kelurahan Gilingan", "Kecamatan Banjarsari"),
                     ("Kelurahan Jebres", "Kecamatan Jebres")):
        units[kel].parent_id = units[kec].id
    db.session.add_all([GroupOrder(name="Dinas", position=0), GroupOrder(name="Badan", position=1),
                        GroupOrder(name="Kecamatan", position=2)])
    db.session.commit()
    doc = build_report("2022-S1", charts_on=False)
    assert [r[1] for r in doc.tables()[CAPTIONS["t32"]].rows] == [
        "Dinas Kesehatan", "Dinas Sosial", "Badan Keuangan", "Kecamatan Banjarsari", "Kelurahan Banyuanyar",
        "Kelurahan Gilingan", "Kecamatan Jebres", "Kelurahan Jebres", "Puskesmas Nusukan"]
    assert [r[1] for r in doc.tables()[CAPTIONS["t31"]].rows] == [r[1] for r in doc.tables()[CAPTIONS["t32"]].rows]


def _document_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/document.xml").decode()


def test_docx_keeps_formula_and_field_text_as_text(app, tmp_path):
    """A unit named like a formula or a Word field stays literal text: no field is built from it."""
    from tracker.imports.service import import_scores
    from tracker.reports.report import build_report
    from tracker.reports.report_docx import write_docx
    head = "unit,respondents," + ",".join(f"s_u{i}" for i in range(1, 10)) + "\n"
    evil = ['=HYPERLINK("http://x.invalid","klik")', '{ DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/c calc" }',
            "@SUM(A1) Dinas"]
    body = "".join(f'"{n.replace(chr(34), chr(34) * 2)}",10,30,31,28,35,32,33,34,29,36\n' for n in evil)
    import_scores((head + body).encode(), "e.csv", "2022-S1", "questionnaire", user="test")
    out = tmp_path / "r.docx"
    write_docx(build_report("2022-S1", charts_on=False), str(out))
    xml = _document_xml(out.read_bytes())
    assert "instrText" not in xml and "fldSimple" not in xml and "fldChar" not in xml
    assert "DDEAUTO" in xml and "=HYPERLINK(" in xml.replace("&quot;", '"')
    # Text typed elsewhere (the city's blocks) may hold characters XML cannot: they are dropped.
    from tracker.reports.document import Document as Doc, Paragraph
    bell = tmp_path / "bell.docx"
    write_docx(Doc("Judul\x07", "Sub", [Paragraph("Bel\x07 berbunyi\x00")]), str(bell))
    assert "Bel berbunyi" in _document_xml(bell.read_bytes())
    from docx import Document
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "Laporan Hasil Survei" in text or "LAPORAN HASIL SURVEI" in text


def test_the_command_writes_docx_and_pdf(loaded, runner, tmp_path):
    docx_path, pdf_path = tmp_path / "laporan.docx", tmp_path / "laporan.pdf"
    r = runner.invoke(args=["skm", "report", "--period", "2021", "--out", str(docx_path)])
    assert r.exit_code == 0, r.output
    assert "<w:tbl>" in _document_xml(docx_path.read_bytes())
    import docx
    written = docx.Document(str(docx_path))
    headings = [(p.style.name, p.text) for p in written.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "BAB I PENDAHULUAN") in headings and {h for h, _ in headings} <= {
        "Heading 1", "Heading 2", "Heading 3"}
    assert written.tables and all(t.style.name == "Table Grid" for t in written.tables)
    r = runner.invoke(args=["skm", "report", "--period", "2021-S1", "--out", str(pdf_path)])
    assert r.exit_code == 0, r.output
    assert pdf_path.read_bytes().startswith(b"%PDF")
    r = runner.invoke(args=["skm", "report", "--period", "2030", "--out", str(docx_path)])
    assert r.exit_code != 0 and "belum memiliki hasil" in r.output
    r = runner.invoke(args=["skm", "report", "--period", "2021", "--out", str(tmp_path / "x.txt")])
    assert r.exit_code != 0 and ".docx atau .pdf" in r.output


def test_report_from_the_web_is_a_job_only_the_admin_starts(loaded, client):
    make_user("admin@kota.go.id", "admin")
    make_user("insp@kota.go.id", "inspector")
    db.session.commit()
    login(client, "insp@kota.go.id")
    assert client.post("/laporan/ekspor", data={"kind": "report-docx", "period": "2021"}).status_code == 403
    login(client, "admin@kota.go.id")
    r = client.post("/laporan/ekspor", data={"kind": "report-docx", "period": "2021"})
    assert r.status_code == 302
    job_id = r.headers["Location"].rstrip("/").split("/")[-1]
    status = client.get(f"/laporan/ekspor/{job_id}/status.json").get_json()
    assert status["status"] == "finished" and status["progress"] == 100
    file = client.get(status["download_url"])
    assert file.status_code == 200 and file.mimetype.endswith("wordprocessingml.document")
    assert "laporan-skm-2021.docx" in file.headers["Content-Disposition"]
    assert "BAB III HASIL SURVEI" in _document_xml(file.data)


def test_report_settings_pages_are_the_admins_and_change_the_report(loaded, client):
    from tracker.reports.report import CAPTIONS, build_report
    make_user("admin@kota.go.id", "admin")
    make_user("insp@kota.go.id", "inspector")
    db.session.commit()
    login(client, "insp@kota.go.id")
    for path in ("/admin/laporan/teks", "/admin/laporan/riwayat", "/admin/laporan/urutan"):
        assert client.get(path).status_code == 403
    login(client, "admin@kota.go.id")
    r = client.post("/admin/laporan/teks?periode=2021", data={
        "city": "Pemerintah Kota Surakarta", "potential": "Potensi khusus 2021."})
    assert r.status_code == 302
    r = client.post("/admin/laporan/riwayat", data={"year": "2018", "ikm": "83,5", "source": "Laporan 2018"})
    assert r.status_code == 302
    r = client.post("/admin/laporan/riwayat", data={"year": "2018", "ikm": "101", "source": "x"})
    assert r.status_code == 400 and "IKM antara 25 dan 100" in r.get_data(as_text=True)
    r = client.post("/admin/laporan/urutan", data={"order": "Kelompok Fiktif"})
    assert r.status_code == 400 and "tidak dikenal" in r.get_data(as_text=True)
    doc = build_report("2021", charts_on=False)
    assert doc.title.endswith("Pemerintah Kota Surakarta")
    assert any(p.text == "Potensi khusus 2021." for p in doc.paragraphs())
    assert [r[0] for r in doc.tables()[CAPTIONS["trend"]].rows] == ["2018", "2021"]
    # Another period keeps the city's defaults.
    other = build_report("2021-S1", charts_on=False)
    assert other.title.endswith("Pemerintah Kota") and not any(p.text == "Potensi khusus 2021." for p in other.paragraphs())


def test_the_city_plan_is_a_units_plan_with_the_citys_lowest_elements(loaded, client):
    """One unit stands for the city: its priorities are the city's lowest element means, its plan
    goes through the same workflow (and monitoring) as a unit's, and BAB IV prints it."""
    from tests.factories import ActionFactory, PlanFactory
    from tracker.domain import scoring
    from tracker.followup.plans import derived_priorities
    from tracker.followup.status import period_status
    from tracker.models import Unit
    from tracker.reports.report import CAPTIONS, build_report
    from tracker.results import service
    from tracker.results.service import ensure_period
    make_user("admin@kota.go.id", "admin")
    city = Unit(name="Pemerintah Kota Surakarta", name_key="pemerintah kota surakarta", group="Pemerintah Kota")
    db.session.add(city)
    db.session.commit()
    login(client, "admin@kota.go.id")
    r = client.post(f"/admin/unit/{city.id}", data={"name": city.name, "group": "Pemerintah Kota",
                                                    "parent_id": "0", "is_city": "y"})
    assert r.status_code == 302 and db.session.get(Unit, city.id).is_city
    lowest = [k for k, _ in scoring.elements_lowest_first(
        scoring.city_elements([v.result for v in service.unit_views("2021")]))[:3]]
    assert derived_priorities(city, "2021") == lowest
    plan = PlanFactory(unit=city, period=ensure_period("2021"), status="accepted")
    ActionFactory(plan=plan, element=lowest[0], text="Klinik RTL bagi unit di bawah rata-rata",
                  quarters=["2022-TW1", "2022-TW2"], owner="Bagian Organisasi")
    db.session.commit()
    assert any(u.unit.id == city.id and u.plan_status == "accepted" for u in period_status("2021").units)
    doc = build_report("2021", charts_on=False)
    rows = doc.tables()[CAPTIONS["city_plan"]].rows
    assert rows == [["1", doc.tables()[CAPTIONS["t33"]].rows[0][1] + " " + doc.tables()[CAPTIONS["t33"]].rows[0][2],
                     "Klinik RTL bagi unit di bawah rata-rata", "Bagian Organisasi", "2022 TW I, 2022 TW II", "0,00"]]
    # The city's unit has no survey result: it is in no table of units and in no city figure.
    assert city.name not in [r[1] for r in doc.tables()[CAPTIONS["t32"]].rows]


def test_lampiran_1_prints_each_semester_and_the_years_mean(report):
    """Surakarta's block: each semester's S / NRR / weighted NRR table, then the year's NRR."""
    from tracker.results import service
    view = next(v for v in service.unit_views("2021") if len(v.rows) == 2)
    tables = report.tables()
    own = [c for c in tables if c.startswith("Lampiran 1.")
           and c.endswith((view.unit.name + ", Semester I 2021", view.unit.name + ", Semester II 2021"))]
    assert len(own) == 2
    s1 = tables[next(c for c in own if c.endswith("Semester I 2021"))]
    stored = next(r for r in view.rows if r.period.code == "2021-S1")
    totals = {e.element: e.total for e in stored.elements}
    assert s1.rows[0][0] == "S nilai unsur" and len(s1.rows) == 3
    assert sorted(_num(x) for x in s1.rows[0][1:-1]) == sorted(Decimal(str(int(t))) for t in totals.values())
    year = [c for c in tables if c.startswith("Lampiran 1.") and c.endswith(f"{view.unit.name} ({view.source})")]
    assert year and tables[year[0]].rows[1][0] == "Mutu"


def test_the_citys_unit_is_never_late_in_a_reporting_round(app):
    """It stands for the city's plan and runs no survey of its own."""
    from datetime import date

    from tracker.models import Unit
    from tracker.reporting import service as R
    admin = make_user("admin@kota.go.id", "admin")
    db.session.add_all([Unit(name="Dinas A", name_key="dinas a"),
                        Unit(name="Pemerintah Kota", name_key="pemerintah kota", is_city=True)])
    db.session.commit()
    rnd = R.open_round("2022-S1", date(2022, 7, 31), "", "questionnaire", admin)
    listed = [r.unit.name for r in R.completeness(rnd, today=date(2022, 8, 15)).rows]
    late = [row.unit.name for _, row in R.late_units(date(2022, 8, 15))]
    assert listed == ["Dinas A"] and late == ["Dinas A"]


def test_the_citys_manager_finds_and_starts_the_city_plan_from_the_plan_list(loaded, client):
    from tracker.domain import scoring
    from tracker.models import Plan, Unit
    from tracker.results import service
    db.session.add(Unit(name="Pemerintah Kota Surakarta", name_key="pemerintah kota surakarta", is_city=True))
    db.session.commit()
    make_user("kota@kota.go.id", "manager", ["Pemerintah Kota Surakarta"])
    db.session.commit()
    login(client, "kota@kota.go.id")
    page = client.get("/rtl/?period=2021").get_data(as_text=True)
    assert "Pemerintah Kota Surakarta" in page
    city = Unit.query.filter_by(is_city=True).one()
    assert "Buat RTL" in client.get(f"/rtl/2021/unit/{city.id}").get_data(as_text=True)
    r = client.post(f"/rtl/2021/unit/{city.id}/buat", data={})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    assert Plan.query.filter_by(unit_id=city.id).count() == 1
    lowest = scoring.elements_lowest_first(scoring.city_elements([v.result for v in service.unit_views("2021")]))
    page = client.get(f"/rtl/2021/unit/{city.id}").get_data(as_text=True)
    assert "nilai rata-rata unsur kota terendah" in page
    assert f"({lowest[0][1]:.3f}".replace(".", ",") in page
