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
from pathlib import Path

from docx import Document as Docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from .document import Document, Figure, Heading, PageBreak, Paragraph, Table

INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
USABLE_CM = 16.0  # A4 portrait, 2.5 cm margins


class ReportFailed(RuntimeError):
    """The PDF could not be produced (LibreOffice missing or failing)."""


def clean(text) -> str:
    return INVALID_XML.sub("", str(text if text is not None else ""))


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

    for block in doc.blocks:
        if isinstance(block, PageBreak):
            d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif isinstance(block, Heading):
            h = d.add_heading(clean(block.text), level=min(3, block.level + 1))
            if block.level == 0:
                h.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for r in h.runs:
                r.font.color.rgb = RGBColor(0x1D, 0x27, 0x33)
        elif isinstance(block, Paragraph):
            _paragraph(d, block)
        elif isinstance(block, Table):
            _table(d, block)
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


def _table(d, block: Table) -> None:
    cap = d.add_paragraph()
    cap.paragraph_format.keep_with_next = True
    r = cap.add_run(clean(block.caption))
    r.bold, r.font.size = True, Pt(9.5)
    rows = block.rows + ([block.footer] if block.footer else [])
    table = d.add_table(rows=1 + len(rows), cols=len(block.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = block.widths or [1] * len(block.header)
    total = sum(widths)
    cm = [Cm(USABLE_CM * w / total) for w in widths]
    size = Pt(block.font_size)
    _repeat_header(table.rows[0])
    for c, text in enumerate(block.header):
        _cell(table.rows[0].cells[c], text, size, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, shade="DCE6F0")
    for i, values in enumerate(rows, 1):
        is_footer = block.footer is not None and i == len(rows)
        cells = table.rows[i].cells
        for c, text in enumerate(values):
            align = WD_ALIGN_PARAGRAPH.RIGHT if c in block.numeric else WD_ALIGN_PARAGRAPH.LEFT
            _cell(cells[c], text, size, bold=is_footer, align=align, shade="F2F2F2" if is_footer else None)
    # Widths go on the grid (what LibreOffice lays out by) and on every cell (what Word reads).
    for c, column in enumerate(table.columns):
        column.width = cm[c]
    for row in table.rows:
        _cant_split(row)
        for c, cell in enumerate(row.cells):
            cell.width = cm[c]
    d.add_paragraph().paragraph_format.space_after = Pt(2)


def _cell(cell, text, size, bold=False, align=None, shade=None) -> None:
    lines = clean(text).split("\n")
    p = cell.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    if align is not None:
        p.alignment = align
    for k, line in enumerate(lines):
        run = p.add_run(line)
        run.font.size, run.bold = size, bold
        if k < len(lines) - 1:
            run.add_break()
    if shade:
        props = cell._tc.get_or_add_tcPr()
        fill = OxmlElement("w:shd")
        fill.set(qn("w:val"), "clear")
        fill.set(qn("w:color"), "auto")
        fill.set(qn("w:fill"), shade)
        props.append(fill)


def _repeat_header(row) -> None:
    props = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    props.append(header)


def _cant_split(row) -> None:
    props = row._tr.get_or_add_trPr()
    props.append(OxmlElement("w:cantSplit"))


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
