"""Every route outside the follow-up blueprint x role (the follow-up routes have their own matrix
in test_roles_matrix.py): admin, inspector, manager of unit A, manager of unit B, anonymous."""
from __future__ import annotations

import uuid

import pytest

from tests.test_followup_workflow import World
from tracker.extensions import db
from tracker.models import CatalogueAction, ExportJob, ImportBatch, Period, User

from tests.test_roles_matrix import EMAILS, FORBIDDEN, NOT_FOUND, ROLES, allow, check


def matrix(ids):
    A, U, PER, B, J, C = ids["unit"], ids["user"], ids["period"], ids["batch"], ids["job"], ids["entry"]
    SUB, H, SV, T = ids["submission"], ids["history"], ids["collection"], ids["token"]
    signed_in = allow("admin", "inspector", "own", "other")
    monitors = allow("admin", "inspector", own=FORBIDDEN, other=FORBIDDEN)
    own_unit = allow("own", admin=FORBIDDEN, inspector=FORBIDDEN, other=NOT_FOUND)
    readers = allow("admin", "inspector", "own", other=NOT_FOUND)
    admin_only = allow("admin", inspector=FORBIDDEN, own=FORBIDDEN, other=FORBIDDEN)
    return [
        ("home.index", "GET", "/", signed_in()),
        ("results.home", "GET", "/periode/", signed_in()),
        ("results.period", "GET", "/periode/2021-S1", signed_in()),
        ("results.period_redirect", "GET", "/periode?kode=2021", signed_in(302)),
        ("results.unit", "GET", f"/periode/2021-S1/unit/{A}", readers()),
        ("imports.upload", "GET", "/impor/", admin_only()),
        ("imports.upload", "POST", "/impor/", admin_only(400)),
        ("imports.download", "GET", f"/impor/{B}/berkas", admin_only()),
        ("admin.users", "GET", "/admin/pengguna", admin_only()),
        ("admin.unit_aliases", "POST", f"/admin/unit/{A}/alias", admin_only(400)),
        ("admin.merge_units", "GET", "/admin/unit/gabung", admin_only()),
        ("admin.merge_units", "POST", "/admin/unit/gabung", admin_only(400)),
        ("admin.edit_user", "GET", "/admin/pengguna/baru", admin_only()),
        ("admin.edit_user", "POST", f"/admin/pengguna/{U}", admin_only(400)),
        ("admin.units", "GET", "/admin/unit", admin_only()),
        ("admin.edit_unit", "GET", f"/admin/unit/{A}", admin_only()),
        ("admin.edit_unit", "POST", f"/admin/unit/{A}", admin_only(400)),
        ("admin.periods", "GET", "/admin/periode", admin_only()),
        ("admin.periods", "POST", "/admin/periode", admin_only()),
        ("admin.period_settings", "GET", f"/admin/periode/{PER}", admin_only()),
        ("admin.period_settings", "POST", f"/admin/periode/{PER}", admin_only()),
        ("catalogue.index", "GET", "/admin/katalog/", admin_only()),
        ("catalogue.edit", "GET", f"/admin/katalog/{C}", admin_only()),
        ("catalogue.edit", "POST", f"/admin/katalog/{C}", admin_only(302)),
        ("queue.index", "GET", "/admin/antrean/", admin_only()),
        ("reporting.index", "GET", "/pelaporan/", signed_in()),
        ("reporting.index", "POST", "/pelaporan/", admin_only(400)),
        ("reporting.round", "GET", "/pelaporan/2022-S1", monitors()),
        ("reporting.round", "POST", "/pelaporan/2022-S1", admin_only(302)),  # nothing sent: saved as it was
        ("reporting.unit", "GET", f"/pelaporan/2022-S1/unit/{A}", readers()),
        ("reporting.unit", "POST", f"/pelaporan/2022-S1/unit/{A}", own_unit(400)),
        ("reporting.submission", "GET", f"/pelaporan/kiriman/{SUB}", readers()),
        ("reporting.data_file", "GET", f"/pelaporan/kiriman/{SUB}/berkas", readers()),
        ("reporting.report_file", "GET", f"/pelaporan/kiriman/{SUB}/laporan", readers()),
        ("reporting.accept", "POST", f"/pelaporan/kiriman/{SUB}/terima", admin_only(303)),
        ("reporting.give_back", "POST", f"/pelaporan/kiriman/{SUB}/kembalikan", admin_only(303)),
        ("report_settings.texts", "GET", "/admin/laporan/teks", admin_only()),
        ("report_settings.texts", "POST", "/admin/laporan/teks", admin_only(302)),
        ("report_settings.history", "GET", "/admin/laporan/riwayat", admin_only()),
        ("report_settings.history", "POST", "/admin/laporan/riwayat", admin_only(400)),
        ("report_settings.history_delete", "POST", f"/admin/laporan/riwayat/{H}/hapus", admin_only(302)),
        ("report_settings.group_order", "GET", "/admin/laporan/urutan", admin_only()),
        ("report_settings.group_order", "POST", "/admin/laporan/urutan", admin_only(302)),
        ("survey.index", "GET", "/survei-daring/", signed_in()),
        # Nothing sent: no unit named (404) for those who may open questionnaires.
        ("survey.index", "POST", "/survei-daring/", allow("admin", "own", "other", inspector=FORBIDDEN)(404)),
        ("survey.detail", "GET", f"/survei-daring/{SV}", readers()),
        ("survey.poster", "GET", f"/survei-daring/{SV}/poster", readers()),
        ("survey.qr_file", "GET", f"/survei-daring/{SV}/qr.png", readers()),
        ("survey.reasons_export", "GET", f"/survei-daring/{SV}/alasan.xlsx", readers()),
        # No version sent: refused with a message on the collection's page.
        ("survey.change", "POST", f"/survei-daring/{SV}/pengaturan",
         allow("admin", "own", inspector=FORBIDDEN, other=NOT_FOUND)(302)),
        ("reports.dashboard", "GET", "/laporan/dasbor", signed_in()),
        ("reports.chart_csv", "GET", "/laporan/dasbor/realisation.csv", signed_in()),
        ("reports.exports", "GET", "/laporan/ekspor", admin_only()),
        ("reports.exports", "POST", "/laporan/ekspor", admin_only(302)),
        ("reports.export_status", "GET", f"/laporan/ekspor/{J}", admin_only()),
        ("reports.export_status_json", "GET", f"/laporan/ekspor/{J}/status.json", admin_only()),
        ("reports.export_retry", "POST", f"/laporan/ekspor/{J}/ulang", admin_only(302)),
        ("reports.export_download", "GET", f"/laporan/ekspor/{J}/unduh", admin_only()),
        ("api_tokens.index", "GET", "/akun/token-api/", signed_in()),
        ("api_tokens.create", "POST", "/akun/token-api/", signed_in(400)),  # no name given
        ("api_tokens.revoke", "POST", f"/akun/token-api/{T}/cabut",  # m1's token
         allow("own", "admin", inspector=NOT_FOUND, other=NOT_FOUND)(302)),
    ]


PUBLIC_ROUTES = [("public.index", "/hasil/"), ("public.period", "/hasil/2021-S1"),
                 ("health.healthz", "/healthz"), ("health.readyz", "/readyz"),
                 ("auth.login", "/login"), ("static", "/static/app.css"),
                 ("api_docs.openapi_json", "/api/v1/openapi.json"), ("api_docs.docs_page", "/api/v1/docs")]


@pytest.fixture
def world(loaded, client):
    from tracker.followup.catalogue import ensure_catalogue
    w = World(client)
    ensure_catalogue()
    job = ExportJob(id=str(uuid.uuid4()), kind="period", period=Period.query.filter_by(code="2021-S1").one(),
                    status="failed", error="test")
    from tracker.models import HistoricalIkm
    history = HistoricalIkm(year=2019, ikm=83.5, source="Laporan SKM 2019")
    db.session.add_all([job, history])
    db.session.commit()
    from tracker.api.auth import create_token
    token = create_token(w.m1, "Dasbor kota", None).row
    db.session.commit()
    w.ids = {"token": token.id, "history": history.id, "unit": w.a_id, "user": User.query.filter_by(email="m2@kota.go.id").one().id,
             "period": Period.query.filter_by(code="2021-S1").one().id,
             "batch": ImportBatch.query.first().id, "job": job.id,
             "entry": CatalogueAction.query.first().id, "submission": _submission(w).id}
    from tracker.survey import service as SV
    coll = SV.open_collection(w.a, "2022-S1", 100, "", w.admin)
    w.ids["collection"], w.survey_token = coll.id, coll.token
    return w


def _submission(w):
    """A round for 2022-S1 and unit A's submission in it (with its report)."""
    import io
    from datetime import date

    from werkzeug.datastructures import FileStorage

    from tests.test_followup_workflow import PDF
    from tracker.reporting import service as R
    rnd = R.open_round("2022-S1", date(2022, 7, 31), "", "questionnaire", w.admin)
    values = {k: 3.0 for k in ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi",
                               "perilaku", "sarpras", "pengaduan")}
    return R.submit(rnd, w.a, R.SubmissionInput(mode="form", numbering="questionnaire", respondents=50,
                                                values=values, report=FileStorage(io.BytesIO(PDF), "l.pdf")),
                    w.m1)


def test_matrix_covers_every_other_route(app):
    ids = dict(unit=1, user=1, period=1, batch=1, job="x", entry=1, submission=1, history=1, collection=1,
               token=1)
    covered = {(ep, m) for ep, m, _, _ in matrix(ids)} | {(ep, "GET") for ep, _ in PUBLIC_ROUTES}
    covered |= {("auth.login", "POST"), ("auth.logout", "POST")}  # exercised by every login
    # The public questionnaire: every role and nobody (test_role_matrix), its checks in
    # tests/test_survey_online.py.
    covered |= {("survey.answer", "GET"), ("survey.answer", "POST")}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("followup.", "monitoring.")):
            continue  # tests/test_roles_matrix.py covers these
        if rule.endpoint.startswith("api.") or rule.endpoint == "api_docs.unmatched":
            continue  # the JSON API answers bearer tokens, never the session: tests/test_api.py
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (rule.endpoint, method) not in covered:
                missing.append((rule.endpoint, method))
    assert not missing, missing


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(world, role):
    if role != "anonymous":
        world.login(EMAILS[role])
    failures = []
    for endpoint, method, url, expect in matrix(world.ids):
        r = world.client.get(url) if method == "GET" else world.client.post(url, data={})
        if not check(role, expect.get(role), r):
            failures.append((endpoint, method, url, r.status_code, expect.get(role, "login")))
        db.session.rollback()
    for endpoint, url in [*PUBLIC_ROUTES, ("survey.answer", f"/s/{world.survey_token}")]:
        code = world.client.get(url).status_code
        if code not in (200, 302):
            failures.append((endpoint, "GET", url, code, "public"))
    assert not failures, failures
