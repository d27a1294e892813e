"""The report's editable text blocks: what each is, its default, and the city's own text (for
every period, or for one period)."""
from __future__ import annotations

from dataclasses import dataclass

from ..extensions import db
from ..models import ReportText
from ..models._base import utcnow


@dataclass(frozen=True)
class TextBlock:
    key: str
    label: str
    default: str
    rows: int = 6


BLOCKS = (
    TextBlock("city", "Nama pemerintah daerah (judul laporan)", "Pemerintah Kota", rows=1),
    TextBlock("office", "Penyusun laporan", "Bagian Organisasi Sekretariat Daerah", rows=1),
    TextBlock("background", "BAB I - Latar belakang",
              "Pelayanan publik yang berkualitas merupakan hak masyarakat dan kewajiban "
              "penyelenggara pelayanan. Survei Kepuasan Masyarakat (SKM) dilaksanakan untuk "
              "mengukur tingkat kepuasan masyarakat atas pelayanan yang diterima dari setiap unit "
              "penyelenggara pelayanan publik, dan hasilnya menjadi dasar perbaikan pelayanan "
              "melalui Rencana Tindak Lanjut (RTL) yang dipantau realisasinya."),
    TextBlock("legal", "BAB I - Dasar hukum (satu per baris)",
              "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik\n"
              "Peraturan Pemerintah Nomor 96 Tahun 2012 tentang Pelaksanaan Undang-Undang Nomor 25 "
              "Tahun 2009 tentang Pelayanan Publik\n"
              "Peraturan Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi Nomor 14 Tahun "
              "2017 tentang Pedoman Penyusunan Survei Kepuasan Masyarakat Unit Penyelenggara "
              "Pelayanan Publik"),
    TextBlock("aims", "BAB I - Maksud dan tujuan (satu per baris)",
              "Mengetahui tingkat kepuasan masyarakat terhadap pelayanan setiap unit penyelenggara "
              "pelayanan publik\n"
              "Mengetahui unsur pelayanan yang perlu diprioritaskan untuk diperbaiki\n"
              "Memantau realisasi Rencana Tindak Lanjut hasil survei periode sebelumnya\n"
              "Menjadi bahan penyusunan kebijakan peningkatan kualitas pelayanan publik"),
    TextBlock("potential", "BAB IV - Potensi dan kendala",
              "Potensi: seluruh unit penyelenggara pelayanan telah melaksanakan SKM dan menyusun "
              "RTL atas unsur prioritas perbaikan.\n"
              "Kendala: belum semua unit melaporkan realisasi tindak lanjut tepat waktu dengan "
              "bukti yang dapat diverifikasi."),
)
BY_KEY = {b.key: b for b in BLOCKS}


def texts_for(period_code: str) -> dict[str, str]:
    """Each block's text for the period: the period's own, else the city's, else the default."""
    rows = ReportText.query.filter(ReportText.period_code.in_(["", period_code])).all()
    found = {(r.key, r.period_code): r.text for r in rows}
    return {b.key: found.get((b.key, period_code), found.get((b.key, ""), b.default)) for b in BLOCKS}


def save_text(key: str, period_code: str, text: str, user=None) -> None:
    """Store a block's text ("" period: for every period). An empty text falls back to the
    city's text or the default."""
    if key not in BY_KEY:
        raise KeyError(key)
    row = ReportText.query.filter_by(key=key, period_code=period_code).first()
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        row = ReportText(key=key, period_code=period_code, text=text)
        db.session.add(row)
    row.text = text
    row.updated_at = utcnow()
    row.updated_by_id = getattr(user, "id", None)
