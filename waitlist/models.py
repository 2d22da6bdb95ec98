"""The ASAP list: patients who want an earlier slot. Built with the Waitlist issue."""
