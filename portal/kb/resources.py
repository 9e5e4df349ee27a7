"""/kb: the knowledge base's section of the tree; folders and articles below it."""
from __future__ import annotations

from models.kb import KbFolder
from portal.kb.security import kb_root_acl
from portal.resources import Container


class Kb(Container):
    """/kb/<folder>/<sub-folder>/…/<article>: top-level folders by their address."""

    def __acl__(self):
        return kb_root_acl(self.request)

    def load(self, key: str):
        folder_id = self.request.kb_tree.child_id(None, key)
        return self.request.dbsession.get(KbFolder, folder_id) if folder_id is not None else None
