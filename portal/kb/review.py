"""Review rules of the knowledge base: who will review an article, whether a change of a
published article waits for review, and the article's history in words.

A folder says two things about review (its settings form, views/kb/folders.py):

* `publish_needs_other` — publishing needs a second person: nobody publishes what they wrote
  (the workflow's guards, workflows/article.py).
* `edits_reviewed` — a change of a published article waits for review as a version of its own
  (`Article.pending_version`) while readers keep the published text; otherwise the change is
  published at once and its history says "published without review". Where publishing needs
  a second person, changes always wait for review: otherwise an editor could publish anything
  of their own by editing a published article.

Besides the workflow's steps, an article's history (the `workflow_history` rows of the article)
records a change proposed for review, a change published without review, and must-read turned
on or off (`note`); `history_items` tells all of them in words.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from models.kb import Article, KbFolder
from models.people import User
from models.workflow import WorkflowHistory
from portal.core.i18n import _
from portal.kb.security import folder_holders
from workflows.article import ARTICLE
from workflows.engine import history

# How a version went live (ArticleVersion.review).
IN_REVIEW, REJECTED, REPLACED, UNREVIEWED = "in_review", "rejected", "replaced", "unreviewed"
# Versions that never were the published text: shown only to those who edit or review.
UNPUBLISHED = (IN_REVIEW, REJECTED, REPLACED)

# Entries of an article's history that are not workflow steps (WorkflowHistory.transition).
PROPOSED = "propose_change"
PUBLISHED_UNREVIEWED = "publish_unreviewed"
MUST_READ_ON, MUST_READ_OFF = "must_read_on", "must_read_off"

# Reviewers named on a page; more are counted.
NAMED_REVIEWERS = 8

EVENTS = {
    PROPOSED: _("Proposed a change for review"),
    PUBLISHED_UNREVIEWED: _("Published a change without review"),
    "publish_change": _("Published a change after review"),
    "reject_change": _("Sent a change back"),
    MUST_READ_OFF: _("Turned must-read off"),
}


def edits_reviewed(folder: KbFolder) -> bool:
    """Whether a change of a published article in `folder` waits for review."""
    return bool(folder.edits_reviewed or folder.publish_needs_other)


def reviewer_ids(request, folder: KbFolder, author_id: int | None) -> set[int]:
    """Who may publish in `folder`; where publishing needs a second person, not `author_id`
    (the author of the article, or of the change waiting for review)."""
    ids = folder_holders(request, folder.id, "article", "review")
    if folder.publish_needs_other and author_id is not None:
        ids.discard(author_id)
    return ids


@dataclass
class Reviewers:
    """The people who will review, for a page: the first names and how many more."""

    names: list[str]
    more: int

    @property
    def nobody(self) -> bool:
        return not self.names

    def text(self) -> str:
        return ", ".join(self.names)


def reviewers(request, folder: KbFolder, author_id: int | None) -> Reviewers:
    """The names of the people who may publish in `folder` (not the author where publishing
    needs a second person), alphabetically."""
    ids = reviewer_ids(request, folder, author_id)
    if not ids:
        return Reviewers([], 0)
    names = sorted(request.dbsession.scalars(sa.select(User.full_name).where(User.id.in_(ids))),
                   key=str.casefold)
    return Reviewers(names[:NAMED_REVIEWERS], max(0, len(names) - NAMED_REVIEWERS))


def note(request, article: Article, what: str, comment: str = "") -> WorkflowHistory:
    """Write an entry of the article's history that is not a workflow step."""
    identity = request.identity
    entry = WorkflowHistory(object_type=article.security_type, object_id=article.id, transition=what,
                            from_state=article.state, to_state=article.state,
                            comment=(comment or "").strip()[:2000],
                            actor_id=identity.user.id if identity else None)
    request.dbsession.add(entry)
    return entry


@dataclass
class HistoryItem:
    entry: WorkflowHistory
    # What happened, in words (a translation string); None: a change of state, told by the
    # titles of the states.
    text: object
    # The comment to show (a person's words; not the notes the portal keeps itself).
    comment: str


def history_items(request, article: Article) -> list[HistoryItem]:
    """The article's history, newest first: workflow steps, changes proposed, published
    without review, must-read turned on or off."""
    items = []
    for entry in history(request.dbsession, article):
        comment = entry.comment
        if entry.transition == MUST_READ_ON:
            text = _("Turned must-read on for ${who}", mapping={
                "who": comment or request.translate(_("everyone"))})
            comment = ""
        elif entry.transition in EVENTS:
            text = EVENTS[entry.transition]
        else:
            text = None
        items.append(HistoryItem(entry, text, comment))
    return items


def state_title(state: str):
    found = ARTICLE.states.get(state)
    return found.title if found else state
