"""IMS QTI 2.1, 2.2 and 3.0 import and export (docs/qti.md)."""
