"""Shared fixtures: a signing key and a print context (demo templates, the real form labels)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from printouts import MemoryCounter, PrintContext, load_templates


@pytest.fixture(scope="session")
def signing_key():
    return Ed25519PrivateKey.generate()


@pytest.fixture
def ctx(signing_key):
    return PrintContext(signing_key=signing_key, templates=load_templates(),
                        counter=MemoryCounter(), issue_date="2026-05-20")
