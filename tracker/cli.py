"""Command line (CONTRACT.md): `skm`, `rtl` and `users` groups under `flask --app wsgi`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from .domain.elements import NUMBERINGS
from .domain.periods import BadPeriod, parse_period

from .imports.readers import ImportRejected

skm = AppGroup("skm", help="Hasil SKM: impor, ringkasan, ekspor.")
rtl = AppGroup("rtl", help="Rencana Tindak Lanjut.")
users = AppGroup("users", help="Pengguna.")

numbering_option = click.option("--numbering", type=str, default=None,
                                 help="questionnaire (U8=Sarpras, U9=Pengaduan) atau regulation "
                                      "(U8=Pengaduan, U9=Sarpras)")


def _period(code: str) -> str:
    try:
        return parse_period(code).code
    except BadPeriod as exc:
        _fail([str(exc)])


def _fail(messages: list[str], code: int = 1):
    for m in messages:
        click.echo(f"GALAT: {m}", err=True)
    sys.exit(code)


def _read(path: str) -> bytes:
    p = Path(path)
    if not p.is_file():
        _fail([f"Berkas '{path}' tidak ditemukan."])
    return p.read_bytes()


def _read_check(path: str) -> bool:
    if not Path(path).is_file():
        _fail([f"Berkas '{path}' tidak ditemukan."])
    return True


def import_command(group, name, doc, importer, by_path=False):
    """Register an import command: FILE --period --numbering [--replace] [--no-create-units].
    With ``by_path`` the importer reads the file from disk itself (a block at a time)."""

    @group.command(name, help=doc)
    @click.argument("file")
    @click.option("--period", required=True)
    @numbering_option
    @click.option("--replace", is_flag=True, help="Ganti data periode ini (data lama diarsipkan).")
    @click.option("--no-create-units", is_flag=True, help="Unit yang tidak dikenal menjadi galat.")
    def command(file, period, numbering, replace, no_create_units):
        _run_import(importer(), file, period, numbering, replace, no_create_units, by_path)

    return command


def _run_import(fn, file, period, numbering, replace, no_create_units, by_path=False):
    if numbering is not None and numbering not in NUMBERINGS:
        _fail([f"Penomoran '{numbering}' tidak dikenal; gunakan 'questionnaire' atau 'regulation'."])
    try:
        source = file if by_path and _read_check(file) else _read(file)
        report = fn(source, Path(file).name, _period(period), numbering, user="cli",
                    replace=replace, create_units=not no_create_units)
    except ImportRejected as exc:
        _fail([f"{Path(file).name}: {m}" for m in exc.messages()])
    for line in report.lines():
        click.echo(line)


def _scores_importer():
    from .imports.service import import_scores
    return import_scores


def _responses_importer():
    from .imports.service import import_responses
    return import_responses


def _rtl_importer():
    from .followup.rtl_import import import_rtl
    return import_rtl


import_command(skm, "import-scores", "Impor hasil agregat per unit.", _scores_importer)
import_command(skm, "import-responses", "Impor jawaban per responden.", _responses_importer, by_path=True)
import_command(rtl, "import", "Impor RTL yang sudah ada (lampiran lama).", _rtl_importer)


@skm.command("summary")
@click.option("--period", required=True)
@click.option("--weighted", is_flag=True, help="IKM kota tertimbang jumlah responden.")
def summary_cmd(period, weighted):
    """Cetak hasil periode sebagai JSON."""
    from .results.summary import build_summary
    data = build_summary(_period(period), weighted=weighted)
    if not data["units"]:
        _fail([f"Periode {period} belum memiliki hasil."])
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@skm.command("export-annex")
@click.option("--period", required=True)
@click.option("--out", "out", required=True)
def export_annex_cmd(period, out):
    """Tulis buku kerja lampiran tindak lanjut periode."""
    from .reports.annex import write_period_workbook
    from .reports.safe import WorkbookRefused
    code = _period(period)
    try:
        write_period_workbook(code, out)
    except (LookupError, WorkbookRefused) as exc:
        _fail([str(exc)])
    click.echo(f"Lampiran periode {code} ditulis ke {out}")


@skm.command("report")
@click.option("--period", required=True)
@click.option("--out", "out", required=True, help="Berkas .docx atau .pdf.")
def report_cmd(period, out):
    """Tulis laporan SKM kota periode ini (BAB I-IV dan lampiran) sebagai DOCX atau PDF."""
    from .reports.report import build_report
    from .reports.report_docx import ReportFailed, write_report
    code = _period(period)
    if not out.lower().endswith((".docx", ".pdf")):
        _fail(["Berkas laporan harus berakhiran .docx atau .pdf."])
    try:
        kind = write_report(build_report(code), out)
    except (LookupError, ReportFailed) as exc:
        _fail([str(exc)])
    click.echo(f"Laporan SKM periode {code} ({kind.upper()}) ditulis ke {out}")


@skm.command("check-deadlines")
@click.option("--today", default=None, help="Tanggal acuan YYYY-MM-DD (baku: hari ini).")
def check_deadlines_cmd(today):
    """Cari tenggat yang mendekat/terlewat dan buat notifikasi (tanpa Redis)."""
    from datetime import date
    from jobs.reminders import check_deadlines
    day = date.fromisoformat(today) if today else None
    count = check_deadlines(day)
    click.echo(f"{count} notifikasi baru.")


@skm.command("schedule-reminders")
def schedule_reminders_cmd():
    """Jadwalkan pemeriksaan tenggat harian di RQ (butuh REDIS_URL dan `rq worker --with-scheduler`)."""
    from flask import current_app
    from jobs.reminders import schedule_daily
    job_id = schedule_daily(current_app)
    if job_id is None:
        _fail(["REDIS_URL tidak diatur; jalankan `skm check-deadlines` setiap hari (misalnya dari cron)."])
    click.echo(f"Pemeriksaan tenggat harian dijadwalkan ({job_id}).")


@rtl.command("import-progress")
@click.argument("file")
@click.option("--period", required=True)
@numbering_option
def rtl_import_progress_cmd(file, period, numbering):
    """Impor laporan realisasi yang sudah ada ke RTL periode (semua atau tidak sama sekali)."""
    from .followup.progress_import import import_progress
    if numbering is not None and numbering not in NUMBERINGS:
        _fail([f"Penomoran '{numbering}' tidak dikenal; gunakan 'questionnaire' atau 'regulation'."])
    code = _period(period)
    try:
        report = import_progress(_read(file), Path(file).name, code, numbering, user="cli")
    except ImportRejected as exc:
        _fail([f"{Path(file).name}: {m}" for m in exc.messages()])
    for line in report.lines():
        click.echo(line)


@rtl.command("status")
@click.option("--period", required=True)
@click.option("--as-of", "as_of", default=None, help="Tanggal acuan tenggat YYYY-MM-DD (baku: hari ini, WIB).")
def rtl_status_cmd(period, as_of):
    """Cetak status tindak lanjut RTL periode sebagai JSON."""
    from datetime import date
    from .followup.status import period_status, status_json
    code = _period(period)
    day = None
    if as_of:
        try:
            day = date.fromisoformat(as_of.strip())
        except ValueError:
            _fail([f"Tanggal --as-of '{as_of}' tidak valid; gunakan YYYY-MM-DD."])
    st = period_status(code, day)
    if not st.units:
        _fail([f"Periode {code} belum memiliki hasil SKM maupun RTL."])
    click.echo(json.dumps(status_json(st), ensure_ascii=False, indent=2))


@rtl.command("refresh-state")
def rtl_refresh_state_cmd():
    """Hitung ulang status turunan setiap kegiatan (setelah pemuatan massal di luar aplikasi)."""
    from .extensions import db
    from .followup.state import refresh_all
    count = refresh_all(db.session.connection())
    from .web.cache import bump
    bump(db.session.connection())  # written around the ORM: pages and kept figures must not be reused
    db.session.commit()
    click.echo(f"Status {count} kegiatan dihitung ulang.")


@skm.command("load-sample")
@click.option("--data-dir", default=None, help="Folder data contoh Surakarta.")
def load_sample_cmd(data_dir):
    """Muat data contoh Surakarta 2021 (aman dijalankan ulang)."""
    from .sample import load_sample
    for line in load_sample(data_dir):
        click.echo(line)


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "inspector", "manager"]))
@click.option("--unit", "units", multiple=True, help="Unit yang dikelola (manager).")
@click.option("--name", default=None)
def users_create_cmd(email, password, role, units, name):
    """Buat pengguna (kata sandi disimpan sebagai hash)."""
    from .users import UserError, create_user
    try:
        user = create_user(email=email, password=password, role=role, unit_names=list(units), name=name)
    except UserError as exc:
        _fail(exc.messages)
    click.echo(f"Pengguna {user.email} ({user.role}) dibuat.")


def register(app: Flask) -> None:
    for group in (skm, rtl, users):
        app.cli.add_command(group)


