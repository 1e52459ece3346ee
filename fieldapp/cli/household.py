"""``--household ID`` for ``fieldapp assess`` and ``fieldapp print …``: a household in the vault, with the
reference data and letter templates the app itself uses (what the county published). Not a command module."""

from __future__ import annotations


def unlocked_services(args):
    """The app facade over the vault, unlocked as the chosen user (``--user``, $FIELDAPP_USER …)."""
    from fieldapp.cli import CliError, choose_user
    from fieldapp.cli.vault import ENV_PASSPHRASE, _ask, _data_dir
    from fieldapp.services import Services
    from fieldapp.vault import VaultError

    svc = Services(_data_dir(args))
    if not svc.has_vault():
        raise CliError(f"这台电脑还没有数据库：{svc.data_dir} (no vault here; run `fieldapp init` or start the app)")
    users = svc.users()
    user = choose_user(getattr(args, "user", None), users, svc.load_settings().get("last_user"))
    try:
        svc.unlock(user, _ask(f"{user} 的密码 (passphrase): ", ENV_PASSPHRASE))
    except VaultError as exc:
        raise CliError(f"{exc.message_zh} ({exc})") from exc
    return svc


def latest_visit(svc, household_id: str) -> dict:
    """The household's latest saved visit (interchange format), as the app prints and assesses it."""
    from fieldapp.cli import CliError
    from fieldapp.vault import VaultError

    try:
        visit = svc.visits.latest_visit(household_id)
    except VaultError as exc:
        raise CliError(f"{exc.message_zh} ({exc})") from exc
    if visit is None:
        raise CliError("这一户还没有保存的走访记录 (the household has no saved visit)")
    return visit
