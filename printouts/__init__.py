"""Printed documents rendered with reportlab: consent forms, visit records, letters and the ledger."""
