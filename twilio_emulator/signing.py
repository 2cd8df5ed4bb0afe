"""Requests to the application, signed exactly as Twilio signs them."""

from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
from twilio.request_validator import RequestValidator


def url_with_query(url: str, params: dict[str, str]) -> str:
    """Append params to the URL's query, as Twilio does for GET webhooks."""
    parts = urlsplit(url)
    extra = urlencode(params)
    query = f"{parts.query}&{extra}" if parts.query and extra else parts.query or extra
    return urlunsplit(parts._replace(query=query))


async def signed_request(
    client: httpx.AsyncClient,
    *,
    auth_token: str,
    url: str,
    method: str,
    params: dict[str, str],
) -> httpx.Response:
    """POST form params (or GET with them in the query) with X-Twilio-Signature."""
    validator = RequestValidator(auth_token)
    headers = {"User-Agent": "TwilioProxy/1.1", "Accept": "*/*"}
    if method.upper() == "GET":
        full_url = url_with_query(url, params)
        headers["X-Twilio-Signature"] = validator.compute_signature(full_url, {})
        return await client.get(full_url, headers=headers)
    headers["X-Twilio-Signature"] = validator.compute_signature(url, params)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return await client.post(url, content=urlencode(params), headers=headers)
