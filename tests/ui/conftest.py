"""Qt tests run offscreen with the CJK font available."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
