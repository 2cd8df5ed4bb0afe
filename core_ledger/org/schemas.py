"""API shapes of the organisation: outlets and tellers."""

from pydantic import BaseModel, Field


class OutletCreate(BaseModel):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)


class OutletPublic(OutletCreate):
    id: int


class StaffCreate(BaseModel):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    outlet_code: str
    phone: str


class StaffPublic(BaseModel):
    id: int
    code: str
    name: str
    outlet_code: str
    phone_masked: str
