"""(being written)"""
from fastapi import APIRouter

from provider.web.deps import API_ERRORS

router = APIRouter(prefix="/api", responses=API_ERRORS)
