"""Limited login scopes (000 §二(六)): after a 口令登录, or a password-only login when the agent's
mobile has changed, the agent must still reach 经办人信息维护 to correct the mobile number."""

from csdp.accounts.middleware import register_scope

register_scope("password_sms", {"issuers:agent_info"})
register_scope("password_only", {"issuers:agent_info"})
