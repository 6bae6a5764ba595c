"""The examiner's screens in the Wagtail admin, one module per part of the work.

Each module defines `urlpatterns` (mounted under `/admin/assessment/<part>/` in the
`assessment_<part>` namespace by `assessment/wagtail_hooks.py`) and `menu_items()`,
the entries it adds to the admin's "Assessment" menu.
"""
