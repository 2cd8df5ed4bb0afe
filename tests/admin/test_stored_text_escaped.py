"""Drill: stored text with HTML and script in it is shown as text, never run (issue 18).

Names (outlets, tellers), a caller's suggestion and an operator's note carry a payload; the pages
that show them must show it escaped, and the Excel exports must hold it as text, not formulas.
"""

import re
from datetime import datetime
from io import BytesIO
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from admin.access import templates
from callbacks.triage import open_exception
from kernel.clock import centre_tz
from tests.callbacks.factories import business
from tests.conftest import Bind, make_user
from tests.scoring.factories import S, V, outlet, rate, teller

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
FORMULA = '=HYPERLINK("http://example.com","点我")'
OCT = datetime(2026, 10, 12, 10, 0, tzinfo=centre_tz())
TEMPLATES = Path(__file__).resolve().parents[2] / "admin" / "templates"
# The only places a template may print without escaping, each escaped where it is made.
UNESCAPED = {
    ("dashboard.html", "charts_json"): "json.dumps with every < as \\u003c (admin.dashboard)",
    ("quarterly_report.html", "report.ranking_svg"): "SVG whose text is escaped (charts.py)",
    ("quarterly_report.html", "report.trend_svg"): "SVG whose text is escaped (charts.py)",
}


def _centre(engine: Bind) -> tuple[str, int]:
    """An outlet and a teller named with payloads, rated; a case whose caller suggested one."""
    with Session(engine) as session:
        east = outlet(session, "WD91", f"城东{SCRIPT}网点")
        sly = outlet(session, "WD92", FORMULA)
        clerk = teller(session, east, "T91")
        clerk.name = f"李{IMG}娜"
        session.add(clerk)
        for attitude, efficiency in ((V, V), (V, S), (S, S)):
            rate(session, east, attitude, efficiency, by=clerk, when=OCT)
        rate(session, sly, V, V, when=OCT)
        (task,) = business(session, at=OCT, phone="+8613812345091", outlet=east)
        task.suggestion = f"希望{SCRIPT}改进{IMG}"
        session.add(task)
        case = open_exception(session, task=task, reason="unsatisfied", actor="system")
        case.note = f"已核实{SCRIPT}"
        session.add(case)
        session.commit()
        return "WD91", case.id or 0


def _sign_in(client: TestClient, engine: Bind, role: str) -> None:
    client.cookies.delete("huifang_token")
    password = make_user(engine, username=f"xss-{role}", role=role)
    form = {"username": f"xss-{role}", "password": password}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def _assert_escaped(page: str, where: str) -> None:
    assert SCRIPT not in page, f"{where}: a stored <script> is live"
    assert "<img src=x onerror" not in page, f"{where}: a stored onerror= is live"


def test_names_suggestions_and_notes_with_html_are_shown_escaped(
    client: TestClient, engine: Bind
) -> None:
    code, case_id = _centre(engine)
    _sign_in(client, engine, "manager")
    shown = {
        "/rankings?period=2026-10": "城东&lt;script&gt;alert(1)&lt;/script&gt;网点",
        f"/rankings/outlet/{code}?period=2026-10": "城东&lt;script&gt;",
        "/rankings?period=2026-10&kind=teller": "onerror=alert(2)",
        "/dashboard?period=2026-10": "WD91",
        f"/exceptions/{case_id}": "希望&lt;script&gt;alert(1)&lt;/script&gt;改进",
    }
    for path, escaped in shown.items():
        page = client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        _assert_escaped(page.text, path)
        assert escaped in page.text, f"{path}: the stored text is not shown at all"
    detail = client.get(f"/exceptions/{case_id}").text
    assert "已核实&lt;script&gt;" in detail and "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in (
        detail.replace("&quot;", "&#34;")
    )


def test_exports_hold_formula_looking_names_as_text(client: TestClient, engine: Bind) -> None:
    _centre(engine)
    _sign_in(client, engine, "manager")
    for path in (
        "/rankings/export.xlsx?period=2026-10",
        "/dashboard/export/ranking-outlet.xlsx?period=2026-10",
    ):
        answer = client.get(path)
        assert answer.status_code == 200, path
        book = load_workbook(BytesIO(answer.content))
        texts = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{path}: {cell.coordinate} is a formula"
                    if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                        texts.append(cell.value)
                        assert cell.quotePrefix, f"{path}: {cell.coordinate} may become a formula"
        assert FORMULA in texts, f"{path}: the formula-looking name is missing"


def test_pages_escape_by_default_and_print_unescaped_only_what_is_escaped_where_made() -> None:
    autoescape = templates.env.autoescape
    assert autoescape is True or (callable(autoescape) and autoescape("page.html"))
    found = {}
    for template in TEMPLATES.glob("*.html"):
        for expression in re.findall(r"\{\{\s*([\w.]+)\s*\|\s*safe\s*\}\}", template.read_text()):
            found[(template.name, expression)] = True
        assert "{% autoescape false" not in template.read_text(), template.name
    assert set(found) <= set(UNESCAPED), set(found) - set(UNESCAPED)
