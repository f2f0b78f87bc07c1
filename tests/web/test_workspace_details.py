"""Small things the workspace forms owe their users: a choice kept, the right rule named, a long list narrowed."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from registry.errors import FieldError, InvalidInput
from registry.extensions import db
from registry.models import ProductStandard, SupportActivity
from registry.services import products, standards
from registry.web import province_users
from tests.conftest import PASSWORD
from tests.web.staff import field_error, login, post

# ---- a product's "apply a standard" form ------------------------------------------------------


def test_the_standard_chosen_stays_selected_when_applying_it_is_refused(world, client, monkeypatch):
    org = world.organization()
    product = products.create_product(world.admin, {"organization_id": org.id, "name": "Chè Tân Cương"})
    tcvn = standards.create_standard(world.admin, {"kind": "tcvn", "code": "TCVN 3218:2012", "title": "Chè"})
    tccs = standards.create_standard(
        world.admin, {"kind": "tccs", "code": "TCCS 01:2026/HTX", "title": "Chè xanh", "organization_id": org.id}
    )
    login(client, world.user("producer", organization_id=org.id))
    page = f"/workspace/products/{product.id}"

    # No rule today refuses a standard the list offers; one refused all the same (a rule to come, a record
    # changed in between) must come back with the user's choice, not the list reset to "choose".
    def refuse(actor: Any, product_id: int, standard_id: Any) -> None:
        raise InvalidInput([FieldError("standard_id", "unknown_reference", {"value": standard_id})])

    monkeypatch.setattr(products, "apply_standard", refuse)
    res = post(client, page, {"standard_id": str(tccs.id)}, action=f"{page}/standards")
    body = res.get_data(as_text=True)
    assert res.status_code == 422 and field_error(body, "standard_id")
    assert re.search(rf'<option value="{tccs.id}" selected>TCCS 01:2026/HTX', body)
    assert f'<option value="{tcvn.id}">' in body and body.count(" selected>") == 1
    assert 'id="f-standard_id" name="standard_id" required aria-invalid="true"' in body
    monkeypatch.undo()

    # an empty choice still reads "required", with nothing but the placeholder chosen
    res = post(client, page, {"standard_id": ""}, action=f"{page}/standards")
    body = res.get_data(as_text=True)
    assert res.status_code == 422 and "bắt buộc" in field_error(body, "standard_id")
    assert f'<option value="{tccs.id}">' in body and f'<option value="{tcvn.id}">' in body
    assert db.session.query(ProductStandard).count() == 0


# ---- DOST support activities and reported figures ---------------------------------------------

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("lang", "rule", "not_rule"),
    [("vi", "Giá trị phải từ 0 đến 1000000.", "Phải là số nguyên."),
     ("en", "Must be between 0 and 1000000.", "Must be a whole number.")],
)  # fmt: skip
def test_a_huge_attendee_count_is_out_of_range_not_a_broken_whole_number(world, client, lang, rule, not_rule):
    login(client, world.user("dost_officer", province="thai-nguyen"))
    form = {"kind": "training", "organization_id": "", "held_on": "2026-04-01", "agency": "Sở KH&CN"}
    url = f"/dost/activities/new?lang={lang}"
    for count in ("-3", HUGE, "-" + HUGE):
        res = post(client, url, {**form, "attendees": count})
        body = res.get_data(as_text=True)
        assert res.status_code == 422, count
        assert field_error(body, "attendees") == rule, count
        assert not_rule not in body and f'value="{count}"' in body
    res = post(client, url, {**form, "attendees": "12.5"})  # this one is not a whole number
    assert field_error(res.get_data(as_text=True), "attendees") == not_rule
    assert db.session.query(SupportActivity).count() == 0


@pytest.mark.parametrize(("lang", "words"), [("vi", "Giá trị phải từ"), ("en", "Must be between")])
def test_a_huge_reported_figure_year_is_out_of_range_too(world, client, lang, words):
    login(client, world.user("dost_officer", province="thai-nguyen"))
    form = {"year": HUGE, "value": "80", "as_of": "2026-10-31", "evidence": "Báo cáo số 12/BC-SKHCN"}
    res = post(client, f"/dost/figures?lang={lang}", form, action=f"/dost/figures/TN-DISSEM?lang={lang}")
    message = field_error(res.get_data(as_text=True), "TN-DISSEM-year")
    assert res.status_code == 422 and message.startswith(words) and "2100" in message


# ---- DOST province users: finding the organisation of a new producer account ------------------


def _organization_options(body: str) -> list[str]:
    select = re.search(r'<select id="f-organization" name="organization".*?</select>', body, re.S)
    assert select, "no organisation picker"
    return [html.unescape(t) for t in re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select.group(0))]


def test_an_officer_narrows_the_organisation_picker_without_accents_and_is_told_when_it_is_capped(
    world, client, monkeypatch
):
    names = ("Hợp tác xã Chè Tân Cương", "Công ty Mật ong Hoàng Gia", "Hợp tác xã Chè La Bằng")
    orgs = [world.organization(name=name) for name in names]
    world.organization("gia-lai", name="Hợp tác xã Chè Tân Lập")  # another province's: never offered
    login(client, world.user("dost_officer", province="thai-nguyen"))

    everything = client.get("/dost/users").get_data(as_text=True)
    assert [o.split(" (")[0] for o in _organization_options(everything)] == [names[1], names[2], names[0]]
    assert 'name="org_q"' in everything and 'id="org-cap"' not in everything

    narrowed = client.get("/dost/users?org_q=che+tan&q=grower&role=producer").get_data(as_text=True)
    assert _organization_options(narrowed) == [f"{names[0]} ({orgs[0].tax_code})"]
    # the list's own filters and the organisation filter are both kept
    assert 'name="org_q" type="search" value="che tan"' in narrowed
    assert '<input type="hidden" name="q" value="grower">' in narrowed
    assert '<input type="hidden" name="org_q" value="che tan">' in narrowed  # in the new-account form too
    assert _organization_options(client.get(f"/dost/users?org_q={orgs[1].tax_code}").get_data(as_text=True)) == [
        f"{names[1]} ({orgs[1].tax_code})"
    ]
    nothing = client.get("/dost/users?org_q=ca+phe&lang=en").get_data(as_text=True)
    assert _organization_options(nothing) == [] and "No organisation matches “ca phe”." in nothing

    # a refused account keeps the chosen organisation selected under the same filter
    res = post(
        client,
        "/dost/users?org_q=che+tan",
        {"email": "grower@htx.vn", "password": "short", "role": "producer", "organization": str(orgs[0].id),
         "org_q": "che tan"},
    )  # fmt: skip
    body = res.get_data(as_text=True)
    assert res.status_code == 422 and field_error(body, "password")
    assert f'<option value="{orgs[0].id}" selected>' in body and len(_organization_options(body)) == 1

    monkeypatch.setattr(province_users, "ORG_OPTIONS_CAP", 2)
    capped = client.get("/dost/users?lang=vi").get_data(as_text=True)  # the language is remembered
    assert len(_organization_options(capped)) == 2
    assert "Đang hiện 2 tổ chức đầu tiên — gõ tên để thu hẹp." in capped
    assert "Showing the first 2 organisations" in client.get("/dost/users?lang=en").get_data(as_text=True)
    assert 'id="org-cap"' not in client.get("/dost/users?org_q=hop+tac+xa").get_data(as_text=True)
    # the organisation chosen stays offered even when the cap would leave it out
    res = post(client, "/dost/users", {"email": "x@htx.vn", "password": "short", "role": "producer",
                                       "organization": str(orgs[2].id)})  # fmt: skip
    assert f'<option value="{orgs[2].id}" selected>' in res.get_data(as_text=True)


# ---- admin: a new account's scope, worded for the form ----------------------------------------


@pytest.mark.parametrize(
    ("lang", "body_text", "org_text"),
    [
        ("vi", "Chọn tổ chức chứng nhận cho tài khoản này.", "Chọn tổ chức (cơ sở sản xuất) cho tài khoản này."),
        ("en", "Choose the certification body for this account.",
         "Choose the organisation (producer) for this account."),
    ],
)  # fmt: skip
def test_the_admin_form_asks_for_the_scope_a_role_needs_in_its_own_words(world, client, lang, body_text, org_text):
    login(client, world.admin)
    form = {"email": "clerk@cb.vn", "password": PASSWORD, "role": "body_staff"}
    res = post(client, f"/admin/users?lang={lang}", form)
    body = res.get_data(as_text=True)
    assert res.status_code == 422 and field_error(body, "body") == body_text
    assert "--body" not in body
    res = post(client, f"/admin/users?lang={lang}", {"email": "g@htx.vn", "password": PASSWORD, "role": "producer"})
    assert field_error(res.get_data(as_text=True), "organization") == org_text


def test_the_dost_form_asks_for_the_organisation_of_a_producer_in_its_own_words(world, client):
    login(client, world.user("dost_officer", province="thai-nguyen"))
    res = post(client, "/dost/users?lang=en", {"email": "g@htx.vn", "password": PASSWORD, "role": "producer"})
    body = res.get_data(as_text=True)
    assert res.status_code == 422 and "--organization" not in body
    assert field_error(body, "organization") == "Choose the organisation (producer) for this account."


def test_the_command_line_keeps_its_own_wording_for_a_missing_scope(app, runner):
    res = runner.invoke(args=["create-user", "--email", "c@cb.vn", "--password", PASSWORD, "--role", "body_staff"])
    assert res.exit_code == 2
    assert "The role body_staff needs --body ID." in res.output and "Vai trò body_staff cần --body ID." in res.output
