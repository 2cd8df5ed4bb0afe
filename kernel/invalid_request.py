"""A request FastAPI cannot read (a missing field, text where a number goes, a bad date) is
answered like every other refusal: a 422 whose detail says in Chinese which field and why.

FastAPI's own answer is a list of English messages (“Input should be a valid integer”); the
people who read ours are tellers and the centre's integrators, so each error is named by its
field and put in words they can act on. The machine-readable list stays, under `errors`.
"""

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

_WORDS = {
    "missing": "缺少必填项",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字（如 0.015）",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文字",
    "string_unicode": "含有无效字符（如 NUL 或不成对的代理字符）",
    "string_too_short": "不能为空或过短",
    "string_too_long": "过长",
    "string_pattern_mismatch": "格式不正确",
    "date_parsing": "日期格式不正确（应为 YYYY-MM-DD，如 2026-05-01）",
    "date_from_datetime_parsing": "日期格式不正确（应为 YYYY-MM-DD，如 2026-05-01）",
    "datetime_parsing": "时间格式不正确（如 2026-05-01T09:30:00+08:00）",
    "datetime_from_date_parsing": "时间格式不正确（如 2026-05-01T09:30:00+08:00）",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "json_invalid": "不是有效的 JSON",
    "greater_than": "超出允许的范围",
    "greater_than_equal": "超出允许的范围",
    "less_than": "超出允许的范围",
    "less_than_equal": "超出允许的范围",
    "enum": "不是可选的值",
    "literal_error": "不是可选的值",
    "extra_forbidden": "不是可接受的字段",
}
_WHERE = {"body": "请求内容", "query": "查询参数", "path": "路径参数", "header": "请求头"}
MAX_SHOWN = 10


def _field(loc: Sequence[Any]) -> str:
    where, *rest = [str(part) for part in loc] or ["body"]
    if not rest:
        return _WHERE.get(where, where)
    return ".".join(rest)


def _one(error: dict[str, Any]) -> str:
    words = _WORDS.get(str(error.get("type")), "不正确")
    limit = (error.get("ctx") or {}).get("max_length")
    if limit is not None and error.get("type") == "string_too_long":
        words = f"过长（最多 {limit} 个字符）"
    received = error.get("input")
    shown = ""
    quiet = ("missing", "string_unicode", "json_invalid")
    if error.get("type") not in quiet and isinstance(received, str | int | float):
        text = str(received)
        shown = f"（收到 {text[:30]!r}）" if len(text) <= 30 else "（收到的内容过长）"
    return f"{_field(error.get('loc', ()))} {words}{shown}"


def explain(errors: Sequence[dict[str, Any]]) -> str:
    """The errors of one request as one Chinese sentence naming each field."""
    parts = [_one(error) for error in errors[:MAX_SHOWN]]
    more = f"；另有 {len(errors) - MAX_SHOWN} 处" if len(errors) > MAX_SHOWN else ""
    return "请求内容有误：" + "；".join(parts) + more + "。请改正后重新提交"


def invalid_request(_: Request, error: Exception) -> JSONResponse:
    """The 422 of a request that could not be read, in Chinese, with the fields named."""
    assert isinstance(error, RequestValidationError)
    errors = list(error.errors())
    machine = [
        {"loc": list(e.get("loc", ())), "type": e.get("type"), "message": _one(e)} for e in errors
    ]
    return JSONResponse(
        status_code=422,
        content={"detail": explain(errors), "code": "invalid", "errors": machine},
    )
