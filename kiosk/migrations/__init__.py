"""Alembic migrations of the kiosk's local database; run by kiosk.store at every start."""

# The newest revision in versions/. kiosk.store compares the database with it to skip
# importing Alembic when there is nothing to do; a test keeps it equal to Alembic's head.
HEAD = "0004"
