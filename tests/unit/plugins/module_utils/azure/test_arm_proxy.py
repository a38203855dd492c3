"""proxy_for / unreachable_message: which proxy requests uses for an ARM URL, as the error names it."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.azure.client import proxy_for, unreachable_message

ARM = "https://management.azure.com/subscriptions?api-version=2022-12-01"


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({}, None),
        ({"HTTPS_PROXY": "http://proxy.site:3128"}, ("http://proxy.site:3128", "HTTPS_PROXY")),
        ({"https_proxy": "http://a:3128", "HTTPS_PROXY": "http://b:3128"}, ("http://a:3128", "https_proxy")),
        ({"ALL_PROXY": "proxy.site:8080"}, ("http://proxy.site:8080", "ALL_PROXY")),
        ({"HTTP_PROXY": "http://proxy.site:3128"}, None),  # only https_proxy applies to https URLs
        ({"HTTPS_PROXY": "http://user:s3cret@proxy.site:3128"}, ("http://proxy.site:3128", "HTTPS_PROXY")),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "localhost,.azure.com"}, None),
        ({"HTTPS_PROXY": "http://p:1", "no_proxy": "management.azure.com"}, None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "azure.comx,management.azure"}, ("http://p:1", "HTTPS_PROXY")),
    ],
)
def test_proxy_for(environ, expected):
    assert proxy_for(ARM, environ) == expected


def test_unreachable_message_names_the_proxy_without_its_credentials():
    message = unreachable_message(
        ARM, OSError("Unable to connect to proxy"), {"HTTPS_PROXY": "http://u:pw@10.0.0.1:3128"}
    )
    assert message == (
        "cannot reach https://management.azure.com/subscriptions through proxy http://10.0.0.1:3128 "
        "(HTTPS_PROXY; hosts in NO_PROXY bypass it): Unable to connect to proxy"
    )
    assert "pw" not in message
    assert (
        unreachable_message(ARM, OSError("refused"), {})
        == "cannot reach https://management.azure.com/subscriptions: refused"
    )
