"""The signed QR code: genuine codes verify, altered or foreign ones are refused with a reason."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from printouts import LetterRequest, print_letters, verify_code
from printouts.errors import CodeFormatError, SignatureInvalidError, UnknownSigningKeyError
from printouts.signing import content_digest, sign_code
from printfixtures import base_visit


def test_code_printed_on_a_letter_verifies_with_the_public_key(ctx, signing_key, tmp_path):
    result = print_letters("review", [LetterRequest(base_visit(), due_date="2026-11-20")], ctx, tmp_path / "r.pdf")
    record = result.documents[0]
    verified = verify_code(record.code, [signing_key.public_key()])
    assert verified.serial == record.serial == "演镇民救告〔2026〕001号"
    assert verified.doc_type == "letter_review"
    assert verified.issued_on == "2026-05-20"
    assert verified.digest == record.digest
    assert "真实有效" in verified.summary_zh()


def test_a_changed_serial_is_detected(signing_key):
    code = sign_code(signing_key, "letter_review", "演镇民救告〔2026〕001号", "2026-05-20", content_digest({"a": 1}))
    forged = code.replace("001号", "002号")
    with pytest.raises(SignatureInvalidError) as err:
        verify_code(forged, [signing_key.public_key()])
    assert "伪造" in err.value.message_zh


def test_a_flipped_signature_character_is_detected(signing_key):
    code = sign_code(signing_key, "consent", "演镇核授〔2026〕0001号", "2026-05-20", content_digest({"a": 1}))
    body, sig = code.rsplit("|", 1)
    flipped = body + "|" + ("A" if sig[0] != "A" else "B") + sig[1:]
    with pytest.raises(SignatureInvalidError):
        verify_code(flipped, [signing_key.public_key()])


def test_a_code_from_an_untrusted_key_is_not_accepted(signing_key):
    stranger = Ed25519PrivateKey.generate()
    code = sign_code(stranger, "consent", "演镇核授〔2026〕0001号", "2026-05-20", content_digest({"a": 1}))
    with pytest.raises(UnknownSigningKeyError):
        verify_code(code, [signing_key.public_key()])


def test_the_digest_ties_the_code_to_the_document_content(signing_key):
    content = {"head": "王建国", "items": [["R3", "可能符合低保"]]}
    code = sign_code(signing_key, "letter_visit_result", "演镇民救告〔2026〕003号", "2026-05-20", content_digest(content))
    assert verify_code(code, [signing_key.public_key()], content=content)
    with pytest.raises(SignatureInvalidError):
        verify_code(code, [signing_key.public_key()], content={**content, "head": "李四"})


@pytest.mark.parametrize("text", ["", "hello", "FAV1|a|b", "FAV2|a|b|c|d|e|f"])
def test_text_that_is_not_a_code_says_so(text, signing_key):
    with pytest.raises(CodeFormatError):
        verify_code(text, [signing_key.public_key()])


def test_verification_accepts_raw_and_pem_public_keys(signing_key):
    from cryptography.hazmat.primitives import serialization

    pub = signing_key.public_key()
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pem = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    code = sign_code(signing_key, "consent", "X〔2026〕1号", "2026-05-20", content_digest({}))
    assert verify_code(code, [raw]).serial == "X〔2026〕1号"
    assert verify_code(code, [pem]).serial == "X〔2026〕1号"
