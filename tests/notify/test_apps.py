from csdp.notify.apps import check_sms_gateway


def test_the_http_sms_backend_without_a_gateway_url_fails_the_system_check(settings):
    settings.CSDP_SMS_BACKEND, settings.CSDP_SMS_HTTP_URL = "http", ""
    assert [error.id for error in check_sms_gateway(None)] == ["notify.E001"]
    settings.CSDP_SMS_HTTP_URL = "https://sms.example.test/send"
    assert check_sms_gateway(None) == []
    settings.CSDP_SMS_BACKEND, settings.CSDP_SMS_HTTP_URL = "outbox", ""
    assert check_sms_gateway(None) == []
