"""What oversight adds to a case's page: its learning items (for whoever sees it whole)."""

from django import template

from .. import learning

register = template.Library()


@register.inclusion_tag("oversight/_case_learning.html")
def case_learning(d):
    return {"items": learning.items_of_case(d), "d": d}
