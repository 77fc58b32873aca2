"""Where a search starts and how far a service is: straight-line (haversine) distance, and ZIP code
centroids from the `zipcodes` package, which ships its data inside the wheel (no download at run time;
no geocoding service is reachable from a PORT installation)."""

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import zipcodes

EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LATITUDE = 69.0

ZIP_IN_TEXT = re.compile(r"(?<!\d)(\d{5})(?:-\d{4})?(?!\d)")
ZIP_ALONE = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


def distance_miles(a: Point, b: Point) -> float:
    """Great-circle distance between two points, in miles."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(center: Point, miles: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) of a box that holds every point within `miles` of `center`."""
    dlat = miles / MILES_PER_DEGREE_LATITUDE
    cos = max(0.01, math.cos(math.radians(center.latitude)))
    dlon = miles / (MILES_PER_DEGREE_LATITUDE * cos)
    return center.latitude - dlat, center.latitude + dlat, center.longitude - dlon, center.longitude + dlon


@lru_cache(maxsize=4096)
def zip_centroid(code: str) -> Point | None:
    """The centre of a five-digit US ZIP code, or None when the code is not a known ZIP code."""
    match = ZIP_ALONE.match(code or "")
    if not match:
        return None
    try:
        found = zipcodes.matching(match.group(1))
    except (ValueError, TypeError):
        return None
    if not found:
        return None
    try:
        return Point(float(found[0]["lat"]), float(found[0]["long"]))
    except (KeyError, TypeError, ValueError):
        return None


def zip_in(text: str) -> str:
    """The first five-digit ZIP code written in `text` (an address), or ''."""
    match = ZIP_IN_TEXT.search(text or "")
    return match.group(1) if match else ""
