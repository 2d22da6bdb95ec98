import django_filters
from django.db.models import Q

from scheduling.api.filters import LocationUUIDFilter, StrictBooleanFilter
from scheduling.models import Definition, DefinitionCategory, Operatory, Patient, ProcedureCode


class OperatoryFilterSet(django_filters.FilterSet):
    location_uuid = LocationUUIDFilter()
    is_active = StrictBooleanFilter()

    class Meta:
        model = Operatory
        fields = ["location_uuid", "is_active"]


class PatientFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=100,
        help_text="Words matched against names, chart number, email and phone; all must match.",
    )
    is_active = StrictBooleanFilter()

    class Meta:
        model = Patient
        fields = ["search", "is_active"]

    def filter_search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(preferred_name__icontains=word)
                | Q(chart_number__iexact=word)
                | Q(email__icontains=word)
                | Q(mobile_phone__icontains=word)
            )
        return queryset


class ProcedureCodeFilterSet(django_filters.FilterSet):
    code = django_filters.CharFilter(lookup_expr="iexact", max_length=5, help_text="e.g. D0120")

    class Meta:
        model = ProcedureCode
        fields = ["code"]


class DefinitionFilterSet(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=DefinitionCategory.choices)

    class Meta:
        model = Definition
        fields = ["category"]
