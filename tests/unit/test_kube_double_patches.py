"""The Kubernetes test double's patch functions (tests/servers/kube_double/patches.py), which the unit tests' fake
dynamic client also uses: JSON merge patch against RFC 7386 Appendix A, JSON patch against RFC 6902."""

import pytest

from kube_double.patches import PatchError, json_patch, merge_patch, strategic_merge_patch

# RFC 7386 Appendix A: (original, patch, result)
RFC7386_EXAMPLES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize("original,patch,result", RFC7386_EXAMPLES)
def test_merge_patch_follows_rfc7386(original, patch, result):
    before = repr(original)
    assert merge_patch(original, patch) == result
    assert repr(original) == before  # the target is not modified in place


def test_strategic_merge_patch_merges_named_list_items_by_name():
    current = {
        "spec": {
            "containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}],
            "volumes": [{"name": "x", "emptyDir": {}}, {"name": "y", "emptyDir": {}}],
        }
    }
    patch = {
        "$setElementOrder/volumes": [],
        "spec": {"containers": [{"name": "b", "image": "b:2"}], "volumes": [{"name": "y", "$patch": "delete"}]},
    }
    assert strategic_merge_patch(current, patch) == {
        "spec": {"containers": [{"name": "b", "image": "b:2"}], "volumes": [{"name": "x", "emptyDir": {}}]}
    }


def test_json_patch_operations_and_refusals():
    document = {"a": [1, 2], "b": {"c": "d"}}
    operations = [
        {"op": "add", "path": "/a/-", "value": 3},
        {"op": "replace", "path": "/b/c", "value": "e"},
        {"op": "move", "from": "/b/c", "path": "/f"},
        {"op": "test", "path": "/a/0", "value": 1},
        {"op": "remove", "path": "/a/1"},
    ]
    assert json_patch(document, operations) == {"a": [1, 3], "b": {}, "f": "e"}
    assert document == {"a": [1, 2], "b": {"c": "d"}}
    with pytest.raises(PatchError, match="test failed at /a/0"):
        json_patch(document, [{"op": "test", "path": "/a/0", "value": 9}])
    with pytest.raises(PatchError, match="json patch failed"):
        json_patch(document, [{"op": "remove", "path": "/missing"}])
