"""The account workflow of a person: active ↔ deactivated (admins only). Bound to
models.people.User by workflows/__init__.py."""
from pyramid.i18n import TranslationStringFactory

from workflows.engine import State, Transition, Workflow

_ = TranslationStringFactory("portal")


def _not_yourself(request, user):
    if request.identity and request.identity.user.id == user.id:
        return _("You cannot deactivate your own account.")
    return None


ACCOUNT = Workflow(
    name="account",
    initial="active",
    type_permissions=("view", "manage"),
    states={
        "active": State(_("Active")),
        "deactivated": State(_("Deactivated")),
    },
    transitions=[
        Transition("deactivate", ("active",), "deactivated", "manage", _("Deactivate"),
                   guard=_not_yourself),
        Transition("reactivate", ("deactivated",), "active", "manage", _("Reactivate")),
    ],
)
