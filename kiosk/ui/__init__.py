"""The kiosk's Kivy touch UI. Importing this package does not import Kivy: `app.main`
sets Kivy's environment (home folder, logging, window) first, then loads the widgets."""
