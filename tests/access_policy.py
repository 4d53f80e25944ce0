"""The access policy, written down independently of the views, for the URL × role matrix
(tests/test_access_matrix.py).

EXPECTED: every URL name → the roles that may call it (PUBLIC: everyone). A view whose @allow
differs from this table, or a URL missing here, fails the matrix — so widening a view's roles
takes a deliberate edit here too.

OBJECTS: a URL keyword → a factory that builds one object on issuer A's side of the cast and
returns (value for the URL, the cast members who may see that object).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from tests.approvals import matrix as approvals_matrix
from tests.counter import matrix as counter_matrix
from tests.fees import matrix as fees_matrix
from tests.greenshoe import matrix as greenshoe_matrix
from tests.keys import matrix as keys_matrix
from tests.pledge import matrix as pledge_matrix
from tests.register import matrix as register_matrix
from tests.securities import matrix as securities_matrix
from tests.issuers import matrix as issuers_matrix
from tests.ipo import matrix as ipo_matrix
from tests.uploads import matrix as uploads_matrix

PUBLIC = "public"
STAFF = {"reviewer", "operator", "admin"}
MEMBERS = {"issuer", "underwriter", "participant", "pledge_user"}
EVERYONE = STAFF | MEMBERS

EXPECTED: dict[str, set[str] | str] = {
    # csdp.securities / csdp.ledger / csdp.register (证券、资金账簿、持有人名册)
    "securities:security_list": STAFF,
    "securities:security_detail": STAFF,
    "securities:account_lookup": STAFF,
    "securities:my_custody_units": {"participant"},
    "ledger:account_list": STAFF,
    "ledger:account_statement": STAFF,
    "ledger:my_reserve": {"participant", "underwriter"},
    "register:security_positions": STAFF,
    "register:account_changes": STAFF,
    "register:roster_query": {"issuer"} | STAFF,
    "register:business_template": {"issuer"} | STAFF,
    "register:holding_files": {"participant"} | STAFF,
    "register:holding_file_download": {"participant"} | STAFF,
    "api:register_holders": {"issuer"} | STAFF,
    "api:register_files": {"participant"} | STAFF,
    "api:register_file_content": {"participant"} | STAFF,
    "api:reserve_balance": {"participant", "underwriter"},
    "api:account_positions": STAFF,
    "health": PUBLIC,
    "ready": PUBLIC,
    "metrics": PUBLIC,
    "portal:home": EVERYONE,
    "portal:my_applications": MEMBERS,
    "portal:staff_queue": STAFF,
    "portal:scope_limited": PUBLIC,
    "accounts:login": PUBLIC,
    "accounts:logout": PUBLIC,
    "accounts:user_list": {"admin"},
    "accounts:user_create": {"admin"},
    "accounts:user_detail": {"admin"},
    "accounts:user_action": {"admin"},
    "accounts:institution_list": {"admin"},
    "accounts:institution_create": {"admin"},
    "accounts:institution_edit": {"admin"},
    "accounts:token_list": EVERYONE,
    "accounts:token_revoke": EVERYONE,
    "accounts:password_change": EVERYONE,
    "clock:calendar": STAFF,
    "clock:closed_day_create": {"admin"},
    "clock:closed_day_delete": {"admin"},
    "api:me": EVERYONE,
    "api:clock": EVERYONE,
    "api:trading_days": EVERYONE,
    "api:offset": EVERYONE,
    # csdp.counter (发行人虚拟柜台)
    "counter:list": MEMBERS,
    "counter:notice": MEMBERS,
    "counter:new": MEMBERS,
    "counter:type_guide": MEMBERS,
    "counter:confirm": MEMBERS,
    "counter:resubmit": MEMBERS,
    "counter:withdraw": MEMBERS,
    "counter:confirm_results": MEMBERS,
    "counter:detail": EVERYONE,
    "counter:file_download": EVERYONE,
    "counter:catalogue": EVERYONE,
    "counter:template_download": EVERYONE,
    "counter:queue": STAFF,
    "counter:assign": {"operator", "admin"},
    "counter:accept": {"operator", "admin"},
    "counter:return": {"operator", "admin"},
    "counter:result_upload": {"operator", "admin"},
    "counter:issue_results": {"operator", "admin"},
    "counter:result_remove": {"operator", "admin"},
    "counter:catalogue_edit": {"operator", "admin"},
    "counter:template_upload": {"operator", "admin"},
    "counter:template_delete": {"operator", "admin"},
    "api:counter_applications": EVERYONE,
    "api:counter_application": EVERYONE,
    "api:counter_business_types": EVERYONE,
    "notify:outbox": STAFF,
    "notify:captcha": PUBLIC,
    # csdp.keys (USB-KEY, 国密证书管理; seed 000 §一(四), §二(四)–(七))
    "keys:enrol": PUBLIC,
    "keys:enrol_key": PUBLIC,
    "keys:login_key": PUBLIC,
    "keys:login_sms": PUBLIC,
    "keys:login_totp": PUBLIC,
    "keys:totp_enrol": PUBLIC,
    "keys:recovery_apply": PUBLIC,
    "keys:crl": PUBLIC,
    "keys:crl_pem": PUBLIC,
    "keys:ca_certificate": PUBLIC,
    "keys:certificates": MEMBERS,
    "keys:renewal_apply": MEMBERS,
    "keys:reissue_apply": MEMBERS,
    "keys:pin_change": MEMBERS,
    "keys:application_detail": EVERYONE,
    "keys:application_decide": {"reviewer", "admin"},
    "keys:admin": STAFF,
    "keys:key_issue_create": {"admin"},
    "keys:device_pin_reset": {"admin"},
    "keys:certificate_revoke": {"admin"},
    "keys:signature_detail": STAFF,
    "api:key_certificate": MEMBERS,
    "api:key_signature": STAFF,
    "files:download": EVERYONE,
    # csdp.issuers (发行人注册、信息维护; seed 000 §一(一), §二(一)–(三))
    "issuers:register_start": PUBLIC,
    "issuers:register_agreement": PUBLIC,
    "issuers:register_category": PUBLIC,
    "issuers:register_method": PUBLIC,
    "issuers:register_institution": PUBLIC,
    "issuers:register_user": PUBLIC,
    "issuers:register_materials": PUBLIC,
    "issuers:register_verify": PUBLIC,
    "issuers:register_review": PUBLIC,
    "issuers:register_done": PUBLIC,
    "issuers:register_resume": PUBLIC,
    "issuers:registration_queue": STAFF,
    "issuers:registration_detail": STAFF,
    "issuers:registration_approve": {"reviewer"},
    "issuers:registration_reject": {"reviewer"},
    "issuers:info_application_queue": STAFF,
    "issuers:info_application_review": STAFF,
    "issuers:info_application_decide": {"reviewer"},
    "issuers:agent_info": {"issuer"},
    "issuers:institution_info": {"issuer"},
    "issuers:institution_non_key": {"issuer"},
    "issuers:institution_key_change": {"issuer"},
    "issuers:info_application_detail": {"issuer"},
    "issuers:info_application_resubmit": {"issuer"},
    "issuers:info_application_withdraw": {"issuer"},
    "issuers:invoice_info": {"issuer"},
    "api:issuer_info": {"issuer"},
    "ipo:offering_list": STAFF | {"issuer", "underwriter", "participant"},
    "ipo:offering_new": {"operator", "admin"},
    "ipo:eod_run": {"operator"},
    "ipo:offering_detail": STAFF | {"issuer", "underwriter", "participant"},
    "ipo:subscriptions_upload": {"operator"},
    "ipo:report_account": {"underwriter"},
    "ipo:pay_proceeds": {"underwriter"},
    "ipo:payment_notice": STAFF | {"issuer", "underwriter"},
    "ipo:stop_record": {"operator"},
    "ipo:underwriter_deposit": {"underwriter"},
    "ipo:declare": {"participant"},
    "ipo:declaration_withdraw": {"participant"},
    "ipo:participant_home": {"participant"},
    "ipo:deposit": {"participant"},
    "ipo:withdraw": {"participant"},
    "ipo:file_download": STAFF | {"participant"},
    "ipo:participant_manifest": {"participant"},
    "ipo:reserve_statement": {"participant", "underwriter"},
    "ipo:reserve_statement_file": {"participant", "underwriter"},
    "ipo:offering_results": STAFF | {"underwriter"},
    "ipo:offering_results_xlsx": STAFF | {"underwriter"},
    "ipo:filing_list": STAFF | {"issuer"},
    "ipo:filing_template": {"issuer"},
    "ipo:filing_upload": {"issuer"},
    "ipo:filing_confirm": {"issuer"},
    "ipo:registration_result": STAFF | {"issuer"},
    "ipo:code_switch_confirm": {"issuer"},
    "api:ipo_offerings": STAFF | {"issuer", "underwriter", "participant"},
    "api:ipo_offering": STAFF | {"issuer", "underwriter", "participant"},
    "api:ipo_obligations": STAFF | {"participant"},
    "api:ipo_files": STAFF | {"participant"},
    "api:ipo_file_content": STAFF | {"participant"},
    "api:ipo_deposit": {"participant", "underwriter"},
    "api:ipo_withdraw": {"participant", "underwriter"},
    "api:ipo_reserve_statement": {"participant", "underwriter"},
    "api:ipo_reserve_statement_file": {"participant", "underwriter"},
    "api:ipo_manifest": {"participant"},
    "api:ipo_offering_results": STAFF | {"underwriter"},
    "api:ipo_stop": {"operator"},
    "api:ipo_declarations": {"participant"},
    "api:ipo_declaration_list": {"participant"},
    "api:ipo_declaration_withdraw": {"participant"},
    "api:ipo_subscriptions": {"operator"},
    # csdp.pledge (证券质押供需信息平台; seed 004)
    "pledge:board": {"pledge_user"} | STAFF,
    "pledge:posting_new": {"pledge_user"},
    "pledge:my_postings": {"pledge_user"},
    "pledge:profile": {"pledge_user"},
    "pledge:posting_detail": {"pledge_user"} | STAFF,
    "pledge:posting_edit": {"pledge_user"},
    "pledge:posting_status": {"pledge_user"},
    "pledge:posting_message": {"pledge_user"},
    "pledge:posting_report": {"pledge_user"},
    "pledge:posting_handoff": {"pledge_user"},
    "pledge:threads": {"pledge_user"},
    "pledge:thread_detail": {"pledge_user"} | STAFF,
    "pledge:thread_reply": {"pledge_user"},
    "pledge:message_report": {"pledge_user"},
    "pledge:register": PUBLIC,
    "pledge:lender_apply": PUBLIC,
    "pledge:review_queue": STAFF,
    "pledge:posting_review": {"reviewer", "admin"},
    "pledge:posting_flag": {"reviewer", "admin"},
    "pledge:posting_correct": {"reviewer", "admin"},
    "pledge:reports": STAFF,
    "pledge:report_detail": STAFF,
    "pledge:report_handle": {"reviewer", "admin"},
    "pledge:users": STAFF,
    "pledge:user_detail": STAFF,
    "pledge:moderate": {"reviewer", "admin"},
    "pledge:lender_queue": STAFF,
    "pledge:lender_detail": STAFF,
    "pledge:lender_decide": {"reviewer", "admin"},
    "pledge:rules": STAFF,
    "pledge:rules_lpr_add": {"reviewer", "admin"},
    "pledge:rules_lpr_delete": {"reviewer", "admin"},
    "pledge:rules_multiple": {"reviewer", "admin"},
    "pledge:rules_eligible_add": {"reviewer", "admin"},
    "pledge:rules_eligible_delete": {"reviewer", "admin"},
    "api:pledge_postings": {"pledge_user"} | STAFF,
    "api:pledge_posting": {"pledge_user"} | STAFF,
    # csdp.fees (收费标准、付款通知、发票)
    "fees:schedule": {"issuer", "underwriter"} | STAFF,
    "fees:schedule_new": {"admin"},
    "fees:notice_list": {"issuer", "underwriter"} | STAFF,
    "fees:notice_detail": {"issuer", "underwriter"} | STAFF,
    "fees:notice_print": {"issuer", "underwriter"} | STAFF,
    "fees:notice_declare": {"issuer", "underwriter"},
    "fees:payment_record": {"operator", "admin"},
    "fees:invoice_issue": {"operator", "admin"},
    "fees:notice_cancel": {"operator", "admin"},
    "fees:invoice_detail": {"issuer", "underwriter"} | STAFF,
    "fees:invoice_download": {"issuer", "underwriter"} | STAFF,
    "api:fees_notices": {"issuer", "underwriter"} | STAFF,
    "api:fees_notice": {"issuer", "underwriter"} | STAFF,
    "api:fees_invoices": {"issuer", "underwriter"} | STAFF,
    # csdp.greenshoe (超额配售选择权)
    "greenshoe:list": {"issuer", "underwriter"} | STAFF,
    "greenshoe:option_new": {"operator", "admin"},
    "greenshoe:detail": {"issuer", "underwriter"} | STAFF,
    "greenshoe:agreement_new": {"underwriter"},
    "greenshoe:limit_reached": {"underwriter"},
    "greenshoe:template": {"issuer", "underwriter"} | STAFF,
    "greenshoe:upload": {"issuer", "underwriter"},
    "greenshoe:filing_detail": {"issuer", "underwriter"} | STAFF,
    "greenshoe:filing_sign": {"issuer", "underwriter"},
    "greenshoe:filing_approve": STAFF,
    "greenshoe:filing_reject": STAFF,
    "api:greenshoe_option": {"issuer", "underwriter"} | STAFF,
    # csdp.approvals (四眼复核)
    "approvals:list": STAFF,
    "approvals:detail": STAFF,
    "approvals:decide": STAFF,
}

Factory = Callable[[object], tuple[str, set[str]]]  # (cast) -> (url value, cast members who may see it)


def _closed_day(cast):
    return dt.date(2026, 2, 16).isoformat(), {"admin", "operator", "reviewer"}


def _user(cast):
    return str(cast.issuer_a.pk), {"admin"}


def _institution(cast):
    return str(cast.issuer_a.institution_id), {"admin"}


def _token(cast):
    from csdp.accounts.tokens import api_token_create

    token, _ = api_token_create(user=cast.issuer_a, name="matrix", login_method="key")
    return str(token.pk), {"issuer_a", "admin"}


OBJECTS: dict[str, Factory] = {
    "user_id": _user,
    "institution_id": _institution,
    "token_id": _token,
    "approval_id": approvals_matrix.approval,
    "security_id": securities_matrix.security,
    "ledger_account_id": securities_matrix.ledger_account,
    "account_number": securities_matrix.securities_account,
    "day": _closed_day,
    "key_application_id": keys_matrix.key_application,
    "key_device_id": keys_matrix.key_device,
    "key_certificate_id": keys_matrix.key_certificate,
    "key_signature_id": keys_matrix.key_signature,
    "file_id": uploads_matrix.stored_file,
    "application_id": counter_matrix.application,
    "attachment_id": counter_matrix.attachment,
    "business_type_id": counter_matrix.business_type,
    "template_id": counter_matrix.template,
    "issuer_registration_id": issuers_matrix.registration,
    "registration_token": issuers_matrix.registration_token,
    "info_application_id": issuers_matrix.info_application,
    "offering_id": ipo_matrix.offering,
    "participant_file_id": ipo_matrix.participant_file,
    "kind": ipo_matrix.filing_kind,
    "posting_id": pledge_matrix.posting_id,
    "thread_id": pledge_matrix.thread_id,
    "message_id": pledge_matrix.message_id,
    "report_id": pledge_matrix.report_id,
    "profile_id": pledge_matrix.profile_id,
    "lender_application_id": pledge_matrix.lender_application_id,
    "lpr_id": pledge_matrix.lpr_id,
    "eligible_id": pledge_matrix.eligible_id,
    "fee_notice_id": fees_matrix.fee_notice,
    "fee_invoice_id": fees_matrix.fee_invoice,
    "option_id": greenshoe_matrix.option,
    "greenshoe_filing_id": greenshoe_matrix.filing,
    "holding_file_id": register_matrix.holding_file,
}
