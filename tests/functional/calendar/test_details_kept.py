"""The clause saying whose event details a viewer reads (portal.calendar.security.details_clause)
is made once per viewer and rights, and never handed to another viewer."""
from __future__ import annotations

from portal.calendar.security import details_clause


def test_a_viewers_details_clause_is_made_once_and_is_theirs_alone(factory, request_for):
    sales = factory.department("Sales")
    anna = factory.user("anna", roles=["employee"], departments=[sales])
    boris = factory.user("boris", roles=["employee"], departments=[sales])
    secretary = factory.user("sec", roles=["secretary"], departments=[sales])

    first = details_clause(request_for(anna))
    assert details_clause(request_for(anna)) is first  # kept: the next page reuses it
    assert details_clause(request_for(anna), per_row=True) is not first
    # Another person (their own invitations) and other edit rights get their own clause.
    for other in (boris, secretary):
        clause = details_clause(request_for(other))
        assert clause is not first
        assert str(other.id) in str(clause.compile(compile_kwargs={"literal_binds": True}))
    assert str(anna.id) in str(first.compile(compile_kwargs={"literal_binds": True}))
