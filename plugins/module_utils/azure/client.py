# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small Azure Resource Manager client on azure-core's HTTP pipeline.

Why azure-core's pipeline and not azure-mgmt-kubernetesconfiguration-extensions (plus azure-mgmt-authorization,
azure-mgmt-msi and azure-mgmt-hybridkubernetes for the other resources we touch): one small dependency set
(azure-core + azure-identity, already needed for credentials) instead of four generated SDKs that pin their own
api-versions; full control of the api-version per resource, of the long-running-operation headers
(Azure-AsyncOperation / Location / Retry-After) and of progress output; and a custom ARM endpoint for the test
server. The pure parts (retry decisions, error parsing, URL building) are functions so unit tests need no network.
"""

import email.utils
import json
import os
import time
from dataclasses import dataclass, field

from ansible_collections.acstor.edge.plugins.module_utils.common.errors import AcstorError

try:
    from urllib.parse import urlencode, urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, the import only keeps sanity quiet
    pass

try:
    from azure.core import PipelineClient
    from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError, ServiceResponseError
    from azure.core.pipeline.policies import BearerTokenCredentialPolicy, HeadersPolicy, HTTPPolicy
    from azure.core.rest import HttpRequest

    HAS_AZURE_CORE = True
    AZURE_CORE_IMPORT_ERROR = None
except ImportError as exc:  # the module reports missing_required_lib('azure-core')
    HAS_AZURE_CORE = False
    AZURE_CORE_IMPORT_ERROR = exc
    HTTPPolicy = object

USER_AGENT = "acstor.edge-ansible"
RETRYABLE_STATUS = (408, 429, 500, 502, 503, 504)
TERMINAL_STATES = ("succeeded", "failed", "canceled", "cancelled")
CORRELATION_HEADER = "x-ms-correlation-request-id"
REQUEST_ID_HEADER = "x-ms-request-id"


@dataclass
class RetrySettings:
    """max_delay_seconds is the caller's own timeout: Retry-After is honoured up to it (all waits of one client
    together), never cut short to a fixed cap; a wait that would pass it ends the retries instead."""

    max_retries: int = 4
    backoff_seconds: float = 1.0
    max_delay_seconds: float = 60.0


@dataclass
class ArmResponse:
    status: int
    headers: dict
    body: object
    url: str = ""


class ArmError(AcstorError):
    """An ARM request failed: HTTP status, ARM error code/message and the correlation id for support tickets."""

    def __init__(
        self, message, status=None, code=None, correlation_id=None, request_id=None, details=None, method=None, url=None
    ):
        super(ArmError, self).__init__(message)
        self.status = status
        self.code = code
        self.correlation_id = correlation_id
        self.request_id = request_id
        self.details = details or []
        self.method = method
        self.url = url
        # What the caller found out after the failure (for example the extension's own error), said last.
        self.note = ""

    def __str__(self):
        parts = []
        if self.method and self.url:
            parts.append("ARM {0} {1} failed:".format(self.method, strip_query(self.url)))
        if self.status:
            parts.append("HTTP {0}".format(self.status))
        if self.code:
            parts.append(self.code + ":")
        parts.append(self.message)
        for detail in self.details:
            parts.append("[{0}: {1}]".format(detail.get("code", ""), detail.get("message", "")))
        if self.correlation_id:
            parts.append("(correlation id {0})".format(self.correlation_id))
        return " ".join(parts) + ("; " + self.note if self.note else "")

    def as_dict(self):
        return dict(
            status=self.status,
            code=self.code,
            message=self.message,
            details=self.details,
            correlation_id=self.correlation_id,
            request_id=self.request_id,
        )

    def as_result(self):
        """ARM's details stay under `error`, as the modules have always returned them."""
        return dict(msg=str(self), error=self.as_dict())


class ArmTimeoutError(ArmError):
    """A long-running operation did not finish within the caller's timeout."""


def strip_query(url):
    """URL without its query string (api-version noise; nothing secret is ever in our URLs, but keep messages short)."""
    return url.split("?", 1)[0]


def proxy_for(url, environ):
    """(proxy URL without credentials, variable name) that requests will use for `url`, or None.

    Mirrors how requests reads the environment: <scheme>_proxy (lower case first), then all_proxy, unless the host
    matches an entry of no_proxy (exact host, host:port, a domain suffix, or "*").
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    bypass = environ.get("no_proxy") or environ.get("NO_PROXY") or ""
    for entry in (item.strip().lower() for item in bypass.split(",")):
        if not entry:
            continue
        if (
            entry == "*"
            or entry in (host, "{0}:{1}".format(host, parts.port))
            or host.endswith("." + entry.lstrip("."))
        ):
            return None
    for name in (parts.scheme + "_proxy", parts.scheme.upper() + "_PROXY", "all_proxy", "ALL_PROXY"):
        value = environ.get(name)
        if value:
            proxy = urlsplit(value if "://" in value else "http://" + value)
            netloc = proxy.hostname or ""
            netloc += ":{0}".format(proxy.port) if proxy.port else ""
            return "{0}://{1}".format(proxy.scheme, netloc), name
    return None


def unreachable_message(url, exc, environ):
    """'cannot reach URL[ through proxy P (VAR)]: reason' for a connection error (proxy credentials never shown)."""
    proxy = proxy_for(url, environ)
    route = " through proxy {0} ({1}; hosts in NO_PROXY bypass it)".format(*proxy) if proxy else ""
    return "cannot reach {0}{1}: {2}".format(strip_query(url), route, getattr(exc, "message", None) or exc)


def header(headers, name):
    """Case-insensitive header lookup on a plain dict."""
    wanted = name.lower()
    for key, value in (headers or {}).items():
        if key.lower() == wanted:
            return value
    return None


def parse_retry_after(value, now=None):
    """Retry-After as seconds (delta-seconds or an HTTP date), None if absent or unparsable."""
    if value is None or str(value).strip() == "":
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, moment.timestamp() - now)


def retry_delay(status, headers, attempt, settings, now=None, spent=0.0):
    """Seconds to wait before retry number `attempt + 1`, or None when the response is final.

    Throttling (429) and server errors (5xx, 408) are retried up to settings.max_retries times. Retry-After is
    honoured as ARM gives it, as long as `spent` (seconds already waited) plus the wait stays within
    max_delay_seconds, the caller's timeout; a longer request ends the retries (None). Without Retry-After the delay
    grows exponentially, trimmed to what is left. status None means the connection failed before any response.
    """
    if attempt >= settings.max_retries:
        return None
    if status is not None and status not in RETRYABLE_STATUS:
        return None
    left = settings.max_delay_seconds - spent
    advised = parse_retry_after(header(headers, "Retry-After"), now) if status is not None else None
    if advised is not None:
        return advised if advised <= left else None
    delay = min(settings.backoff_seconds * (2**attempt), left)
    return delay if delay > 0 else None


def parse_arm_error(status, headers, text, method=None, url=None):
    """ArmError from an ARM error response ({"error": {"code", "message", "details"}}; tolerant of other shapes)."""
    code, message, details = None, None, []
    try:
        body = json.loads(text) if text else {}
    except ValueError:
        body = {}
    if isinstance(body, dict):
        error = body.get("error") if isinstance(body.get("error"), dict) else body
        code = error.get("code")
        message = error.get("message")
        details = [
            dict(code=d.get("code"), message=d.get("message"))
            for d in error.get("details") or []
            if isinstance(d, dict)
        ]
        if error.get("error_description") and not message:  # OAuth token endpoint errors
            code, message = error.get("error"), error.get("error_description")
    if not message:
        message = (text or "").strip()[:500] or "no error body"
    return ArmError(
        message,
        status=status,
        code=code,
        correlation_id=header(headers, CORRELATION_HEADER),
        request_id=header(headers, REQUEST_ID_HEADER),
        details=details,
        method=method,
        url=url,
    )


def operation_error(status_body, fallback_message):
    """ArmError from a failed async-operation status document or a Failed resource."""
    error = (status_body or {}).get("error") or {}
    properties = (status_body or {}).get("properties") or {}
    error = error or properties.get("errorInfo") or {}
    details = [
        dict(code=d.get("code"), message=d.get("message")) for d in error.get("details") or [] if isinstance(d, dict)
    ]
    return ArmError(error.get("message") or fallback_message, code=error.get("code"), details=details)


def build_url(endpoint, path, api_version=None, query=None):
    """Absolute request URL: `path` is an ARM resource path ('/subscriptions/...') or already absolute (nextLink)."""
    if path.startswith("https://") or path.startswith("http://"):
        url = path
    else:
        url = endpoint.rstrip("/") + "/" + path.lstrip("/")
    params = []
    if api_version and "api-version=" not in url:
        params.append(("api-version", api_version))
    for key, value in sorted((query or {}).items()):
        if value is not None:
            params.append((key, value))
    if params:
        url += ("&" if "?" in url else "?") + urlencode(params)
    return url


class ArmRetryPolicy(HTTPPolicy):
    """Bounded retries on throttling/5xx/connection errors, honouring Retry-After; reports each retry to `log`."""

    def __init__(self, settings, log, sleep=time.sleep):
        super(ArmRetryPolicy, self).__init__()
        self.settings = settings
        self.log = log
        self.sleep = sleep
        self.waited = 0.0  # seconds spent waiting before retries, over the client's life
        self.refusal = None  # why the last retryable answer was not retried (a Retry-After beyond the timeout)

    def send(self, request):
        attempt = 0
        self.refusal = None
        what = "{0} {1}".format(request.http_request.method, strip_query(request.http_request.url))
        while True:
            try:
                response = self.next.send(request)
            except (ServiceRequestError, ServiceResponseError) as exc:
                delay = retry_delay(None, {}, attempt, self.settings, spent=self.waited)
                if delay is None:
                    raise
                reason = "connection error ({0})".format(type(exc).__name__)
            else:
                http = response.http_response
                headers = dict(http.headers)
                delay = retry_delay(http.status_code, headers, attempt, self.settings, spent=self.waited)
                advised = parse_retry_after(header(headers, "Retry-After"))
                if delay is None:
                    if (
                        http.status_code in RETRYABLE_STATUS
                        and advised is not None
                        and attempt < self.settings.max_retries
                    ):
                        self.refusal = (
                            "ARM asked to retry after {0:.0f}s (Retry-After), more than the {1:.0f}s left of "
                            "this task's timeout".format(advised, self.settings.max_delay_seconds - self.waited)
                        )
                        self.log("{0}: HTTP {1}; {2}; not retrying".format(what, http.status_code, self.refusal))
                    return response
                reason = "HTTP {0}{1}".format(
                    http.status_code,
                    ", Retry-After {0}".format(header(headers, "Retry-After")) if advised is not None else "",
                )
            self.log(
                "{0}: {1}; waiting {2:.0f}s before retry {3}/{4} ({5:.0f}s waited for retries so far)".format(
                    what, reason, delay, attempt + 1, self.settings.max_retries, self.waited + delay
                )
            )
            self.sleep(delay)
            self.waited += delay
            attempt += 1


def poll_delay(advised, delay, polls, default_seconds):
    """Seconds before the next poll: what ARM advised (Retry-After), else the delay still in force, else (no
    Retry-After at all, e.g. a resource polled directly) 1, 2, 4, 8 s, then the default interval; never under 1 s."""
    if advised is not None:
        delay = advised
    elif delay is None:
        delay = min(default_seconds, 2.0**polls)
    return max(1.0, delay)


@dataclass
class OperationResult:
    status: str
    body: dict = field(default_factory=dict)
    elapsed: float = 0.0


class ArmClient(object):
    """GET/PUT/PATCH/DELETE/list against ARM with retries, LRO polling and readable errors.

    Tokens stay inside azure-core's BearerTokenCredentialPolicy; nothing here logs headers or bodies.
    """

    def __init__(
        self,
        credential,
        cloud,
        subscription_id,
        retry=None,
        log=None,
        sleep=time.sleep,
        clock=time.monotonic,
        default_poll_seconds=10.0,
    ):
        if not HAS_AZURE_CORE:
            raise ArmError("azure-core is required: {0}".format(AZURE_CORE_IMPORT_ERROR))
        self.cloud = cloud
        self.endpoint = cloud.resource_manager
        self.subscription_id = subscription_id
        self.events = []
        self._log = log
        self.sleep = sleep
        self.clock = clock
        self.default_poll_seconds = default_poll_seconds
        self.retry_policy = ArmRetryPolicy(retry or RetrySettings(), self.log, sleep)
        policies = [
            HeadersPolicy({"User-Agent": USER_AGENT}),
            self.retry_policy,
            BearerTokenCredentialPolicy(credential, cloud.scope),
        ]
        self._client = PipelineClient(self.endpoint, policies=policies)

    def log(self, message):
        self.events.append(message)
        if self._log:
            self._log(message)

    def request(self, method, path, api_version=None, body=None, query=None):
        url = build_url(self.endpoint, path, api_version, query)
        request = HttpRequest(method, url, json=body) if body is not None else HttpRequest(method, url)
        try:
            response = self._client.send_request(request)
        except ClientAuthenticationError as exc:
            raise ArmError(
                "authentication failed: {0}".format(getattr(exc, "message", None) or exc), method=method, url=url
            ) from exc
        except (ServiceRequestError, ServiceResponseError) as exc:
            raise ArmError(unreachable_message(self.endpoint, exc, os.environ), method=method, url=url) from exc
        text = response.text()
        headers = dict(response.headers)
        if response.status_code >= 400:
            error = parse_arm_error(response.status_code, headers, text, method=method, url=url)
            if self.retry_policy.refusal:
                error.message += " ({0})".format(self.retry_policy.refusal)
            raise error
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        return ArmResponse(response.status_code, headers, parsed, url)

    def get(self, path, api_version, query=None):
        """The resource, or None when ARM answers 404."""
        try:
            return self.request("GET", path, api_version, query=query).body
        except ArmError as exc:
            if exc.status == 404:
                return None
            raise

    def list(self, path, api_version, query=None):
        """All items of a pageable list, following nextLink."""
        items, url, first = [], path, True
        while url:
            response = self.request("GET", url, api_version if first else None, query=query if first else None)
            page = response.body or {}
            items.extend(page.get("value") or [])
            url, first = page.get("nextLink"), False
        return items

    def wait(self, response, timeout, what, resource_path=None, api_version=None, deleting=False):
        """Follow a long-running operation (Azure-AsyncOperation, else Location, else the resource itself).

        Returns OperationResult; raises ArmTimeoutError after `timeout` seconds and ArmError if it failed.
        """
        start = self.clock()
        async_url = header(response.headers, "Azure-AsyncOperation")
        location = header(response.headers, "Location")
        if not (async_url or location or resource_path):
            return OperationResult("Succeeded", response.body or {}, 0.0)
        delay = parse_retry_after(header(response.headers, "Retry-After"))
        polls = 0
        while True:
            poll, status, body = self._poll_operation(async_url, location, resource_path, api_version, deleting)
            elapsed = self.clock() - start
            self.log("{0}: {1} after {2:.0f}s".format(what, status, elapsed))
            if status.lower() in TERMINAL_STATES or status == "NotFound":
                if status.lower() != "succeeded":
                    error = operation_error(body, "{0} ended in state {1}".format(what, status))
                    error.status = poll.status
                    raise error
                return OperationResult(status, body, elapsed)
            advised = parse_retry_after(header(poll.headers, "Retry-After"))
            delay = poll_delay(advised, delay, polls, self.default_poll_seconds)
            if elapsed + delay > timeout:
                raise ArmTimeoutError(
                    "timed out after {0:.0f}s waiting for {1}; last status {2}{3}".format(
                        elapsed,
                        what,
                        status,
                        "; ARM asked to poll again in {0:.0f}s (Retry-After)".format(advised)
                        if advised is not None
                        else "",
                    )
                )
            self.sleep(delay)
            polls += 1
            if advised is None:
                delay = None

    def _poll_operation(self, async_url, location, resource_path, api_version, deleting):
        """One poll of a long-running operation -> (response, status, body).

        The Azure-AsyncOperation URL reports the status; a Location URL answers 202 while in progress; a resource
        polled directly reports its provisioningState, and one being deleted is done when it is gone.
        """
        if async_url:
            poll = self.request("GET", async_url)
            body = poll.body or {}
            return poll, body.get("status") or "InProgress", body
        if location:
            poll = self.request("GET", location)
            return poll, "InProgress" if poll.status == 202 else "Succeeded", poll.body or {}
        current = self.get(resource_path, api_version)
        poll = ArmResponse(200, {}, current)
        if current is None:
            return poll, "Succeeded" if deleting else "NotFound", {}
        status = (current.get("properties") or {}).get("provisioningState") or "Succeeded"
        if deleting and status.lower() == "succeeded":
            status = "Deleting"
        return poll, status, current


def arm_client_from_settings(settings, log=None, fetch_metadata=None, timeout=None):
    """ArmClient for resolved AuthSettings (cloud lookup + credential). Import-light for sanity tests.

    `timeout` (the module's own, in seconds) bounds the waits before retries, Retry-After included.
    """
    from ansible_collections.acstor.edge.plugins.module_utils.azure.auth import build_credential, resolve_cloud

    cloud = resolve_cloud(settings.cloud_environment, fetch_metadata or fetch_cloud_metadata)
    retry = RetrySettings(max_delay_seconds=float(timeout)) if timeout else None
    return ArmClient(build_credential(settings, cloud), cloud, settings.subscription_id, retry=retry, log=log)


def fetch_cloud_metadata(url):
    """GET an ARM metadata-discovery document (unauthenticated, as msrestazure does for Azure Stack)."""
    client = PipelineClient(url, policies=[HeadersPolicy({"User-Agent": USER_AGENT})])
    try:
        response = client.send_request(HttpRequest("GET", url))
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise ArmError(unreachable_message(url, exc, os.environ)) from exc
    if response.status_code != 200:
        raise ArmError("cloud metadata {0} returned HTTP {1}".format(strip_query(url), response.status_code))
    return response.json()


def split_resource_id(resource_id):
    """{'subscription', 'resource_group', 'name'} of an ARM resource id (used for inventory hostvars)."""
    parts = [p for p in urlsplit(resource_id).path.split("/") if p]
    lowered = [p.lower() for p in parts]
    result = {}
    for key, marker in (("subscription", "subscriptions"), ("resource_group", "resourcegroups")):
        if marker in lowered and lowered.index(marker) + 1 < len(parts):
            result[key] = parts[lowered.index(marker) + 1]
    result["name"] = parts[-1] if parts else ""
    return result
