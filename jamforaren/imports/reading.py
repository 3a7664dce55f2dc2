"""Reading a table from what Swedish spreadsheets export: CSV in any of the usual encodings and
separators, or an Excel workbook (XLSX).

A table is its header (row 1) and its data rows with their row numbers as the spreadsheet shows them;
rows where every cell is blank are left out (Excel keeps trailing blank rows).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

XLSX_MAGIC = b"PK\x03\x04"
SEPARATORS = ";,\t"


class UnreadableFile(ValueError):
    """The file is not a table we can read; the message says why, for the user."""


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (row number, cells)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")  # a BOM: UTF-8 for sure, errors are real errors
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict")  # what Swedish Excel saves as "CSV (semikolonavgränsad)"


def _separator(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ";"


def _blank(cells: list[Any]) -> bool:
    try:
        return not "".join(cells).strip()  # a CSV row: all strings
    except TypeError:
        pass
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def read_csv(data: bytes) -> Table:
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        raise UnreadableFile(_l("The file is neither UTF-8 nor Windows-1252 text.")) from None
    if "\x00" in text:
        raise UnreadableFile(_l("The file contains binary data; save it as CSV or XLSX."))
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(first_line))
    try:
        rows = list(reader)
    except csv.Error as error:
        raise UnreadableFile(_l("The CSV file cannot be read: %(reason)s", reason=str(error))) from None
    return _table(enumerate(rows, start=1))


# What a damaged or hostile workbook makes openpyxl raise, while opening it or reading its cells: a broken zip,
# a missing part, XML that does not parse (SyntaxError: ElementTree's ParseError, also for entity bombs), a
# cell whose value does not fit its type.
BROKEN_WORKBOOK = (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, IndexError, OSError, EOFError, ValueError,
                   TypeError, AttributeError, SyntaxError)
# A sheet's cells are read up to its last one in each row: a small file could name a cell far away and make
# millions of empty ones. No import needs more than this many cells (the CSV limit is its size in bytes).
MAX_XLSX_CELLS = 2_000_000


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except BROKEN_WORKBOOK:
        raise UnreadableFile(_l("The Excel file cannot be opened; save it again as XLSX.")) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the size the file states may be false: read only the cells it has
        return _table(enumerate(_xlsx_rows(sheet), start=1))
    except UnreadableFile:
        raise
    except BROKEN_WORKBOOK:
        raise UnreadableFile(_l("The Excel file cannot be opened; save it again as XLSX.")) from None
    finally:
        workbook.close()


def _xlsx_rows(sheet: Any) -> Iterator[list[Any]]:
    budget = MAX_XLSX_CELLS
    for row in sheet.iter_rows():
        budget -= max(len(row), 1)
        if budget < 0:
            raise UnreadableFile(_l("The Excel file has too many cells; import it in parts, or as CSV."))
        cells = []
        for cell in row:
            value = getattr(cell, "value", None)
            if isinstance(value, float | int) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
                value = Decimal(str(value)) * 100  # a cell formatted as 93 % holds 0.93
            cells.append(value)
        yield cells


def _table(numbered_rows: Iterator[tuple[int, list[Any]]]) -> Table:
    header: list[str] | None = None
    table = Table(header=[])
    for number, cells in numbered_rows:
        if header is None:
            if _blank(cells):
                raise UnreadableFile(_l("Row 1 must hold the column names."))
            header = ["" if cell is None else str(cell).strip() for cell in cells]
            table.header = header
            continue
        if not _blank(cells):
            table.rows.append((number, cells))
    if header is None:
        raise UnreadableFile(_l("The file is empty."))
    return table


def read_table(data: bytes, filename: str = "") -> Table:
    """Read CSV or XLSX, told apart by content (a renamed file still works)."""
    if not data.strip():
        raise UnreadableFile(_l("The file is empty."))
    if data.startswith(XLSX_MAGIC):
        return read_xlsx(data)
    if filename.lower().endswith((".xls",)) and data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(_l("Old Excel files (.xls) cannot be read; save the file as XLSX or CSV."))
    return read_csv(data)
