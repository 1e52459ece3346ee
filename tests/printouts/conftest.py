"""Shared fixtures: a signing key, the demo templates and a print context in the CJK font."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from printouts import Labels, MemoryCounter, PrintContext, load_templates


def fixture_labels() -> Labels:
    """Labels for the codes the fixtures use (replaced by the real form labels once forms lands)."""
    return Labels(
        {"members.relation": "与户主关系"},
        {"members.relation": {"head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母",
                              "child_in_law": "儿媳/女婿", "sibling": "兄弟姐妹", "grandparent": "(外)祖父母",
                              "grandchild": "(外)孙子女", "other": "其他"}},
        source="test",
    )


@pytest.fixture(scope="session")
def signing_key():
    return Ed25519PrivateKey.generate()


@pytest.fixture
def ctx(signing_key):
    return PrintContext(labels=fixture_labels(), signing_key=signing_key, templates=load_templates(),
                        counter=MemoryCounter(), issue_date="2026-05-20")
