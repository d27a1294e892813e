"""Form fields and messages for Indonesian users.

- ``DecimalCommaField`` / ``WholeNumberField``: numbers typed the Indonesian way ("50,5",
  "1.234,5"; "50.5" too), read by ``tracker.domain.numbers`` (the same rules as the imports),
  rendered as ``type="text"`` with ``inputmode``: ``type="number"`` refuses a decimal comma in
  some browsers.
- ``IndonesianForm``: a FlaskForm whose WTForms / Flask-WTF built-in messages ("This field is
  required.", "Not a valid choice.", ...) are in Bahasa Indonesia. WTForms ships no Indonesian
  catalogue, so the messages are translated here; validators in our forms still pass their own
  ``message=`` where a more precise sentence helps.
"""
from __future__ import annotations

import re
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms.fields import Field
from wtforms.validators import Length, StopValidation
from wtforms.widgets import Input

from ..domain.numbers import NotANumber, parse_integer, parse_number

DECIMAL_MESSAGE = "Masukkan angka, misalnya 50,5."
INTEGER_MESSAGE = "Masukkan bilangan bulat, misalnya 14."
CSRF_MESSAGE = "Formulir kedaluwarsa atau tidak sah; muat ulang halaman lalu coba lagi."

# WTForms (3.2) and Flask-WTF (1.2) message ids -> Bahasa Indonesia.
MESSAGES = {
    "This field is required.": "Isian ini wajib diisi.",
    "Invalid input.": "Isian tidak valid.",
    "Not a valid choice.": "Pilihan tidak valid.",
    "Not a valid choice": "Pilihan tidak valid.",
    "Invalid Choice: could not coerce.": "Pilihan tidak valid.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Ada pilihan yang tidak valid.",
    "'%(value)s' is not a valid choice for this field.": "'%(value)s' bukan pilihan yang valid.",
    "'%(value)s' are not valid choices for this field.": "'%(value)s' bukan pilihan yang valid.",
    "Choices cannot be None.": "Pilihan belum tersedia.",
    "Not a valid integer value.": INTEGER_MESSAGE,
    "Not a valid decimal value.": DECIMAL_MESSAGE,
    "Not a valid float value.": DECIMAL_MESSAGE,
    "Not a valid date value.": "Tanggal tidak valid; tulis misalnya 30-11-2026.",
    "Not a valid datetime value.": "Tanggal dan jam tidak valid; tulis misalnya 30-11-2026 19:05.",
    "Not a valid time value.": "Jam tidak valid; tulis misalnya 19:05.",
    "Not a valid week value.": "Minggu tidak valid.",
    "Invalid email address.": "Format email tidak valid.",
    "Invalid URL.": "Alamat tautan tidak valid; gunakan alamat http:// atau https:// yang lengkap.",
    "Invalid IP address.": "Alamat IP tidak valid.",
    "Invalid Mac address.": "Alamat MAC tidak valid.",
    "Invalid UUID.": "UUID tidak valid.",
    "Invalid field name '%s'.": "Nama isian '%s' tidak valid.",
    "Field must be equal to %(other_name)s.": "Isian harus sama dengan %(other_name)s.",
    "Invalid value, must be one of: %(values)s.": "Nilai tidak valid; harus salah satu dari: %(values)s.",
    "Invalid value, can't be any of: %(values)s.": "Nilai tidak valid; tidak boleh: %(values)s.",
    "Number must be at least %(min)s.": "Angka paling kecil %(min)s.",
    "Number must be at most %(max)s.": "Angka paling besar %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Angka harus antara %(min)s dan %(max)s.",
    "Field must be at least %(min)d character long.": "Isian paling sedikit %(min)d karakter.",
    "Field must be at least %(min)d characters long.": "Isian paling sedikit %(min)d karakter.",
    "Field cannot be longer than %(max)d character.": "Isian paling banyak %(max)d karakter.",
    "Field cannot be longer than %(max)d characters.": "Isian paling banyak %(max)d karakter.",
    "Field must be exactly %(max)d character long.": "Isian harus tepat %(max)d karakter.",
    "Field must be exactly %(max)d characters long.": "Isian harus tepat %(max)d karakter.",
    "Field must be between %(min)d and %(max)d characters long.":
        "Isian harus %(min)d sampai %(max)d karakter.",
    "This field cannot be edited.": "Isian ini tidak dapat diubah.",
    "This field is disabled and cannot have a value.": "Isian ini nonaktif dan tidak boleh berisi nilai.",
    # Flask-WTF (file validators; CSRF messages are raised untranslated, see IndonesianForm)
    "File does not have an approved extension: {extensions}":
        "Jenis berkas tidak diizinkan; gunakan: {extensions}",
    "File does not have an approved extension.": "Jenis berkas tidak diizinkan.",
    "The CSRF token is missing.": CSRF_MESSAGE,
    "The CSRF session token is missing.": CSRF_MESSAGE,
    "The CSRF token has expired.": CSRF_MESSAGE,
    "The CSRF token is invalid.": CSRF_MESSAGE,
    "The CSRF tokens do not match.": CSRF_MESSAGE,
}


def translate(message):
    """A built-in English message in Bahasa Indonesia (other text is returned unchanged)."""
    return MESSAGES.get(message, message) if isinstance(message, str) else message


class IndonesianTranslations:
    """The ``gettext``/``ngettext`` pair WTForms asks its form's Meta for."""

    def gettext(self, string):
        return translate(string)

    def ngettext(self, singular, plural, n):
        return translate(singular if n == 1 else plural)


TRANSLATIONS = IndonesianTranslations()


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class IndonesianForm(FlaskForm):
    """FlaskForm with every built-in validation message in Bahasa Indonesia."""

    class Meta:
        def get_translations(self, form):
            return TRANSLATIONS

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        # Flask-WTF raises its CSRF messages without gettext: translate what is left.
        for field in self:
            if field.errors:
                field.errors = [translate(m) for m in field.errors]
            # No text a person types carries control characters (a NUL is cut or refused by
            # the database): refuse them here, with the field named, instead.
            if isinstance(field.data, str) and CONTROL.search(field.data):
                field.errors = list(field.errors) + [
                    f"{field.label.text} memuat karakter kendali yang tidak diizinkan."]
                ok = False
        return ok


def max_length(n: int) -> Length:
    """Length(max=n) with a Bahasa message."""
    return Length(max=n, message=f"Isian paling banyak {n} karakter.")


class NumberTextInput(Input):
    """A text input for numbers: ``type="text"`` with ``inputmode`` (a phone shows digits),
    whatever ``type``/``step``/``min``/``max`` a template passes, since ``type="number"``
    refuses "50,5" in some browsers and a locale-dependent control in others."""

    input_type = "text"
    validation_attrs = ["required", "disabled", "readonly"]  # not min/max/step: not a number input

    def __init__(self, inputmode: str = "decimal"):
        super().__init__()
        self.inputmode = inputmode

    def __call__(self, field, **kwargs):
        for key in ("type", "step", "min", "max"):
            kwargs.pop(key, None)
        kwargs.setdefault("inputmode", self.inputmode)
        kwargs.setdefault("autocomplete", "off")
        return super().__call__(field, **kwargs)


def plain_decimal(value) -> str:
    """A number as a user would type it back: decimal comma, no thousands separator, no
    trailing zeros (50.5 -> "50,5", 100.0 -> "100")."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(float(value))).normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


class DecimalCommaField(Field):
    """A number written "50,5", "50.5" or "1.234,5" (``parse_number``); ``data`` is a float or
    None (empty). Anything else fails with ``message`` and no other validator runs, so a user
    reads one sentence."""

    widget = NumberTextInput("decimal")
    default_message = DECIMAL_MESSAGE

    def __init__(self, label=None, validators=None, message: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message or self.default_message

    @staticmethod
    def parse(text: str):
        return parse_number(text)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return plain_decimal(self.data)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        if text == "":
            self.data = None
            return
        if text.lower() in {"nan", "-"}:  # parse_number reads these as empty cells
            self.data = None
            raise ValueError(self.message)
        try:
            self.data = self.parse(text)
        except (NotANumber, ValueError, TypeError, OverflowError):
            self.data = None
            raise ValueError(self.message) from None

    def pre_validate(self, form):
        if self.process_errors:  # "abc": the one message, not a range complaint besides it
            raise StopValidation()


class WholeNumberField(DecimalCommaField):
    """A count or number of days ("14", "1.250"); ``data`` is an int or None."""

    widget = NumberTextInput("numeric")
    default_message = INTEGER_MESSAGE

    @staticmethod
    def parse(text: str):
        return parse_integer(text)
