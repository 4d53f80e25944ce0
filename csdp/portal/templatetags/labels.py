"""Chinese labels for stored codes in templates (csdp/lib/labels.py): ``{{ e.action|action_label:e.object_type }}``,
``{{ t.to_state|state_label:"issuers.issuerregistration" }}``, ``{{ m.purpose|purpose_label }}``, ``{{ kinds|choices_label }}``."""

from django import template

from csdp.lib import labels

register = template.Library()


@register.filter
def action_label(action, object_type=""):
    return labels.audit_action_label(str(action or ""), str(object_type or ""))


@register.filter
def state_label(value, model_label=""):
    return labels.choice_label(value, model_label or None) or "—"


@register.filter
def choices_label(values, model_label=""):
    return labels.choice_labels(values or "", model_label or None)


@register.filter
def actor(value):
    return labels.actor_label(value)


@register.filter
def purpose_label(purpose):
    return labels.purpose_label(str(purpose or ""))


@register.filter
def uncited(text):
    return labels.without_citations(str(text or ""))


@register.filter
def subject(rfc4514):
    return labels.subject_label(str(rfc4514 or ""))


@register.filter
def exemption(reason):
    return labels.exemption_label(str(reason or ""))
