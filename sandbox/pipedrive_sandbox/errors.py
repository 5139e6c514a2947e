"""The one exception the endpoints raise: Pipedrive's application error (status and message)."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message

    def body(self) -> dict[str, object]:
        # Pipedrive's documented application-error envelope (gateway errors use errorCode instead).
        return {
            "success": False,
            "error": self.message,
            "error_info": "Please check developers.pipedrive.com",
            "data": None,
            "additional_data": None,
        }
