"""The county server logs which device received which households' data (pulls, conflict lists, USB receipts)."""

from __future__ import annotations

import json



def test_a_pull_that_sends_data_is_logged_with_its_households(server):
    a, b = server.laptop(), server.laptop()
    hid = a.visit(address="东村3组")
    a.client.sync()
    b.client.sync()
    b_id = b.store.get_sync_state("device_id")
    reads = server.storage.device_reads(b_id)
    assert [(r["kind"], r["households"]) for r in reads] == [("pull", [hid])]
    assert reads[0]["records"] == 1 and reads[0]["cursor_to"] > reads[0]["cursor_from"]
    b.client.sync()                                          # nothing new: an empty page is not a read
    assert len(server.storage.device_reads(b_id)) == 1
    # a's own pull brought its change back: logged too, and found by household
    assert {r["device_id"] for r in server.storage.device_reads(household_id=hid)} == {b_id, a.store.get_sync_state("device_id")}
    assert server.storage.device_reads(household_id="00000000-0000-0000-0000-000000000000") == []


def test_conflict_lists_are_logged_for_the_office(server):
    a, b = server.laptop(), server.laptop()
    hid = a.visit(address="一号")
    a.client.sync()
    b.client.sync()
    a.visit(household_id=hid, address="二号")
    b.visit(household_id=hid, address="三号")
    a.client.sync()
    b.client.sync()                                          # a hard conflict on the address
    office = server.laptop(role="office", villages=())
    assert office.client._call("GET", "/v1/conflicts", query={"status": "open"})
    reads = server.storage.device_reads(office.store.get_sync_state("device_id"))
    assert [r["kind"] for r in reads] == ["conflicts"] and reads[0]["households"] == [hid]


def test_the_admin_command_prints_the_read_log(backend, tmp_path, request, capsys):
    from sync.server.cli import main
    from sync.server.storage import open_storage

    url = f"sqlite:///{tmp_path}/server.db" if backend == "sqlite" else request.getfixturevalue("postgres").create_database()
    assert main(["--database", url, "migrate"]) == 0
    storage = open_storage(url)
    storage.record_read("dev-1", "pull", 0, 5, 2, ["h-2", "h-1", "h-2"], "2026-05-12T08:00:00+00:00")
    storage.record_read("dev-2", "bundle", 0, 7, 1, ["h-3"], "2026-05-12T09:00:00+00:00")
    storage.close()
    capsys.readouterr()
    assert main(["--database", url, "reads", "--household", "h-1"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [(r["device_id"], r["households"], r["records"]) for r in printed] == [("dev-1", ["h-1", "h-2"], 2)]
    assert main(["--database", url, "reads"]) == 0
    assert [r["device_id"] for r in json.loads(capsys.readouterr().out)] == ["dev-2", "dev-1"]
