"""The application core of one laptop: small parts composed over one unlocked vault. No Qt here.

:class:`fieldapp.services.Services` builds one of each part and hands every part what it needs
(no part reaches into another's privates; the arrows are the constructor arguments)::

    Session ─► Catalog ─► Deriver ─► Visits ─► Households ─► Sync ─► Review ─► Printing
                                       └────► Exchange                  Lifecycle (settings, vault, unlock)

- :mod:`.session`   the vault handle (locked or unlocked), the data folder, the demo server
- :mod:`.catalog`   what the county published: form versions, reference data, templates, area names
- :mod:`.derive`    the rules' derived values (review date, list flags), computed once per save
- :mod:`.lifecycle` settings, creating and unlocking the vault, local users
- :mod:`.visits`    new / amended visits, validation, assessment, saving, history and differences
- :mod:`.households` the household list, coverage, needs, 无法入户, households found at the door
- :mod:`.exchange`  import and export of visit files
- :mod:`.sync`      enrollment, sync, USB bundles, conflicts
- :mod:`.review`    审核: returned visits, the office's approve / return, letter gating
- :mod:`.printing`  printed documents and the ledger, 文号
"""
