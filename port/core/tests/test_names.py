"""Display names: a person's full name, or their username when they gave none, in code and in templates."""

from django.template import Context, Template

from port.accounts.models import User
from port.core.names import display_name


def test_the_full_name_or_else_the_username():
    assert display_name(User(username="pat", first_name="Pat", last_name="Tester")) == "Pat Tester"
    assert display_name(User(username="pat")) == "pat"
    assert display_name(None) == ""
    assert str(User(username="pat", first_name="Pat")) == "Pat"


def test_any_object_that_has_a_full_name_and_a_username_will_do():
    class Someone:
        def get_full_name(self) -> str:
            return ""

        def get_username(self) -> str:
            return "api-client"

    assert display_name(Someone()) == "api-client"


def test_templates_use_the_same_name():
    template = Template("{% load display %}[{{ a|display_name }}] [{{ b|display_name }}] [{{ c|display_name }}]")
    named, unnamed = User(username="pat", first_name="Pat", last_name="Tester"), User(username="sam")
    assert template.render(Context({"a": named, "b": unnamed, "c": None})) == "[Pat Tester] [sam] []"
