"""The catalogue of common actions per element: seeded, grown from the actions of accepted
plans only (a draft is a unit's private work until the inspector accepts it), and curated by the
admin, who may reword or hide an entry."""
from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError

from ..domain import elements as el
from ..extensions import db
from ..models import CatalogueAction


SEED_CATALOGUE: dict[str, list[str]] = {
    "persyaratan": [
        "Sosialisasi persyaratan pelayanan melalui media cetak dan media sosial",
        "Penyederhanaan persyaratan pelayanan",
        "Pemasangan papan informasi persyaratan pelayanan",
        "Evaluasi dan pembaruan standar pelayanan (persyaratan)",
    ],
    "prosedur": [
        "Evaluasi SOP pelayanan",
        "Penyusunan dan publikasi alur pelayanan",
        "Peningkatan sosialisasi registrasi online",
        "Pengembangan layanan berbasis aplikasi/online",
    ],
    "waktu": [
        "Penetapan dan publikasi standar waktu penyelesaian layanan",
        "Percepatan proses pelayanan melalui digitalisasi",
        "Peningkatan sosialisasi registrasi online",
        "Monitoring ketepatan waktu penyelesaian layanan",
    ],
    "biaya": [
        "Sosialisasi informasi biaya/tarif pelayanan",
        "Pemasangan informasi tarif di ruang pelayanan",
        "Penyediaan pembayaran non-tunai",
    ],
    "produk": [
        "Sosialisasi jenis dan spesifikasi produk pelayanan",
        "Evaluasi kesesuaian produk pelayanan dengan standar pelayanan",
        "Penyusunan standar pelayanan per jenis layanan",
    ],
    "kompetensi": [
        "Peningkatan kompetensi petugas melalui bimbingan teknis",
        "Memberikan pelatihan khusus terkait service excellent",
        "Pengiriman petugas dalam diklat teknis pelayanan",
    ],
    "perilaku": [
        "Memberikan pelatihan khusus terkait service excellent",
        "Penerapan budaya 5S (senyum, sapa, salam, sopan, santun)",
        "Pembinaan dan evaluasi perilaku petugas pelayanan",
    ],
    "pengaduan": [
        "Optimalisasi kanal pengaduan (kotak saran, media sosial, ULAS)",
        "Penyusunan SOP penanganan pengaduan",
        "Publikasi tindak lanjut pengaduan masyarakat",
    ],
    "sarpras": [
        "Perbaikan sarana dan prasarana pelayanan",
        "Penambahan fasilitas ruang tunggu pelayanan",
        "Penyediaan sarana bagi penyandang disabilitas dan kelompok rentan",
        "Pemeliharaan rutin sarana dan prasarana pelayanan",
    ],
}


def text_key(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").strip()).lower()[:255]


def ensure_catalogue() -> None:
    """Seed the catalogue once (idempotent)."""
    if db.session.query(CatalogueAction.id).filter(CatalogueAction.seeded.is_(True)).first():
        return
    try:
        existing = {(c.element, c.text_key) for c in CatalogueAction.query.all()}
        for element, phrases in SEED_CATALOGUE.items():
            for phrase in phrases:
                key = (element, text_key(phrase))
                if key in existing:
                    continue
                existing.add(key)
                db.session.add(CatalogueAction(element=element, text=phrase, text_key=key[1],
                                               uses=0, seeded=True))
        db.session.commit()
    except IntegrityError:  # seeded concurrently by another request
        db.session.rollback()


def grow_from_plan(plan) -> None:
    """An accepted plan's actions join the catalogue (or count another use), in the caller's
    transaction."""
    for action in plan.actions:
        grow_catalogue(action.element, action.text)


def grow_catalogue(element: str, text: str) -> None:
    """Count a use of a phrase from an accepted plan (adding it to the catalogue the first
    time), in the caller's transaction. A hidden entry stays hidden."""
    key = text_key(text)
    if not key or element not in el.ELEMENTS:
        return
    row = CatalogueAction.query.filter_by(element=element, text_key=key).first()
    if row is None:
        pending = [o for o in db.session.new if isinstance(o, CatalogueAction)
                   and o.element == element and o.text_key == key]
        if pending:
            pending[0].uses += 1
            return
        db.session.add(CatalogueAction(element=element, text=(text or "").strip(), text_key=key,
                                       uses=1, seeded=False))
        db.session.flush()
    else:
        db.session.execute(db.update(CatalogueAction).where(CatalogueAction.id == row.id)
                           .values(uses=CatalogueAction.uses + 1))


def catalogue_for(elements, limit: int = 40) -> dict[str, list[CatalogueAction]]:
    elements = list(elements)
    rows = (CatalogueAction.query.filter(CatalogueAction.element.in_(elements or ["-"]),
                                         CatalogueAction.hidden.is_(False))
            .order_by(CatalogueAction.uses.desc(), CatalogueAction.seeded.desc(), CatalogueAction.text)
            .all())
    out: dict[str, list[CatalogueAction]] = {k: [] for k in elements}
    for r in rows:
        if len(out[r.element]) < limit:
            out[r.element].append(r)
    return out


class CatalogueError(ValueError):
    """An edit the catalogue refuses (message in Bahasa)."""


def edit_entry(entry: CatalogueAction, text: str, hidden: bool) -> None:
    """The admin rewords or hides an entry (the caller commits)."""
    text = re.sub(r"\s+", " ", (text or "").strip())
    if not text:
        raise CatalogueError("Teks kegiatan wajib diisi.")
    if len(text) > 255:
        raise CatalogueError("Teks kegiatan paling banyak 255 karakter.")
    key = text_key(text)
    clash = CatalogueAction.query.filter(CatalogueAction.element == entry.element,
                                         CatalogueAction.text_key == key,
                                         CatalogueAction.id != entry.id).first()
    if clash is not None:
        raise CatalogueError("Teks yang sama sudah ada di katalog untuk unsur ini; sembunyikan salah "
                             "satunya.")
    entry.text, entry.text_key, entry.hidden = text, key, bool(hidden)
