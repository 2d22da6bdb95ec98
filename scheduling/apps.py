from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Practice and access"

    def ready(self) -> None:
        from scheduling import demo

        demo.register_demo_seeder(demo.seed_reference_data)
