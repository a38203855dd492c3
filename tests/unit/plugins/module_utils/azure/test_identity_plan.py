"""plan_identity as a table: (identity on ARM, its federated credentials, request) -> actions, diff, ownership."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.azure.identity import (
    IdentityConflict,
    federated_credential_body,
    plan_identity,
)

OURS = {"acstor.edge.owned-by": "arc_extension"}
ISSUER = "https://oidc.example.test/cluster-1/"
CSI = {
    "name": "acsa-csi-fed",
    "issuer": ISSUER,
    "subject": "system:serviceaccount:acsa:csi-wyvern-sa",
    "audiences": ["api://AzureADTokenExchange"],
}
PV = {
    "name": "acsa-pv-fed",
    "issuer": ISSUER,
    "subject": "system:serviceaccount:acsa:wyvern-pv-sa",
    "audiences": ["api://AzureADTokenExchange"],
}


def request(**changes):
    base = {
        "name": "acsa-id",
        "location": "westeurope",
        "tags": {"site": "s1"},
        "ownership_tags": dict(OURS),
        "federated_credentials": [CSI, PV],
        "state": "present",
    }
    base.update(changes)
    return base


def stored(credential, **changes):
    body = federated_credential_body(credential)
    body["properties"].update(changes)
    return dict(body, name=credential["name"])


OURS_IDENTITY = {"name": "acsa-id", "location": "West Europe", "tags": dict(OURS, site="s1")}
FOREIGN = {"name": "acsa-id", "location": "westeurope", "tags": {"team": "platform"}}

TABLE = [
    # (case, identity, credentials, request, expected action descriptions, owned)
    (
        "create with credentials",
        None,
        {},
        request(),
        [
            "create identity acsa-id",
            "create federated credential acsa-csi-fed (system:serviceaccount:acsa:csi-wyvern-sa)",
            "create federated credential acsa-pv-fed (system:serviceaccount:acsa:wyvern-pv-sa)",
        ],
        True,
    ),
    (
        "converged: nothing",
        OURS_IDENTITY,
        {"acsa-csi-fed": stored(CSI), "acsa-pv-fed": stored(PV)},
        request(),
        [],
        True,
    ),
    (
        "audience order does not matter",
        OURS_IDENTITY,
        {"acsa-csi-fed": stored(CSI, audiences=["api://AzureADTokenExchange"]), "acsa-pv-fed": stored(PV)},
        request(),
        [],
        True,
    ),
    (
        "changed subject is rewritten",
        OURS_IDENTITY,
        {"acsa-csi-fed": stored(CSI, subject="system:serviceaccount:old:csi-wyvern-sa"), "acsa-pv-fed": stored(PV)},
        request(),
        ["update federated credential acsa-csi-fed (system:serviceaccount:acsa:csi-wyvern-sa)"],
        True,
    ),
    (
        "foreign identity: credentials added, identity not tagged",
        FOREIGN,
        {"gitops-fed": {"name": "gitops-fed"}},
        request(location=None),
        [
            "create federated credential acsa-csi-fed (system:serviceaccount:acsa:csi-wyvern-sa)",
            "create federated credential acsa-pv-fed (system:serviceaccount:acsa:wyvern-pv-sa)",
        ],
        False,
    ),
    (
        "absent, ours: the identity goes",
        OURS_IDENTITY,
        {"acsa-csi-fed": stored(CSI)},
        request(state="absent"),
        ["delete identity acsa-id"],
        True,
    ),
    (
        "absent, foreign: only our credentials go",
        FOREIGN,
        {"gitops-fed": {}, "acsa-pv-fed": stored(PV)},
        request(state="absent"),
        ["delete federated credential acsa-pv-fed from identity acsa-id (kept: it lacks the ownership tags)"],
        False,
    ),
    ("absent, nothing there", None, {}, request(state="absent"), [], False),
]


@pytest.mark.parametrize("case, identity, credentials, wanted, expected, owned", TABLE, ids=[row[0] for row in TABLE])
def test_plan_identity(case, identity, credentials, wanted, expected, owned):
    plan = plan_identity(identity, credentials, wanted)
    assert plan.describe() == expected
    assert plan.owned is owned


def test_create_tags_the_identity_and_diff_shows_it():
    plan = plan_identity(None, {}, request())
    assert plan.actions[0].body == {"location": "westeurope", "tags": dict(OURS, site="s1")}
    assert plan.before == {}
    assert plan.after == {
        "name": "acsa-id",
        "tags": dict(OURS, site="s1"),
        "federated_credentials": ["acsa-csi-fed", "acsa-pv-fed"],
    }


def test_foreign_removal_diff_keeps_the_identity_and_its_other_credentials():
    plan = plan_identity(FOREIGN, {"gitops-fed": {}, "acsa-pv-fed": stored(PV)}, request(state="absent"))
    assert plan.after == {"name": "acsa-id", "tags": {"team": "platform"}, "federated_credentials": ["gitops-fed"]}


@pytest.mark.parametrize(
    "identity, location, fragment",
    [
        (None, None, "location is required to create identity acsa-id"),
        (OURS_IDENTITY, "eastus", "exists in West Europe, not eastus; the location cannot change"),
    ],
)
def test_refusals_name_the_problem(identity, location, fragment):
    with pytest.raises(IdentityConflict, match=fragment):
        plan_identity(identity, {}, request(location=location))
