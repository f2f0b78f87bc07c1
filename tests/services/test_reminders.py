"""Expiry reminders: the 7/30/90-day buckets, the outbox that queues each reminder once, and SMTP sending."""

from __future__ import annotations

import socket
from datetime import date, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from registry.extensions import db
from registry.models import OutboxMessage
from registry.services import certificates, products, reminders
from tests.helpers import valid_gtin13

TODAY = date(2027, 1, 10)


def _cert(world, org, body, number, expires_on, **extra):
    data = {
        "number": number,
        "certification_body_id": body.id,
        "organization_id": org.id,
        "category": "product_standard",
        "issued_on": date(2025, 1, 1),
        "expires_on": expires_on,
    }
    return certificates.create_certificate(extra.pop("actor", world.admin), {**data, **extra})


def _ocop(world, org, name, decision_on, item, **extra):
    return products.create_product(
        world.admin,
        {
            "organization_id": org.id,
            "name": name,
            "gtin": valid_gtin13(item),
            "ocop_stars": 4,
            "ocop_decision_number": f"QĐ {item}/UBND",
            "ocop_decision_date": decision_on,
            **extra,
        },
    )


@pytest.fixture
def landscape(world):
    """Certificates and OCOP ratings on both sides of every boundary, as of TODAY."""
    org = world.organization(province="thai-nguyen", name="Hợp tác xã Chè Tân Cương")
    other = world.organization(province="gia-lai", name="Công ty Cà phê Pleiku")
    body = world.body()
    for days in (0, 7, 8, 30, 31, 90, 91, -1):
        _cert(world, org, body, f"CN-{days:+d}", TODAY + timedelta(days=days))
    _cert(world, org, body, "CN-no-expiry", None)
    suspended = _cert(world, org, body, "CN-suspended", TODAY + timedelta(days=5))
    certificates.transition_certificate(world.admin, suspended.id, "suspend", "Vi phạm điều kiện chứng nhận")
    producer = world.user("producer", organization_id=org.id)
    _cert(world, org, body, "CN-declared", TODAY + timedelta(days=5), actor=producer)
    _cert(world, other, body, "GL-30", TODAY + timedelta(days=30))
    # An OCOP rating lapses 36 months after its decision: valid until the day before that date.
    _ocop(world, org, "Chè móc câu (hết hạn hôm nay)", date(2024, 1, 10), 1)
    _ocop(world, org, "Chè búp (1 ngày)", date(2024, 1, 11), 2)
    _ocop(world, org, "Chè nõn tôm (7 ngày)", date(2024, 1, 17), 3)
    _ocop(world, org, "Chè đinh (8 ngày)", date(2024, 1, 18), 4)
    _ocop(world, org, "Trà hoa vàng (90 ngày)", date(2024, 4, 10), 5)
    _ocop(world, org, "Trà túi lọc (91 ngày)", date(2024, 4, 11), 6)
    withdrawn = _ocop(world, org, "Chè cũ (đã rút)", date(2024, 1, 15), 7)
    products.withdraw_product(world.admin, withdrawn.id, "Ngừng sản xuất")
    return {"org": org, "other": other, "body": body, "producer": producer}


def test_items_fall_into_the_7_30_and_90_day_buckets_at_their_boundaries(landscape):
    due = {(r.kind, r.label): (r.threshold, r.days_left) for r in reminders.due_reminders(TODAY)}
    assert due == {
        ("certificate", "CN-+0"): (7, 0),
        ("certificate", "CN-+7"): (7, 7),
        ("certificate", "CN-+8"): (30, 8),
        ("certificate", "CN-+30"): (30, 30),
        ("certificate", "CN-+31"): (90, 31),
        ("certificate", "CN-+90"): (90, 90),
        ("certificate", "GL-30"): (30, 30),
        ("ocop", "Chè búp (1 ngày)"): (7, 1),
        ("ocop", "Chè nõn tôm (7 ngày)"): (7, 7),
        ("ocop", "Chè đinh (8 ngày)"): (30, 8),
        ("ocop", "Trà hoa vàng (90 ngày)"): (90, 90),
    }


def test_threshold_for_known_answers():
    assert [reminders.threshold_for(d) for d in (-1, 0, 7, 8, 30, 31, 90, 91)] == [None, 7, 7, 30, 30, 90, 90, None]


def test_reminders_are_grouped_per_province_then_organisation(landscape):
    groups = reminders.grouped(reminders.due_reminders(TODAY))
    assert [g["province"] for g in groups] == ["gia-lai", "thai-nguyen"]
    assert [o["name"] for o in groups[1]["organizations"]] == ["Hợp tác xã Chè Tân Cương"]
    days = [i["days_left"] for i in groups[1]["organizations"][0]["items"]]
    assert days == sorted(days)


def test_a_province_filter_keeps_only_its_organisations(landscape):
    from registry.services.places import province_by_slug

    gia_lai = province_by_slug("gia-lai")
    assert [r.label for r in reminders.due_reminders(TODAY, province_id=gia_lai.id)] == ["GL-30"]


def _outbox():
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_the_cli_lists_queues_once_and_queues_again_at_the_next_threshold(world, runner, landscape):
    dost = world.user("dost_officer", province="thai-nguyen")
    world.user("dost_officer", province="gia-lai")
    result = runner.invoke(args=["reminders", "--province", "thai-nguyen", "--today", "2027-01-10"])
    assert result.exit_code == 0, result.output
    assert "Expiring as of 2027-01-10: 10 (≤7 days: 4, ≤30 days: 3, ≤90 days: 3)" in result.output
    assert "Thái Nguyên (thai-nguyen)" in result.output and "Gia Lai" not in result.output
    assert "≤30  certificate CN-+30  valid through 2027-02-09 (30 days left)" in result.output
    assert "≤7   OCOP 4★ Chè búp (1 ngày)  lapses on 2027-01-11 (1 days left)" in result.output
    # 10 items, each to the producer and the province's DOST officer.
    assert "outbox: 20 new messages queued, 0 already queued" in result.output
    assert "SMTP_URL is not set: 20 messages stay queued" in result.output
    messages = _outbox()
    assert {m.recipient for m in messages} == {landscape["producer"].email, dost.email}
    sample = next(m for m in messages if "CN-+7" in m.subject)
    assert sample.subject == "Chứng chỉ CN-+7 hết hạn sau 7 ngày (2027-01-17)"
    assert "Hợp tác xã Chè Tân Cương" in sample.body and "Certificate CN-+7 of" in sample.body
    assert sample.body.index("Chứng chỉ số") < sample.body.index("Certificate CN-+7")
    assert f"https://registry.example.vn/verify/{sample.body.split('/verify/')[1].split()[0]}" in sample.body

    again = runner.invoke(args=["reminders", "--province", "thai-nguyen", "--today", "2027-01-10"])
    assert "outbox: 0 new messages queued, 20 already queued" in again.output
    assert len(_outbox()) == 20
    # A day later only what crossed a threshold is queued again: two into the 7-day bucket, one into the
    # 30-day bucket, and two that came within 90 days.
    later = runner.invoke(args=["reminders", "--province", "thai-nguyen", "--today", "2027-01-11"])
    assert "outbox: 10 new messages queued, 10 already queued" in later.output
    assert sorted({m.subject for m in _outbox()[20:]}) == [
        "Chứng chỉ CN-+31 hết hạn sau 30 ngày (2027-02-10)",
        "Chứng chỉ CN-+8 hết hạn sau 7 ngày (2027-01-18)",
        "Chứng chỉ CN-+91 hết hạn sau 90 ngày (2027-04-11)",
        "Xếp hạng OCOP 4 sao của Chè đinh (8 ngày) hết hạn sau 7 ngày (2027-01-18)",
        "Xếp hạng OCOP 4 sao của Trà túi lọc (91 ngày) hết hạn sau 90 ngày (2027-04-11)",
    ]


def test_a_recipient_who_reads_english_gets_english_first(world, runner, landscape):
    english = world.user("dost_officer", province="gia-lai")
    english.language = "en"
    db.session.commit()
    runner.invoke(args=["reminders", "--province", "gia-lai", "--today", "2027-01-10"])
    (message,) = _outbox()
    assert message.recipient == english.email
    assert message.subject == "Certificate GL-30 expires in 30 days (2027-02-09)"
    assert message.body.index("Certificate GL-30") < message.body.index("Chứng chỉ số GL-30")


def test_the_cli_refuses_a_bad_date_and_an_unknown_province(runner):
    bad_day = runner.invoke(args=["reminders", "--today", "10/01/2027"])
    assert bad_day.exit_code == 2 and "YYYY-MM-DD" in bad_day.output
    bad_province = runner.invoke(args=["reminders", "--province", "atlantis"])
    assert bad_province.exit_code == 2
    assert "There is no province 'atlantis'" in bad_province.output


def test_send_without_smtp_url_leaves_messages_queued_and_says_so(world, runner, landscape):
    world.user("dost_officer", province="gia-lai")
    result = runner.invoke(args=["reminders", "--province", "gia-lai", "--today", "2027-01-10", "--send"])
    assert result.exit_code == 1
    assert "SMTP_URL is not set: 1 messages stay queued" in result.output
    assert [m.sent_at for m in _outbox()] == [None]


# ---- a real SMTP server ------------------------------------------------------------------------


class Inbox:
    def __init__(self, refuse: str | None = None) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"registry" and auth_data.password == b"s3cret"
    # handled=False: let aiosmtpd answer 535 itself (the default leaves the client waiting).
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server():
    servers = []

    def start(refuse: str | None = None) -> tuple[Inbox, int]:
        inbox, port = Inbox(refuse), _free_port()
        controller = Controller(
            inbox,
            hostname="127.0.0.1",
            port=port,
            authenticator=_authenticator,
            auth_require_tls=False,
        )
        controller.start()
        servers.append(controller)
        return inbox, port

    yield start
    for controller in servers:
        controller.stop()


def test_send_delivers_each_queued_message_over_smtp_and_marks_it_sent(app, world, runner, landscape, smtp_server):
    inbox, port = smtp_server()
    dost = world.user("dost_officer", province="gia-lai")
    app.config["SMTP_URL"] = f"smtp://registry:s3cret@127.0.0.1:{port}?from=nhac-han@so-khcn.example.vn"
    result = runner.invoke(args=["reminders", "--province", "gia-lai", "--today", "2027-01-10", "--send"])
    assert result.exit_code == 0, result.output
    assert "sent 1 messages, 0 refused" in result.output
    (mail_from, rcpts, content) = inbox.messages[0]
    assert mail_from == "nhac-han@so-khcn.example.vn" and rcpts == [dost.email]
    parsed = message_from_bytes(content)
    assert str(make_header(decode_header(parsed["Subject"]))) == "Chứng chỉ GL-30 hết hạn sau 30 ngày (2027-02-09)"
    assert "Công ty Cà phê Pleiku" in parsed.get_payload(decode=True).decode()
    (message,) = _outbox()
    assert message.sent_at is not None and message.error is None
    # Nothing is sent twice.
    again = runner.invoke(args=["reminders", "--province", "gia-lai", "--today", "2027-01-10", "--send"])
    assert "sent 0 messages" in again.output and len(inbox.messages) == 1


def test_a_refused_recipient_keeps_its_message_queued_with_the_error(app, world, runner, landscape, smtp_server):
    refused = world.user("dost_officer", province="gia-lai")
    accepted = world.user("dost_officer", province="gia-lai")
    inbox, port = smtp_server(refuse=refused.email)
    app.config["SMTP_URL"] = f"smtp://registry:s3cret@127.0.0.1:{port}"
    result = runner.invoke(args=["reminders", "--province", "gia-lai", "--today", "2027-01-10", "--send"])
    assert result.exit_code == 1
    assert "sent 1 messages, 1 refused" in result.output
    assert [r for _, r, _ in inbox.messages] == [[accepted.email]]
    assert inbox.messages[0][0] == "no-reply@registry.example.vn"
    state = {m.recipient: (m.sent_at is not None, m.error) for m in _outbox()}
    assert state[accepted.email] == (True, None)
    assert state[refused.email][0] is False and "550" in state[refused.email][1]


def test_wrong_smtp_credentials_fail_clearly_and_send_nothing(app, world, runner, landscape, smtp_server):
    world.user("dost_officer", province="gia-lai")
    _inbox, port = smtp_server()
    app.config["SMTP_URL"] = f"smtp://registry:wrong@127.0.0.1:{port}"
    result = runner.invoke(args=["reminders", "--province", "gia-lai", "--today", "2027-01-10", "--send"])
    assert result.exit_code == 1
    assert "cannot send through SMTP_URL" in result.output and "1 messages stay queued" in result.output
    assert [m.sent_at for m in _outbox()] == [None]


def test_smtp_urls_are_parsed_with_defaults():
    plain = reminders.parse_smtp_url("smtp://mail.example.vn", "no-reply@x.vn")
    assert (plain.scheme, plain.host, plain.port, plain.username, plain.sender) == (
        "smtp", "mail.example.vn", 25, None, "no-reply@x.vn",
    )  # fmt: skip
    tls = reminders.parse_smtp_url("smtps://u%40x.vn:p%2Fw@mail.example.vn", "a@b.vn")
    assert (tls.port, tls.username, tls.password) == (465, "u@x.vn", "p/w")
    with pytest.raises(reminders.SmtpUrlError):
        reminders.parse_smtp_url("http://mail.example.vn", "a@b.vn")
