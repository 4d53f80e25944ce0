"""USB-KEY signing figures: `CSDP_VAR_DIR=/tmp/x csdp migrate && CSDP_VAR_DIR=/tmp/x csdp shell -c "exec(open('bench/keys_signing.py').read())"`."""
import time
from csdp.accounts.models import Institution, User
from csdp.keys.signing import signing_context, submission_digest, submission_sign_verify
from csdp.keys.testing import enrol_test_key, sign
from csdp.keys.services import crl_current
from csdp.keys import ca
inst, _ = Institution.objects.get_or_create(kind="issuer", code="BENCH1", defaults={"name": "基准发行人"})
user, _ = User.objects.get_or_create(username="bench_keys", defaults={"institution": inst, "mobile": "13900000009"})
ca.ca_init()
t = time.perf_counter(); key = enrol_test_key(user); enrol_ms = (time.perf_counter() - t) * 1000
digest = submission_digest(content={"n": 1})
N = 200
t = time.perf_counter()
for i in range(N):
    ctx = signing_context(user=user, digest=digest)
    s = submission_sign_verify(user=user, digest=digest, payload=sign(key, ctx))
sign_ms = (time.perf_counter() - t) * 1000 / N
t = time.perf_counter()
for i in range(N):
    assert s.verify()
verify_ms = (time.perf_counter() - t) * 1000 / N
t = time.perf_counter(); crl = crl_current(); crl_ms = (time.perf_counter() - t) * 1000
print(f"enrol (key + certificate): {enrol_ms:.1f} ms; context+sign+verify+store: {sign_ms:.2f} ms/submission; "
      f"Signature.verify(): {verify_ms:.2f} ms; CRL build ({len(list(crl))} revoked): {crl_ms:.1f} ms")
