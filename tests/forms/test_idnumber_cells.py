"""ID numbers as spreadsheets hold them: Excel-number loss named as such, full-width digits, x, 15 digits."""

import pytest

from forms.errors import IdNumberChecksumError, IdNumberExcelNumberError, IdNumberOldFormatError
from forms.idnumber import from_cell, upgrade_15

STANDARD = "11010519491231002X"


def test_lower_case_x_full_width_digits_and_spaces_are_normalised_and_said_so():
    assert from_cell("11010519491231002x") == (STANDARD, ("normalised",))
    assert from_cell("１１０１０５１９４９１２３１００２Ｘ") == (STANDARD, ("normalised",))
    assert from_cell(" 110105 19491231 002X ") == (STANDARD, ("normalised",))
    assert from_cell(STANDARD) == (STANDARD, ())


def test_a_15_digit_number_is_converted_with_19_and_a_check_character():
    assert upgrade_15("110105491231002") == STANDARD
    assert from_cell("110105491231002") == (STANDARD, ("converted_15",))
    with pytest.raises(IdNumberOldFormatError) as exc:
        upgrade_15("110105491331002")
    assert "15 位" in exc.value.message_zh


@pytest.mark.parametrize("cell", [110105194912310000, 1.1010519491231e17, "1.10105E+17", "110105194912310000"])
def test_a_number_excel_stored_is_named_as_lost_digits_not_as_a_checksum_error(cell):
    with pytest.raises(IdNumberExcelNumberError) as exc:
        from_cell(cell)
    assert exc.value.code == "id_excel_number"
    assert "Excel" in exc.value.message_zh and "丢失" in exc.value.message_zh


def test_a_real_typo_is_still_a_checksum_error():
    with pytest.raises(IdNumberChecksumError):
        from_cell("110105194912310021")
