"""What may be typed into the knowledge base: the rules for addresses (slugs), tags, titles and
texts, and the colander schemas that read every knowledge-base form with them.

The rules are the knowledge base's, not a page's: the services (portal/kb/articles.py,
folders.py, delete_move.py) and anything else that writes articles or folders (an import, the
API) check the same ones. Lengths come from the columns. What can be known only against the
database (an address already used, a department that is gone) is the services' to check.

    values, problems = read_fields(ArticleSchema(), request.POST)   # portal/core/forms.py
    # problems: {field: message}, shown next to the field
"""
from __future__ import annotations

import re

import colander
from pyramid.i18n import TranslationStringFactory

from models.kb import Article, ArticleTag, ArticleVersion, KbFolder
from portal.core.forms import MULTI_LINE_KEEPS, IdList, without_controls
from portal.core.parsing import CONTROL_CHARACTERS, parse_int
from portal.kb.markdown import MAX_BODY

_ = TranslationStringFactory("portal")


def _length(column) -> int:
    return column.type.length


TITLE_MAX = _length(KbFolder.__table__.c.title)
ARTICLE_TITLE_MAX = _length(Article.__table__.c.title)
SUMMARY_MAX = _length(Article.__table__.c.summary)
TAG_MAX = _length(ArticleTag.__table__.c.tag)
COMMENT_MAX = _length(ArticleVersion.__table__.c.comment)
SLUG_MAX = _length(KbFolder.__table__.c.slug)
DESCRIPTION_MAX = 2000
FEEDBACK_MAX = 2000
TAGS_MAX = 15
RELATED_MAX = 10


# --- addresses (slugs) ----------------------------------------------------------------------------

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Names the views use after a folder or an article (…/edit, …/sharing): no folder or article
# may take them, or its address would hide the page.
RESERVED = frozenset({
    "add-article", "add-folder", "attachments", "block-inheritance", "confirm", "delete", "detach",
    "diff", "edit", "feedback", "file", "find-related", "move", "must-read", "must-read-export",
    "preview", "readers", "remind",
    "restore", "restrict", "search", "share", "sharing", "transition", "unshare", "upload",
    "version", "versions",
})

TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
})


def slugify(text: str, fallback: str = "article") -> str:
    """An address part from a title: Latin letters, digits and hyphens ("Настройка VPN" →
    "nastroyka-vpn")."""
    slug = (text or "").casefold().translate(TRANSLIT)
    slug = re.sub(r"[^a-z0-9]+", "-", slug).strip("-")
    if len(slug) > SLUG_MAX - 4:
        slug = slug[:SLUG_MAX - 4].rsplit("-", 1)[0] or slug[:SLUG_MAX - 4]
    if not slug or slug in RESERVED:
        slug = f"{fallback}-{slug}" if slug else fallback
    return slug


def slug_problem(slug: str):
    """What is wrong with an address part typed by hand, or None."""
    if not slug:
        return _("Give an address (letters a–z, digits and hyphens).")
    if len(slug) > SLUG_MAX:
        return _("At most ${max} characters, please.", mapping={"max": SLUG_MAX})
    if not SLUG_RE.match(slug):
        return _("Use only small Latin letters, digits and single hyphens, e.g. “vpn-setup”.")
    if slug in RESERVED:
        return _("“${slug}” is reserved for a page of the knowledge base. Choose another address.",
                 mapping={"slug": slug})
    return None


# --- tags -------------------------------------------------------------------------------------

TAG_RE = re.compile(r"^[\w][\w .+#&/-]*$", re.UNICODE)


def parse_tags(text: str) -> tuple[list[str], object | None]:
    """Tags typed as "vpn, удалённая работа" → ["vpn", "удалённая работа"], and the problem with
    them (None if there is none)."""
    tags: list[str] = []
    for raw in re.split(r"[,;\n]", text or ""):
        tag = " ".join(raw.split()).casefold()
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            return tags, _("A tag may have at most ${max} characters: “${tag}”.",
                           mapping={"max": TAG_MAX, "tag": tag[:TAG_MAX] + "…"})
        if not TAG_RE.match(tag):
            return tags, _("A tag is a word or a few words: “${tag}” has other signs.",
                           mapping={"tag": tag})
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        return tags, _("At most ${max} tags, please.", mapping={"max": TAGS_MAX})
    return tags, None


# --- types and preparers -------------------------------------------------------------------------

class WholeNumber(colander.SchemaType):
    """A number (an id chosen in a list); empty is no number (the node's `missing`), anything
    else is refused with `message`."""

    def __init__(self, message) -> None:
        self.message = message

    def serialize(self, node, appstruct):
        return colander.null if appstruct in (colander.null, None) else str(appstruct)

    def deserialize(self, node, cstruct):
        if cstruct is colander.null or not str(cstruct).strip():
            return colander.null
        number = parse_int(cstruct) if isinstance(cstruct, str) else None
        if number is None:
            raise colander.Invalid(node, self.message)
        return number


class TagList(colander.SchemaType):
    """Tags typed in one field, separated by commas (`parse_tags`)."""

    def serialize(self, node, appstruct):
        return colander.null if appstruct is colander.null else ", ".join(appstruct)

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return []
        tags, problem = parse_tags(cstruct)
        if problem is not None:
            raise colander.Invalid(node, problem)
        return tags


def one_line(value):
    """Spaces and line breaks squeezed into single spaces, none at the ends, and no control
    characters (nobody types them; PostgreSQL refuses a NUL)."""
    return " ".join(without_controls(value, SPACES).split()) if isinstance(value, str) else value


# The control characters that are spaces (tab, line ends...): squeezed with the others.
SPACES = frozenset(ch for ch in CONTROL_CHARACTERS if ch.isspace())


def address(value):
    """An address as typed: no spaces around it, small letters, no control characters."""
    return without_controls(value).strip().lower() if isinstance(value, str) else value


def ticked(value) -> bool:
    """A checkbox: ticked when it sends 1, on or true; anything else is not ticked."""
    return value in ("1", "on", "true")


def number_or_none(value):
    """A number chosen in a list, or None for the empty choice (or anything that is no number)."""
    return parse_int(value) if isinstance(value, str) else None


def at_most(limit: int):
    return colander.Length(max=limit, max_err=_("At most ${max} characters, please.",
                                                 mapping={"max": limit}))


def _typed_address(node, slug):
    if slug:
        why = slug_problem(slug)
        if why is not None:
            raise colander.Invalid(node, why)


# --- articles ----------------------------------------------------------------------------------

def _article_title(node, title):
    if not title:
        raise colander.Invalid(node, _("Give the article a title."))
    if len(title) > ARTICLE_TITLE_MAX:
        raise colander.Invalid(node, _("At most ${max} characters, please.",
                                       mapping={"max": ARTICLE_TITLE_MAX}))


def _article_body(node, body):
    if not body.strip():
        raise colander.Invalid(node, _("Write the text of the article."))
    if len(body) > MAX_BODY:
        raise colander.Invalid(node, _(
            "The text is too long: ${n} characters, at most ${max} are allowed. Split it into "
            "several articles.", mapping={"n": f"{len(body):,}".replace(",", " "),
                                          "max": f"{MAX_BODY:,}".replace(",", " ")}))


def _related(node, ids):
    if len(ids) > RELATED_MAX:
        raise colander.Invalid(node, _("At most ${max} related articles, please.",
                                       mapping={"max": RELATED_MAX}))


class ArticleSchema(colander.MappingSchema):
    """The article editor (new and edit). `version` is the version the editor opened (absent
    for a new article): saving over a newer one is refused (portal.kb.articles.check_article)."""

    title = colander.SchemaNode(
        colander.String(), title=_("Title"), preparer=one_line, validator=_article_title,
        missing_msg=_("Give the article a title."))
    summary = colander.SchemaNode(
        colander.String(), title=_("Summary"), missing="", preparer=one_line,
        validator=at_most(SUMMARY_MAX))
    body = colander.SchemaNode(
        colander.String(), title=_("Text"), validator=_article_body,
        preparer=lambda value: without_controls(value.replace("\r\n", "\n"), MULTI_LINE_KEEPS)
        if isinstance(value, str) else value,
        missing_msg=_("Write the text of the article."))
    slug = colander.SchemaNode(
        colander.String(), title=_("Address"), missing="", preparer=address,
        validator=_typed_address)
    tags = colander.SchemaNode(TagList(), title=_("Tags"))
    related = colander.SchemaNode(IdList(), title=_("See also"), validator=_related)
    comment = colander.SchemaNode(
        colander.String(), title=_("What did you change?"), missing="",
        preparer=lambda value: one_line(value)[:COMMENT_MAX] if isinstance(value, str) else value)
    must_read = colander.SchemaNode(colander.String(), title=_("Must read"), missing=False,
                                    preparer=ticked)
    must_read_department_id = colander.SchemaNode(
        colander.String(), title=_("Who must read it"), missing=None, preparer=number_or_none)
    version = colander.SchemaNode(colander.String(), missing=None, preparer=number_or_none)


class FeedbackSchema(colander.MappingSchema):
    """"Was this helpful?": yes or no, and what was missing."""

    helpful = colander.SchemaNode(
        colander.String(), validator=colander.OneOf(("yes", "no"), msg_err=_("Choose “Yes” or “No”.")),
        missing_msg=_("Choose “Yes” or “No”."))
    comment = colander.SchemaNode(
        colander.String(), missing="",
        preparer=lambda value: value.strip()[:FEEDBACK_MAX] if isinstance(value, str) else value)


class RestoreSchema(colander.MappingSchema):
    """Which earlier version to make the newest again."""

    number = colander.SchemaNode(
        colander.String(), preparer=number_or_none,
        validator=lambda node, n: _needs(node, n, _("Choose an earlier version to restore.")),
        missing_msg=_("Choose an earlier version to restore."))


def _needs(node, value, message):
    if value is None:
        raise colander.Invalid(node, message)


class DeleteSchema(colander.MappingSchema):
    """Deleting an article: the box that confirms it."""

    confirm = colander.SchemaNode(
        colander.String(), validator=colander.OneOf(
            ("yes",), msg_err=_("Tick the box to confirm that the article is to be deleted.")),
        missing_msg=_("Tick the box to confirm that the article is to be deleted."))


class ArticleMoveSchema(colander.MappingSchema):
    """Moving an article: the folder, and its address there (empty: the one it has)."""

    target = colander.SchemaNode(colander.String(), missing=None, preparer=number_or_none)
    slug = colander.SchemaNode(colander.String(), missing="", preparer=address)


# --- folders -----------------------------------------------------------------------------------

def _folder_title(node, title):
    if not title:
        raise colander.Invalid(node, _("Give the folder a title."))
    if len(title) > TITLE_MAX:
        raise colander.Invalid(node, _("At most ${max} characters, please.", mapping={"max": TITLE_MAX}))


class FolderSchema(colander.Schema):
    """A folder's title, address (empty: made from the title) and description."""

    title = colander.SchemaNode(
        colander.String(), title=_("Title"), preparer=one_line, validator=_folder_title,
        missing_msg=_("Give the folder a title."))
    slug = colander.SchemaNode(
        colander.String(), title=_("Address"), missing="", preparer=address,
        validator=_typed_address,
        description=_("The last part of the folder's address: small Latin letters, digits and "
                      "hyphens. Leave it empty to make one from the title."))
    description = colander.SchemaNode(
        colander.String(), title=_("Description"), missing="",
        preparer=lambda value: value.strip() if isinstance(value, str) else value,
        validator=at_most(DESCRIPTION_MAX))


class FolderReviewSchema(colander.Schema):
    """A folder's review rules (portal/kb/review.py): on the folder's form after FolderSchema."""

    publish_needs_other = colander.SchemaNode(
        colander.Boolean(), title=_("Publishing needs a second person"), missing=False,
        description=_("Nobody publishes an article or a change they wrote themselves: another "
                      "reviewer of the folder does."))
    edits_reviewed = colander.SchemaNode(
        colander.Boolean(), title=_("Changes of published articles go through review"),
        missing=False,
        description=_("Readers see the published version until a reviewer publishes the change. "
                      "Otherwise a change is published at once and its history says “published "
                      "without review”. Always so where publishing needs a second person."))


class FolderMoveSchema(colander.MappingSchema):
    """Moving a folder: the folder to put it in (empty: the top of the knowledge base)."""

    target = colander.SchemaNode(WholeNumber(_("Choose the folder to move it to.")), missing=None)


# --- Sharing -----------------------------------------------------------------------------------

class ShareSchema(colander.MappingSchema):
    """Sharing a folder: a role, and a person or a department (one of them)."""

    role = colander.SchemaNode(
        colander.String(), preparer=lambda value: value.strip() if isinstance(value, str) else value,
        missing_msg=_("Choose a role to share: Editor, Reviewer or Reader."))
    user_id = colander.SchemaNode(colander.String(), missing=None, preparer=number_or_none)
    department_id = colander.SchemaNode(colander.String(), missing=None, preparer=number_or_none)

    def validator(self, node, values):
        if (values["user_id"] is None) == (values["department_id"] is None):
            raise colander.Invalid(node, _("Choose a person or a department to share with."))


class UnshareSchema(colander.MappingSchema):
    """Withdrawing a role shared on a folder: which grant."""

    grant_id = colander.SchemaNode(
        colander.String(), preparer=number_or_none,
        validator=lambda node, n: _needs(node, n, _("That role is not shared on this folder.")),
        missing_msg=_("That role is not shared on this folder."))


class SwitchSchema(colander.MappingSchema):
    """One switch of a folder's Sharing page (blocking inherited roles, restricting)."""

    block = colander.SchemaNode(colander.String(), missing=False, preparer=ticked)
    restricted = colander.SchemaNode(colander.String(), missing=False, preparer=ticked)


# --- lists -------------------------------------------------------------------------------------

READERS_SHOWN = ("pending", "confirmed", "all")


class ReadersQuerySchema(colander.MappingSchema):
    """The must-read report's filters: whom to show, a name, the page."""

    show = colander.SchemaNode(
        colander.String(), missing="pending",
        preparer=lambda value: value if value in READERS_SHOWN else "pending")
    q = colander.SchemaNode(colander.String(), missing="",
                            preparer=lambda value: value.strip()[:100] if isinstance(value, str) else "")
    page = colander.SchemaNode(colander.String(), missing=None, preparer=number_or_none)

