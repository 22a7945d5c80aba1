"""django-axes for the tests: django.test.Client.login() authenticates without a request, which
the real backend refuses; every HTTP login of a test still goes through django-axes."""

from axes.backends import AxesStandaloneBackend


class AxesTestBackend(AxesStandaloneBackend):
    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
