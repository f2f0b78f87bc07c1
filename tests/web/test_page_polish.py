"""What people read on the pages: no drastic default, Vietnam times, names instead of codes, English DOST text."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from registry.extensions import db
from registry.models import Certificate, CertificateEvent, ConsumerReport
from registry.services import certificates
from registry.web.dost import clause_text
from registry.web.filters import vntime
from tests.web.staff import field_error, login, post

ISO_WITH_MICROSECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+")


def _suspended(world, category: str = "gap") -> tuple[Certificate, object]:
    body = world.body()
    org = world.organization()
    cert = certificates.create_certificate(
        world.admin,
        {"number": "VICB-P1", "certification_body_id": body.id, "organization_id": org.id, "category": category,
         "issued_on": date(2026, 3, 1), "expires_on": date(2029, 3, 1)},
    )  # fmt: skip
    staff = world.user("body_staff", body_id=body.id)
    certificates.transition_certificate(staff, cert.id, "suspend", "Mẫu giám sát không đạt")
    return cert, staff


def test_vntime_shows_vietnam_time_to_the_minute_in_each_language():
    moment = datetime(2026, 11, 21, 22, 36, 5, 846495, tzinfo=UTC)
    assert vntime(moment, "vi") == "22/11/2026 05:36 (UTC+7)"
    assert vntime(moment, "en") == "2026-11-22 05:36 (UTC+7)"
    assert vntime("2026-11-22T05:36:05.846495+07:00", "vi") == "22/11/2026 05:36 (UTC+7)"
    assert vntime(datetime(2026, 11, 21, 22, 36), "en") == "2026-11-22 05:36 (UTC+7)"  # naive is UTC (SQLite)
    assert vntime(date(2027, 3, 1), "vi") == "01/03/2027" and vntime("2027-03-01", "en") == "2027-03-01"
    assert vntime(None, "vi") == "" and vntime("not a time", "vi") == "not a time"


def test_after_a_suspension_no_action_is_preselected_and_posting_none_is_refused_beside_the_choice(world, client):
    cert, staff = _suspended(world)
    login(client, staff)
    url = f"/body/certificates/{cert.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="withdraw" required>' in page and 'value="reinstate" required>' in page
    assert " checked" not in page.split('id="status"')[1].split("</form>")[0]

    res = post(client, url, {"reason": "Đã khắc phục"}, action=url + "/status")
    assert res.status_code == 422
    assert field_error(res.get_data(as_text=True), "action") == "Cần chọn một trong các lựa chọn."
    assert db.session.query(CertificateEvent).filter_by(certificate_id=cert.id).count() == 2  # issue, suspend
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).lifecycle == "suspended"


def test_the_certificate_history_shows_vietnam_time_and_event_names(world, client):
    cert, staff = _suspended(world)
    login(client, staff)
    page = client.get(f"/body/certificates/{cert.id}").get_data(as_text=True)
    history = page.split('id="history"')[1]
    assert not ISO_WITH_MICROSECONDS.search(history)
    assert re.search(r"<td>\d\d/\d\d/20\d\d \d\d:\d\d \(UTC\+7\)</td><td>Đình chỉ</td>", history)
    assert "01/03/2026 – 01/03/2029" in page
    english = client.get(f"/body/certificates/{cert.id}?lang=en").get_data(as_text=True)
    assert re.search(r"<td>20\d\d-\d\d-\d\d \d\d:\d\d \(UTC\+7\)</td><td>Suspended</td>", english)


def test_the_verify_page_names_the_category_and_roles_and_shows_readable_times(world, client):
    cert, _ = _suspended(world)
    page = client.get(f"/verify/{cert.id}?lang=vi").get_data(as_text=True)
    assert "Thực hành nông nghiệp tốt (GAP)" in page and "Nhân viên tổ chức chứng nhận" in page
    assert ">gap<" not in page and "body_staff" not in page and not ISO_WITH_MICROSECONDS.search(page)
    assert "<dd>01/03/2026</dd>" in page and re.search(r"Đình chỉ</b> · \d\d/\d\d/20\d\d \d\d:\d\d \(UTC\+7\)", page)
    english = client.get(f"/verify/{cert.id}?lang=en").get_data(as_text=True)
    assert "Good agricultural practice (GAP)" in english and "Certification-body staff" in english
    assert "<dd>2026-03-01</dd>" in english and "<b>Suspended</b>" in english
    assert client.get(f"/verify/{cert.id}?format=json").get_json()["category"] == "gap"  # the API keeps the code


def test_the_reports_queue_shows_when_a_report_came_in_vietnam_time(world, client):
    db.session.add(
        ConsumerReport(
            kind="defect", message="Bao bì rách", created_at=datetime(2026, 11, 21, 22, 36, 5, 846495, tzinfo=UTC)
        )
    )
    db.session.commit()
    login(client, world.user("inspector"))
    page = client.get("/inspect/reports").get_data(as_text=True)
    assert '<p class="muted">22/11/2026 05:36 (UTC+7)' in page and not ISO_WITH_MICROSECONDS.search(page)


def test_the_english_dashboard_shows_clauses_and_the_report_recipient_in_english(world, client):
    login(client, world.user("dost_officer", province="thai-nguyen"))
    english = client.get("/dost?lang=en").get_data(as_text=True)
    assert "to Department of Science and Technology" in english and "Sở Khoa học" not in english
    assert "appendix row 8" in english and "phụ lục" not in english
    vietnamese = client.get("/dost?lang=vi").get_data(as_text=True)
    assert "gửi Sở Khoa học và Công nghệ" in vietnamese and "phụ lục dòng 8" in vietnamese


def test_clause_words_are_translated_whole():
    assert clause_text("II.2 gạch đầu dòng 4a; phụ lục mục 3.2", "en") == "II.2 bullet 4a; appendix item 3.2"
    assert clause_text("II.2.1.i; phụ lục dòng 8", "en") == "II.2.1.i; appendix row 8"
    assert clause_text("II.2.1.i; phụ lục dòng 8", "vi") == "II.2.1.i; phụ lục dòng 8"
