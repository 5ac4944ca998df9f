"""The HTTP choke point: what is retried, what is not, and what errors say."""

from __future__ import annotations

import time

import httpx
import pytest
from pydantic import BaseModel

from pulumi_gpu.core.errors import (
    ApiError,
    AuthenticationError,
    InvalidRequestError,
    MalformedAnswer,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from pulumi_gpu.core.http import (
    ApiClient,
    HeaderAuth,
    RetryPolicy,
    deadline,
    error_message,
    parse_retry_after,
)

SECRET = "sk-very-secret-key"


class Script:
    """A MockTransport handler answering from a list, recording every request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def client(script: Script, sleeps: list[float] | None = None, attempts: int = 4) -> ApiClient:
    """A client of ``script`` whose sleeps are recorded in ``sleeps`` and move its clock."""
    recorded = sleeps if sleeps is not None else []
    now = [1000.0]

    def sleep(seconds: float) -> None:
        recorded.append(seconds)
        now[0] += seconds

    return ApiClient(
        "https://api.example/v1",
        auth=HeaderAuth("X-API-KEY", SECRET),
        transport=httpx.MockTransport(script),
        retry=RetryPolicy(attempts=attempts, base_delay=0.01, max_delay=0.02),
        sleep=sleep,
        clock=lambda: now[0],
    )


def test_get_is_retried_on_5xx_then_succeeds() -> None:
    script = Script(httpx.Response(503), httpx.Response(502), httpx.Response(200, json={"ok": 1}))
    assert client(script).request("GET", "/things") == {"ok": 1}
    assert len(script.requests) == 3
    assert str(script.requests[0].url) == "https://api.example/v1/things"


def test_post_is_not_retried_on_5xx_and_says_the_outcome_is_unknown() -> None:
    script = Script(httpx.Response(500, json={"detail": "boom"}))
    with pytest.raises(ServerError) as caught:
        client(script).request("POST", "/things", json={"a": 1})
    assert caught.value.outcome_unknown
    assert caught.value.status == 500
    assert "boom" in str(caught.value)
    assert len(script.requests) == 1


def test_post_lost_after_sending_is_not_retried() -> None:
    script = Script(httpx.RemoteProtocolError("peer closed connection"))
    with pytest.raises(TransportError) as caught:
        client(script).request("POST", "/things")
    assert caught.value.outcome_unknown
    assert len(script.requests) == 1


def test_post_is_retried_when_the_connection_never_opened() -> None:
    script = Script(httpx.ConnectError("refused"), httpx.Response(201, json={"id": "x"}))
    assert client(script).request("POST", "/things") == {"id": "x"}
    assert len(script.requests) == 2


def test_429_is_retried_even_for_post_honouring_retry_after() -> None:
    sleeps: list[float] = []
    script = Script(httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, json=[]))
    assert client(script, sleeps).request("POST", "/things") == []
    assert len(sleeps) == 1
    assert 3 <= sleeps[0] < 3.5


def test_429_without_retry_after_waits_for_the_rate_limit_window() -> None:
    sleeps: list[float] = []
    script = Script(
        httpx.Response(429, headers={"RateLimit": '"minute";r=0;t=7, "hour";r=10;t=900'}),
        httpx.Response(200, json={}),
    )
    client(script, sleeps).request("GET", "/x")
    assert 7 <= sleeps[0] < 7.5


def test_exhausted_retries_raise_the_typed_error() -> None:
    script = Script(*[httpx.Response(429) for _ in range(3)])
    with pytest.raises(RateLimitedError):
        client(script, attempts=3).request("GET", "/x")
    assert len(script.requests) == 3


def test_501_and_4xx_are_not_retried() -> None:
    script = Script(httpx.Response(501))
    with pytest.raises(ServerError):
        client(script).request("GET", "/x")
    assert len(script.requests) == 1
    refusals = [
        (400, InvalidRequestError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (422, InvalidRequestError),
    ]
    for status, cls in refusals:
        script = Script(httpx.Response(status, json={"detail": "nope"}))
        with pytest.raises(cls):
            client(script).request("GET", "/x")
        assert len(script.requests) == 1


def test_exhausted_rate_limit_window_throttles_the_next_request() -> None:
    sleeps: list[float] = []
    script = Script(
        httpx.Response(200, json={}, headers={"RateLimit": '"minute";r=0;t=5'}),
        httpx.Response(200, json={}),
    )
    api = client(script, sleeps)
    api.request("GET", "/a")
    api.request("GET", "/b")
    assert len(sleeps) == 1 and 4 < sleeps[0] <= 5


def test_credentials_travel_only_in_their_header() -> None:
    script = Script(httpx.Response(404, json={"detail": "404: Pod not found"}))
    with pytest.raises(NotFoundError) as caught:
        client(script).request("GET", "/pods/1", params={"a": "b"})
    request = script.requests[0]
    assert request.headers["X-API-KEY"] == SECRET
    assert SECRET not in str(request.url)
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(HeaderAuth("X-API-KEY", SECRET))


def test_a_success_body_that_is_not_json_is_a_transport_error() -> None:
    script = Script(httpx.Response(200, text="<html>proxy</html>"))
    with pytest.raises(TransportError) as caught:
        client(script).request("POST", "/things")
    assert caught.value.outcome_unknown


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"detail": "API key not found"}, "API key not found"),
        (
            {"detail": [{"loc": ["body", "pod_name"], "msg": "Input should be a valid string"}]},
            "body.pod_name: Input should be a valid string",
        ),
        (
            {"title": "Unprocessable", "status": 422, "detail": "Request validation failed.",
             "errors": ["$: additional properties 'bogus' not allowed"]},
            "Request validation failed. - $: additional properties 'bogus' not allowed",
        ),
        ({"errors": [{"param": "gpuCount", "details": "must be > 0"}]}, "gpuCount: must be > 0"),
        ({"message": "Pod not found"}, "Pod not found"),
    ],
)  # fmt: skip
def test_error_messages_keep_the_clouds_words(body: object, expected: str) -> None:
    assert error_message(httpx.Response(400, json=body)) == expected


def test_header_parsers() -> None:
    assert parse_retry_after("12") == 12
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470) == 10
    assert parse_retry_after("soon") is None


def test_a_keyed_post_is_retried_but_keeps_its_outcome_unknown() -> None:
    """Retriable is not the same as harmless: after every retry, the server may have acted."""
    script = Script(*[httpx.Response(503) for _ in range(3)])
    with pytest.raises(ServerError) as caught:
        client(script, attempts=3).request("POST", "/jobs", idempotent=True)
    assert caught.value.outcome_unknown and len(script.requests) == 3
    reads = Script(*[httpx.Response(503) for _ in range(3)])
    with pytest.raises(ServerError) as read:
        client(reads, attempts=3).request("GET", "/jobs")
    assert not read.value.outcome_unknown, "a read changes nothing"


def test_the_rate_limit_wait_is_capped_and_said() -> None:
    sleeps: list[float] = []
    script = Script(
        httpx.Response(200, json={}, headers={"RateLimit": '"day";r=0;t=86400'}),
        httpx.Response(200, json={}),
    )
    api = client(script, sleeps)
    api.request("GET", "/a")
    api.request("GET", "/b")
    assert sleeps == [pytest.approx(RetryPolicy().max_rate_limit_wait, abs=1)]


def test_no_retry_starts_after_the_wait_it_serves_is_over() -> None:
    sleeps: list[float] = []
    script = Script(
        httpx.Response(503, headers={"Retry-After": "30"}), httpx.Response(200, json={})
    )
    with deadline(time.monotonic() + 5), pytest.raises(ServerError):
        client(script, sleeps).request("GET", "/pods/1")
    assert sleeps == [] and len(script.requests) == 1


def test_redirects_stay_on_the_api_host() -> None:
    same = Script(
        httpx.Response(307, headers={"Location": "https://api.example/v1/things/"}),
        httpx.Response(200, json={"ok": 1}),
    )
    assert client(same).request("GET", "/things") == {"ok": 1}
    assert same.requests[1].headers["X-API-KEY"] == SECRET

    away = Script(httpx.Response(302, headers={"Location": "https://evil.example/steal?x=1"}))
    with pytest.raises(ApiError, match="another host") as caught:
        client(away).request("GET", "/things")
    assert len(away.requests) == 1, "the credential must not be sent to another host"
    assert "steal" not in str(caught.value)


def test_a_malformed_answer_names_fields_but_never_values() -> None:
    class Thing(BaseModel):
        id: str
        port: int

    script = Script(httpx.Response(200, json={"id": "x", "port": "secret-token-123"}))
    api = client(script)
    with pytest.raises(MalformedAnswer) as caught:
        api.decode(Thing, api.request("GET", "/things/x"))
    assert "port" in str(caught.value)
    assert "secret-token-123" not in str(caught.value)
    with pytest.raises(MalformedAnswer):
        api.decode_list(Thing, {"items": "not a list"}, "items")
