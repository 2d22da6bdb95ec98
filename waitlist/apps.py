from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "waitlist"
    verbose_name = "Waitlist"

    def ready(self) -> None:
        from scheduling.demo import register_demo_seeder
        from waitlist import demo

        register_demo_seeder(demo.seed_waitlist_entries)
