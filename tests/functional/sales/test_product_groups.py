"""The product group tree: paths from the top, moves that rewrite the branch's paths, and the
moves that would make a loop refused; the product list's search and group filter."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.errors import UserError
from models.sales import ProductGroup
from portal.sales.products import (
    ProductFilters,
    ProductInput,
    create_group,
    group_tree,
    move_group,
    product_query,
    rename_group,
    save_product,
)


def paths(db, *groups):
    return [db.scalar(sa.select(ProductGroup.path).where(ProductGroup.id == g.id)) for g in groups]


def test_paths_follow_the_tree_and_moves(dbsession):
    a = create_group(dbsession, None, "Pumps")
    a1 = create_group(dbsession, None, "Small", a.id)
    a11 = create_group(dbsession, None, "Tiny", a1.id)
    b = create_group(dbsession, None, "Valves")
    assert paths(dbsession, a, a1, a11, b) == [
        f"/{a.id}/", f"/{a.id}/{a1.id}/", f"/{a.id}/{a1.id}/{a11.id}/", f"/{b.id}/"]
    move_group(dbsession, None, a1, b.id)
    assert paths(dbsession, a, a1, a11) == [
        f"/{a.id}/", f"/{b.id}/{a1.id}/", f"/{b.id}/{a1.id}/{a11.id}/"]
    assert a1.parent_id == b.id and a1.path == f"/{b.id}/{a1.id}/"
    move_group(dbsession, None, a1, None)
    assert paths(dbsession, a1, a11) == [f"/{a1.id}/", f"/{a1.id}/{a11.id}/"]
    order = [(g.name, depth) for g, depth in group_tree(dbsession)
             if g.id in {a.id, a1.id, a11.id, b.id}]
    assert order == [("Pumps", 0), ("Small", 0), ("Tiny", 1), ("Valves", 0)]


def test_a_group_never_goes_under_itself_or_its_descendant(dbsession):
    a = create_group(dbsession, None, "Pumps")
    a1 = create_group(dbsession, None, "Small", a.id)
    a11 = create_group(dbsession, None, "Tiny", a1.id)
    for target in (a, a1, a11):
        with pytest.raises(UserError):
            move_group(dbsession, None, a, target.id)
    with pytest.raises(UserError):
        move_group(dbsession, None, a, 10**9)
    assert paths(dbsession, a, a1, a11) == [
        f"/{a.id}/", f"/{a.id}/{a1.id}/", f"/{a.id}/{a1.id}/{a11.id}/"]


def test_names_are_unique_among_siblings(dbsession):
    a = create_group(dbsession, None, "Pumps unique")
    create_group(dbsession, None, "Small", a.id)
    other = create_group(dbsession, None, "Small", None)
    with pytest.raises(UserError):
        create_group(dbsession, None, "small", a.id)
    with pytest.raises(UserError):
        move_group(dbsession, None, other, a.id)
    with pytest.raises(UserError):
        rename_group(dbsession, None, a, "   ")
    rename_group(dbsession, None, a, "  Pumps   and more ")
    assert a.name == "Pumps and more"


def test_search_and_group_filter_include_subgroups(dbsession):
    a = create_group(dbsession, None, "Pumps f")
    a1 = create_group(dbsession, None, "Small", a.id)
    b = create_group(dbsession, None, "Valves f")
    save_product(dbsession, None, ProductInput(code="PX-1", name="Deep pump", group_id=a1.id))
    save_product(dbsession, None, ProductInput(code="VX-1", name="Ball valve", group_id=b.id))

    def found(**kw):
        return [p.code for p in dbsession.scalars(product_query(dbsession, ProductFilters(**kw)))
                if p.code in ("PX-1", "VX-1")]

    assert found(group_id=a.id) == ["PX-1"]
    assert found(group_id=b.id) == ["VX-1"]
    assert found(q="ball") == ["VX-1"]
    assert found(q="px-") == ["PX-1"]
    assert found(q="%") == []
    assert found(group_id=10**9) == []
