"""The article workflow: draft → pending review → published → archived, with retract and reject.

Who sees what (issue 5): a draft — its author and the folder's editors; pending — also the
reviewers; published — everyone who may view the folder (the role matrix as it is); archived —
the editors. Authors edit their drafts; once submitted, only editors change the text (the author
retracts it first). Reviewers publish, reject (saying why) and archive. Authors delete their
drafts; anything else only editors delete.

A folder may say that publishing needs a second person (`KbFolder.publish_needs_other`): there
nobody publishes what they wrote themselves — neither their article nor their change of a
published one; the button is not offered to them, and a direct request is refused with the
reason. A change of a published article that goes through review (the folder's
`edits_reviewed`) waits as a version of its own while readers keep the published text;
reviewers publish it or send it back (`publish_change`, `reject_change`: the state stays
"published"; portal/kb/articles.py applies them).

Bound to models.kb.Article by workflows/__init__.py. The same rules are the knowledge base's
ACLs and, as SQL, its listings and search (portal/kb/security.py).
"""
import sqlalchemy as sa
from pyramid.i18n import TranslationStringFactory

from models.kb import ArticleVersion
from workflows.engine import State, Transition, Workflow

_ = TranslationStringFactory("portal")


def _author_or_editor(request, article):
    identity = request.identity
    if identity is not None and (identity.user.id == article.author_id or identity.is_admin):
        return None
    if request.has_permission("edit", article):
        return None
    return _("Only the author or an editor can retract this article.")


def change_author_id(dbsession, article) -> int | None:
    """Who made the change of the article waiting for review (None: no change waits)."""
    if article.pending_version is None:
        return None
    return dbsession.scalar(sa.select(ArticleVersion.author_id).where(
        ArticleVersion.article_id == article.id, ArticleVersion.number == article.pending_version))


def _needs_other(article) -> bool:
    folder = article.folder
    return folder is not None and folder.publish_needs_other


def _not_own_article(request, article):
    identity = request.identity
    if _needs_other(article) and identity is not None and identity.user.id == article.author_id:
        return _("In this folder an article is published by someone other than its author: "
                 "a reviewer will publish it.")
    return None


def _change_pending(request, article):
    if article.pending_version is None:
        return _("No change of this article is waiting for review.")
    return None


def _change_not_own(request, article):
    why = _change_pending(request, article)
    if why is not None:
        return why
    identity = request.identity
    if _needs_other(article) and identity is not None and identity.user.id == change_author_id(
            request.dbsession, article):
        return _("In this folder a change is published by someone other than the person who "
                 "made it: another reviewer will publish it.")
    return None


ARTICLE = Workflow(
    name="article",
    initial="draft",
    type_permissions=("view", "add", "edit", "review", "delete"),
    states={
        "draft": State(_("Draft"), {"view": ("Owner", "editor"), "edit": ("Owner", "editor"),
                                    "review": (), "delete": ("Owner", "editor")}),
        "pending": State(_("Pending review"), {"view": ("Owner", "editor", "reviewer"),
                                               "edit": ("editor",), "delete": ("editor",)}),
        "published": State(_("Published"), {"edit": ("editor",), "delete": ("editor",)}),
        "archived": State(_("Archived"), {"view": ("editor",), "edit": ("editor",), "review": (),
                                          "delete": ("editor",)}),
    },
    transitions=[
        Transition("submit", ("draft",), "pending", "edit", _("Submit for review")),
        Transition("publish", ("pending",), "published", "review", _("Publish"),
                   guard=_not_own_article),
        Transition("reject", ("pending",), "draft", "review", _("Send back to the author"),
                   needs_comment=True),
        Transition("retract", ("pending", "published"), "draft", "view", _("Retract"),
                   guard=_author_or_editor),
        Transition("archive", ("published",), "archived", "review", _("Archive")),
        Transition("restore", ("archived",), "draft", "edit", _("Return to drafts")),
        Transition("publish_change", ("published",), "published", "review", _("Publish the change"),
                   guard=_change_not_own),
        Transition("reject_change", ("published",), "published", "review",
                   _("Send the change back"), guard=_change_pending, needs_comment=True),
    ],
)
