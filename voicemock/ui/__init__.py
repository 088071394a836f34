"""The Textual app: screens, widgets and the services they drive (``make_app`` in app.py)."""
