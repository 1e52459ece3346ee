"""A scripted campaign day (走访日), end to end with real components — ``./scripts/fieldday``.

A county server (PostgreSQL when a URL is given, else the embedded SQLite server) runs under
uvicorn on 127.0.0.1; a township office device and three visitor laptops (one shared by two
visitors) hold real SQLCipher vaults. The laptops record visits offline — one household from
two laptops, giving a soft and a hard conflict — then sync: laptop A over the network, laptop
B only by USB bundle through the office, laptop C's cable breaks mid-push and the push is sent again. The office
resolves the conflict, batch-prints consent forms, visit records and letters for a village through
the app (``Services.print_batch``) and exports the ledger; laptop C is reported lost, revoked, and
its unsent visit recovered with the office key. :meth:`FieldDay.check` then proves every typed visit is on the server exactly once.

Every step is printed in Chinese and English. By default the day runs in a county that is not the
demo: 松林县 (510123), the test county of ``tests/county/`` with its own areas (imported from its
统计用区划代码 table), standards, letter templates and office names; its households are generated
fake ones moved into its villages. ``--demo`` plays it in the demo county 990101 instead. Cheap
key-derivation parameters (never use them for real vaults).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
from pathlib import Path
from typing import Callable

from forms.places import township_of
from tests.pdftext import pdf_text
from tests.field.daykit import (  # noqa: F401 - the day's components, importable from here as before
    DEMO, OFFICE_USER, PASSPHRASE, ROOT, SONGLIN, CountyServer, CuttingProxy, Device, FieldDayFailed, Place,
    _document, _now, client_conflicts_all, relocate,
)


class FieldDay:
    """The campaign day, step by step; :meth:`run` plays it, :meth:`check` proves the outcome."""

    def __init__(self, workdir: Path, database_url: str | None = None, say: Callable[[str], None] = print,
                 place: Place = SONGLIN):
        from fieldapp.vault import FAST_KDF
        from fieldapp.vault.crypto import DEFAULT_SUITE

        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url or f"sqlite:///{self.workdir / 'county-server.db'}"
        self.backend = "PostgreSQL" if self.database_url.startswith("postgresql") else "SQLite"
        self._say, self._step = say, 0
        self.kdf = FAST_KDF
        self.office_private, self.office_public = DEFAULT_SUITE.generate_recipient_keypair()
        self.server: CountyServer | None = None
        self.devices: dict[str, Device] = {}
        self.typed: dict[str, dict] = {}          # every visit typed anywhere: visit_id -> answers
        self.household_of: dict[str, str] = {}    # visit_id -> household_id
        self.conflict_household = ""
        self.resolved_address = ""
        self.printed: dict[str, object] = {}
        self.ledger_path: Path | None = None
        self.recovered_vault = None
        self.sign_public = None
        self.notes: list[str] = []
        self.place = place

    # ------------------------------------------------------------------ narration
    def say(self, zh: str, en: str) -> None:
        """Print one step in Chinese and English."""
        self._step += 1
        self._say(f"[{self._step:02d}] {zh}\n     {en}")

    def detail(self, text: str) -> None:
        """Print an indented detail line (counts and ids only, never names)."""
        self._say(f"     · {text}")

    # ------------------------------------------------------------------ the day
    def run(self) -> "FieldDay":
        """Play the whole day; leaves the server running until :meth:`close`."""
        self.county_setup()
        self.enroll_devices()
        self.morning_sync()
        self.record_visits_offline()
        self.sync_a_over_network()
        self.sync_b_by_usb()
        self.sync_c_interrupted()
        self.office_resolves_conflict()
        self.everyone_syncs_again()
        self.office_prints()
        self.lost_laptop()
        return self

    def county_setup(self) -> None:
        """County: start the server, create the areas, publish reference data, form and letter templates."""
        from sync.server.admin import add_area
        from sync.server.documents import check_document

        root = ROOT
        self.say(f"县民政局启动同步服务器（{self.backend}），地址 127.0.0.1",
                 f"County civil affairs starts the sync server on {self.backend}, on 127.0.0.1")
        if self.backend == "SQLite":
            self.detail("未指定 PostgreSQL：使用内置 SQLite 服务器 / no PostgreSQL given: embedded SQLite server")
        self.server = CountyServer(self.database_url).start()
        self.detail(self.server.url)
        place = self.place
        if place.areas_csv is not None:
            from sync.server.areas import import_areas

            imported = import_areas(self.server.storage, place.areas_csv, _now())
            self.detail(f"areas import {place.areas_csv.name}: {imported['created']} areas")
        else:
            for code, name, kind in ((place.county, "演示县", None), (place.township, "演示镇", None),
                                     (place.east, "演示镇东街社区", "urban"), (place.west, "演示镇西街社区", "urban"),
                                     (place.peach, "演示镇桃园村", "rural")):
                add_area(self.server.storage, code, name, kind)
        for kind, name, path in (("reference", place.county, place.reference),
                                 ("form", "four_clarifications", root / "forms/definitions/four_clarifications.v1.yaml"),
                                 ("templates", "letters", place.templates)):
            content = _document(path)
            check_document(kind, name, content)
            self.server.storage.publish_document(kind, name, content, _now())
        self.say("县里创建乡镇和村，发布参考数据（低保标准）、表单 v1 和告知书模板",
                 "The county creates the township and villages and publishes reference data, form v1 and letter templates")

    def _new_device(self, name: str, role: str, users: list[str], villages: tuple[str, ...]) -> Device:
        from fieldapp import syncing
        from fieldapp.services import Services
        from fieldapp.vault import Vault
        from sync.server.admin import issue_enrollment_code

        device = Device(name, role, self.workdir / name, users)
        vault = Vault.create(device.data_dir, users[0], PASSPHRASE, self.office_public, kdf=self.kdf)
        for extra in users[1:]:
            vault.add_user(extra, PASSPHRASE, kdf=self.kdf)
        code, _ = issue_enrollment_code(self.server.storage, role, self.place.township, list(villages), 4)
        syncing.enroll(vault, self.server.url, code, label=name)
        vault.lock()
        device.services = Services(device.data_dir, kdf=self.kdf)
        device.services.unlock(users[0], PASSPHRASE)
        self.devices[name] = device
        return device

    def enroll_devices(self) -> None:
        """The office device and three laptops get one-time codes and enroll; laptop B has two local users."""
        self.say("乡镇经办机构电脑和三台走访笔记本用一次性登记码登记到县服务器",
                 "The township office device and three visitor laptops enroll with one-time codes")
        self._new_device("office", "office", [OFFICE_USER], ())
        self._new_device("laptop_a", "visitor", ["协理员甲"], (self.place.peach, self.place.east))
        self._new_device("laptop_b", "visitor", ["协理员乙", "网格员丙"], (self.place.peach,))
        self._new_device("laptop_c", "visitor", ["民政干部丁"], (self.place.west,))
        self.detail("笔记本 B 由两名走访人员共用：两个本地用户，各有自己的密码 / laptop B is shared: two local users")

    def morning_sync(self) -> None:
        """The office loads last year's household list and sends it up; every laptop pulls its villages."""
        from fieldapp import demo, syncing

        office = self.devices["office"]
        wanted = {self.place.peach: 5, self.place.east: 2, self.place.west: 3}
        households = []
        for visit in demo.generate(400, seed=7):
            visit = relocate(visit, self.place)
            code = visit["answers"]["village_code"]
            if wanted.get(code, 0) > 0:
                wanted[code] -= 1
                visit = copy.deepcopy(visit)
                visit["status"] = "final"
                visit["answers"]["visit_date"] = "2025-05-20"
                households.append(visit)
        office.vault.save_visits(households)
        report = syncing.sync_now(office.vault)
        self.say("经办机构导入去年的走访名单并上传；各笔记本出发前同步，取回本村住户",
                 "The office imports last year's list and uploads it; each laptop syncs before leaving and gets its villages")
        self.detail(f"office pushed {report.pushed} changes")
        for name in ("laptop_a", "laptop_b", "laptop_c"):
            rep = syncing.sync_now(self.devices[name].vault)
            self.detail(f"{name}: pulled {rep.pulled} changes, {rep.documents} documents")

    def _visit(self, device: Device, household_id: str | None, user: str, changes: dict,
               new_household: dict | None = None) -> str:
        """Record one visit on *device* as *user* through the app services (validated, calculated, saved)."""
        svc = device.services
        if svc.user != user:
            svc.lock()
            svc.unlock(user, PASSPHRASE)
        if new_household is not None:   # a household found today: its answers as typed at the door
            visit = svc.new_visit({"id": new_household["household_id"], "fields": copy.deepcopy(new_household["answers"])})
        else:
            visit = svc.new_visit(svc.open_household(household_id)["household"])
        answers = visit["answers"]
        answers.update({"visit_date": "2026-05-12", "visit_time": "10:30", "remarks": "走访日",
                        "visitors": [user, "村委会成员"]})
        answers["representative"] = next((m["name"] for m in answers.get("members", []) if m.get("relation") == "head"), "")
        answers.update(changes)
        svc.save_draft(visit)                          # the editor autosaves while typing
        saved = svc.save_visit(visit, final=True)
        svc.discard_draft(visit["visit_id"])
        stored = device.vault.get_visit(saved["visit_id"], audit_view=False)
        self.typed[saved["visit_id"]] = stored["answers"]
        self.household_of[saved["visit_id"]] = saved["household_id"]
        device.typed[saved["visit_id"]] = stored["answers"]
        return saved["visit_id"]

    def _households(self, device: Device, village: str) -> list[str]:
        return sorted(r.household_id for r in device.services.household_rows() if r.village_code == village)

    def record_visits_offline(self) -> None:
        """Offline in the villages: A and B both visit one household (hard + soft conflict), new households too."""
        from fieldapp import demo

        a, b, c = self.devices["laptop_a"], self.devices["laptop_b"], self.devices["laptop_c"]
        peach = self._households(a, self.place.peach)
        shared = self.conflict_household = peach[0]
        village = self.place.names[self.place.peach]
        where = self.place.township_name + village
        self.say(f"断网走访：笔记本 A 和 B 都走访了{village}同一户（地址各改各的，B 另改了户口类型）",
                 f"Offline visits: laptops A and B both visit one household in {village} (different addresses; "
                 "B also changes the hukou type)")
        self._visit(a, shared, "协理员甲", {"address": f"{where}一组8号（新房）", "phone": "13900000001"})
        self._visit(b, shared, "协理员乙", {"address": f"{where}一组8号附1", "hukou_type": "resident"})
        self._visit(a, peach[1], "协理员甲", {"remarks": "家中无人需再访"})
        self._visit(a, self._households(a, self.place.east)[0], "协理员甲", {"phone": "13900000002"})
        self.say("笔记本 B 换第二位走访人员登录，继续走访并登记一户新发现的困难家庭",
                 "The second visitor signs in on laptop B, visits on and registers a newly found household")
        self._visit(b, peach[2], "网格员丙", {"remarks": "申请临时救助"})
        newcomer = next(v for v in (relocate(x, self.place) for x in demo.generate(300, seed=99))
                        if v["answers"]["village_code"] == self.place.peach)
        self._visit(b, None, "网格员丙", {}, new_household=newcomer)
        for hid in self._households(c, self.place.west)[:2]:
            self._visit(c, hid, "民政干部丁", {"remarks": "已核实"})
        self.detail(f"{len(self.typed)} visits typed on 3 laptops, all saved in their encrypted vaults")

    def sync_a_over_network(self) -> None:
        """Laptop A is back in signal range and syncs over the network."""
        from fieldapp import syncing

        report = syncing.sync_now(self.devices["laptop_a"].vault)
        self.say("笔记本 A 回到有网络的地方，直接同步", "Laptop A is back online and syncs over the network")
        self.detail(f"pushed {report.pushed}, pulled {report.pulled}")

    def forward_bundle(self, bundle_bytes: bytes) -> bytes:
        """The office device forwards a laptop's bundle to the server; returns the receipt bundle."""
        from sync.client import SyncClient
        from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
        from sync.signing import sign_request

        with SyncClient(self.devices["office"].vault) as client:
            headers = sign_request(client.keys, client.device_id, "POST", "/v1/bundles", bundle_bytes)
            headers[PROTOCOL_HEADER] = str(PROTOCOL_VERSION)
            headers["Content-Type"] = "application/json"
            answer = client.http.post("/v1/bundles", content=bundle_bytes, headers=headers)
        if answer.status_code != 200:
            from sync import errors

            raise errors.error_from_payload(answer.status_code, answer.json())
        self.devices["office"].vault.audit("import", detail={"usb_bundle_forwarded": 1})
        return answer.content

    def _usb_round(self, device: Device):
        from fieldapp import syncing

        stick = self.workdir / "usb-stick"
        path, count = syncing.export_bundle(device.vault, stick)
        receipt = self.forward_bundle(path.read_bytes())
        receipt_path = stick / (path.stem + ".fieldapp-receipt")
        receipt_path.write_bytes(receipt)
        summary = syncing.import_receipt(device.vault, receipt_path)
        return count, summary

    def sync_b_by_usb(self) -> None:
        """Laptop B has no network: a sealed bundle on a USB stick goes through the township office."""
        count, summary = self._usb_round(self.devices["laptop_b"])
        self.say("笔记本 B 所在村没有网络：导出加密 U 盘数据包，由乡镇经办机构转交县服务器，再带回回执",
                 "Laptop B's village has no network: a sealed USB bundle goes via the township office; the receipt comes back")
        self.detail(f"bundle: {count} changes; receipt acknowledged {summary.acknowledged}, "
                    f"conflicts {len(summary.conflicts)}")

    def sync_c_interrupted(self) -> None:
        """Laptop C's connection is cut mid-sync (the server stored the push, the answer was lost); the push is
        sent once more on a new connection, and what the server already had is acknowledged, never stored twice."""
        from fieldapp import syncing

        vault = self.devices["laptop_c"].vault
        before = vault.pending_count()
        proxy = CuttingProxy(int(self.server.url.rsplit(":", 1)[1]))
        vault.set_sync_state("server_url", proxy.url)          # laptop C's link goes through the bad cable
        report = syncing.sync_now(vault)
        proxy.close()
        vault.set_sync_state("server_url", self.server.url)
        if proxy.cuts != 1:
            raise FieldDayFailed(f"the cable was to break once, it broke {proxy.cuts} times")
        if report.duplicates < 1 or vault.pending_count() != 0:
            raise FieldDayFailed(f"after the cut: already on server {report.duplicates}, pending {vault.pending_count()}")
        self.say("笔记本 C 同步时网络中断：服务器已收到变更但回答丢失；推送重发一次，已收到的变更只确认、不重复",
                 "Laptop C's connection drops mid-sync: the server stored the changes but the answer was lost; "
                 "the push is sent once more, and changes the server already had are acknowledged, never stored twice")
        self.detail(f"pending before {before}; connections cut {proxy.cuts}; already on server {report.duplicates}, "
                    f"newly pushed {report.pushed}, pending {vault.pending_count()}")

    def office_resolves_conflict(self) -> None:
        """The office sees the hard conflict and keeps the address laptop B typed."""
        from fieldapp import syncing

        office = self.devices["office"]
        syncing.sync_now(office.vault)
        from sync.client import SyncClient

        with SyncClient(office.vault) as client:
            open_conflicts = client.conflicts("open")
        hard = [c for c in open_conflicts if c["kind"] == "hard" and c["entity_id"] == self.conflict_household]
        soft = [c for c in client_conflicts_all(office.vault) if c["kind"] == "soft"
                and c["entity_id"] == self.conflict_household]
        if len(hard) != 1 or not soft:
            raise FieldDayFailed(f"expected one hard and a soft conflict, got {len(hard)} hard, {len(soft)} soft")
        conflict = hard[0]
        self.resolved_address = conflict["fields"]["address"]["device"]
        syncing.resolve_conflict(office.vault, conflict["conflict_id"], {"address": self.resolved_address},
                                 author=OFFICE_USER)
        self.say("乡镇经办机构处理冲突：地址两台笔记本填得不同（硬冲突），采用笔记本 B 的地址；户口类型只有 B 改（软冲突，自动合并）",
                 "The office resolves the hard conflict (two different addresses) with laptop B's value; "
                 "the soft one (hukou type) merged by itself")

    def everyone_syncs_again(self) -> None:
        """The resolution reaches every laptop (B again by USB)."""
        from fieldapp import syncing

        for name in ("laptop_a", "laptop_c", "office"):
            syncing.sync_now(self.devices[name].vault)
        self._usb_round(self.devices["laptop_b"])
        self.say("各笔记本再次同步（B 仍用 U 盘），冲突处理结果到达每台电脑",
                 "Every laptop syncs again (B by USB once more): the resolution reaches all of them")

    def _print_visits(self, village: str) -> list[dict]:
        """The latest visit of each household in *village*, with the household's current (resolved) state."""
        office = self.devices["office"]
        form = office.services.form()
        out = []
        for hid in self._households(office, village):
            household = office.vault.get_household(hid, audit_view=False)
            finals = [v for v in household["visits"] if v["status"] == "final"]
            if not finals:
                continue
            visit = office.vault.get_visit(finals[0]["id"], audit_view=False)
            visit.pop("meta", None)
            for key, value in household["fields"].items():
                if key in form.questions and form.questions[key].scope == "household":
                    visit["answers"][key] = value
            out.append(visit)
        return out

    def office_prints(self) -> None:
        """Consent forms, visit records and visit-result letters for 桃园村 through the app, and the ledger workbook."""
        import printouts

        office = self.devices["office"]
        svc = office.services
        out = self.workdir / "printouts"
        out.mkdir(exist_ok=True)
        households = self._households(office, self.place.peach)
        for kind, name, file in (("consent", "consent", "consent.pdf"), ("visit_record", "visit_record", "visit-records.pdf"),
                                 ("visit_result", "letters", "letters.pdf")):
            self.printed[name] = svc.print_batch(kind, households, out / file).render   # serials kept in the vault
        # The app keeps the office's QR signing key inside its vault; verifiers get the public half.
        self.sign_public = svc._print_key().public_key()
        ctx = printouts.PrintContext(signing_key=svc._print_key(), reference=svc.reference(), templates=svc.templates(),
                                     issue_date="2026-05-13")
        visits = [v for code in (self.place.peach, self.place.east, self.place.west) for v in self._print_visits(code)]
        exported = printouts.export_ledger_xlsx(visits, ctx, out / "ledger.xlsx")
        self.ledger_path = Path(exported.path)
        office.vault.audit("export", detail={"ledger_households": len(exported.household_ids)})
        village = self.place.names[self.place.peach]
        self.say(f"经办机构为{village}批量打印授权书、入户调查记录和告知书（{len(households)} 户），并导出全镇工作台账",
                 f"The office batch-prints consent forms, visit records and letters for {village} ({len(households)} "
                 "households) and exports the township ledger")
        for name, result in self.printed.items():
            self.detail(f"{name}: {result.pages} pages -> {result.path}")
        self.detail(f"ledger: {len(exported.household_ids)} rows -> {exported.path}")

    def lost_laptop(self) -> None:
        """Laptop C records one more visit, is lost, revoked; the office recovers the unsent visit with its key."""
        from fieldapp import syncing
        from fieldapp.vault import Vault
        from sync import errors

        c = self.devices["laptop_c"]
        self._visit(c, self._households(c, self.place.west)[2], "民政干部丁", {"remarks": "丢失前最后一次走访"})
        self.say("笔记本 C 又走访了一户，还没来得及同步就丢失了；县里注销这台电脑",
                 "Laptop C records one more visit and is lost before syncing; the county revokes it")
        self.server.storage.revoke_device(c.vault.get_sync_state("device_id"), _now())
        try:
            syncing.sync_now(c.vault)
            raise FieldDayFailed("a revoked laptop could still sync")
        except errors.DeviceRevoked as exc:
            self.detail(f"{exc.code}: {exc.message_zh}")
        c.services.vault = None
        finder = Vault.open(c.data_dir)
        self.detail(f"本地密码包装已销毁，剩余用户 {finder.users()} / local wraps destroyed: users left {finder.users()}")
        recovered = Vault.open(c.data_dir)
        recovered.unlock_with_office_key(self.office_private)
        self.recovered_vault = recovered
        office = self.devices["office"]
        unsent = [ch["entity_id"] for ch in recovered.pending_changes(10_000) if ch["entity"] == "visit"]
        for visit_id in unsent:
            visit = recovered.get_visit(visit_id)
            visit.pop("meta", None)
            office.vault.save_visit(visit)
        recovered.audit("export", detail={"recovered_visits": len(unsent)})
        syncing.sync_now(office.vault)
        self.say(f"乡镇经办机构用县里的恢复密钥打开 C 的数据，把未同步的 {len(unsent)} 次走访转交服务器",
                 f"The office opens laptop C's vault with the county recovery key and forwards its {len(unsent)} unsent visit(s)")

    # ------------------------------------------------------------------ the proof
    def check(self) -> dict:
        """Every typed visit on the server exactly once with its content; ledger rows; QR codes; audit chains."""
        from sync.server.storage import Scope

        scope = Scope("admin", self.place.county)
        log = [c for c in self.server.storage.change_log(scope) if c["entity"] == "visit"]
        seen: dict[str, int] = {}
        for change in log:
            seen[change["entity_id"]] = seen.get(change["entity_id"], 0) + 1
        records = {r["entity_id"]: r for r in self.server.storage.records(scope)}
        for visit_id, answers in self.typed.items():
            if seen.get(visit_id) != 1:
                raise FieldDayFailed(f"visit {visit_id} stored {seen.get(visit_id, 0)} times on the server")
            if records[visit_id]["fields"].get("answers") != answers:
                raise FieldDayFailed(f"visit {visit_id} differs on the server")
            if records[visit_id]["fields"].get("household_id") != self.household_of[visit_id]:
                raise FieldDayFailed(f"visit {visit_id} belongs to the wrong household on the server")
        household = records[self.conflict_household]["fields"]
        if household.get("address") != self.resolved_address or household.get("hukou_type") != "resident":
            raise FieldDayFailed("the conflict household does not hold the resolved values")
        for name, device in self.devices.items():
            if device.services.vault is None:
                continue
            if device.vault.pending_count():
                raise FieldDayFailed(f"{name} still has unsent changes")
            if device.role == "office" or self.place.peach in json.loads(device.vault.get_sync_state("villages") or "[]"):
                mine = device.vault.get_household(self.conflict_household, audit_view=False)["fields"]
                if mine.get("address") != self.resolved_address:
                    raise FieldDayFailed(f"{name} did not receive the resolution")
        rows = self._check_ledger(records)
        codes = self._check_codes()
        audits = self._check_audit()
        summary = {"visits_typed": len(self.typed), "visits_on_server": len(seen), "ledger_rows": rows,
                   "codes_verified": codes, "audit_entries": audits, "backend": self.backend}
        self.say("核对：每次走访在服务器上恰好一份且内容一致，台账行一致，每份文书二维码验签通过（告知书的二维码从 PDF 页面上扫读），审计日志完整",
                 "Checked: every visit is on the server exactly once with the right content, the ledger rows match, "
                 "every document's QR code verifies (the letters' read back off the PDF pages), every audit log verifies")
        self.detail(json.dumps(summary, ensure_ascii=False))
        return summary

    def _check_ledger(self, records: dict) -> int:
        from openpyxl import load_workbook

        from printouts.ledger import COLUMNS

        expected = {}
        for r in records.values():
            if r["entity"] != "household" or township_of(r["village_code"]) != self.place.township:
                continue
            head = next((m for m in r["fields"].get("members", []) if m.get("relation") == "head"), {})
            expected[(r["village_code"], head.get("name", ""), r["fields"].get("address", ""))] = r["entity_id"]
        keys = [c[0] for c in COLUMNS]
        found = set()
        wb = load_workbook(self.ledger_path, read_only=True)
        names = self.place.names
        for ws in wb.worksheets[1:]:
            code = next(c for c, n in names.items() if n in ws.title or ws.title in (self.place.township_name + n))
            for row in ws.iter_rows(min_row=3, values_only=True):
                if row[0] is None:
                    continue
                values = dict(zip(keys, row))
                found.add((code, values["head"], values["address"]))
        wb.close()
        if found != set(expected):
            raise FieldDayFailed(f"ledger rows differ from the server: {len(found)} vs {len(expected)}")
        return len(found)

    def _check_codes(self) -> int:
        from printouts import verify_code
        from printouts.scan import read_codes_from_pdf

        letters = self.printed["letters"]
        scanned = read_codes_from_pdf(letters.path)      # the QR codes as a phone would read them off the paper
        if sorted(scanned) != sorted(doc.code for doc in letters.documents):
            raise FieldDayFailed(f"letters: {len(scanned)} QR codes read back, {len(letters.documents)} printed")
        for code in scanned:
            verify_code(code, [self.sign_public])
        count = 0
        for name, result in self.printed.items():
            text = pdf_text(result.path)
            for doc in result.documents:
                verify_code(doc.code, [self.sign_public])
                if doc.serial and doc.serial not in text:
                    raise FieldDayFailed(f"{name}: serial {doc.serial} not printed in the PDF")
                count += 1
        return count

    def _check_audit(self) -> int:
        total = 0
        for device in self.devices.values():
            if device.services.vault is not None:
                total += device.vault.verify_audit()
        total += self.recovered_vault.verify_audit()
        for device in self.devices.values():
            if device.services.vault is not None:
                device.vault.check_integrity()
        self.recovered_vault.check_integrity()
        return total

    def close(self) -> None:
        """Lock every vault and stop the server."""
        for device in self.devices.values():
            if device.services is not None:
                device.services.lock()
        if self.recovered_vault is not None:
            self.recovered_vault.lock()
        if self.server is not None:
            self.server.stop()


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.field.fieldday [--database URL] [--workdir DIR]``: play and check the field day."""
    parser = argparse.ArgumentParser(prog="fieldday", description="完整走一遍走访日 / play a whole campaign day")
    parser.add_argument("--database", help="postgresql://… of the county server (default: embedded SQLite)")
    parser.add_argument("--workdir", help="folder for the vaults, USB stick and printouts (default: a new temp folder)")
    parser.add_argument("--demo", action="store_true",
                        help="play the day in the demo county 990101 (default: 松林县 510123, a county that is not the demo)")
    args = parser.parse_args(argv)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="fieldday-"))
    day = FieldDay(workdir, args.database, place=DEMO if args.demo else SONGLIN)
    try:
        day.run()
        day.check()
    except FieldDayFailed as exc:
        print(f"核对未通过 / CHECK FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        day.close()
    print(f"完成。所有文件在 {workdir} / Done. Everything is in {workdir}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
