"""The form engine: versioned form definitions, validation, skip logic, calculations and rules R1–R12.

Pure Python: imports nothing of ours, no Qt, no database.
"""
