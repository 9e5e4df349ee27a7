"""The article workflow: draft → pending review → published → archived, with retract and reject.

Who sees what (issue 5): a draft — its author and the folder's editors; pending — also the
reviewers; published — everyone who may view the folder (the role matrix as it is); archived —
the editors. Authors edit their drafts; once submitted, only editors change the text (the author
retracts it first). Reviewers publish, reject (saying why) and archive. Authors delete their
drafts; anything else only editors delete.

Bound to models.kb.Article by workflows/__init__.py. The same rules are the knowledge base's
ACLs and, as SQL, its listings and search (portal/kb/security.py).
"""
from pyramid.i18n import TranslationStringFactory

from workflows.engine import State, Transition, Workflow

_ = TranslationStringFactory("portal")


def _author_or_editor(request, article):
    identity = request.identity
    if identity is not None and (identity.user.id == article.author_id or identity.is_admin):
        return None
    if request.has_permission("edit", article):
        return None
    return _("Only the author or an editor can retract this article.")


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
        Transition("publish", ("pending",), "published", "review", _("Publish")),
        Transition("reject", ("pending",), "draft", "review", _("Send back to the author"),
                   needs_comment=True),
        Transition("retract", ("pending", "published"), "draft", "view", _("Retract"),
                   guard=_author_or_editor),
        Transition("archive", ("published",), "archived", "review", _("Archive")),
        Transition("restore", ("archived",), "draft", "edit", _("Return to drafts")),
    ],
)
