"""Input formats for every form of the platform (FORMAT_MODULE_PATH in settings).

Django's zh_Hans locale puts ``%Y/%m/%d`` first, and a widget renders a stored value with the first
input format: ``<input type=date>`` accepts only ``YYYY-MM-DD`` (HTML's "valid date string") and
silently drops anything else, so every form that showed a stored date again lost it. ISO comes
first here; the Chinese spellings are still accepted when typed.
"""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
# ``<input type=datetime-local>`` wants ``YYYY-MM-DDTHH:MM``; forms.DateTimeField parses ISO first anyway.
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
]

# Thousands separators wherever a template asks for them (intcomma, floatformat:"g"): Django's zh_Hans
# leaves NUMBER_GROUPING at 0, so "20000000 股" was printed unseparated. USE_THOUSAND_SEPARATOR stays
# off: years, codes and ids rendered as integers must not gain commas.
THOUSAND_SEPARATOR = ","
DECIMAL_SEPARATOR = "."
NUMBER_GROUPING = 3
