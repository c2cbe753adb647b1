"""One module + one .kv file per screen; `kiosk.ui.kiosk_app` registers them."""
