# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Discover, plan and apply an Arc extension through ArmClient (everything arc_extension does after its inputs)."""

from ansible_collections.acstor.edge.plugins.module_utils.azure.client import ArmError, ArmTimeoutError
from ansible_collections.acstor.edge.plugins.module_utils.azure.extension import (
    EXTENSIONS_API_VERSION,
    desired_view,
    extension_failure,
    extension_path,
    operation_in_progress,
    owned_view,
    plan_extension,
    principal_id,
)
from ansible_collections.acstor.edge.plugins.module_utils.common.errors import AcstorError

PRINCIPAL_POLL_SECONDS = 3.0
SETTLE_POLL_MAX_SECONDS = 10.0


def settle_extension(client, path, name, timeout):
    """GET the extension, waiting while an operation is in progress (Creating/Updating/Deleting: an auto-upgrade,
    another pipeline, a portal click), since ARM answers writes then with a conflict.

    Returns (resource or None, seconds waited). Raises ArmTimeoutError naming the state and the wait after `timeout`
    seconds; nothing is written either way.
    """
    start = client.clock()
    resource = client.get(path, EXTENSIONS_API_VERSION)
    state, polls = operation_in_progress(resource), 0
    if state is None:
        return resource, 0.0
    client.log(
        "extension {0} is {1} (an operation in progress); waiting for it to finish before planning".format(name, state)
    )
    while state is not None:
        elapsed = client.clock() - start
        delay = min(SETTLE_POLL_MAX_SECONDS, 2.0**polls)
        if elapsed + delay > timeout:
            raise ArmTimeoutError(
                "extension {0} is still {1} after waiting {2:.0f}s (wait_timeout {3}s) for the operation in "
                "progress to finish; nothing was changed, rerun when it has settled".format(
                    name, state, elapsed, timeout
                ),
                code="OperationInProgress",
            )
        client.sleep(delay)
        polls += 1
        resource = client.get(path, EXTENSIONS_API_VERSION)
        state = operation_in_progress(resource)
    waited = client.clock() - start
    client.log(
        "extension {0}: operation in progress ended after {1:.0f}s, now {2}".format(
            name, waited, ((resource or {}).get("properties") or {}).get("provisioningState", "deleted")
        )
    )
    return resource, waited


def write_extension(client, path, plan, name, wait, timeout, force_delete=False):
    """Send the plan's request; with `wait`, follow the operation and return the extension as ARM then shows it."""
    if plan.action == "delete":
        response = client.request(
            "DELETE", path, EXTENSIONS_API_VERSION, query={"forceDelete": "true"} if force_delete else None
        )
        if wait and response.status == 202:
            client.wait(response, timeout, "delete extension " + name, path, EXTENSIONS_API_VERSION, deleting=True)
        return None
    method = "PATCH" if plan.action == "update" else "PUT"
    response = client.request(method, path, EXTENSIONS_API_VERSION, body=plan.body)
    if not wait:
        return response.body
    state = ((response.body or {}).get("properties") or {}).get("provisioningState") or ""
    if response.status in (201, 202) or state.lower() not in ("succeeded", "failed", "canceled", ""):
        client.wait(response, timeout, "{0} extension {1}".format(plan.action, name), path, EXTENSIONS_API_VERSION)
    resource = client.get(path, EXTENSIONS_API_VERSION)
    if resource is None:
        raise ArmError("extension {0} is gone after {1}".format(name, method))
    if (resource.get("properties") or {}).get("provisioningState", "").lower() == "failed":
        raise ArmError("extension {0} is Failed: {1}".format(name, extension_failure(resource)), code="ExtensionFailed")
    return resource


def wait_for_principal(client, path, name, timeout):
    """The principal (identity.principalId, or aksAssignedIdentity.principalId on AKS) shows up some time after
    provisioning succeeds; poll until it does or `timeout` passes."""
    start = client.clock()
    while True:
        resource = client.get(path, EXTENSIONS_API_VERSION)
        if principal_id(resource):
            client.log("extension {0}: principal id present after {1:.0f}s".format(name, client.clock() - start))
            return resource
        elapsed = client.clock() - start
        client.log("extension {0}: waiting for its principal id ({1:.0f}s)".format(name, elapsed))
        if elapsed + PRINCIPAL_POLL_SECONDS > timeout:
            raise ArmTimeoutError(
                "timed out after {0:.0f}s waiting for the principal id (identity.principalId or "
                "properties.aksAssignedIdentity.principalId) of extension {1}".format(elapsed, name)
            )
        client.sleep(PRINCIPAL_POLL_SECONDS)


def provisioning_state(resource):
    return ((resource or {}).get("properties") or {}).get("provisioningState", "")


def write_reporting_failure(client, path, plan, spec, options, result):
    """write_extension; on failure the result and the error say what the extension itself reports."""
    try:
        return write_extension(
            client, path, plan, spec.name, options["wait"], options["wait_timeout"], options["force_delete"]
        )
    except ArmError as exc:
        resource = client.get(path, EXTENSIONS_API_VERSION) if options["state"] == "present" else None
        if resource:
            exc.note = "extension reports: " + extension_failure(resource)
        result.update(extension=resource or {}, provisioning_state=provisioning_state(resource), changed=True)
        raise


def settle_principal(client, path, spec, final, wait_seconds, result):
    """After a write: wait for the principal id of an extension with an identity; refuse a Failed extension."""
    wants_identity = spec.identity or ((final.get("identity") or {}).get("type") == "SystemAssigned")
    if wants_identity and not principal_id(final):
        result["extension"] = final
        final = wait_for_principal(client, path, spec.name, wait_seconds)
    state = provisioning_state(final)
    if state.lower() == "failed":
        result.update(extension=final, provisioning_state=state)
        raise AcstorError("extension {0} is Failed: {1}".format(spec.name, extension_failure(final)))
    return final


def run_extension(client, spec, options, check_mode, diff, result):
    """discover -> plan -> apply for one extension; fills `result` (extension, provisioning_state, actions, diff,
    settle_wait_seconds, principal_id). options: state, wait, wait_timeout, force_delete."""
    result.update(extension={}, provisioning_state="", actions=[], settle_wait_seconds=0.0)
    path = extension_path(client.subscription_id, spec)
    current, result["settle_wait_seconds"] = settle_extension(client, path, spec.name, options["wait_timeout"])
    plan = plan_extension(current, spec, options["state"])
    result.update(changed=plan.changed, actions=plan.describe() if plan.action != "delete" else ["delete " + spec.name])
    if plan.warnings:
        result.setdefault("warnings", []).extend(plan.warnings)
    if diff:
        result["diff"] = dict(
            before=owned_view(current, spec), after=desired_view(spec) if options["state"] == "present" else {}
        )
    final = current
    if plan.changed and not check_mode:
        final = write_reporting_failure(client, path, plan, spec, options, result)
    if options["state"] == "present" and options["wait"] and not check_mode and final is not None:
        wait_seconds = max(1, options["wait_timeout"] - int(result["settle_wait_seconds"]))
        final = settle_principal(client, path, spec, final, wait_seconds, result)
    if options["state"] == "absent" and not check_mode:
        final = None
    result.update(extension=final or {}, provisioning_state=provisioning_state(final))
    if principal_id(final):
        result["principal_id"] = principal_id(final)
