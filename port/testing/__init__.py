"""Test support, imported only by tests and conftests (never by the app): the shared cast, factory-boy
factories, the permission matrix's world, each app's test builders, and the query budgets.

Tests never import other test modules; a helper two test modules need lives here
(port/core/tests/test_house_rules.py checks both rules). This package is not an app and may import any
room of the house.
"""
