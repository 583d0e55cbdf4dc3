from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from socialapp.authn.viewer import require_viewer


class WhoAmIView(APIView):
    """A REST endpoint that needs a viewer: proves DRF authentication uses the shared verifier."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        viewer = require_viewer(request)
        return Response({"username": viewer.username, "user_id": str(viewer.user_id)})


class PokeView(APIView):
    """A REST write that spends the `writes` budget: proves the kernel's write throttle."""

    write_rate_limit_scope = "writes"

    def post(self, request: Request) -> Response:
        return Response({"poked": True})
