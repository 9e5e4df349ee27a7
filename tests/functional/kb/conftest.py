"""Factories of the knowledge-base tests: folders, articles, sharing."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.kb import Article, ArticleTag, ArticleVersion, KbFolder
from models.roles import LocalRoleGrant, Role


class KbFactory:
    def __init__(self, dbsession, factory):
        self.db = dbsession
        self.factory = factory
        self.n = 0

    def folder(self, title: str | None = None, parent: KbFolder | None = None, slug: str | None = None,
               restricted: bool = False, block: bool = False) -> KbFolder:
        self.n += 1
        folder = KbFolder(title=title or f"Folder {self.n}", slug=slug or f"folder-{self.n}",
                          parent_id=parent.id if parent else None, restricted=restricted,
                          block_local_roles=block)
        self.db.add(folder)
        self.db.flush()
        return folder

    def article(self, folder: KbFolder, title: str | None = None, body: str = "Some text.",
                state: str = "published", author=None, slug: str | None = None, tags=(),
                summary: str = "", must_read: bool = False, must_read_department=None) -> Article:
        self.n += 1
        article = Article(folder_id=folder.id, title=title or f"Article {self.n}",
                          slug=slug or f"article-{self.n}", body=body,
                          summary=summary, state=state, author_id=author.id if author else None,
                          must_read=must_read,
                          must_read_department_id=must_read_department.id if must_read_department else None)
        article.tag_rows = [ArticleTag(tag=t) for t in tags]
        self.db.add(article)
        self.db.flush()
        self.db.add(ArticleVersion(article_id=article.id, number=1, title=article.title,
                                   summary=summary, body=body, tags=",".join(tags),
                                   author_id=article.author_id))
        self.db.flush()
        return article

    def share(self, folder: KbFolder, role: str, user=None, department=None) -> LocalRoleGrant:
        grant = LocalRoleGrant(container_type="kb_folder", container_id=folder.id,
                               role=self.db.scalar(sa.select(Role).where(Role.name == role)),
                               user=user, department=department)
        self.db.add(grant)
        self.db.flush()
        return grant


@pytest.fixture
def kb(dbsession, factory):
    return KbFactory(dbsession, factory)


def url_of(dbsession, obj) -> str:
    """/kb/<path>/ of a folder or an article (tests build it the way users see it)."""
    parts = []
    folder_id = obj.folder_id if isinstance(obj, Article) else obj.id
    while folder_id is not None:
        folder = dbsession.get(KbFolder, folder_id)
        parts.append(folder.slug)
        folder_id = folder.parent_id
    path = "/kb/" + "".join(f"{p}/" for p in reversed(parts))
    return path + (f"{obj.slug}/" if isinstance(obj, Article) else "")
