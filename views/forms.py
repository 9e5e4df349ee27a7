"""Form plumbing over colander/deform: CSRF in every schema, translated widgets, Bootstrap 5,
and `read_form` for pages that keep their own templates but read their input through a schema
(portal/core/forms.py reads it)."""
from __future__ import annotations

import colander
import deform
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPFound
from pyramid.threadlocal import get_current_request

from models.errors import UserError
from portal.core.forms import read_fields
from portal.core.i18n import _, translate_deep


def _deform_translator(term):
    request = get_current_request()
    return translate_deep(request.localizer, term) if request is not None else term


# What deform says, untranslated, of a value its widget cannot even read ("Invalid pstruct: ...":
# a date typed as text, a field posted twice).
UNREADABLE = _("This value cannot be read: enter it again.")


def readable(field: deform.Field) -> None:
    """The errors shown on `field` and its children with deform's untranslatable "Invalid
    pstruct" messages replaced by ours (a widget's error is kept on its field, not always in
    the failure's error)."""
    error = field.error
    if error is not None and isinstance(error.msg, str) and not hasattr(error.msg, "domain") \
            and error.msg.startswith("Invalid pstruct"):
        error.msg = UNREADABLE
    for child in field.children:
        readable(child)


class CSRFSchema(colander.Schema):
    """Base of every form schema: carries the request's CSRF token (checked by Pyramid)."""

    csrf_token = colander.SchemaNode(
        colander.String(), widget=deform.widget.HiddenWidget(), missing=colander.drop,
    )

    def after_bind(self, node, kw):
        node["csrf_token"].default = get_csrf_token(kw["request"])


class FormProblems(UserError):
    """What is wrong with a posted form: {field name: message}, each shown next to its field.
    A page that does not catch it answers 400 with the first message (views/errors.py)."""

    def __init__(self, errors: dict[str, object]):
        first = next(iter(errors.values()), None)
        super().__init__(first if first is not None else _("Please correct the errors below."),
                         next(iter(errors), None))
        self.errors = errors


def read_form(schema: colander.SchemaNode, post) -> dict:
    """The posted values read and checked by `schema` (portal/core/forms.py's `read_fields`):
    its values, or FormProblems with a message per field."""
    values, problems = read_fields(schema, post)
    if problems:
        raise FormProblems(problems)
    return values


class FormView:
    """A small add/edit view over deform (Kotti's shape).

    Subclasses set `schema_factory` and implement `appstruct()` (the values to show),
    `save(appstruct)` (apply, return the URL to go to) and optionally `title`.
    """

    schema_factory: type[colander.Schema]
    buttons: tuple = (deform.Button("save", _("Save"), css_class="btn-primary"),)
    template = "forms/form.jinja2"
    title = ""
    cancel_url: str | None = None

    def __init__(self, context, request):
        self.context = context
        self.request = request

    def schema(self):
        return self.schema_factory().bind(request=self.request, context=self.context)

    def form(self) -> deform.Form:
        self._form = deform.Form(self.schema(), buttons=self.buttons, formid="form")
        return self._form

    def invalid(self, problems: dict) -> colander.Invalid:
        """An error for `save()` to raise: each {field: message} shown next to its field."""
        schema = self._form.schema
        error = colander.Invalid(schema, _("Please correct the errors below."))
        for name, message in problems.items():
            node = schema.get(name)
            if node is not None:
                error.add(colander.Invalid(node, message), schema.children.index(node))
        return error

    def appstruct(self) -> dict:
        return {}

    def save(self, appstruct: dict) -> str:
        raise NotImplementedError

    def render(self, form, **extra):
        if extra.get("failed"):
            self.request.response.status_int = 400
        return {"form": form, "view": self, "title": self.title, **extra}

    def __call__(self):
        form = self.form()
        if self.request.method == "POST":
            controls = list(self.request.POST.items())
            try:
                appstruct = form.validate(controls)
            except deform.ValidationFailure as failure:
                readable(failure.field)
                return self.render(failure.render(), failed=True)
            try:
                url = self.save(appstruct)
            except colander.Invalid as invalid:
                # Errors found only against the database (duplicates, cycles...). The 400
                # status makes pyramid_tm's commit veto roll back anything already changed.
                form.widget.handle_error(form, invalid)
                failure = deform.ValidationFailure(form, form.cstruct, invalid)
                return self.render(failure.render(), failed=True)
            return HTTPFound(url)
        return self.render(form.render(self.appstruct()))


def includeme(config) -> None:
    search_path = deform.Form.default_renderer.loader.search_path
    deform.Form.set_zpt_renderer(search_path, translator=_deform_translator)
