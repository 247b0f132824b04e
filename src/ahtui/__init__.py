"""ahtui: joined-up planning for care-experienced people in custody and on release."""

__version__ = "0.1.0"
