"""Write a report ``Document`` as DOCX (python-docx), and as PDF by converting that DOCX with
LibreOffice headless, so both formats have one layout.

Text from users (unit names, actions, the city's text blocks) goes into plain text runs: Word
evaluates fields only from field elements, which nothing here builds from user text (the one
field, the page number in the footer, has a fixed instruction). Characters XML cannot hold are
dropped."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from docx import Document as Docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from .document import Document, Figure, Heading, PageBreak, Paragraph, Table
from .pausing import collector_paused

INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
USABLE_CM = 16.0  # A4 portrait, 2.5 cm margins


class ReportFailed(RuntimeError):
    """The PDF could not be produced (LibreOffice missing or failing)."""


def clean(text) -> str:
    return INVALID_XML.sub("", str(text if text is not None else ""))


@collector_paused
def write_docx(doc: Document, out) -> None:
    """Write ``doc`` to ``out`` (a path or a binary file)."""
    d = Docx()
    section = d.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.orientation = WD_ORIENT.PORTRAIT
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))
    normal = d.styles["Normal"]
    normal.font.name = "Liberation Sans"
    normal.font.size = Pt(10.5)
    _page_number_footer(section)

    title = d.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(180)
    run = title.add_run(clean(doc.title).upper())
    run.bold, run.font.size = True, Pt(18)
    for line in doc.subtitle.split("\n"):
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        r = p.add_run(clean(line))
        r.font.size = Pt(13)

    # Style ids looked up once: python-docx looks a style up by name (an XPath over every
    # style) on each heading and table, a fifth of a 300-unit report.
    heading_ids = {level: d.styles[f"Heading {level}"].style_id for level in (1, 2, 3)}
    grid_id = d.styles["Table Grid"].style_id
    for block in doc.blocks:
        if isinstance(block, PageBreak):
            d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif isinstance(block, Heading):
            h = d.add_paragraph()
            h._p.style = heading_ids[min(3, block.level + 1)]
            h.add_run(clean(block.text))
            if block.level == 0:
                h.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for r in h.runs:
                r.font.color.rgb = RGBColor(0x1D, 0x27, 0x33)
        elif isinstance(block, Paragraph):
            _paragraph(d, block)
        elif isinstance(block, Table):
            _table(d, block, grid_id)
        elif isinstance(block, Figure):
            d.add_picture(io.BytesIO(block.png), width=Cm(min(block.width_cm, USABLE_CM)))
            d.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            cap = d.add_paragraph()
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
            r = cap.add_run(clean(block.caption))
            r.italic, r.font.size = True, Pt(9)
    d.save(out)


def _paragraph(d, block: Paragraph) -> None:
    p = d.add_paragraph()
    r = p.add_run(clean(block.text))
    if block.style == "note":
        r.italic, r.font.size = True, Pt(9)
    elif block.style == "list":
        p.paragraph_format.left_indent = Cm(0.6)
        p.paragraph_format.first_line_indent = Cm(-0.6)
    else:
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


def _table(d, block: Table, style_id: str) -> None:
    """A table built as WordprocessingML elements directly: python-docx's cell objects took
    seventeen seconds for a 300-unit report; the elements take a fraction of one."""
    cap = d.add_paragraph()
    cap.paragraph_format.keep_with_next = True
    r = cap.add_run(clean(block.caption))
    r.bold, r.font.size = True, Pt(9.5)
    table = d.add_table(rows=0, cols=len(block.header))
    table._tbl.tblStyle_val = style_id  # "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = block.widths or [1] * len(block.header)
    total = sum(widths)
    twips = [int(USABLE_CM * w / total * 567) for w in widths]  # 567 twentieths of a point per cm
    for c, column in enumerate(table.columns):
        column.width = Cm(USABLE_CM * widths[c] / total)
    half_points = str(int(round(block.font_size * 2)))
    tbl = table._tbl
    tbl.append(_row(block.header, twips, half_points, header=True, bold=True, center=True, shade="DCE6F0"))
    for values in block.rows:
        tbl.append(_row(values, twips, half_points, numeric=block.numeric))
    if block.footer:
        tbl.append(_row(block.footer, twips, half_points, numeric=block.numeric, bold=True, shade="F2F2F2"))
    d.add_paragraph().paragraph_format.space_after = Pt(2)


def _el(tag: str, parent=None, **attrs):
    """A ``w:`` element with ``w:`` attributes, appended to ``parent``. A row's root comes from
    python-docx (its namespace declared); the half-million elements under the rows are made by
    lxml directly (``OxmlElement`` for each was three quarters of a 300-unit report's DOCX)."""
    if parent is None:
        element = OxmlElement(tag)
        for key, value in attrs.items():
            element.set(qn(f"w:{key}"), value)
        return element
    return etree.SubElement(parent, _qn(tag), {_qn("w:" + key): value for key, value in attrs.items()})


_qn = lru_cache(maxsize=None)(qn)  # the same few dozen names, half a million times


def _row(values, twips, half_points, header=False, bold=False, center=False, shade=None, numeric=()):
    tr = _el("w:tr")
    tr_pr = _el("w:trPr", tr)
    _el("w:cantSplit", tr_pr)
    if header:
        _el("w:tblHeader", tr_pr, val="true")
    for c, value in enumerate(values):
        tc = _el("w:tc", tr)
        tc_pr = _el("w:tcPr", tc)
        _el("w:tcW", tc_pr, w=str(twips[c]), type="dxa")
        if shade:
            _el("w:shd", tc_pr, val="clear", color="auto", fill=shade)
        p = _el("w:p", tc)
        p_pr = _el("w:pPr", p)
        _el("w:spacing", p_pr, after="0")
        if center or c in numeric:
            _el("w:jc", p_pr, val="center" if center else "right")
        for k, line in enumerate(clean(value).split("\n")):
            run = _el("w:r", p)
            r_pr = _el("w:rPr", run)
            if bold:
                _el("w:b", r_pr)
            _el("w:sz", r_pr, val=half_points)
            if k:
                _el("w:br", run)
            t = _el("w:t", run)
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            t.text = line
    return tr


def _page_number_footer(section) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    p._p.append(field)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def write_pdf(doc: Document, out_path) -> None:
    """The DOCX converted by LibreOffice headless (its own profile folder per call, so several
    workers can convert at once)."""
    binary = soffice()
    if binary is None:
        raise ReportFailed("PDF tidak dapat dibuat: LibreOffice (soffice) tidak terpasang di server. "
                           "Unduh versi DOCX.")
    with tempfile.TemporaryDirectory(prefix="skm-report-") as work:
        source = Path(work) / "laporan.docx"
        write_docx(doc, str(source))
        profile = Path(work) / "profile"
        run = subprocess.run([binary, f"-env:UserInstallation=file://{profile}", "--headless",
                              "--convert-to", "pdf", "--outdir", work, str(source)],
                             capture_output=True, text=True, timeout=600)
        made = Path(work) / "laporan.pdf"
        if run.returncode != 0 or not made.exists():
            raise ReportFailed("PDF gagal dibuat oleh LibreOffice; unduh versi DOCX.")
        shutil.move(str(made), os.fspath(out_path))


def write_report(doc: Document, out_path) -> str:
    """DOCX or PDF by the file's extension; returns the format written."""
    path = os.fspath(out_path)
    if path.lower().endswith(".pdf"):
        write_pdf(doc, path)
        return "pdf"
    write_docx(doc, path)
    return "docx"
