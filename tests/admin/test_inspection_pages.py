"""The inspector's quarterly form, an inspection's findings and rectification, and the
centre-wide view of findings by category (举一反三, 共性问题)."""

import struct
import zlib
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from core_ledger.org.models import Outlet
from kernel.audit import AuditAction, AuditEvent
from kernel.clock import local_date, utcnow
from kernel.periods import month_of, parse_period, quarter_of
from scoring.inspections import FindingIn, record_inspection
from scoring.models import (
    FindingPhoto,
    FindingState,
    Inspection,
    InspectionAreaScore,
    InspectionFinding,
    IssueLetter,
    RectificationStep,
    StepState,
)
from scoring.rectification import issue_letter, steps_of, submit_step
from tests.browser import Browsing
from tests.conftest import Bind, make_user
from tests.scoring.factories import outlet, teller

PHOTO_0, PHOTO_1 = "finding_photos_0", "finding_photos_1"
AREAS = ("environment", "facilities", "appearance", "conduct", "business")


def png(width: int = 8, height: int = 6) -> bytes:
    """A real (tiny, blue) PNG, so a browser can draw it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x0b\x5c\xad" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def this_quarter() -> str:
    return quarter_of(parse_period(month_of(utcnow()))).key


def _outlets(engine: Bind) -> None:
    with Session(engine) as session:
        wd01 = outlet(session, "WD01", "城东网点")
        teller(session, wd01, "T0101")
        outlet(session, "WD02", "城西网点")
        outlet(session, "WD03", "高新区网点")
        session.commit()


def _sign_in(client: TestClient, engine: Bind, username: str, role: str) -> None:
    password = make_user(engine, username=username, role=role)
    form = {"username": username, "password": password}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def _form(**extra: str) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "outlet_code": "WD01",
        "quarter": this_quarter(),
        "inspected_on": local_date(utcnow()).isoformat(),
        "firm": "湘评咨询",
        "methods": ["mystery_shopper", "on_site"],
        "summary": "整体良好",
    }
    form |= {f"area_{a}": str(s) for a, s in zip(AREAS, (90, 80, 70, 85, 95), strict=True)}
    form |= {
        "finding_text_0": "柜员未佩戴工牌",
        "finding_area_0": "appearance",
        "finding_method_0": "mystery_shopper",
        "finding_staff_0": "T0101",
    }
    return form | extra


def _count(engine: Bind, model: type) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def inspector(client: TestClient, engine: Bind) -> TestClient:
    _outlets(engine)
    _sign_in(client, engine, "insp", "inspector")
    return client


def test_the_form_offers_the_seeds_methods_and_areas(inspector: TestClient) -> None:
    page = inspector.get("/inspections/new")
    assert page.status_code == 200
    for name in ("神秘客户体验调查", "门前客户访问", "现场检查"):
        assert name in page.text
    for name in ("内外环境", "功能设置", "服务形象", "服务行为", "业务办理"):
        assert name in page.text
    assert this_quarter() in page.text and 'enctype="multipart/form-data"' in page.text


def test_an_inspection_is_recorded_with_area_scores_findings_and_a_photo(
    inspector: TestClient, engine: Bind
) -> None:
    files = [("finding_photos_0", ("badge.png", png(), "image/png"))]
    done = inspector.post("/inspections", data=_form(), files=files, follow_redirects=False)
    assert done.status_code == 303, done.text
    with Session(engine) as session:
        inspection = session.exec(select(Inspection)).one()
        finding = session.exec(select(InspectionFinding)).one()
        scores = session.exec(select(InspectionAreaScore)).all()
    assert inspection.score == 84.0  # (90 + 80 + 70 + 85 + 95) / 5
    assert inspection.methods == "mystery_shopper,on_site"
    assert len(scores) == 5 and finding.area == "appearance" and finding.staff_id is not None
    with Session(engine) as session:
        audited = session.exec(
            select(AuditEvent).where(AuditEvent.action == AuditAction.inspection_record)
        ).one()
    assert (audited.actor, audited.subject) == ("insp", f"inspection:{inspection.id}")
    page = inspector.get(done.headers["location"])
    for shown in ("检查结果已保存", "服务形象", "柜员未佩戴工牌"):
        assert shown in page.text
    assert "神秘客户体验调查、现场检查" in page.text and "待整改" in page.text
    photo = page.text.split('<img class="photo" src="')[1].split('"')[0]
    served = inspector.get(photo)
    assert served.status_code == 200 and served.content == png()
    inspector.cookies.clear()
    assert inspector.get(photo).status_code == 401  # the photo route is signed-in only


@pytest.mark.parametrize(
    ("extra", "files", "message"),
    [
        ({"area_conduct": "120"}, [], "服务行为的得分应在 0 到 100 之间"),
        ({"area_business": ""}, [], "请为每个方面打分，缺少：业务办理"),
        ({"methods": []}, [], "请勾选本次采用的检查方法"),
        ({"finding_area_0": ""}, [], "第 1 条问题：请选择问题类别"),
        ({"finding_staff_0": "T9999"}, [], "第 1 条问题：找不到工作人员 &#39;T9999&#39;"),
        ({}, [(PHOTO_0, ("memo.png", b"%PDF-1.4", "image/png"))], "文件内容不是 image/png"),
        ({}, [(PHOTO_0, ("memo.gif", b"GIF89a", "image/gif"))], "照片格式应为 JPEG、PNG 或 WebP"),
        ({"finding_area_1": "conduct"}, [(PHOTO_1, ("x.png", png(), "image/png"))], "第 2 条"),
    ],
)
def test_a_refused_inspection_writes_nothing_and_keeps_what_was_typed(
    inspector: TestClient,
    engine: Bind,
    extra: dict[str, str],
    files: list[tuple[str, tuple[str, bytes, str]]],
    message: str,
) -> None:
    refused = inspector.post("/inspections", data=_form(**extra), files=files)
    assert refused.status_code in (404, 422) and message in refused.text, refused.text[-800:]
    assert "柜员未佩戴工牌</textarea>" in refused.text and 'value="湘评咨询"' in refused.text
    assert "照片需要重新选择" in refused.text
    for model in (Inspection, InspectionFinding, InspectionAreaScore, FindingPhoto):
        assert _count(engine, model) == 0
    with Session(engine) as session:
        assert not session.exec(
            select(AuditEvent).where(AuditEvent.action == AuditAction.inspection_record)
        ).all()


def test_a_second_inspection_of_the_quarter_is_refused(inspector: TestClient) -> None:
    assert inspector.post("/inspections", data=_form(), follow_redirects=False).is_redirect
    again = inspector.post("/inspections", data=_form())
    assert again.status_code == 409 and "每季度一次" in again.text


def test_only_inspectors_record_and_tellers_read_nothing(client: TestClient, engine: Bind) -> None:
    _outlets(engine)
    _sign_in(client, engine, "boss", "manager")
    assert client.get("/inspections/new").status_code == 403
    assert client.post("/inspections", data=_form()).status_code == 403
    assert client.get("/inspections/common").status_code == 200
    client.cookies.delete("huifang_token")
    _sign_in(client, engine, "t1", "teller")
    assert client.get("/inspections/common").status_code == 403


def test_a_manager_confirms_a_finding_rectified_with_what_was_seen(
    inspector: TestClient, engine: Bind
) -> None:
    done = inspector.post("/inspections", data=_form(), follow_redirects=False)
    inspection_id = int(done.headers["location"].split("/")[2].split("?")[0])
    with Session(engine) as session:
        finding_id = session.exec(select(InspectionFinding.id)).one()
    url = f"/inspections/findings/{finding_id}/rectified"
    empty = inspector.post(url, data={"inspection_id": inspection_id, "note": " "})
    assert empty.status_code == 422 and "请写明整改情况" in empty.text
    note = {"inspection_id": inspection_id, "note": "复查时全员佩戴工牌"}
    assert inspector.post(url, data=note, follow_redirects=False).status_code == 303
    again = inspector.post(url, data=note)
    assert again.status_code == 409 and "无需重复确认" in again.text
    with Session(engine) as session:
        finding = session.get(InspectionFinding, finding_id)
    assert finding is not None and finding.state == FindingState.rectified
    assert "已整改" in inspector.get(f"/inspections/{inspection_id}").text


def _history(engine: Bind) -> None:
    """2026-Q2 and Q3: 服务形象 found at two of three outlets in Q3 (common), and at WD02 twice."""
    plan = {
        ("WD01", "2026-Q3", date(2026, 8, 10)): [("appearance", "着装不统一")],
        ("WD02", "2026-Q3", date(2026, 8, 11)): [
            ("appearance", "工牌缺失"),
            ("business", "退件未一次告知"),
        ],
        ("WD03", "2026-Q3", date(2026, 8, 12)): [],
        ("WD02", "2026-Q2", date(2026, 5, 12)): [("appearance", "未着工装")],
        ("WD03", "2026-Q2", date(2026, 5, 13)): [("environment", "资料架空置")],
    }
    with Session(engine) as session:
        for (code, quarter, on), findings in plan.items():
            record_inspection(
                session,
                outlet_code=code,
                quarter=quarter,
                area_scores=dict.fromkeys(AREAS, 80.0),
                methods=["on_site"],
                inspected_on=on,
                firm="湘评咨询",
                findings=[FindingIn(text=t, area=a, method="on_site") for a, t in findings],
                recorded_by="insp",
            )
        session.commit()


def test_findings_by_category_mark_common_and_recurring_problems(
    client: TestClient, engine: Bind
) -> None:
    _outlets(engine)
    _history(engine)
    _sign_in(client, engine, "boss", "manager")
    page = client.get("/inspections/common?period=2026")
    assert page.status_code == 200
    table = page.text[page.text.index('id="by-category"') : page.text.index("问题明细")]
    appearance = table[table.index('<td class="l">服务形象</td>') :].split("</tr>")[0]
    assert '2 条 / 2 个网点 <span class="tag common">共性问题</span>' in appearance
    assert "共性问题（2026-Q3）" in appearance and "反复出现：城西网点" in appearance
    business = table[table.index('<td class="l">业务办理</td>') :].split("</tr>")[0]
    assert "1 条 / 1 个网点" in business and "共性问题" not in business
    assert "受检 3 个网点" in table and "受检 2 个网点" in table
    assert "退件未一次告知" in page.text and "高新区网点" in page.text


def test_a_bad_period_is_explained(client: TestClient, engine: Bind) -> None:
    _sign_in(client, engine, "boss", "manager")
    page = client.get("/inspections/common?period=2026-13")
    assert page.status_code == 422 and "期间格式应为" in page.text


def test_an_inspector_records_an_inspection_with_a_photo_in_the_browser(
    browsing: Browsing, engine: Bind, tmp_path: Path
) -> None:
    _outlets(engine)
    _history(engine)
    password = make_user(engine, username="insp", role="inspector")
    (tmp_path / "badge.png").write_bytes(png(64, 48))
    (tmp_path / "fake.png").write_bytes(b"%PDF-1.4 this is no photograph")
    browsing.sign_in("insp", password)
    page = browsing.open("/inspections/new")
    page.select_option("select[name=outlet_code]", "WD01")
    page.fill("input[name=firm]", "湘评咨询")
    page.check("input[name=methods][value=mystery_shopper]")
    page.check("input[name=methods][value=doorstep_interview]")
    for area, score in zip(AREAS, ("90", "80", "70", "85", "95"), strict=True):
        page.fill(f"input[name=area_{area}]", score)
    page.select_option("select[name=finding_area_0]", "appearance")
    page.select_option("select[name=finding_method_0]", "mystery_shopper")
    page.fill("textarea[name=finding_text_0]", "柜员未佩戴工牌")
    page.set_input_files("input[name=finding_photos_0]", str(tmp_path / "fake.png"))
    browsing.shoot("form")
    page.click("form[action='/inspections'] button[type=submit]")
    page.wait_for_load_state()
    assert "第 1 条问题：文件内容不是 image/png 格式的图片" in page.inner_text("body")
    assert page.input_value("textarea[name=finding_text_0]") == "柜员未佩戴工牌"
    assert page.input_value("input[name=area_business]") == "95"
    assert page.is_checked("input[name=methods][value=doorstep_interview]")
    browsing.shoot("photo-refused")
    assert _count(engine, Inspection) == 5  # the history only

    page.set_input_files("input[name=finding_photos_0]", str(tmp_path / "badge.png"))
    page.click("form[action='/inspections'] button[type=submit]")
    page.wait_for_load_state()
    body = page.inner_text("body")
    assert "检查结果已保存" in body and "84" in body and "柜员未佩戴工牌" in body
    image = page.locator("img.photo").first
    image.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth", image.element_handle()) == 64
    browsing.shoot("recorded")

    page = browsing.open("/inspections/common?period=" + str(local_date(utcnow()).year))
    table = page.locator("#by-category").inner_text()
    assert "服务形象" in table and "共性问题" in table
    browsing.shoot("findings-by-category")
    with Session(engine) as session:
        wd01 = session.exec(select(Outlet).where(Outlet.code == "WD01")).one()
        recorded = session.exec(
            select(Inspection).where(
                Inspection.outlet_id == wd01.id, Inspection.quarter == this_quarter()
            )
        ).one()
    assert recorded.methods == "mystery_shopper,doorstep_interview"
    assert _count(engine, FindingPhoto) == 1


def test_a_manager_issues_the_letter_and_reviews_what_the_outlet_hands_in(
    inspector: TestClient, engine: Bind
) -> None:
    done = inspector.post("/inspections", data=_form(), follow_redirects=False)
    url = done.headers["location"].split("?")[0]
    inspection_id = int(url.rsplit("/", 1)[1])
    assert "下达问题交办函</button>" not in inspector.get(url).text  # inspectors do not issue
    inspector.cookies.delete("huifang_token")
    _sign_in(inspector, engine, "boss", "manager")
    manager = inspector
    assert "下达问题交办函</button>" in manager.get(url).text
    early = manager.post(f"{url}/letter", data={"issued_on": "2020-01-01"})
    assert early.status_code == 422 and "早于检查日期" in early.text
    today = local_date(utcnow()).isoformat()
    assert manager.post(f"{url}/letter", data={"issued_on": today}, follow_redirects=False)
    page = manager.get(url).text
    assert "问题整改报告" in page and "个人检查" in page and "待提交" in page
    again = manager.post(f"{url}/letter", data={"issued_on": today})
    assert again.status_code == 409 and "已下达问题交办函" in again.text

    with Session(engine) as session:
        letter = session.exec(select(IssueLetter)).one()
        receipt, report, *_ = steps_of(session, letter_id=letter.id or 0)
        submit_step(session, step_id=receipt.id or 0, content="", by="wd01-head")
        submit_step(session, step_id=report.id or 0, content="已全员佩戴工牌", by="wd01-head")
        report_id = report.id
        session.commit()
    review = f"/inspections/steps/{report_id}/review"
    bare = manager.post(review, data={"inspection_id": inspection_id, "decision": "return"})
    assert bare.status_code == 422 and "退回时请说明" in bare.text
    form = {"inspection_id": inspection_id, "decision": "return", "note": "请附整改后照片"}
    assert manager.post(review, data=form, follow_redirects=False).status_code == 303
    page = manager.get(url).text
    assert "退回" in page and "请附整改后照片" in page
    with Session(engine) as session:
        returned = session.get(RectificationStep, report_id)
    assert returned is not None and returned.state == StepState.returned


def test_an_inspector_adds_a_finding_and_photos_later_until_the_letter_goes_out(
    inspector: TestClient, engine: Bind
) -> None:
    done = inspector.post("/inspections", data=_form(), follow_redirects=False)
    url = done.headers["location"].split("?")[0]
    later = {"area": "conduct", "method": "doorstep_interview", "text": "窗口午间无人值守"}
    bad = [("photos", ("memo.png", b"not a png", "image/png"))]
    refused = inspector.post(f"{url}/findings", data=later, files=bad)
    assert refused.status_code == 422 and "文件内容不是 image/png" in refused.text
    assert "窗口午间无人值守</textarea>" in refused.text  # what was typed is kept
    assert _count(engine, InspectionFinding) == 1  # the refused photo took its finding with it
    good = [("photos", ("desk.png", png(), "image/png"))]
    added = inspector.post(f"{url}/findings", data=later, files=good, follow_redirects=False)
    assert added.status_code == 303 and _count(engine, InspectionFinding) == 2
    with Session(engine) as session:
        first_id = session.exec(select(func.min(InspectionFinding.id))).one()
    empty = inspector.post(f"/inspections/findings/{first_id}/photos")
    assert empty.status_code == 422 and "请选择要上传的照片" in empty.text
    photo = [("photos", ("badge.png", png(16, 16), "image/png"))]
    attached = inspector.post(
        f"/inspections/findings/{first_id}/photos", files=photo, follow_redirects=False
    )
    assert attached.status_code == 303 and _count(engine, FindingPhoto) == 2
    missing = inspector.post("/inspections/findings/999999/photos", files=photo)
    assert missing.status_code == 404 and "找不到检查问题" in missing.text

    with Session(engine) as session:
        inspection = session.exec(select(Inspection)).one()
        issue_letter(
            session,
            inspection_id=inspection.id or 0,
            issued_on=inspection.inspected_on,
            issued_by="boss",
        )
        session.commit()
    assert 'id="later"' not in inspector.get(url).text
    closed = inspector.post(f"{url}/findings", data=later)
    assert closed.status_code == 409 and "已下达，不能再补充问题" in closed.text
