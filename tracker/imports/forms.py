from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Regexp

from ..web.fields import IndonesianForm

KINDS = [("scores", "Hasil agregat per unit"), ("responses", "Jawaban per responden"),
         ("rtl", "Rencana tindak lanjut (RTL)")]
NUMBERINGS = [("", "-- pilih penomoran --"),
              ("questionnaire", "Kuesioner: U8 = Sarana dan Prasarana, U9 = Penanganan Pengaduan"),
              ("regulation", "Peraturan: U8 = Penanganan Pengaduan, U9 = Sarana dan Prasarana"),
              ("permenpan2014", "Unsur 2014: U8 = Maklumat Pelayanan, U9 = Penanganan Pengaduan")]


class UploadForm(IndonesianForm):
    kind = SelectField("Jenis berkas", choices=KINDS)
    period = StringField("Periode", validators=[
        DataRequired("Periode wajib diisi."),
        Regexp(r"^\s*\d{4}(-(S[12]|Q[1-4]))?\s*$", message="Gunakan YYYY, YYYY-S1/S2 atau YYYY-Q1..Q4.")])
    numbering = SelectField("Penomoran unsur U1-U9", choices=NUMBERINGS,
                            validators=[DataRequired("Nyatakan penomoran unsur: U8/U9 berbeda antara kuesioner dan peraturan.")])
    file = FileField("Berkas CSV atau XLSX", validators=[FileRequired("Pilih berkas.")])
    replace = BooleanField("Ganti data periode ini (data lama diarsipkan, tidak dihapus)")
    create_units = BooleanField("Buat unit baru bila nama unit belum dikenal", default=True)
