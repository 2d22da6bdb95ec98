from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Practice and access"

    def ready(self) -> None:
        from scheduling import demo
        from scheduling.api.exceptions import register_renderer
        from scheduling.schedule import demo as schedule_demo
        from scheduling.schedule.serializers import ScheduleClashSerializer
        from scheduling.schedule.services import ScheduleClash

        demo.register_demo_seeder(demo.seed_reference_data)
        demo.register_demo_seeder(schedule_demo.seed_provider_schedules)
        demo.register_demo_seeder(schedule_demo.seed_production_goals)
        demo.register_demo_seeder(schedule_demo.seed_schedule_views)
        demo.register_demo_seeder(schedule_demo.seed_saved_searches_and_preferences)
        register_renderer(ScheduleClash, lambda clash: ScheduleClashSerializer(clash).data)
