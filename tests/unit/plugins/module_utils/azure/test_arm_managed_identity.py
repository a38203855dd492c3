"""Ownership of user-assigned identities: who may delete what, and the request checks that run before any call."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.azure.identity import (
    identity_is_owned,
    plan_identity_removal,
    validate_identity_request,
)

OURS = {"acstor.edge.owned-by": "arc_extension"}
CREDENTIALS = ["acsa-csi-fed", "acsa-pv-fed", "acsa-operator-fed"]


@pytest.mark.parametrize(
    "tags, owned",
    [
        ({"acstor.edge.owned-by": "arc_extension"}, True),
        ({"ACSTOR.EDGE.OWNED-BY": "arc_extension", "team": "x"}, True),  # ARM tag names are case-insensitive
        ({"acstor.edge.owned-by": "Arc_Extension"}, False),  # values are not
        ({"acstor.edge.owned-by": "someone"}, False),
        ({}, False),
        (None, False),
    ],
)
def test_identity_is_owned_by_its_tags(tags, owned):
    assert identity_is_owned({"name": "id", "tags": tags}, OURS) is owned


def test_without_ownership_tags_every_identity_counts_as_the_callers():
    assert identity_is_owned({"name": "id", "tags": {}}, {}) is True


def test_removal_deletes_an_identity_we_created():
    identity = {"name": "acsa-store-0042", "tags": dict(OURS)}
    assert plan_identity_removal(identity, OURS, CREDENTIALS, CREDENTIALS + ["gitops-fed"]) == [
        ("delete_identity", "acsa-store-0042")
    ]


def test_removal_from_a_foreign_identity_takes_only_our_existing_credentials():
    identity = {"name": "shared", "tags": {"team": "platform"}}
    plan = plan_identity_removal(identity, OURS, CREDENTIALS, ["gitops-fed", "acsa-pv-fed", "acsa-csi-fed"])
    assert plan == [("delete_credential", "acsa-csi-fed"), ("delete_credential", "acsa-pv-fed")]


def test_removal_of_nothing():
    assert plan_identity_removal(None, OURS, CREDENTIALS, []) == []
    assert plan_identity_removal({"name": "shared", "tags": {}}, OURS, CREDENTIALS, ["gitops-fed"]) == []


@pytest.mark.parametrize(
    "tags, fragment",
    [
        ({"acstor.edge/owned-by": "x"}, "ownership_tags['acstor.edge/owned-by']"),
        ({"a?b": "x"}, "ownership_tags['a?b']"),
        ({"": "x"}, "ownership_tags['']"),
        ({"ok": "v" * 257}, "ownership_tags['ok']"),
        ({"ok": 3}, "ownership_tags['ok']"),
    ],
)
def test_bad_tags_are_refused_naming_the_option(tags, fragment):
    bad = _validate("rg-edge", "acsa-store-0042", [], ownership_tags=tags)
    assert any(fragment in problem for problem in bad), bad


def _validate(resource_group, name, credentials, tags=None, ownership_tags=None, state="present"):
    return validate_identity_request(
        {
            "resource_group": resource_group,
            "name": name,
            "tags": tags,
            "state": state,
            "ownership_tags": ownership_tags,
            "federated_credentials": credentials,
        }
    )


def test_names_match_whole_strings():
    assert _validate("rg-edge", "acsa-store-0042\n", [])
    assert _validate("rg-edge", "ok-name", [{"name": "acsa-csi-fed\n", "issuer": "https://x", "subject": "s"}])


def test_absent_needs_only_credential_names():
    assert _validate("rg-edge", "acsa-store-0042", [{"name": "acsa-csi-fed", "issuer": ""}], state="absent") == []
    bad = _validate("rg-edge", "acsa-store-0042", [{"name": "acsa-csi-fed", "issuer": ""}])
    assert any("issuer" in problem for problem in bad) and any("subject" in problem for problem in bad)
