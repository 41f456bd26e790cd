"""A small FastAPI application on proforum: sign up, join, apply, see the draw, answer the survey.

Build it with :func:`webapp.app.create_app`; see ``examples/webapp/README.md``.
"""
