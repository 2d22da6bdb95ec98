"""The Schedule section: when providers work (templates, overrides, their resolution),
and the notes of a day. Appointment rules and the free-time search, which read the
appointments, live in the appointments app."""
