"""Geodesic measures against published GeographicLib test vectors (not against pyproj itself)."""

import numpy as np
import pytest
from shapely.geometry import LineString

from corridors.geodesy import distance_km, length_km, segment_lengths_m

# Karney, C. F. F. (2013), "Algorithms for geodesics", J. Geodesy 87:43-55, doi:10.1007/s00190-012-0578-z,
# WGS84. Table 2 solves the direct problem phi1 = 40 deg, azi1 = 30 deg, s12 = 10,000 km; the end point it
# gives is used here as an inverse problem. Table 3 is the short line on which Vincenty's method loses
# accuracy; Table 4 the nearly antipodal line solved through the astroid.
VECTORS = [
    pytest.param((0.0, 40.0, 137.84490004377, 41.79331020506), 10_000_000.0, 1e-4, id="karney-table-2"),
    pytest.param((0.0, -30.12345, 0.00005, -30.12344), 4.944208, 1e-6, id="karney-table-3"),
    pytest.param((0.0, -30.0, 179.8, 29.9), 19_989_832.827610, 1e-3, id="karney-table-4"),
]


@pytest.mark.parametrize(("points", "metres", "abs_m"), VECTORS)
def test_distance_matches_published_vectors(points, metres, abs_m):
    assert distance_km(*points) * 1000 == pytest.approx(metres, abs=abs_m)


@pytest.mark.parametrize(("points", "metres", "abs_m"), VECTORS)
def test_segment_and_line_lengths_match_published_vectors(points, metres, abs_m):
    lon1, lat1, lon2, lat2 = points
    segment = segment_lengths_m(np.array([lon1]), np.array([lat1]), np.array([lon2]), np.array([lat2]))
    assert segment[0] == pytest.approx(metres, abs=abs_m)
    assert length_km(LineString([(lon1, lat1), (lon2, lat2)])) * 1000 == pytest.approx(metres, abs=abs_m)
