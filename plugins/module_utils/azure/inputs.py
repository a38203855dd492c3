# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure Resource Manager input rules: resource names per type, resource ids per scope, GUIDs, tags, versions.

Names follow "Naming rules and restrictions for Azure resources" (learn.microsoft.com/azure/azure-resource-manager/
management/resource-name-rules) and the REST API specs where they publish a pattern; ids follow the ARM resource id
grammar /subscriptions/{id}/resourceGroups/{name}/providers/{namespace}/{type}/{name}. Each rule is registered under
an id (node_inputs' registry) so modules, roles and validate.yml refuse with the same words.
"""

import re

from ansible_collections.acstor.edge.plugins.module_utils.common.inputs import (
    check,
    guid,
    https_url,
    message,
    nested,
    one_line,
    pattern_rule,
    rule,
    single_line,
)
from ansible_collections.acstor.edge.plugins.module_utils.common.rules import matching_rule

# ResourceGroupNameParameter (common-types/resource-management/v2/types.json): ^[-\w\._\(\)]+$, 1-90; the naming
# rules page adds "can't end with period".
_RESOURCE_GROUP = r"[-\w._()]{0,89}[-\w_()]"
resource_group = pattern_rule(
    "resource-group",
    "an Azure resource group name: 1-90 letters, digits, '-', '_', '.', '(', ')', not ending in '.'",
    _RESOURCE_GROUP,
    90,
    "a resource group name is 1-90 letters, digits, '-', '_', '.', '(' and ')', not ending in '.'",
)
# Microsoft.Kubernetes/connectedClusters and Microsoft.ContainerService/managedClusters (naming rules page):
# 1-63 alphanumerics, '_' and '-', starting and ending with an alphanumeric.
cluster_name = pattern_rule(
    "arc-cluster-name",
    "an Arc/AKS cluster name: 1-63 letters, digits, '_' and '-', starting and ending with a letter or digit",
    r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?",
    63,
    "a cluster name is 1-63 letters, digits, '_' and '-', starting and ending with a letter or digit",
)
# Microsoft.KubernetesConfiguration/extensions: the name also names the Helm release the Arc agents install, so it is
# kept to lower-case letters, digits, '-' and '.' of a DNS-1123 subdomain, at most 253 (az k8s-extension's docs).
extension_name = pattern_rule(
    "arc-extension-name",
    "an Arc extension name: lower-case letters, digits, '-' and '.', at most 253 characters",
    r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*",
    253,
    "an extension name is lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
)
# Extension types are <publisher>.<name> such as microsoft.arc.containerstorage (az k8s-extension --extension-type).
extension_type = pattern_rule(
    "arc-extension-type",
    "an extension type such as microsoft.arc.containerstorage",
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+",
    253,
    "an extension type is dot-separated words of letters, digits and '-', such as microsoft.arc.containerstorage",
)
# Release trains are single words (stable, preview, dev).
release_train = pattern_rule(
    "release-train",
    "a release train such as stable or preview",
    r"[A-Za-z][A-Za-z0-9-]{0,63}",
    64,
    "a release train is one word of letters, digits and '-', such as stable or preview",
)
# Microsoft.ManagedIdentity/userAssignedIdentities (naming rules page): 3-128 alphanumerics, '-' and '_',
# starting with a letter or digit.
identity_name = pattern_rule(
    "managed-identity-name",
    "a user-assigned identity name: 3-128 letters, digits, '-' and '_'",
    r"[A-Za-z0-9][A-Za-z0-9_-]{2,127}",
    128,
    "an identity name is 3-128 letters, digits, '-' and '_', starting with a letter or digit",
)
# federatedIdentityCredentialResourceName in the Microsoft.ManagedIdentity 2023-01-31 spec:
# ^[a-zA-Z0-9]{1}[a-zA-Z0-9-_]{2,119}$ (shorter than the identity's 128).
federated_credential_name = pattern_rule(
    "federated-credential-name",
    "a federated credential name: 3-120 letters, digits, '-' and '_'",
    r"[A-Za-z0-9][A-Za-z0-9_-]{2,119}",
    120,
    "a federated credential name is 3-120 letters, digits, '-' and '_', starting with a letter or digit "
    "(Microsoft.ManagedIdentity allows 120, fewer than an identity's 128)",
)
# Azure region names as ARM returns them (westeurope, eastus2) or their display names (West Europe).
location = pattern_rule(
    "azure-location",
    "an Azure region such as westeurope",
    r"[A-Za-z][A-Za-z0-9 ]{1,63}",
    64,
    "a region is letters, digits and spaces, such as westeurope",
)
# Storage accounts (naming rules page): 3-24 lower-case letters and digits.
_STORAGE_ACCOUNT = r"[a-z0-9]{3,24}"
_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_PROVIDER_NAMESPACE = r"[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)+"
_SEGMENT = r"[^/?#\s]+"
STORAGE_ACCOUNT_ID = re.compile(
    r"/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft\.Storage/storageAccounts/{2}".format(
        _GUID, _RESOURCE_GROUP, _STORAGE_ACCOUNT
    ),
    re.IGNORECASE,
)
# Any scope a role assignment can have: a management group, a subscription, a resource group or a resource.
ARM_SCOPE = re.compile(
    r"/providers/Microsoft\.Management/managementGroups/{seg}|/subscriptions/{guid}"
    r"(?:/resourceGroups/{rg}(?:/providers/{ns}(?:/{seg}/{seg})+)?)?".format(
        seg=_SEGMENT, guid=_GUID, rg=_RESOURCE_GROUP, ns=_PROVIDER_NAMESPACE
    ),
    re.IGNORECASE,
)
# Role definition ids as ARM returns and accepts them: subscription-scoped or tenant-level.
ROLE_DEFINITION_ID = re.compile(
    r"(?:/subscriptions/{0})?/providers/Microsoft\.Authorization/roleDefinitions/{0}".format(_GUID), re.IGNORECASE
)
# Tags (learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations): at most 50 per resource,
# names at most 512 characters without < > % & \ ? /, values at most 256 characters.
MAX_TAGS = 50
_TAG_NAME_FORBIDDEN = re.compile(r"[<>%&\\?/]")
# Extension configuration settings reach the Helm values of the extension: keys are dotted Helm value paths.
_SETTING_KEY = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")


# Subscription ids and Entra object ids (principalId) are GUIDs.
subscription_id = guid
principal_id = guid


@rule("arm-scope", "an ARM scope: /subscriptions/<guid>[/resourceGroups/<name>[/providers/<ns>/<type>/<name>]]")
@one_line
def arm_scope(value):
    if not ARM_SCOPE.fullmatch(value.rstrip("/")):
        return (
            "%r is not an ARM scope: /subscriptions/<subscription GUID>[/resourceGroups/<group>[/providers/"
            "<Namespace>/<type>/<name>]] or a management group id" % (value,)
        )
    return None


@rule("storage-account-id", "a storage account resource id (not a resource group or subscription)")
@one_line
def storage_account_id(value):
    """The identity gets Blob Data Owner on this scope: a resource group id would grant it on every account there."""
    if not STORAGE_ACCOUNT_ID.fullmatch(value.rstrip("/")):
        wider = (
            " (this is a wider scope: the role would cover every account in it)"
            if ARM_SCOPE.fullmatch(value.rstrip("/")) and "/providers/" not in value
            else ""
        )
        return (
            "%r is not a storage account id: /subscriptions/<GUID>/resourceGroups/<group>/providers/"
            "Microsoft.Storage/storageAccounts/<3-24 lower-case letters and digits>%s" % (value, wider)
        )
    return None


role_definition_id = matching_rule(
    rule,
    "role-definition-id",
    "a role definition id: [/subscriptions/<guid>]/providers/Microsoft.Authorization/roleDefinitions/<guid>",
    ROLE_DEFINITION_ID,
    "%r is not a role definition id: /subscriptions/<GUID>/providers/Microsoft.Authorization/roleDefinitions/<GUID>",
)


@rule("role-name", "a role name such as Storage Blob Data Owner")
@one_line
def role_name(value):
    if len(value) > 512 or value != value.strip():
        return "%r is not a role name (at most 512 characters, no leading or trailing space)" % (value,)
    return None


def check_tags(errors, option, value):
    tags = nested(errors, option, value, "dict")
    if tags is None:
        return
    if len(tags) > MAX_TAGS:
        errors.append(message(option, "has %d tags; a resource takes at most %d" % (len(tags), MAX_TAGS), "azure-tags"))
    for name, item in sorted(tags.items(), key=lambda pair: str(pair[0])):
        entry = "%s[%r]" % (option, name)
        if (
            not isinstance(name, str)
            or not name
            or len(name) > 512
            or _TAG_NAME_FORBIDDEN.search(name)
            or single_line(name)
        ):
            errors.append(
                message(
                    entry, "tag names are 1-512 characters without < > % & \\ ? / or control characters", "azure-tags"
                )
            )
        elif not isinstance(item, str):
            errors.append(message(entry, "tag values are strings (quote it in YAML), got %r" % (item,), "azure-tags"))
        elif len(item) > 256 or (item and single_line(item)):
            errors.append(message(entry, "tag values are at most 256 characters on one line", "azure-tags"))


def check_settings(errors, option, value, secret=False):
    """Extension configuration settings: {dotted.key: 'string'} (ARM takes only strings)."""
    if secret and value is not None and not isinstance(value, dict):
        errors.append(message(option, "must be a mapping, got %s" % type(value).__name__, "dict"))
        return
    settings = nested(errors, option, value, "dict")
    for key, item in sorted((settings or {}).items(), key=lambda pair: str(pair[0])):
        entry = "%s[%r]" % (option, key)
        if not isinstance(key, str) or not _SETTING_KEY.fullmatch(key):
            errors.append(
                message(
                    entry,
                    "is not a setting key (dot-separated words of letters, digits, '_', '-')",
                    "extension-setting",
                )
            )
        elif not isinstance(item, str):
            # Never echo a protected value; the type is enough to find it.
            errors.append(
                message(
                    entry,
                    "must be a string (ARM accepts only strings; quote it in YAML, e.g. 'true' "
                    "or '20'), got %s" % type(item).__name__,
                    "extension-setting",
                )
            )
        elif not secret and "\n" in item:
            errors.append(message(entry, "%r contains a newline" % (item,), "extension-setting"))


def check_federated_credentials(errors, option, value):
    """Each credential's name, issuer and subject; names unique (a second entry would replace the first)."""
    credentials = nested(errors, option, value, "list")
    seen = {}
    for index, credential in enumerate(credentials or []):
        entry = "%s[%d]" % (option, index)
        if not isinstance(credential, dict):
            errors.append(message(entry, "must be a mapping {name, issuer, subject}, got %r" % (credential,), "dict"))
            continue
        name = credential.get("name")
        if check(errors, entry + ".name", name, federated_credential_name):
            key = name.lower()  # ARM resource names are case-insensitive
            if key in seen:
                errors.append(
                    message(
                        entry + ".name",
                        "%r is listed twice (also %s[%d]); the second would replace "
                        "the first" % (name, option, seen[key]),
                        "unique",
                    )
                )
            seen.setdefault(key, index)
        # The cluster's OIDC issuer: Entra fetches <issuer>/.well-known/openid-configuration over https.
        check(errors, entry + ".issuer", credential.get("issuer"), https_url)
        check(errors, entry + ".subject", credential.get("subject"), single_line)
        audiences = nested(errors, entry + ".audiences", credential.get("audiences"), "list")
        for position, audience in enumerate(audiences or []):
            check(errors, "%s.audiences[%d]" % (entry, position), audience, single_line)
