"""Rules R1–R12 of docs (domain.md): each a plain function ``rule(facts) -> list[Suggestion]``.

Suggestions are for staff ("可能符合…"), never decisions. :func:`forms.assess` builds the
Facts of a visit once and runs every rule in order.
"""

from forms.rules.base import Facts, Suggestion, add_months, is_severely_disabled
from forms.rules.flags import r9_verify, r10_filing, r12_watch_list
from forms.rules.income import per_capita_income_fen, r1_per_capita, r2_standard, r3_income_class, r6_gradual_exit
from forms.rules.people import is_minor_for_tekun, r4_single_person, r5_tekun, r11_child_protection
from forms.rules.schedule import r7_review, r8_approval_level

__all__ = [
    "Facts", "Suggestion", "add_months", "is_severely_disabled", "is_minor_for_tekun", "per_capita_income_fen",
    "r1_per_capita", "r2_standard", "r3_income_class", "r4_single_person", "r5_tekun", "r6_gradual_exit",
    "r7_review", "r8_approval_level", "r9_verify", "r10_filing", "r11_child_protection", "r12_watch_list",
]
