"""RFC 6238 codes, checked against the RFC's own test vectors, with drift and replay."""

import base64

from csdp.keys import totp

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()  # RFC 6238 appendix B, SHA-1


def test_the_codes_are_those_of_rfc_6238_appendix_b():
    # The RFC prints 8 digits; 6-digit codes are their last six.
    vectors = {59: "94287082", 1111111109: "07081804", 1234567890: "89005924", 2000000000: "69279037"}
    for seconds, code in vectors.items():
        assert totp.code_at(RFC_SECRET, totp.current_step(seconds)) == code[-6:]


def test_a_code_is_accepted_one_step_either_side_and_never_twice():
    secret = totp.secret_new()
    now = 1_800_000_000
    code = totp.code_at(secret, totp.current_step(now) - 1)
    step = totp.code_check(secret, code, last_step=None, now_s=now)
    assert step == totp.current_step(now) - 1
    assert totp.code_check(secret, code, last_step=step, now_s=now) is None
    assert totp.code_check(secret, totp.code_at(secret, totp.current_step(now) - 2), last_step=None, now_s=now) is None


def test_malformed_codes_are_refused():
    secret = totp.secret_new()
    for code in ("", "12345", "1234567", "abcdef"):
        assert totp.code_check(secret, code, last_step=None) is None
