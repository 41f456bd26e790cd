"""An example application (``myapp``) and its test suite, written with proforum's testing kit."""
