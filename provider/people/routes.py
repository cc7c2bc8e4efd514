"""HTML pages (filled in by the Records work)."""
from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
