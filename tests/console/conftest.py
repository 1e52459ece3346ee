"""Fixtures: a migrated server storage with a seeded real county, and signed-in console clients.

Clients talk HTTPS to the real app in-process (the session cookie is Secure, so plain HTTP would
never send it back).
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from sync.server.app import create_app
from tests.console.seed import PASSPHRASE, seed_county
from tests.sync.conftest import make_storage  # the session's PostgreSQL fixture is tests/conftest.py's

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class ConsoleClient:
    """One browser-like client of the console: its own cookie jar."""

    def __init__(self, app):
        self.http = TestClient(app, base_url="https://testserver", follow_redirects=False)

    def login(self, name: str, passphrase: str = PASSPHRASE):
        return self.http.post("/console/login", data={"name": name, "passphrase": passphrase, "next": "/console/households"})

    def csrf(self, path: str = "/console/households") -> str:
        page = self.http.get(path)
        assert page.status_code == 200, page.text[:500]
        return CSRF.search(page.text).group(1)

    def get(self, path: str, **kw):
        return self.http.get(path, **kw)

    def post(self, path: str, data: dict | None = None, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf", self.csrf())
        return self.http.post(path, data=data, **kw)


@pytest.fixture(params=["sqlite"])
def county(request, tmp_path):
    """(storage, ids of the seeded households) on a fresh database."""
    storage = make_storage(request.param, tmp_path, request)
    ids = seed_county(storage)
    yield storage, ids
    storage.close()


@pytest.fixture
def app(county):
    return create_app(county[0])


@pytest.fixture
def client_as(app):
    """``client_as(name)``: a new client signed in as that console account."""

    def make(name: str) -> ConsoleClient:
        client = ConsoleClient(app)
        answer = client.login(name)
        assert answer.status_code == 303, answer.text[:500]
        return client

    return make
