"""``make bench``: the Appointments API timed over HTTP under gunicorn, beside its floors."""
