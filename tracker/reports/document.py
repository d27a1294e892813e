"""The SKM report as a plain document model (headings, paragraphs, tables, figures), built once
and written by any writer (``report_docx``: DOCX, and PDF through LibreOffice). Tables hold
the printed text of each cell; the sentences beside them are produced from the same values
(``domain.narrative``), so the writer never computes anything."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Heading:
    text: str
    level: int = 1  # 0 = chapter (BAB), 1 = section, 2 = subsection


@dataclass
class Paragraph:
    text: str
    style: str = "body"  # body | note | list | title | subtitle
    # What the sentence summarises (a table's caption), for the tests that hold the two together.
    summarises: str | None = None


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None  # relative column widths
    footer: list[str] | None = None  # a total or mean row, printed bold
    numeric: set[int] = field(default_factory=set)  # columns aligned right
    font_size: float = 9.0


@dataclass
class Figure:
    caption: str
    png: bytes
    width_cm: float = 15.0


@dataclass
class PageBreak:
    pass


@dataclass
class Document:
    title: str
    subtitle: str
    blocks: list = field(default_factory=list)

    def add(self, *blocks) -> None:
        self.blocks.extend(blocks)

    def tables(self) -> dict[str, Table]:
        return {b.caption: b for b in self.blocks if isinstance(b, Table)}

    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]
