"""Reading uploaded tables (CSV with comma or semicolon, or the first sheet of an XLSX) into
pandas, and collecting problems with the file's row and column named, in Bahasa Indonesia."""
from __future__ import annotations

import io
import queue
import re
import threading
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MAX_MESSAGES = 200

# Limits checked before anything is parsed, so a crafted file costs neither memory nor a web
# worker's time: a zip bomb, a million columns, a single endless line.
MAX_ROWS = 100_000              # data rows of a scores, plan or progress file
MAX_RESPONDENT_ROWS = 5_000_000  # data rows of a respondent-level file
MAX_COLUMNS = 200
MAX_LINE_BYTES = 64 * 1024       # one CSV line
MAX_CELL_CHARS = 5_000           # one cell of text (a plan's narrative fits easily)
MAX_XLSX_UNPACKED = 200 * 1024 * 1024  # all parts of a workbook, decompressed


@dataclass
class Problem:
    row: int | None  # the file's row number (header = row 1), None for whole-file problems
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"baris {self.row}")
        if self.column:
            where.append(f"kolom '{self.column}'")
        prefix = (", ".join(where).capitalize() + ": ") if where else ""
        return prefix + self.message


class ImportRejected(Exception):
    """The file was refused; nothing was changed."""

    def __init__(self, problems: list[Problem], total: int | None = None):
        self.problems = problems
        self.total = total if total is not None else len(problems)
        super().__init__("\n".join(str(p) for p in problems))

    def messages(self) -> list[str]:
        out = [str(p) for p in self.problems[:MAX_MESSAGES]]
        if self.total > len(out):
            out.append(f"... dan {self.total - len(out)} masalah lainnya.")
        return out


@dataclass
class Problems:
    items: list[Problem] = field(default_factory=list)
    total: int = 0

    def add(self, row, column, message):
        self.total += 1
        if len(self.items) < MAX_MESSAGES:
            self.items.append(Problem(row, column, message))

    def raise_if_any(self):
        if self.total:
            raise ImportRejected(self.items, self.total)


def _unreadable_message(name: str, exc: Exception) -> str:
    """Why a file could not be read, in Bahasa Indonesia. The exception's own text (pandas',
    zipfile's: "File is not a zip file") is English and is never shown."""
    if name.endswith((".xlsx", ".xlsm")):
        return "Berkas .xlsx rusak atau bukan buku kerja Excel."
    if isinstance(exc, pd.errors.EmptyDataError):
        return "Berkas kosong: tidak ada baris judul kolom."
    if isinstance(exc, pd.errors.ParserError):
        fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if fields:
            expected, row, saw = (int(g) for g in fields.groups())
            return (f"Baris {row}, kolom ke-{expected + 1}: baris ini memuat {saw} kolom, sedangkan "
                    f"baris judul memuat {expected}; hapus kolom tanpa judul itu atau periksa "
                    "pemisah dan tanda kutipnya.")
        line = re.search(r"line (\d+)", str(exc))
        where = f" (periksa baris {line.group(1)})" if line else ""
        return ("Berkas CSV tidak dapat dibaca sebagai tabel: jumlah kolom tidak sama di setiap baris "
                f"atau ada tanda kutip yang tidak ditutup{where}.")
    return "Berkas tidak dapat dibaca sebagai tabel CSV atau XLSX."


CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_SET = bytes([*range(0, 9), 11, 12, *range(14, 32), 127])  # the same, for bytes.translate
CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = "Sel memuat karakter kendali (misalnya NUL) yang tidak diizinkan; hapus karakter itu."


def _refuse_control_bytes(data: bytes, sep: str) -> None:
    """A control character in a CSV (a NUL cuts the value short in the parser): refuse the file,
    naming the row and column of the first few, before parsing."""
    lines = data.split(b"\n")
    header = [h.strip().lower() for h in lines[0].decode("utf-8-sig", "replace").split(sep)]
    problems = Problems()
    for number, line in enumerate(lines, 1):
        if CONTROL_BYTES.search(line):
            cells = line.decode("utf-8", "replace").split(sep)
            for index, cell in enumerate(cells):
                if CONTROL_TEXT.search(cell):
                    column = header[index] if index < len(header) else f"kolom ke-{index + 1}"
                    problems.add(number, column, CONTROL_MESSAGE)
    if not problems.total:
        problems.add(None, None, CONTROL_MESSAGE)
    problems.raise_if_any()


def _refuse_control_cells(frame: pd.DataFrame) -> None:
    """The same for cells read from a workbook."""
    problems = Problems()
    for column in frame.columns:
        hits = frame[column].str.contains(CONTROL_TEXT, regex=True)
        for index in frame.index[hits.fillna(False)]:
            problems.add(file_row(index), column, CONTROL_MESSAGE)
    problems.raise_if_any()


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _refuse(row, column, message):
    raise ImportRejected([Problem(row, column, message)])


SCAN_BLOCK = 8 * 1024 * 1024  # bytes of a CSV looked at at a time by the checks before parsing


def _blocks(source, size: int = SCAN_BLOCK):
    """The bytes of ``source`` (bytes, or the path of a file) in blocks, so that checking a
    file on disk holds one block in memory, not the file."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source)
        for start in range(0, len(view), size):
            yield view[start:start + size]
        return
    with open(source, "rb") as fh:
        while block := fh.read(size):
            yield block


def _whole(source) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    with open(source, "rb") as fh:
        return fh.read()


def _head(source, limit: int = MAX_LINE_BYTES + 1) -> bytes:
    """The first line (the header) of a CSV, or its first ``limit`` bytes."""
    first = next(_blocks(source, limit), b"")
    return bytes(first).split(b"\n", 1)[0]


def _check_csv_shape(source, sep: str, max_rows: int) -> bool:
    """Columns in the header, length of every line and number of lines, before parsing; the
    file is looked at block by block (numpy finds the line breaks: a 40 MB file in tens of ms;
    a regex looking for a long run of non-breaks rescans every line and took 0.4 s). Returns
    whether any block holds a control character, found in the same pass (a second reading of
    the file for them was a tenth of a million-row import)."""
    columns = _header_columns(source, sep.encode())
    if columns > MAX_COLUMNS:
        _refuse(1, None, f"Baris judul memuat {_number(columns)} kolom; paling banyak "
                         f"{_number(MAX_COLUMNS)} kolom.")
    lines = 0        # complete lines seen so far
    line_start = 0   # offset where the current line starts
    offset = 0
    last = b""
    control = False
    for block in _blocks(source):
        if not control:
            raw = block if isinstance(block, bytes) else bytes(block)
            control = len(raw.translate(None, CONTROL_SET)) != len(raw)
        breaks = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10) + offset
        if len(breaks):
            lengths = breaks - np.concatenate(([line_start], breaks[:-1] + 1))
            over = np.flatnonzero(lengths > MAX_LINE_BYTES)
            if len(over):
                _long_line(lines + int(over[0]) + 1)
            lines += len(breaks)
            line_start = int(breaks[-1]) + 1
        offset += len(block)
        if offset - line_start > MAX_LINE_BYTES:
            _long_line(lines + 1)
        last = block[-1:]
    if offset and bytes(last) != b"\n":
        lines += 1
    if lines - 1 > max_rows:
        _refuse(None, None, f"Berkas memuat {_number(lines - 1)} baris data; paling banyak "
                            f"{_number(max_rows)} baris per berkas. Bagi berkas menjadi beberapa bagian.")
    return control


def _header_columns(source, sep: bytes) -> int:
    """Columns of the header line, however long it is, counted block by block."""
    count = 1
    for block in _blocks(source):
        line = bytes(block).split(b"\n", 1)
        count += line[0].count(sep)
        if len(line) > 1:
            break
    return count


def _long_line(row: int):
    _refuse(row, None, f"Baris lebih panjang dari {_number(MAX_LINE_BYTES)} byte; periksa "
                       "isi baris ini atau pemisah kolomnya.")


def _file(source):
    """What pandas and zipfile read: the path itself, or the bytes as a file."""
    return io.BytesIO(source) if isinstance(source, (bytes, bytearray, memoryview)) else source


def _check_xlsx_size(source) -> None:
    """A workbook is a zip: its declared unpacked sizes bound what reading it can cost (zipfile
    stops at the declared size), so refuse before unpacking anything."""
    try:
        with zipfile.ZipFile(_file(source)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        _refuse(None, None, "Berkas .xlsx rusak atau bukan buku kerja Excel.")
    if unpacked > MAX_XLSX_UNPACKED:
        _refuse(None, None, f"Buku kerja terlalu besar setelah dibuka ({_number(unpacked // 2**20)} MB; "
                            f"paling banyak {_number(MAX_XLSX_UNPACKED // 2**20)} MB). Simpan sebagai CSV "
                            "atau bagi menjadi beberapa berkas.")


def _check_cells(frame: pd.DataFrame) -> None:
    """Rows, columns and the length of text cells of a parsed table."""
    if len(frame.columns) > MAX_COLUMNS:
        _refuse(1, None, f"Baris judul memuat {_number(len(frame.columns))} kolom; paling banyak "
                         f"{_number(MAX_COLUMNS)} kolom.")
    problems = Problems()
    for column in frame.columns:
        if frame[column].dtype != object:
            continue
        lengths = frame[column].str.len()
        for index in frame.index[(lengths > MAX_CELL_CHARS).fillna(False)]:
            problems.add(file_row(index), column,
                         f"Isi sel lebih dari {_number(MAX_CELL_CHARS)} karakter; persingkat isinya.")
    problems.raise_if_any()


def _csv_separator(source, max_rows: int) -> str:
    """The separator of a CSV (comma or semicolon, from the header line), after the checks made
    before any parsing: UTF-8, shape (columns, line length, rows) and control characters.
    ``source`` is the file's bytes or its path."""
    head = _head(source)
    head.decode("utf-8-sig")
    sep = ";" if head.count(b";") > head.count(b",") else ","
    if _check_csv_shape(source, sep, max_rows):
        _refuse_control_bytes(_whole(source), sep)  # find their rows: a file being refused
    return sep


@contextmanager
def _reading(name: str):
    """Whatever reading a file raises becomes an ImportRejected with a sentence in Bahasa."""
    try:
        yield
    except ImportRejected:
        raise
    except UnicodeDecodeError:
        raise ImportRejected([Problem(None, None, "Berkas bukan teks UTF-8; simpan CSV dengan pengodean UTF-8.")])
    except Exception as exc:  # pandas raises many kinds for a broken file
        raise ImportRejected([Problem(None, None, _unreadable_message(name, exc))])


def _named_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Headers lower-cased and stripped; a name given twice is refused."""
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    duplicated = [c for c in frame.columns if list(frame.columns).count(c) > 1]
    if duplicated:
        raise ImportRejected([Problem(1, c, "Nama kolom muncul lebih dari sekali.") for c in sorted(set(duplicated))])
    return frame


def read_table(data, filename: str, as_text: bool = True) -> pd.DataFrame:
    """Read the first table of a CSV (comma or semicolon) or XLSX file (``data``: its bytes or
    its path).

    With ``as_text`` every cell is a stripped string ('' for empty): right for small files whose
    numbers may be written the Indonesian way. Without it pandas infers column types (empty
    cells are NaN), which is what a million respondent rows need to be fast; callers then check
    types themselves. Headers are always lower-cased and stripped.
    """
    name = (filename or "").lower()
    text_opts = {"dtype": str, "keep_default_na": False} if as_text else {}
    max_rows = MAX_ROWS if as_text else MAX_RESPONDENT_ROWS
    with _reading(name):
        if name.endswith((".xlsx", ".xlsm")):
            _check_xlsx_size(data)
            frame = pd.read_excel(_file(data), sheet_name=0, header=0, engine="openpyxl",
                                  nrows=max_rows + 1, **text_opts)
        elif name.endswith(".xls"):
            raise ImportRejected([Problem(None, None, "Format .xls lama tidak didukung; simpan sebagai .xlsx atau .csv.")])
        else:
            frame = pd.read_csv(_file(data), sep=_csv_separator(data, max_rows), skipinitialspace=True,
                                encoding="utf-8-sig", low_memory=False, **text_opts)
    if len(frame) > max_rows:
        _refuse(None, None, f"Berkas memuat lebih dari {_number(max_rows)} baris data; bagi berkas "
                            "menjadi beberapa bagian.")
    if as_text or name.endswith((".xlsx", ".xlsm")):
        _check_cells(frame)  # a CSV's cells are already bounded by its line length
    frame = _named_columns(frame)
    if as_text:
        frame = frame.apply(lambda col: col.astype(str).str.strip())
        _refuse_control_cells(frame)
        # Drop rows that are entirely empty (trailing lines in spreadsheets).
        if len(frame.columns):
            frame = frame[(frame != "").any(axis=1)]
    elif len(frame.columns):
        frame = frame.dropna(how="all")
    return frame


CHUNK_ROWS = 200_000  # rows per chunk of a respondent-level CSV read in parts


def read_table_chunks(data, filename: str, rows: int | None = None):
    """A respondent-level table in typed chunks (``read_table(as_text=False)`` in parts), so
    that parsing holds one chunk of rows at a time; the row index runs on across chunks, so
    ``file_row`` names the file's rows. A workbook (bounded by its size cap) is one chunk.
    ``data`` is the file's bytes or its path: from a path, neither the checks nor the parser
    hold more than a block or a chunk of the file."""
    name = (filename or "").lower()
    if not name.endswith(".csv") and "." in name:
        yield read_table(data, filename, as_text=False)
        return
    with _reading(name):
        sep = _csv_separator(data, MAX_RESPONDENT_ROWS)

        def frames():
            with pd.read_csv(_file(data), sep=sep, skipinitialspace=True, encoding="utf-8-sig",
                             low_memory=False, chunksize=rows or CHUNK_ROWS) as reader:
                for frame in reader:
                    yield _without_empty_rows(_named_columns(frame))

        chunks = 0
        for frame in read_ahead(frames()):
            chunks += 1
            yield frame
        if not chunks:  # a header and nothing else gives no chunk at all
            head = _head(data).decode("utf-8-sig")
            yield pd.DataFrame(columns=[c.strip().lower() for c in head.split(sep)])


def read_ahead(items, depth: int = 1):
    """Iterate ``items`` while a thread produces the next ones: pandas tokenises a chunk of CSV
    without holding the GIL, so the next chunk is read while this one is checked and packed
    (a fifth of a million-row import). At most ``depth`` items wait, so memory stays flat; the
    producer's exceptions are raised here, and it stops when the consumer stops early."""
    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for item in items:
                if not put((True, item)):
                    return
            put((False, None))
        except BaseException as exc:  # handed to the consumer, raised there
            put((False, exc))

    worker = threading.Thread(target=produce, name="read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            more, value = box.get()
            if not more:
                if value is not None:
                    raise value
                return
            yield value
    finally:
        stop.set()
        worker.join()


def _without_empty_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with every cell empty dropped (a spreadsheet's trailing ",,,,"); only rows whose
    first cell is empty are looked at, so a million full rows cost one column's check."""
    if not len(frame.columns):
        return frame
    maybe = frame.index[frame.iloc[:, 0].isna().to_numpy()]
    if not len(maybe):
        return frame
    empty = maybe[frame.loc[maybe].isna().all(axis=1).to_numpy()]
    return frame.drop(index=empty) if len(empty) else frame


def file_row(index: int) -> int:
    """pandas index -> the row number a person sees in the file (header is row 1)."""
    return int(index) + 2
