"""acstor.edge.csi_driver installing the chart from a private OCI registry, as air-gapped sites do.

The registry is Debian's docker-registry (CNCF distribution) on 127.0.0.1 with TLS from a CA the test makes and
htpasswd basic auth; the fixture chart is pushed to it with `helm push`, and the role installs
oci://127.0.0.1:PORT/acstor/charts/local-csi-driver at a pinned version through kubernetes.core.helm.
"""

import base64
import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "servers"))

from test_csi_driver_role import CSI_RECORD, NODE, driver_args  # noqa: E402  pylint: disable=wrong-import-position

from oci_registry import OciRegistry  # noqa: E402  pylint: disable=wrong-import-position

CHART = Path(__file__).resolve().parent / "fixtures" / "local-csi-driver"
TOKEN_USER = "00000000-0000-0000-0000-000000000000"  # the user name Azure Container Registry tokens log in with


@pytest.fixture(scope="session")
def registry(helm_binary, tmp_path_factory):
    """One registry per session, with the fixture chart pushed to it (the only helm login is in a scratch config)."""
    missing = OciRegistry.missing_tools()
    if missing:
        pytest.skip(
            "OCI registry tools missing ({0}); tests/lab/host-packages.sh installs them".format(", ".join(missing))
        )
    workdir = tmp_path_factory.mktemp("oci-registry")
    server = OciRegistry(
        workdir, users={"acstor-ci": "chart-pass-" + os.urandom(8).hex(), TOKEN_USER: "token-" + os.urandom(12).hex()}
    ).start()
    try:
        server.chart_ref = server.push_charts(helm_binary, [CHART], "acstor-ci", workdir) + "/local-csi-driver"
        yield server
    finally:
        server.stop()


@pytest.fixture
def csi_oci(cluster, registry, tmp_path):
    # the node n1 (the controller, connection local) holds the driver's VG: its stripe record says so
    stripes = tmp_path / "stripes"
    stripes.mkdir()
    (stripes / "csi.json").write_text(json.dumps(CSI_RECORD))

    def play(c, **role_vars):
        role_vars.setdefault("csi_driver_stripe_record_dir", str(stripes))
        role_vars.setdefault("csi_driver_chart_ref", registry.chart_ref)
        role_vars.setdefault("csi_driver_chart_version", "0.3.0")
        role_vars.setdefault("csi_driver_chart_registry_ca_file", str(registry.ca_path))
        role_vars.setdefault("csi_driver_wait_timeout", 30)
        return c.play("csi_driver", nodes={"n1": NODE}, **role_vars)

    return play


def registry_pulls(registry):
    """Authorized chart manifest GETs the registry logged (every request without valid credentials gets a 401)."""
    return [
        line
        for line in registry.log_text().splitlines()
        if 'msg="authorized request"' in line and "http.request.method=GET" in line and "/manifests/0.3.0" in line
    ]


def test_install_from_private_registry_with_credentials_from_awx_environment(cluster, csi_oci, registry):
    c = cluster(edge_api="none")
    password = registry.users["acstor-ci"]
    env = {"ACSTOR_CHART_REGISTRY_USERNAME": "acstor-ci", "ACSTOR_CHART_REGISTRY_PASSWORD": password}
    pulls_before = len(registry_pulls(registry))
    run = csi_oci(
        c,
        extra_env=env,
        verbosity=3,
        csi_driver_image_registry="registry.factory.example",
        csi_driver_image_pull_secret_name="acstor-pull",
    )
    assert run.rc == 0, run
    assert len(registry_pulls(registry)) > pulls_before, "the chart came from the registry, with auth"
    releases = [
        key for key in c.server.state.objects if key[1] == "secrets" and key[3].startswith("sh.helm.release.v1.")
    ]
    assert releases, "helm stored a real release"
    assert driver_args(c.server)["disk-models"] == "QEMU NVMe Ctrl", "values computed by the role reached the chart"
    # No secret in -vvv output, in plain or in the base64 forms helm's registry config and the pull Secret use.
    for form in (password, base64.b64encode("acstor-ci:{0}".format(password).encode()).decode()):
        assert form not in run.out
    assert not list(Path("/tmp").glob("acstor-helm-registry-*/config.json")), "the login is removed after the run"

    secret = c.server.find("v1", "Secret", "acstor-pull", "kube-system")
    assert (
        secret["type"] == "kubernetes.io/dockerconfigjson"
        and secret["metadata"]["labels"]["acstor.edge/owned-by"] == "csi_driver"
    )
    auths = json.loads(base64.b64decode(secret["data"][".dockerconfigjson"]))["auths"]
    assert auths == {
        "registry.factory.example": {
            "username": "acstor-ci",
            "password": password,
            "auth": base64.b64encode("acstor-ci:{0}".format(password).encode()).decode(),
        }
    }
    for account in ("csi-local-node", "csi-local-manager"):
        assert c.server.find("v1", "ServiceAccount", account, "kube-system")["imagePullSecrets"] == [
            {"name": "acstor-pull"}
        ]
    template = c.server.find("apps/v1", "DaemonSet", "csi-local-node", "kube-system")["spec"]["template"]
    assert "kubectl.kubernetes.io/restartedAt" in template["metadata"]["annotations"], (
        "pods restarted to get the Secret"
    )

    rerun = csi_oci(
        c,
        extra_env=env,
        csi_driver_image_registry="registry.factory.example",
        csi_driver_image_pull_secret_name="acstor-pull",
    )
    assert rerun.rc == 0 and rerun.changed == 0, rerun

    before = len(c.server.writes())
    run = csi_oci(c, extra_env=env, csi_driver_state="absent", csi_driver_image_pull_secret_name="acstor-pull")
    assert run.rc == 0, run
    deleted = [(w["kind"], w["name"]) for w in c.server.writes()[before:] if w["method"] == "DELETE"]
    assert deleted[-1] == ("Secret", "acstor-pull"), deleted
    assert c.server.find("v1", "Secret", "acstor-pull", "kube-system") is None


def test_token_login_uses_the_registry_token_user(cluster, csi_oci, registry):
    c = cluster(edge_api="none")
    pulls_before = len(registry_pulls(registry))
    # Only the token user's password is given: the login works only if the role logs in as TOKEN_USER.
    run = csi_oci(c, csi_driver_chart_registry_token=registry.users[TOKEN_USER])
    assert run.rc == 0, run
    assert len(registry_pulls(registry)) > pulls_before


@pytest.mark.parametrize(
    "role_vars, expected",
    [
        (
            {
                "csi_driver_chart_registry_username": "acstor-ci",
                "csi_driver_chart_registry_password": "wrong-password-123",
            },
            'cannot log in to chart registry {host} as acstor-ci: authenticating to "{host}": GET "https://{host}/v2/": '
            "response status code 401: unauthorized: authentication required. Check csi_driver_chart_registry_username",
        ),
        (
            {
                "csi_driver_chart_registry_username": "acstor-ci",
                "csi_driver_chart_registry_password": "{password}",
                "csi_driver_chart_registry_ca_file": "",
            },
            "cannot log in to chart registry {host} as acstor-ci: ",
        ),
        (
            {"csi_driver_chart_registry_password": "{password}", "csi_driver_chart_registry_username": ""},
            "csi_driver_chart_registry_password is set but csi_driver_chart_registry_username is empty (registry {host})",
        ),
        (
            {"csi_driver_chart_registry_ca_file": "/nonexistent/ca.pem"},
            "csi_driver_chart_registry_ca_file /nonexistent/ca.pem does not exist on c1",
        ),
    ],
    ids=["wrong-password", "unknown-ca", "no-username", "missing-ca-file"],
)
def test_bad_registry_settings_fail_clearly_before_any_write(cluster, csi_oci, registry, role_vars, expected):
    c = cluster(edge_api="none")
    password = registry.users["acstor-ci"]
    role_vars = {k: v.format(password=password) for k, v in role_vars.items()}
    run = csi_oci(c, verbosity=3, **role_vars)
    assert run.rc != 0, run
    assert expected.format(host=registry.host) in " ".join(run.out.split()), run
    assert "Traceback" not in run.out and password not in run.out and "wrong-password-123" not in run.out
    assert [w for w in c.server.writes() if w["method"] != "GET"] == [], "nothing written to the cluster"
    if role_vars.get("csi_driver_chart_registry_ca_file") == "":
        assert "Set csi_driver_chart_registry_ca_file" in run.out, run


def test_pull_secret_refuses_a_secret_it_does_not_own(cluster, csi_oci, registry):
    c = cluster(edge_api="none")
    c.server.add(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": {"name": "someone-elses", "namespace": "kube-system"},
            "data": {"k": "dg=="},
        }
    )
    run = csi_oci(
        c,
        csi_driver_chart_registry_username="acstor-ci",
        csi_driver_chart_registry_password=registry.users["acstor-ci"],
        csi_driver_image_registry="registry.factory.example",
        csi_driver_image_pull_secret_name="someone-elses",
    )
    assert run.rc != 0 and "Secret kube-system/someone-elses exists and was not made by acstor.edge" in " ".join(
        run.out.split()
    ), run
    assert c.server.find("v1", "Secret", "someone-elses", "kube-system")["type"] == "Opaque"
