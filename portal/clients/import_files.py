"""Reading an uploaded CSV or XLSX file into a table of text cells, for the client import.

What a person uploads is refused with a clear message (`ImportFileError`) when it is empty,
too big, not a CSV/XLSX file (an old .xls, a PDF, a picture), has too many rows, or is in an
encoding we cannot read. Otherwise:

* CSV: the encoding is detected (UTF-8 with or without a byte-order mark, UTF-16 with one,
  else Windows-1251, as Russian Excel saves "CSV (разделители — запятые)"), and so is the
  separator (";" in Russian Excel, "," elsewhere, or a tab);
* XLSX: the first sheet, read-only; a formula gives the value Excel saved with it and is never
  evaluated; a formula saved without a value is marked (`FORMULA`) so the row can say so;
  numbers that lost their leading zero (an INN typed as a number) are given back to the field
  that needs them by the importer.

Our own exports put an apostrophe before text that starts with = + - @ (so spreadsheets do not
run it); reading strips it again, so an exported file imports back as it was.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass, field, fields
from decimal import Decimal

from models.errors import UserError
from portal.core.i18n import _

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 100
# A cell whose formula was saved without a computed value (the file was made by a program that
# does not calculate): the importer reports it instead of guessing.
FORMULA = "\x00formula"
NEUTRALISED = ("'=", "'+", "'-", "'@")


class ImportFileError(UserError):
    """The uploaded file cannot be imported; `message` says why and what to do (translatable)."""

    def __init__(self, message):
        super().__init__(message, "file")


@dataclass
class Table:
    """The file as text: header cells, data rows (each as long as the header), and how it was read."""

    kind: str  # "csv" | "xlsx"
    headers: list[str]
    rows: list[list[str]]
    # File line (CSV) or sheet row (XLSX) of each data row, for messages ("row 17").
    lines: list[int]
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    formula_cells: int = 0
    # Cells read from numbers (XLSX): (row index, column index) → the number as text.
    numeric: set[tuple[int, int]] = field(default_factory=set)

    @property
    def delimiter_name(self):
        return {";": _("semicolon"), ",": _("comma"), "\t": _("tab")}.get(self.delimiter, "")

    def dumps(self) -> bytes:
        """The table as JSON: what the import keeps between its steps (read once, at upload)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["numeric"] = sorted(self.numeric)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def loads(cls, raw: bytes) -> Table:
        data = json.loads(raw)
        data["numeric"] = {tuple(pair) for pair in data["numeric"]}
        return cls(**data)


def read_table(data: bytes, filename: str, *, max_rows: int = MAX_ROWS,
               max_bytes: int = MAX_BYTES) -> Table:
    """The table in an uploaded file, or ImportFileError with the reason."""
    name = (filename or "").lower()
    if not data:
        raise ImportFileError(_("The file is empty: choose a CSV or XLSX file with a header row "
                                "and at least one client."))
    if len(data) > max_bytes:
        raise ImportFileError(_("The file is ${size} MB; an import takes files of up to ${max} MB. "
                                "Split it into several files.",
                                mapping={"size": _mb(len(data)), "max": _mb(max_bytes)}))
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise ImportFileError(_("This is an old Excel workbook (.xls). Open it in Excel and save it "
                                "as “Excel Workbook (.xlsx)” or as CSV, then upload that file."))
    if data.startswith(b"PK\x03\x04"):
        if name.endswith((".csv", ".txt")):
            raise ImportFileError(_("The file is named .csv but holds a packed document. Upload "
                                    "a CSV or XLSX file."))
        table = _read_xlsx(data, max_rows)
    elif name.endswith((".xlsx", ".xlsm")):
        raise ImportFileError(_("The file is named .xlsx but is not an Excel workbook. Save it "
                                "again from Excel as “Excel Workbook (.xlsx)”."))
    elif name.endswith((".csv", ".txt", ".tsv")):
        table = _read_csv(data, max_rows)
    else:
        raise ImportFileError(_("Only CSV and XLSX files can be imported: save the list from your "
                                "spreadsheet as CSV or as an Excel workbook (.xlsx)."))
    if not any(h.strip() for h in table.headers):
        raise ImportFileError(_("The file is empty: choose a CSV or XLSX file with a header row "
                                "and at least one client."))
    if not table.rows:
        raise ImportFileError(_("The file has a header row but no clients below it."))
    return table


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def too_many_rows(count: int, max_rows: int) -> ImportFileError:
    return ImportFileError(_(
        "The file has ${count} rows; one import takes at most ${max} rows. Split it into several "
        "files and import them one after another.",
        mapping={"count": f"{count:,}".replace(",", "\u00a0"),
                 "max": f"{max_rows:,}".replace(",", "\u00a0")}))


def unneutralise(text: str) -> str:
    """Text as it was before an export protected it from spreadsheets ("'=SUM" → "=SUM")."""
    return text[1:] if text.startswith(NEUTRALISED) else text


# --- CSV -----------------------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding), "UTF-8" if encoding == "utf-8-sig" else "UTF-16"
            except UnicodeDecodeError:
                break
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("This does not look like a CSV file (it holds binary data). Save "
                                "the list from your spreadsheet as CSV or XLSX."))
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file's encoding could not be recognised. Save it as “CSV UTF-8” "
                                "from Excel (or as CSV in Windows-1251), then upload it again.")) from None
    if not _plausible(text):
        raise ImportFileError(_("The file's encoding could not be recognised. Save it as “CSV UTF-8” "
                                "from Excel (or as CSV in Windows-1251), then upload it again."))
    return text, "Windows-1251"


# Characters of bytes 0x80–0xBF in Windows-1251 that Russian text hardly ever uses; UTF-8 or
# KOI8-R read as Windows-1251 is full of them.
_RARE_CP1251 = set(bytes(range(0x80, 0xC0)).decode("cp1251", errors="ignore")) - set(
    "«»№–—“”„‘’…\u00a0Ёё•°±·§©®™")


def _plausible(text: str) -> bool:
    """Whether text decoded as Windows-1251 reads like words (not a binary or another encoding)."""
    sample = text[:20000]
    if not sample:
        return True
    odd = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\r\n\t") or ch in _RARE_CP1251)
    return odd / len(sample) < 0.03


def sniff_delimiter(text: str) -> str:
    """";", "," or tab: the one that splits the first lines into the same, largest number of cells."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if not lines:
        return ";"
    best, best_score = ";", (-1, -1)
    for delimiter in (";", ",", "\t"):
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            score = (0, 0)
        else:
            score = (sum(1 for c in counts if c == counts[0]), counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes, max_rows: int) -> Table:
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    count = 0
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if headers is None:
                headers = [cell.strip() for cell in record[:MAX_COLUMNS]]
                continue
            count += 1
            if count > max_rows:
                continue  # keep counting, to say how many there are
            cells = [FORMULA if c.strip().startswith("=") and len(c.strip()) > 1
                     else unneutralise(c.strip()) for c in record[:len(headers)]]
            cells += [""] * (len(headers) - len(cells))
            rows.append(cells)
            lines.append(reader.line_num)
    except csv.Error:
        raise ImportFileError(_("The CSV file is broken near line ${line}: check its quotes.",
                                mapping={"line": reader.line_num})) from None
    if count > max_rows:
        raise too_many_rows(count, max_rows)
    table = Table("csv", headers or [], rows, lines, encoding=encoding, delimiter=delimiter)
    table.formula_cells = sum(row.count(FORMULA) for row in rows)
    return table


# --- XLSX ----------------------------------------------------------------------------------------

def _read_xlsx(data: bytes, max_rows: int) -> Table:
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise ImportFileError(_("The file is named .xlsx but is not an Excel workbook. Save it "
                                "again from Excel as “Excel Workbook (.xlsx)”.")) from None
    if "xl/workbook.xml" not in names:
        raise ImportFileError(_("This is not an Excel workbook (perhaps a Word or OpenDocument "
                                "file). Save the list as .xlsx or CSV."))
    try:
        # data_only: the values Excel saved with the formulas; nothing is ever calculated here.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise ImportFileError(_("The workbook could not be read: it may be damaged or protected "
                                "by a password. Open it in Excel, save it again and retry.")) from None
    try:
        sheet = book.worksheets[0]
        formulas = _formula_cells(archive, data, sheet.title)
        headers: list[str] | None = None
        rows: list[list[str]] = []
        lines: list[int] = []
        numeric: set[tuple[int, int]] = set()
        count = 0
        for number, record in enumerate(sheet.iter_rows(values_only=True), start=1):
            if not any(v is not None and str(v).strip() for v in record):
                continue
            if headers is None:
                headers = [_cell_text(v) for v in record[:MAX_COLUMNS]]
                while headers and not headers[-1]:
                    headers.pop()
                continue
            count += 1
            if count > max_rows:
                continue
            cells = []
            for col in range(len(headers)):
                value = record[col] if col < len(record) else None
                if value is None and (number, col + 1) in formulas:
                    cells.append(FORMULA)
                    continue
                if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
                    numeric.add((len(rows), col))
                cells.append(unneutralise(_cell_text(value)))
            rows.append(cells)
            lines.append(number)
    finally:
        book.close()
    if count > max_rows:
        raise too_many_rows(count, max_rows)
    table = Table("xlsx", headers or [], rows, lines, sheet=sheet.title, numeric=numeric)
    table.formula_cells = sum(row.count(FORMULA) for row in rows)
    return table


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return " ".join(str(value).split()) if "\n" not in str(value) else str(value).strip()


def _formula_cells(archive: zipfile.ZipFile, data: bytes, title: str) -> set[tuple[int, int]]:
    """(row, column) of the sheet's formula cells (a second pass, only when there are formulas;
    the caller keeps those whose saved value is missing)."""
    from openpyxl import load_workbook

    sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    if not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in sheets):
        return set()
    raw = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        out = set()
        for row in raw[title].iter_rows():
            for cell in row:
                if getattr(cell, "data_type", None) == "f":
                    out.add((cell.row, cell.column))
        return out
    finally:
        raw.close()
