"""Pure parts of the ARM client: retry decisions, Retry-After parsing, error parsing, URL building."""

import json

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.azure.client import (
    RetrySettings,
    build_url,
    operation_error,
    parse_arm_error,
    parse_retry_after,
    poll_delay,
    retry_delay,
    split_resource_id,
)

SETTINGS = RetrySettings(max_retries=4, backoff_seconds=1.0, max_delay_seconds=60.0)


@pytest.mark.parametrize(
    "status,headers,attempt,expected",
    [
        (200, {}, 0, None),  # success is final
        (404, {}, 0, None),  # client errors are final
        (400, {"Retry-After": "5"}, 0, None),  # even with a Retry-After
        (429, {"Retry-After": "7"}, 0, 7.0),  # throttling honours Retry-After
        (429, {"retry-after": "7"}, 0, 7.0),  # header names are case-insensitive
        (429, {}, 2, 4.0),  # otherwise exponential backoff
        (500, {}, 0, 1.0),
        (503, {"Retry-After": "600"}, 0, None),  # longer than the caller's timeout (60 s): not retried
        (503, {"Retry-After": "59"}, 0, 59.0),  # within it: honoured as asked, no fixed cap
        (502, {}, 3, 8.0),
        (500, {}, 4, None),  # bounded
        (None, {}, 1, 2.0),  # connection error
    ],
)
def test_retry_delay(status, headers, attempt, expected):
    assert retry_delay(status, headers, attempt, SETTINGS) == expected


def test_retry_after_http_date():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None


def test_parse_arm_error_carries_code_message_details_and_correlation_id():
    body = json.dumps(
        {
            "error": {
                "code": "AuthorizationFailed",
                "message": "no access",
                "details": [{"code": "Inner", "message": "why"}],
            }
        }
    )
    error = parse_arm_error(
        403,
        {"x-ms-correlation-request-id": "corr-1", "X-Ms-Request-Id": "req-1"},
        body,
        method="PUT",
        url="https://management.azure.com/subscriptions/s/x?api-version=1",
    )
    assert (error.status, error.code, error.message, error.correlation_id, error.request_id) == (
        403,
        "AuthorizationFailed",
        "no access",
        "corr-1",
        "req-1",
    )
    text = str(error)
    assert text.startswith(
        "ARM PUT https://management.azure.com/subscriptions/s/x failed: HTTP 403 AuthorizationFailed: no access"
    )
    assert "[Inner: why]" in text and "(correlation id corr-1)" in text


def test_parse_arm_error_tolerates_non_arm_bodies():
    assert parse_arm_error(502, {}, "<html>bad gateway</html>").message == "<html>bad gateway</html>"
    assert parse_arm_error(500, {}, "").message == "no error body"
    oauth = parse_arm_error(401, {}, json.dumps({"error": "invalid_client", "error_description": "AADSTS7000215"}))
    assert oauth.message == "AADSTS7000215"


def test_operation_error_from_status_or_failed_resource():
    assert operation_error({"status": "Failed", "error": {"code": "X", "message": "m"}}, "fallback").code == "X"
    failed = {"properties": {"errorInfo": {"code": "HelmInstallFailed", "message": "deadline"}}}
    assert str(operation_error(failed, "fallback")) == "HelmInstallFailed: deadline"
    assert operation_error({}, "fallback").message == "fallback"


def test_build_url():
    assert (
        build_url("https://arm/", "/subscriptions/s", "2025-03-01")
        == "https://arm/subscriptions/s?api-version=2025-03-01"
    )
    assert (
        build_url("https://arm", "https://arm/next?api-version=1&$skiptoken=2", "9")
        == "https://arm/next?api-version=1&$skiptoken=2"
    )
    assert (
        build_url("https://arm", "/x", "1", {"forceDelete": "true", "skip": None})
        == "https://arm/x?api-version=1&forceDelete=true"
    )


def test_split_resource_id():
    ids = split_resource_id("/subscriptions/S1/resourcegroups/RG/providers/Microsoft.Kubernetes/connectedClusters/c1")
    assert ids == {"subscription": "S1", "resource_group": "RG", "name": "c1"}


def test_retry_after_is_honoured_up_to_the_module_timeout_not_a_fixed_cap():
    long_timeout = RetrySettings(max_delay_seconds=1800.0)
    assert retry_delay(429, {"Retry-After": "120"}, 0, long_timeout) == 120.0
    # what earlier retries already waited counts against the same timeout
    assert retry_delay(429, {"Retry-After": "120"}, 1, long_timeout, spent=1700.0) is None
    assert retry_delay(500, {}, 3, long_timeout, spent=1795.0) == 5.0


@pytest.mark.parametrize(
    "advised,delay,polls,expected",
    [
        (None, None, 0, 1.0),  # no Retry-After anywhere: 1, 2, 4, 8 s ...
        (None, None, 3, 8.0),
        (None, None, 6, 15.0),  # ... then the default interval (15 s here)
        (None, 30.0, 4, 30.0),  # the first response's Retry-After holds until a poll advises otherwise
        (7.0, None, 5, 7.0),  # a poll's Retry-After wins
        (7.0, 30.0, 0, 7.0),
        (0.0, None, 0, 1.0),  # never under 1 s
    ],
)
def test_poll_delay(advised, delay, polls, expected):
    assert poll_delay(advised, delay, polls, 15.0) == expected
