"""{% audit_history obj %}: the object's audit trail (who, when, from → to, why) on its page.
Only depository staff see it; members see the business history their pages show."""

from django import template

from csdp.audit.services import history_of

register = template.Library()


@register.inclusion_tag("audit/_history.html", takes_context=True)
def audit_history(context, obj):
    user = context.get("user")
    visible = bool(user and user.is_authenticated and user.staff_role)
    return {"events": history_of(obj) if visible else [], "visible": visible}
