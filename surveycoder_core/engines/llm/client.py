"""A small JSON-only client for OpenAI-compatible chat-completions endpoints.

It does three things the LLM engine needs and nothing else:

* POST ``{base_url}/chat/completions`` asking for a JSON object, with retries and exponential
  backoff on 429, 5xx and connection errors (honouring ``Retry-After``);
* parse the reply into a pydantic model, asking the model once to repair an invalid reply;
* turn every failure into an :class:`EngineError` with the seed's code: ``GATEWAY_TIMEOUT``
  when the endpoint kept timing out, else the caller's failure code with the upstream message.
  ``details["per_input"]`` is True when the failure may be caused by this input (invalid reply,
  content filter, context length), so the caller can retry texts one at a time; otherwise the
  endpoint itself is failing and retrying text by text would only multiply the failure.

Works with OpenAI, Azure OpenAI (``api-key`` header, ``?api-version=`` kept from the base
URL), vLLM, Ollama and LM Studio.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import re
import time
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from surveycoder_core.errors import EngineError

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

#: Upstream answers worth trying again: rate limits, server errors, gateway timeouts.
RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
#: Refusals that can come from one input (content filter, context too long, unprocessable):
#: the caller may retry texts one at a time. Others (auth, unknown model) fail every request.
PER_INPUT_STATUSES = frozenset({400, 413, 422})
#: Optional request fields some servers refuse (e.g. LM Studio rejects json_object,
#: reasoning models reject temperature); dropped and retried when a 400 names them.
OPTIONAL_FIELDS = ("response_format", "temperature")
MAX_RETRY_AFTER = 60.0
MAX_BACKOFF = 20.0


class _Transient(Exception):
    """One failed attempt that may succeed if tried again."""

    def __init__(self, message: str, *, timeout: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.timeout = timeout
        self.retry_after = retry_after


class _InvalidReply(Exception):
    """The model answered, but not with the JSON we asked for."""

    def __init__(self, message: str, content: str) -> None:
        super().__init__(message)
        self.content = content


class ChatClient:
    """Sends chat requests and returns validated JSON replies."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        model: str,
        *,
        timeout: float = 60,
        max_retries: int = 4,
        backoff: float = 1.0,
        temperature: float | None = 0.0,
    ) -> None:
        url = httpx.URL(base_url)
        # Keep query parameters (Azure's api-version) while appending the path.
        self.url = url.copy_with(path=url.path.rstrip("/") + "/chat/completions")
        self.model = model
        self.max_retries = max(0, int(max_retries))
        self.backoff = backoff
        self.temperature = temperature
        self._dropped: set[str] = set()
        headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        if "azure" in url.host:
            headers["api-key"] = api_key
        self._http = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout))

    def close(self) -> None:
        self._http.close()

    def __del__(self) -> None:
        # Engines are often built once and never closed (get_engine); release pooled sockets.
        with contextlib.suppress(Exception):  # interpreter shutdown or a half-built client
            self._http.close()

    # ------------------------------------------------------------------ public

    def complete_json(self, system: str, user: str, schema: type[M], *, failure_code: str) -> M:
        """Ask for a JSON object matching ``schema``; one repair round if the reply is invalid."""
        messages: list[dict[str, str]] = [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
        ]
        content = self._chat(messages, failure_code)
        try:
            return _parse(content, schema)
        except _InvalidReply as first:
            log.info("LLM reply was not valid JSON (%s); asking for a repair", first)
            messages += [
                {"role": "assistant", "content": content[:4000]},
                {"role": "user", "content": _repair_instruction(str(first))},
            ]
        content = self._chat(messages, failure_code)
        try:
            return _parse(content, schema)
        except _InvalidReply as second:
            raise EngineError(
                f"The language model did not return valid JSON after a repair request: {second}",
                code=failure_code, per_input=True,
            ) from None

    # ------------------------------------------------------------------ transport

    def _chat(self, messages: list[dict[str, str]], failure_code: str) -> str:
        """One logical request, retried on transient failures; returns the message content."""
        last: _Transient | None = None
        attempt = 0
        while attempt <= self.max_retries:
            try:
                return self._post_once(messages, failure_code)
            except _DropField:
                continue  # same attempt again, without the refused field
            except _Transient as exc:
                last = exc
                if attempt == self.max_retries:
                    break
                delay = exc.retry_after if exc.retry_after is not None else self._backoff(attempt)
                log.warning("LLM request failed (%s); retrying in %.1fs", exc, delay)
                time.sleep(delay)
                attempt += 1
        assert last is not None
        tries = self.max_retries + 1
        if last.timeout:
            raise EngineError(
                f"The language model endpoint timed out ({tries} attempts): {last}", code="GATEWAY_TIMEOUT"
            )
        raise EngineError(f"The language model endpoint failed ({tries} attempts): {last}", code=failure_code)

    def _backoff(self, attempt: int) -> float:
        return float(min(MAX_BACKOFF, self.backoff * (2**attempt)))

    def _post_once(self, messages: list[dict[str, str]], failure_code: str) -> str:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "response_format": {"type": "json_object"},
        }
        if self.temperature is not None:
            body["temperature"] = self.temperature  # determinism: same input, same codes
        for name in self._dropped:
            body.pop(name, None)
        try:
            resp = self._http.post(self.url, json=body)
        except httpx.TimeoutException as exc:
            raise _Transient(f"timed out ({type(exc).__name__})", timeout=True) from None
        except httpx.TransportError as exc:
            raise _Transient(f"connection error: {exc}") from None

        if resp.status_code in RETRY_STATUSES:
            raise _Transient(
                f"HTTP {resp.status_code}: {_upstream_message(resp)}",
                timeout=resp.status_code in (408, 504),
                retry_after=_retry_after(resp),
            )
        if resp.status_code >= 400:
            message = _upstream_message(resp)
            if resp.status_code == 400:
                self._maybe_drop_field(message, body)
            raise EngineError(
                f"The language model endpoint refused the request: HTTP {resp.status_code}: {message}",
                code=failure_code, status=resp.status_code, per_input=resp.status_code in PER_INPUT_STATUSES,
            )
        return _content(resp, failure_code)

    def _maybe_drop_field(self, message: str, body: dict[str, Any]) -> None:
        lowered = message.lower()
        for name in OPTIONAL_FIELDS:
            if name in body and name not in self._dropped and name in lowered:
                log.warning("endpoint refused %r; sending requests without it", name)
                self._dropped.add(name)
                raise _DropField()


class _DropField(Exception):
    """The endpoint refused an optional field: resend without it (not counted as a retry)."""


# ---------------------------------------------------------------------- helpers


def _content(resp: httpx.Response, failure_code: str) -> str:
    try:
        data = resp.json()
        content = data["choices"][0]["message"].get("content")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        raise EngineError(
            f"The language model endpoint returned an unexpected body: {resp.text[:300]}", code=failure_code
        ) from None
    # A null content (refusal, empty generation) is an invalid reply the repair round can fix.
    return content if isinstance(content, str) else ""


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def _parse(content: str, schema: type[M]) -> M:
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:  # local models often wrap JSON in a code fence despite json mode
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _InvalidReply(f"not JSON ({exc.msg} at position {exc.pos})", content) from None
    try:
        return schema.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise _InvalidReply(f"JSON does not match the expected shape at {where or 'top level'}: {first['msg']}",
                            content) from None


def _repair_instruction(problem: str) -> str:
    return (
        f"Your previous reply could not be used: {problem}. Reply again with only the corrected JSON "
        "object, in exactly the format the instructions describe: no prose, no code fences."
    )


def _upstream_message(resp: httpx.Response) -> str:
    """The error text the upstream gave, from OpenAI's {"error": {"message"}} or the raw body."""
    try:
        data = resp.json()
    except ValueError:
        return resp.text[:300] or resp.reason_phrase
    if isinstance(data, dict):
        err = data.get("error", data)
        if isinstance(err, dict):
            msg = err.get("message") or err.get("detail")
            if msg:
                return str(msg)[:300]
        elif isinstance(err, str):
            return err[:300]
    return resp.text[:300]


def _retry_after(resp: httpx.Response) -> float | None:
    """Seconds from ``Retry-After`` (delta-seconds or an HTTP date), capped so a run never stalls."""
    value = resp.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, min(MAX_RETRY_AFTER, seconds))
