"""Every ``fieldapp`` command and subcommand has a help line and answers ``--help``."""

import argparse
import subprocess
import sys

from fieldapp.cli import build_parser


def _walk(parser: argparse.ArgumentParser, path: tuple = ()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield path + (name,), helps.get(name), sub
                yield from _walk(sub, path + (name,))


def test_every_command_has_a_help_line():
    commands = list(_walk(build_parser()))
    assert len(commands) >= 15
    missing = [" ".join(path) for path, help_text, _ in commands if not (help_text or "").strip()]
    assert not missing, f"commands without help: {missing}"


def test_help_of_each_top_level_command_runs_in_a_fresh_process():
    tops = sorted({path[0] for path, _, _ in _walk(build_parser())})
    for name in tops:
        out = subprocess.run([sys.executable, "-m", "fieldapp", name, "--help"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, (name, out.stderr)
        assert f"fieldapp {name}" in out.stdout
