# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Conditions that users write as Tryton domains (reminder, score,
assignment and qualification rules)."""
import ast


def parse_domain(text):
    "The domain of `text`, a Python literal list; [] when empty"
    domain = ast.literal_eval(text) if text else []
    if not isinstance(domain, list):
        raise ValueError(f"not a list: {text}")
    return domain


def domain_error(Model, text):
    """Why `text` is not a domain `Model` can be searched with, or None.

    Searching once is the only full check: it validates the field names,
    operators and values the way the rule will use them."""
    try:
        Model.search(parse_domain(text), limit=1)
    except Exception as exception:
        return str(exception) or exception.__class__.__name__
