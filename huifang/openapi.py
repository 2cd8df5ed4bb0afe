"""The OpenAPI description says what errors look like, as the app really sends them.

FastAPI documents only its own 422 (a list of field errors). Our domain errors are
`{"detail": "<a sentence in Chinese>", "code": "<machine word>"}` with 404, 409, 422, and sign-in
and role refusals are `{"detail": "..."}` with 401 and 403; a body that cannot be parsed at all
is a 400. Every /api operation names them (a Twilio webhook its 403 for a bad signature), and
its 422 accepts either shape, so a client (or schemathesis) can rely on the description.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

TWIML = "application/xml"

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "给人看的中文说明：错在哪里、怎么改"},
        "code": {"type": "string", "description": "给程序看的错误代码，如 not_found、conflict"},
    },
}
ERRORS = {
    "400": "请求体无法解析（不是合法的 JSON 或表单）",
    "401": "未登录或令牌无效",
    "403": "无此权限",
    "404": "对象不存在",
    "409": "与现有数据冲突（重复或状态不允许）",
    "413": "请求体过大",
    "422": "输入有误（字段校验错误列表，或业务规则拒绝的说明）",
}

# Twilio's webhooks: nobody signs in, the request's signature is the gate.
TWILIO_ERRORS = {
    "400": ERRORS["400"],
    "403": "Twilio 签名校验失败",
    "404": "呼叫或短信记录不存在",
    "413": ERRORS["413"],
    "422": ERRORS["422"],
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def describe_errors(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with every /api operation's error responses."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        if path.startswith("/api/"):
            errors = ERRORS
        elif path.startswith("/twilio/"):
            errors = TWILIO_ERRORS
        else:
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if errors is TWILIO_ERRORS:
                # A webhook answers TwiML (the next step of the call or the reply to a text),
                # or nothing at all to a status callback.
                responses["200"] = {"description": "TwiML", "content": {TWIML: {}}}
                responses["204"] = {"description": "已记录，无需回应"}
            for status, description in errors.items():
                given = responses.get(status, {}).get("content", {}).get("application/json", {})
                if status == "422" and "schema" in given:
                    responses["422"] = _error(description)
                    responses["422"]["content"]["application/json"]["schema"] = {
                        "anyOf": [given["schema"], {"$ref": "#/components/schemas/Error"}]
                    }
                else:
                    responses.setdefault(status, _error(description))
    app.openapi_schema = schema
    return schema


def install(app: FastAPI) -> None:
    """Serve the described schema at /openapi.json (and to /docs)."""
    app.openapi = lambda: describe_errors(app)  # type: ignore[method-assign]
