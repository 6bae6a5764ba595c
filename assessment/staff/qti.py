"""Admin screens: qti (see `assessment/staff/__init__.py`)."""

urlpatterns = []


def menu_items():
    """The entries this part adds to the "Assessment" admin menu."""
    return []
