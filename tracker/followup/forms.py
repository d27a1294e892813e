"""Flask-WTF forms of the follow-up workflow (CSRF on every POST). Choices are set by the views;
the workflow rules themselves live in service.py."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..web.fields import DecimalCommaField, IndonesianForm, max_length


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):  # choices are checked by the service (with a clear message)
        pass


class VersionForm(IndonesianForm):
    """A bare state change (submit, accept, create): CSRF plus the row's version."""
    version = HiddenField()


class ActionForm(IndonesianForm):
    version = HiddenField()
    element = SelectField("Unsur", choices=[], validate_choice=False)
    catalogue = SelectField("Pilih dari katalog", choices=[], validate_choice=False)
    text = TextAreaField("Program / kegiatan", validators=[Optional(), max_length(2000)])
    quarters = MultiCheckboxField(
        "Triwulan pelaksanaan", choices=[],
        description="Draf boleh disimpan tanpa triwulan, tetapi setiap kegiatan harus dijadwalkan "
                    "(minimal satu triwulan) sebelum RTL diajukan.")
    owner = StringField("Penanggung jawab", validators=[DataRequired("Penanggung jawab wajib diisi."),
                                                        max_length(255)])
    target = StringField("Target (opsional)", validators=[Optional(), max_length(255)])


class ScheduleForm(IndonesianForm):
    """Quarters for an unscheduled action of an accepted plan (the only change allowed there)."""
    version = HiddenField()
    quarters = MultiCheckboxField("Triwulan pelaksanaan", choices=[])


class ReturnForm(IndonesianForm):
    version = HiddenField()
    comment = TextAreaField("Catatan pengembalian", validators=[DataRequired("Catatan wajib diisi."),
                                                                max_length(4000)])


class OverrideForm(IndonesianForm):
    version = HiddenField()
    elements = MultiCheckboxField("Unsur prioritas", choices=[])
    reason = TextAreaField("Alasan", validators=[DataRequired("Alasan wajib diisi."), max_length(4000)])


class ClearOverrideForm(IndonesianForm):
    version = HiddenField()
    reason = TextAreaField("Alasan pembatalan", validators=[DataRequired("Alasan wajib diisi."),
                                                            max_length(4000)])


class NotActionableForm(IndonesianForm):
    version = HiddenField()
    flag = HiddenField()
    reason = TextAreaField("Alasan", validators=[DataRequired("Alasan wajib diisi."), max_length(4000)])


class ProgressForm(IndonesianForm):
    version = HiddenField()  # version of the superseded entry (resubmission only)
    quarter = SelectField("Triwulan", choices=[], validate_choice=False)
    percent = DecimalCommaField("Realisasi (%)", validators=[
        InputRequired("Persentase wajib diisi."),
        NumberRange(min=0, max=100, message="Persentase harus antara 0 dan 100.")])
    narrative = TextAreaField("Uraian kegiatan yang telah dilaksanakan",
                              validators=[DataRequired("Uraian wajib diisi."), max_length(8000)])
    evidence = FileField("Berkas bukti (PDF, JPG, PNG, DOCX, XLSX)")
    link = StringField("atau tautan bukti (http/https)", validators=[Optional(), max_length(1000)])
    keep_evidence = BooleanField("Tetap gunakan berkas bukti sebelumnya bila tidak mengunggah berkas baru")


class ReviewForm(IndonesianForm):
    version = HiddenField()
    decision = RadioField("Keputusan", choices=[("verified", "Verifikasi"), ("rejected", "Tolak")],
                          validators=[DataRequired("Pilih keputusan.")])
    comment = TextAreaField("Catatan", validators=[Optional(), max_length(4000)])


class FilterForm(IndonesianForm):
    """GET filters of the monitoring screen (no state change, so no CSRF token)."""
    class Meta:
        csrf = False

    period = SelectField("Periode", choices=[], validate_choice=False)
    group = SelectField("Kelompok", choices=[], validate_choice=False)
    status = SelectField("Status RTL", choices=[], validate_choice=False)
    outcome = SelectField("Hasil tindak lanjut", choices=[], validate_choice=False)
