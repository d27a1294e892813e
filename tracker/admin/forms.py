from wtforms import BooleanField, DateField, EmailField, HiddenField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ..web.fields import IndonesianForm, WholeNumberField

ROLE_CHOICES = [("admin", "Bagian Organisasi (admin)"), ("inspector", "Inspektorat"),
                ("manager", "Pengelola unit")]


class UserForm(IndonesianForm):
    email = EmailField("Email", validators=[DataRequired("Email wajib diisi.")])
    name = StringField("Nama", validators=[Optional()])
    role = SelectField("Peran", choices=ROLE_CHOICES)
    units = SelectMultipleField("Unit (untuk pengelola unit)", coerce=int, validators=[Optional()])
    password = PasswordField("Kata sandi (kosongkan bila tidak diubah)", validators=[Optional()])
    active = BooleanField("Aktif", default=True)


class PeriodSettingsForm(IndonesianForm):
    # The browser's date picker sends YYYY-MM-DD; a typed 30-11-2026 is read too.
    plan_deadline = DateField("Tenggat pengajuan RTL", validators=[Optional()],
                              format=["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"])
    # InputRequired, not DataRequired: 0 days is a valid grace period.
    progress_grace_days = WholeNumberField("Tenggat laporan realisasi (hari setelah akhir triwulan)",
                                           validators=[InputRequired("Wajib diisi."),
                                                       NumberRange(0, 90, "Antara 0 dan 90 hari.")])
    numbering = SelectField("Penomoran unsur periode ini", choices=[
        ("questionnaire", "Kuesioner: U8 = Sarana dan Prasarana, U9 = Penanganan Pengaduan"),
        ("regulation", "Peraturan: U8 = Penanganan Pengaduan, U9 = Sarana dan Prasarana")])
    status = SelectField("Status", choices=[("open", "Dibuka"), ("closed", "Ditutup")])


class NewPeriodForm(IndonesianForm):
    code = StringField("Kode periode (YYYY, YYYY-S1/S2, YYYY-Q1..Q4)", validators=[DataRequired("Wajib diisi.")])


class UnitForm(IndonesianForm):
    name = StringField("Nama unit", validators=[DataRequired("Nama unit wajib diisi.")])
    group = StringField("Kelompok (mis. Perangkat Daerah, Kelurahan)", validators=[Optional()])
    parent_id = SelectField("Unit induk (mis. Kecamatan untuk Kelurahan)", coerce=int)
    contact = StringField("Narahubung", validators=[Optional()])
    phone = StringField("Nomor telepon", validators=[Optional()])
    is_city = BooleanField("Unit ini mewakili pemerintah kota: RTL-nya adalah RTL kota (BAB IV laporan), "
                           "dengan unsur prioritas dari nilai rata-rata unsur kota")


class UnitAliasForm(IndonesianForm):
    """Add a name the unit is also written under, or remove one (``remove_id``)."""
    name = StringField("Nama lain (alias), mis. ejaan lain di berkas impor", validators=[Optional()])
    remove_id = HiddenField()


class MergeUnitsForm(IndonesianForm):
    # The view checks the chosen ids (and says so in Bahasa Indonesia).
    duplicate_id = SelectField("Unit duplikat (dihapus; namanya menjadi alias)", coerce=int,
                               validate_choice=False)
    keep_id = SelectField("Unit yang dipertahankan", coerce=int, validate_choice=False)
    confirm = HiddenField()


class CatalogueEntryForm(IndonesianForm):
    text = StringField("Teks kegiatan", validators=[DataRequired("Teks kegiatan wajib diisi.")])
    hidden = BooleanField("Sembunyikan dari saran")
