"""fieldapp: the offline-first desktop app for the 四个摸清 household visit.

The core (vault, services, CLI) never imports Qt; only :mod:`fieldapp.ui` does.
"""

__version__ = "0.1.0"
