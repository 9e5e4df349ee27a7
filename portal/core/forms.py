"""The one way a form is read: through a colander schema, the way people expect of a form (every
problem at once, next to its field, and what they typed shown again).

`read_fields(schema, params)` reads a flat form field by field from a request's POST or GET (or
a dict): (values, {field: message}); a field that cannot be read keeps what was typed. Every
area's forms use it (views/forms.py's `read_form` raises the problems as one UserError).

For forms with repeated rows and checks across fields on whatever could be read (the client and
interaction forms), `read(schema, cstruct)` gives (the values that could be read, {field:
message}) over the colander types `Fields` and `Rows`. A form
(`Fields`) reports every field's problem at once and runs its cross-field checks on the fields
that could be read; repeated rows (`Rows`) are keyed by row ("phones-2"), a step's field by
step and field ("steps-0-date"). The small parts the schemas are made of are here too: text
fields with preparers, lengths from the columns, references to rows, dates, choices.
"""
from __future__ import annotations

import colander
import sqlalchemy as sa

from portal.core.i18n import _
from portal.core.parsing import CONTROL_CHARACTERS, parse_date, parse_int

# What a field that could not be read holds in the values handed to a form's checks.
NOT_READ = object()


class _ReadsEverything:
    """Reading a form or its rows: every child's problem at once, then the checks across
    children on what could be read (they skip what is missing or NOT_READ)."""

    def __init__(self, *checks, **kw):
        super().__init__(**kw)
        self.checks = checks

    def _read(self, node, cstruct, impl, position):
        problems: list[tuple[int, colander.Invalid]] = []

        def read(subnode, subcstruct):
            pos = position(subnode)
            try:
                return subnode.deserialize(subcstruct)
            except colander.Invalid as refused:
                problems.append((pos, refused))
                return NOT_READ

        values = self._without_unread(impl(read))
        error = colander.Invalid(node, value=values)
        for pos, refused in problems:
            error.add(refused, pos)
        for check in self.checks:
            try:
                check(node, values)
            except colander.Invalid as more:
                for child in more.children:
                    error.add(child, child.pos)
                if more.msg and not more.children:
                    error.msg = more.msg
        if error.children or error.msg:
            raise error
        return values


class Fields(_ReadsEverything, colander.Mapping):
    """A form's fields; `checks` are fn(node, values) that raise `colander.Invalid(node)` with
    the fields at fault set (``error["kpp"] = message``)."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return colander.null
        return self._read(node, cstruct,
                          lambda read: self._impl(node, cstruct, read, "missing"),
                          node.children.index)

    @staticmethod
    def _without_unread(values: dict) -> dict:
        return {k: v for k, v in values.items() if v is not NOT_READ}


class Rows(_ReadsEverything, colander.Sequence):
    """Repeated rows; `checks` see every row, NOT_READ for those that could not be read."""

    def deserialize(self, node, cstruct, accept_scalar=None):
        if cstruct is colander.null:
            return colander.null
        scalar = self.accept_scalar if accept_scalar is None else accept_scalar
        rows = self._validate(node, cstruct, scalar)
        # The positions colander reads (it passes over dropped rows), for errors by row.
        dropped = getattr(node.children[0], "missing", None) is colander.drop
        positions = iter([i for i, row in enumerate(rows) if not (
            row is colander.drop or (row is colander.null and dropped))])
        return self._read(node, rows,
                          lambda read: self._impl(node, rows, read, "missing", scalar),
                          lambda _row_node: next(positions))

    @staticmethod
    def _without_unread(values: list) -> list:
        return values


def field_errors(invalid: colander.Invalid, parts: int | None = None) -> dict:
    """{field: message} of a form's error: "name", "phones-2" (row 3 of the phones),
    "steps-0-date"; `parts` keeps only the first parts of a key (a row's own fields →
    the row)."""
    errors: dict = {}
    for path in invalid.paths():
        keys = [str(e.pos) if e.positional else e.node.name for e in path]
        keys = [k for k in keys if k][:parts]
        message = next((e.msg for e in reversed(path) if e.msg), None)
        if isinstance(message, list):
            message = message[0] if message else None
        errors.setdefault("-".join(keys), message)
    return errors


def read(schema: colander.SchemaNode, cstruct, parts: int | None = None) -> tuple[dict, dict]:
    """(values, {field: message}) of a posted form: the clean values of the fields that could be
    read, and what is wrong with the others."""
    try:
        return schema.deserialize(cstruct), {}
    except colander.Invalid as invalid:
        values = invalid.value if isinstance(invalid.value, dict) else {}
        return values, field_errors(invalid, parts)


def problem(node: colander.SchemaNode, message) -> None:
    """A validator's way to refuse: colander's Invalid with our (translatable) message."""
    raise colander.Invalid(node, message)


# --- text: control characters out, and never longer than its column -----------------------------
#
# Every text field's preparer removes the control characters (NUL and the rest of C0, DEL, C1;
# a multi-line text keeps its tabs and line ends): nobody types them, PostgreSQL refuses a NUL
# and Excel files cannot hold them. Over-long text is never cut: `text()` gives a field whose
# preparer carries a `limit` the validator `max_length(limit)`, which refuses it with the limit
# in the message.

MULTI_LINE_KEEPS = frozenset("\t\n")


def without_controls(value: str, keep: frozenset = frozenset()) -> str:
    """`value` without its control characters (those in `keep` stay)."""
    if not any(ch in CONTROL_CHARACTERS for ch in value):
        return value
    return "".join(ch for ch in value if ch not in CONTROL_CHARACTERS or ch in keep)


def limited(clean, limit: int | None = None):
    """A preparer: control characters removed, then `clean(text)` (a field's own normalising);
    with `limit`, the field's text() refuses a result longer than that."""
    def prepare(value):
        if value is colander.null:
            return ""
        return clean(without_controls(str(value or "")))
    prepare.limit = limit
    return prepare


def squeezed(limit: int):
    """A preparer: control characters removed, blanks squeezed to single spaces; longer than
    the column's `limit` is refused by text()."""
    return limited(lambda value: " ".join(value.split()), limit)


def lines(limit: int):
    """A preparer for long text: control characters removed (tabs and line ends stay), line
    ends normalised, trimmed; longer than `limit` is refused by text()."""
    def prepare(value):
        if value is colander.null:
            return ""
        value = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
        return without_controls(value, MULTI_LINE_KEEPS).strip()
    prepare.limit = limit
    return prepare


def max_length(limit: int):
    """A validator: at most `limit` characters, else a message that says so (never cut)."""
    def validate(node, value):
        if isinstance(value, str) and len(value) > limit:
            problem(node, _("At most ${limit} characters, please (this is ${length}).",
                            mapping={"limit": limit, "length": len(value)}))
    return validate


def one_of(codes, default: str):
    """A preparer: the value if it is one of `codes`, else `default`."""
    def prepare(value):
        return value if value in codes else default
    return prepare


def text(preparer, **kw) -> colander.SchemaNode:
    """A text field: "" is a value (not "missing"), so that its validator sees it too. A
    preparer with a `limit` (squeezed, lines, limited) refuses longer text."""
    kw.setdefault("missing", "")
    limit = getattr(preparer, "limit", None)
    if limit is not None:
        validator = kw.get("validator")
        kw["validator"] = max_length(limit) if validator is None else colander.All(
            max_length(limit), validator)
    return colander.SchemaNode(colander.String(allow_empty=True), preparer=preparer, **kw)


def length(model, column: str) -> int:
    return model.__table__.c[column].type.length


class DateText(colander.SchemaType):
    """A date as the browser's date input sends it (ISO) or as typed (dd.mm.yyyy); "" → None."""

    def deserialize(self, node, cstruct):
        value = cstruct if isinstance(cstruct, str) else ""
        if not value.strip():
            return None
        date = parse_date(value)
        if date is None:
            raise colander.Invalid(node, _("“${value}” is not a date.", mapping={"value": value}))
        return date


class Reference(colander.SchemaType):
    """The id of a row chosen from a list; "" (or anything not an id) → None, as the form's
    select sends nothing else."""

    def deserialize(self, node, cstruct):
        return parse_int(cstruct) if isinstance(cstruct, str) else None


def exists(model, message, where=None):
    """A validator: the chosen id names a row of `model` (the schema is bound to a dbsession)."""
    def validate(node, value):
        if value is None:
            return
        stmt = sa.select(model.id).where(model.id == value)
        if where is not None:
            stmt = stmt.where(where(node))
        if node.bindings["dbsession"].scalar(stmt) is None:
            problem(node, message)
    return validate


def reference(model, message, **kw) -> colander.SchemaNode:
    return colander.SchemaNode(Reference(), missing=None, validator=exists(model, message), **kw)


def required_text(name: str, message, preparer) -> colander.SchemaNode:
    """A text field that must be filled in: `message` when it is blank or absent."""
    def present(node, value):
        if not value:
            problem(node, message)
    return text(preparer, name=name, missing=colander.required, missing_msg=message,
                validator=present)


class Choice(colander.SchemaType):
    """One of `allowed`; anything else is no choice (the merge's default for the field)."""

    def __init__(self, allowed):
        self.allowed = allowed

    def deserialize(self, node, cstruct):
        return cstruct if cstruct in self.allowed else colander.drop


# --- reading a flat form field by field ----------------------------------------------------------

def read_fields(schema: colander.SchemaNode, params) -> tuple[dict, dict]:
    """Every field of `schema` read from `params` (a request's POST or GET, or a dict):
    (values, {field: message}). A field that cannot be read keeps what was typed in `values`,
    so that the form can show it again; a field left out gets its `missing` value (a field
    whose missing value is `colander.drop` is left out of `values`). The schema's own validator
    (rules across fields) runs when every field could be read."""
    values: dict = {}
    problems: dict = {}
    for node in schema.children:
        typed = _typed(node, params)
        try:
            value = node.deserialize(typed)
        except colander.Invalid as invalid:
            problems[node.name] = _first_message(invalid)
            values[node.name] = _as_typed(node, typed)
            continue
        if value is not colander.drop:
            values[node.name] = value
    if not problems and schema.validator is not None:
        try:
            schema.validator(schema, values)
        except colander.Invalid as invalid:
            problems.update(_messages(invalid))
    return values, problems


def _typed(node: colander.SchemaNode, params):
    if isinstance(node.typ, IdList | colander.Sequence | colander.Set | colander.List):
        if hasattr(params, "getall"):
            return params.getall(node.name)
        return params.get(node.name, [])
    value = params.get(node.name, colander.null)
    # A file or another object where text is expected is not text.
    return value if value is colander.null or isinstance(value, str) else ""


def _as_typed(node: colander.SchemaNode, typed):
    """What to show again of a field that breaks a rule: its value as read and prepared (a
    title with its spaces squeezed), or the text as typed if it cannot even be read ("" for a
    field left out)."""
    if typed is colander.null:
        return ""
    try:
        value = node.typ.deserialize(node, typed)
    except colander.Invalid:
        return typed
    if node.preparer is not None:
        value = node.preparer(value)
    return typed if value is colander.null else value


def _first_message(invalid: colander.Invalid):
    messages = invalid.messages()
    if messages:
        return messages[0]
    for child in invalid.children:
        return _first_message(child)
    return invalid.msg


def _messages(invalid: colander.Invalid) -> dict:
    """{field: message} of an error raised by a schema's validator (its children name the
    fields; an error of the whole form is under "")."""
    out = {child.node.name: _first_message(child) for child in invalid.children}
    if not out:
        out[""] = _first_message(invalid)
    return out


class IdList(colander.SchemaType):
    """Several values of one field (`related=3&related=5`): the numbers among them, each once,
    in the order given; anything else is ignored (a page sends only numbers)."""

    def serialize(self, node, appstruct):
        return colander.null if appstruct is colander.null else [str(i) for i in appstruct]

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return []
        values = [cstruct] if isinstance(cstruct, str) else list(cstruct)
        out: list[int] = []
        for value in values:
            number = parse_int(value) if isinstance(value, str) else None
            if number is not None and number not in out:
                out.append(number)
        return out


# --- the fields of small forms (one button, one picker) ---------------------------------------

def id_field(name: str) -> colander.SchemaNode:
    """The id of a row, posted by a button or a picker: a whole number, else None."""
    return colander.SchemaNode(colander.String(), name=name, missing=None,
                               preparer=lambda v: v if v is colander.null else parse_int(v))


def text_field(name: str, max_length: int = 200) -> colander.SchemaNode:
    """A short text, trimmed ("" when left out); longer than `max_length` is refused."""
    return colander.SchemaNode(colander.String(), name=name, missing="",
                               preparer=lambda v: v.strip() if isinstance(v, str) else v,
                               validator=colander.Length(max=max_length))


def flag_field(name: str) -> colander.SchemaNode:
    """A check box or a "yes" button: "1", "on" or "true" is yes, anything else no."""
    return colander.SchemaNode(colander.String(), name=name, missing=False,
                               preparer=lambda v: v if v is colander.null else v in ("1", "on", "true"))


def schema_of(*fields: colander.SchemaNode) -> colander.SchemaNode:
    """A flat schema of these fields (for the small forms of one button or one picker)."""
    schema = colander.SchemaNode(colander.Mapping())
    for field in fields:
        schema.add(field)
    return schema
