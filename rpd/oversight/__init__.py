"""Oversight: the register, the figures for a period, exports, the annual report, learning
items and the forms and records as documents.

It reads everything and writes nothing but learning items and the audit events of its
exports and downloads (docs/adr/016).
"""
