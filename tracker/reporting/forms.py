from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..domain import elements as el
from ..web.fields import DecimalCommaField, IndonesianForm, WholeNumberField

DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"]
NUMBERING_CHOICES = [("questionnaire", "Kuesioner (U8 Sarana dan Prasarana, U9 Pengaduan)"),
                     ("regulation", "Peraturan (U8 Pengaduan, U9 Sarana dan Prasarana)"),
                     ("permenpan2014", "Unsur 2014 (U8 Maklumat Pelayanan, U9 Pengaduan)")]
MODE_CHOICES = [("form", "Isi formulir (NRR per unsur)"), ("scores", "Unggah berkas rekap per unsur (CSV/XLSX)"),
                ("responses", "Unggah berkas data per responden (CSV/XLSX)")]


class RoundForm(IndonesianForm):
    period = StringField("Periode (mis. 2024-S1 atau 2024-Q2)", validators=[Optional(), Length(max=10)])
    deadline = DateField("Tenggat pelaporan", validators=[DataRequired("Tenggat pelaporan wajib diisi.")],
                         format=DATE_FORMATS)
    numbering = SelectField("Penomoran unsur baku", choices=NUMBERING_CHOICES)
    instructions = TextAreaField("Petunjuk untuk unit", validators=[Optional(), Length(max=5000)])
    status = SelectField("Status", choices=[("open", "Dibuka"), ("closed", "Ditutup")], default="open")
    version = HiddenField()


class SubmissionForm(IndonesianForm):
    mode = SelectField("Cara mengirim", choices=MODE_CHOICES, default="form")
    numbering = SelectField("Penomoran unsur yang dipakai unit", choices=NUMBERING_CHOICES)
    file = FileField("Berkas hasil (CSV atau XLSX)")
    respondents = WholeNumberField("Jumlah responden", validators=[Optional(), NumberRange(min=1, max=10_000_000)])
    method = StringField("Metode survei", validators=[Optional(), Length(max=100)])
    survey_start = DateField("Awal pelaksanaan survei", validators=[Optional()], format=DATE_FORMATS)
    survey_end = DateField("Akhir pelaksanaan survei", validators=[Optional()], format=DATE_FORMATS)
    report = FileField("Laporan SKM unit (PDF)")
    report_link = StringField("atau tautan laporan SKM unit", validators=[Optional(), Length(max=1000)])
    note = TextAreaField("Catatan untuk Bagian Organisasi", validators=[Optional(), Length(max=2000)])


def add_element_fields(form_class, numbering_keys):
    """The form's NRR fields, one per element of the period's set (named by element key)."""
    for key in numbering_keys:
        setattr(form_class, f"nrr_{key}", DecimalCommaField(
            el.ELEMENTS[key].name, validators=[Optional(), NumberRange(min=1, max=4, message="NRR harus antara 1 dan 4.")]))
    return form_class


class DecisionForm(IndonesianForm):
    version = HiddenField()
    comment = TextAreaField("Alasan pengembalian", validators=[Optional(), Length(max=2000)])


# Every element of every set has its field; the template shows those of the chosen numbering.
add_element_fields(SubmissionForm, list(el.ELEMENTS))
