"""Marshmallow schemas of the JSON API: request bodies are validated with Bahasa Indonesia
messages; responses document (and dump) the shapes the services build. The results and status
documents are the ``skm summary`` and ``rtl status`` JSON of CONTRACT.md, every key declared so
that dumping drops nothing (tests compare the API's answer with the services' dictionaries)."""
from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import fields, validate

# The largest id a route or a body may name (PostgreSQL's INTEGER, like every <int:...> route).
MAX_ID = 2**31 - 1
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# marshmallow's built-in messages, in Bahasa Indonesia.
FIELD_MESSAGES = {
    "required": "Isian ini wajib diisi.",
    "null": "Isian ini tidak boleh kosong (null).",
    "validator_failed": "Isian tidak valid.",
}
STRING_MESSAGES = {**FIELD_MESSAGES, "invalid": "Isian harus berupa teks.",
                   "invalid_utf8": "Teks bukan UTF-8 yang valid."}
NUMBER_MESSAGES = {**FIELD_MESSAGES, "invalid": "Isian harus berupa angka.",
                   "too_large": "Angka terlalu besar.",
                   "special": "Angka khusus (NaN atau tak hingga) tidak diizinkan."}
INTEGER_MESSAGES = {**NUMBER_MESSAGES, "invalid": "Isian harus berupa bilangan bulat.",
                    "not_int": "Isian harus berupa bilangan bulat."}
BOOLEAN_MESSAGES = {**FIELD_MESSAGES, "invalid": "Isian harus berupa true atau false."}
SCHEMA_MESSAGES = {"unknown": "Isian ini tidak dikenal.",
                   "type": "Badan permintaan harus berupa objek JSON."}


class Text(fields.String):
    """A string a person typed: no control characters (a NUL cannot be stored on PostgreSQL)
    and nothing that cannot be written as UTF-8 (a lone surrogate from a JSON escape)."""

    default_error_messages = {**STRING_MESSAGES,
                              "control": "Teks memuat karakter kendali yang tidak diizinkan.",
                              "encoding": "Teks memuat karakter yang tidak valid."}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if CONTROL.search(text):
            raise self.make_error("control")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise self.make_error("encoding") from None
        return text


def _length(maximum: int, minimum: int | None = None):
    if minimum:
        return validate.Length(min=minimum, max=maximum,
                               error=f"Isian harus {minimum} sampai {maximum} karakter.")
    return validate.Length(max=maximum, error=f"Isian paling banyak {maximum} karakter.")


def _id_range():
    return validate.Range(min=1, max=MAX_ID, error=f"Nomor harus antara 1 dan {MAX_ID}.")


class BaseSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    error_messages = SCHEMA_MESSAGES


# --------------------------------------------------------------------------- requests

class StatusQuerySchema(BaseSchema):
    as_of = fields.Date(
        load_default=None,
        error_messages={**FIELD_MESSAGES, "invalid": "Tanggal harus berformat YYYY-MM-DD."},
        metadata={"description": "The day deadlines are judged against (YYYY-MM-DD); default "
                                 "today in WIB, like `rtl status --as-of`."})


class ProgressInSchema(BaseSchema):
    quarter = Text(required=True, validate=_length(10, 1),
                   metadata={"description": "Quarter reported on, `YYYY-TW1`..`YYYY-TW4`; one of "
                                            "the action's `reportable_quarters`.",
                             "example": "2021-TW2"})
    percent = fields.Float(
        required=True, allow_nan=False, error_messages=NUMBER_MESSAGES,
        validate=validate.Range(min=0, max=100, error="Persentase harus antara 0 dan 100."),
        metadata={"description": "Realisation 0-100.", "example": 50})
    narrative = Text(required=True, validate=_length(8000, 1),
                     metadata={"description": "What was done (Uraian kegiatan).",
                               "example": "Sosialisasi SOP kepada petugas loket."})
    evidence_link = Text(load_default=None, allow_none=True, validate=_length(1000),
                         metadata={"description": "http(s) address of the evidence; required "
                                                  "when percent is above 0 (no file upload over "
                                                  "the API).",
                                   "example": "https://drive.kota.go.id/bukti/sop.pdf"})
    supersedes_id = fields.Integer(
        load_default=None, allow_none=True, strict=True, error_messages=INTEGER_MESSAGES,
        validate=_id_range(),
        metadata={"description": "Resubmission: the id of this action's rejected report it "
                                 "replaces."})
    supersedes_version = fields.Integer(
        load_default=None, allow_none=True, strict=True, error_messages=INTEGER_MESSAGES,
        validate=validate.Range(min=0, max=MAX_ID, error=f"Versi harus antara 0 dan {MAX_ID}."),
        metadata={"description": "Resubmission: the `version` of the rejected report as read "
                                 "(optimistic locking: a stale version is a 409)."})
    keep_evidence = fields.Boolean(
        load_default=False, error_messages=BOOLEAN_MESSAGES,
        metadata={"description": "Resubmission: keep the rejected report's evidence file."})


# --------------------------------------------------------------------------- responses

class ErrorSchema(ma.Schema):
    error = fields.String(required=True, metadata={"description": "Message in Bahasa Indonesia."})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "Messages per field of the request (422)."})


class UnitSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    group = fields.String(allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    is_city = fields.Boolean(required=True, metadata={"description": "The unit standing for the "
                                                                     "city government."})


class PeriodSchema(ma.Schema):
    code = fields.String(required=True, metadata={"example": "2021-S1"})
    kind = fields.String(required=True, validate=validate.OneOf(["year", "semester", "quarter"]))
    label = fields.String(required=True, metadata={"example": "Semester I 2021"})
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    has_results = fields.Boolean(required=True)
    has_plans = fields.Boolean(required=True)
    stored = fields.Boolean(required=True, metadata={"description": "False for a year that "
                                                                    "exists only as the roll-up "
                                                                    "of its parts."})
    numbering = fields.String(allow_none=True)
    element_keys = fields.List(fields.String(), allow_none=True)
    plan_deadline = fields.Date(allow_none=True)
    progress_grace_days = fields.Integer(allow_none=True)


def _nrrs():
    return fields.Dict(keys=fields.String(), values=fields.Float(), required=True,
                       metadata={"description": "NRR (1-4) per element key."})


class CoverageSchema(ma.Schema):
    units = fields.Integer(required=True)
    of = fields.Integer(required=True)
    year = fields.String(required=True)


class CityResultSchema(ma.Schema):
    ikm = fields.Float(required=True)
    category = fields.String(required=True)
    respondents = fields.Integer(required=True)
    units = fields.Integer(required=True)
    aggregation = fields.String(required=True)
    elements = _nrrs()
    coverage = fields.Nested(CoverageSchema)


class UnitResultSchema(ma.Schema):
    unit_id = fields.Integer(required=True)
    unit = fields.String(required=True)
    respondents = fields.Integer(required=True)
    ikm = fields.Float(required=True)
    category = fields.String(required=True)
    elements = _nrrs()
    priorities = fields.List(fields.String(), required=True)
    realisation_previous = fields.Float(required=True, allow_none=True)
    source = fields.String(required=True)
    surveyed_in = fields.List(fields.String(), required=True)
    flags = fields.List(fields.String(), required=True)


class ResultsSchema(ma.Schema):
    period = fields.String(required=True)
    city = fields.Nested(CityResultSchema, required=True, allow_none=True,
                         metadata={"description": "City figures over every unit (as the recap "
                                                  "page shows everyone)."})
    units = fields.List(fields.Nested(UnitResultSchema), required=True,
                        metadata={"description": "The units the token's user may see."})


class StatusElementSchema(ma.Schema):
    element = fields.String(required=True)
    actions = fields.Integer(required=True)
    realisation = fields.Float(required=True, allow_none=True)
    nrr = fields.Float(required=True, allow_none=True)
    nrr_next = fields.Float(required=True, allow_none=True)


class UnitStatusSchema(ma.Schema):
    unit_id = fields.Integer(required=True)
    unit = fields.String(required=True)
    plan_status = fields.String(required=True, allow_none=True)
    actions = fields.Integer(required=True)
    realisation = fields.Float(required=True, allow_none=True)
    claimed = fields.Float(required=True, allow_none=True)
    completion = fields.Float(required=True, allow_none=True)
    late_reports = fields.Integer(required=True)
    unfinished_after_schedule = fields.Integer(required=True)
    unscheduled = fields.Integer(required=True)
    awaiting_verification = fields.Integer(required=True)
    late_over_30_days = fields.Integer(required=True)
    without_owner = fields.Integer(required=True)
    elements = fields.List(fields.Nested(StatusElementSchema), required=True)
    plans = fields.List(fields.String(), required=True)
    obtained = fields.String(required=True)
    has_results = fields.Boolean(required=True)


class CityStatusSchema(ma.Schema):
    realisation = fields.Float(required=True, allow_none=True)
    completion = fields.Float(required=True, allow_none=True)
    units_with_results = fields.Integer(required=True)
    units_with_accepted_plan = fields.Integer(required=True)
    aggregation = fields.String(required=True)
    units_without_accepted_plan = fields.List(fields.String(), required=True)
    rule = fields.String(required=True)


class StatusSchema(ma.Schema):
    period = fields.String(required=True)
    as_of = fields.String(required=True, metadata={"format": "date"})
    city = fields.Nested(CityStatusSchema, required=True)
    units = fields.List(fields.Nested(UnitStatusSchema), required=True)


class ActionSchema(ma.Schema):
    id = fields.Integer(required=True)
    element = fields.String(required=True, metadata={"description": "Element key (DOMAIN.md)."})
    text = fields.String(required=True)
    quarters = fields.List(fields.String(), required=True,
                           metadata={"description": "Planned quarters, e.g. 2021-TW2."})
    owner = fields.String(required=True, allow_none=True)
    target = fields.String(required=True, allow_none=True)
    not_actionable = fields.Boolean(required=True)
    status = fields.String(required=True,
                           validate=validate.OneOf(["sesuai", "dalam_proses", "belum", "tidak_dapat"]),
                           metadata={"description": "Outcome (SIPTL): sesuai, dalam_proses, belum, "
                                                    "tidak_dapat."})
    realisation = fields.Float(required=True, metadata={"description": "Latest verified percent "
                                                                       "(0 when none)."})
    claimed = fields.Float(required=True, allow_none=True,
                           metadata={"description": "Latest percent not rejected."})
    reported_quarters = fields.List(fields.String(), required=True)
    verified_quarters = fields.List(fields.String(), required=True)
    awaiting_verification = fields.Boolean(required=True)
    carried_from_id = fields.Integer(required=True, allow_none=True)
    version = fields.Integer(required=True)


class PlanSchema(ma.Schema):
    id = fields.Integer(required=True)
    unit_id = fields.Integer(required=True)
    unit = fields.String(required=True)
    period = fields.String(required=True, metadata={"description": "The period the plan answers."})
    status = fields.String(required=True,
                           validate=validate.OneOf(["draft", "submitted", "returned", "accepted"]))
    realisation = fields.Float(required=True, allow_none=True,
                               metadata={"description": "Mean of the actions' realisation; null "
                                                        "unless accepted."})
    completion = fields.Float(required=True, allow_none=True)
    version = fields.Integer(required=True)
    actions = fields.List(fields.Nested(ActionSchema), required=True)


class PlansSchema(ma.Schema):
    period = fields.String(required=True)
    plans = fields.List(fields.Nested(PlanSchema), required=True)


class ProgressEntrySchema(ma.Schema):
    id = fields.Integer(required=True)
    action_id = fields.Integer(required=True)
    quarter = fields.String(required=True)
    percent = fields.Float(required=True)
    narrative = fields.String(required=True)
    evidence_link = fields.String(required=True, allow_none=True)
    evidence_file = fields.String(required=True, allow_none=True,
                                  metadata={"description": "Name of the uploaded evidence file."})
    status = fields.String(required=True, validate=validate.OneOf(["submitted", "verified", "rejected"]))
    submitted_at = fields.DateTime(required=True, metadata={"description": "UTC."})
    reviewed_at = fields.DateTime(required=True, allow_none=True)
    review_comment = fields.String(required=True, allow_none=True)
    supersedes_id = fields.Integer(required=True, allow_none=True)
    source = fields.String(required=True)
    version = fields.Integer(required=True)


class ActionDetailSchema(ActionSchema):
    plan_id = fields.Integer(required=True)
    plan_status = fields.String(required=True)
    unit_id = fields.Integer(required=True)
    unit = fields.String(required=True)
    period = fields.String(required=True)
    reportable_quarters = fields.List(fields.String(), required=True,
                                      metadata={"description": "Quarters a report may be sent for."})
    can_report = fields.Boolean(required=True,
                                metadata={"description": "Whether the token's user may report on it."})
    reports = fields.List(fields.Nested(ProgressEntrySchema), required=True)


class MeSchema(ma.Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    role = fields.String(required=True, validate=validate.OneOf(["admin", "inspector", "manager"]))
    unit_ids = fields.List(fields.Integer(), required=True,
                           metadata={"description": "The manager's units (empty for roles that "
                                                    "see every unit)."})
    token = fields.String(required=True, metadata={"description": "Prefix of the token used."})
