"""The rule machinery's own pieces (the rule tables test every registered rule)."""

from ansible_collections.acstor.edge.plugins.module_utils.common import rules
from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as node_inputs


def test_one_line_refuses_before_the_body_sees_the_value():
    seen = []

    @rules.one_line
    def body(value):
        """Body docstring."""
        seen.append(value)
        return "body refused %r" % (value,)

    assert body("a\nb").rule_id == "single-line"
    assert body(" ") == "is empty or missing"
    assert body(None) == "is required (not set)"
    assert seen == []
    assert body("fine") == "body refused 'fine'"
    assert seen == ["fine"]
    assert (body.__name__, body.__doc__) == ("body", "Body docstring.")


def test_a_registered_one_line_rule_keeps_the_inner_rule_id():
    assert node_inputs.stripe_name("data\n").rule_id == "single-line"
    assert node_inputs.stripe_name("Data").rule_id == "stripe-name"
    assert node_inputs.stripe_name("data") is None
