"""The product's URLs plus the floor of ``bench.load``: a view that inserts one row."""

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

from backoffice.urls import urlpatterns as product_urlpatterns


@require_POST
def insert_one_row(request):
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "connexion requise"}, status=403)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor (user_id, at) VALUES (%s, now())",
                       [request.user.pk])
    return HttpResponse(status=204)


urlpatterns = [path("bench/insert/", insert_one_row), *product_urlpatterns]
