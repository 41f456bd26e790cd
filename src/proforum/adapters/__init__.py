"""Built-in adapters, registered as ordinary plugins by :func:`proforum.get_plugin_manager`."""
