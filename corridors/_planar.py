"""Planar kernels on lon/lat degrees: point-segment and segment-segment distances, intersections."""

from __future__ import annotations

import numpy as np

__all__ = ["SLACK_DEG", "intersection_parameter", "least", "point_segment_deg", "segment_gap_deg", "side"]

SLACK_DEG = 1e-9  # covers rounding in the cell arithmetic


def least(group: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """For each value, the least value of its group (groups ``0 … n-1``)."""
    least = np.full(n, np.inf)
    np.minimum.at(least, group, values)
    return least[group]


def segment_gap_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Planar distance in degrees between paired segments (rows lon0, lat0, lon1, lat1); 0 where they cross."""
    gap = np.minimum.reduce(
        [
            point_segment_deg(a[:, 0], a[:, 1], b),
            point_segment_deg(a[:, 2], a[:, 3], b),
            point_segment_deg(b[:, 0], b[:, 1], a),
            point_segment_deg(b[:, 2], b[:, 3], a),
        ]
    )
    # Where rounding misjudges a crossing, an end lies within rounding error of the other segment.
    crossing = (side(a, b[:, :2]) * side(a, b[:, 2:]) < 0) & (side(b, a[:, :2]) * side(b, a[:, 2:]) < 0)
    return np.where(crossing, 0.0, gap)


def side(segment_xy: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Positive where each point lies left of its segment (lon0, lat0, lon1, lat1), negative right."""
    x0, y0 = segment_xy[:, 0], segment_xy[:, 1]
    return (segment_xy[:, 2] - x0) * (point[:, 1] - y0) - (segment_xy[:, 3] - y0) * (point[:, 0] - x0)


def point_segment_deg(x: np.ndarray, y: np.ndarray, segment_xy: np.ndarray) -> np.ndarray:
    """Planar distance in degrees from each point to its segment (lon0, lat0, lon1, lat1)."""
    x0, y0 = segment_xy[:, 0], segment_xy[:, 1]
    dx, dy = segment_xy[:, 2] - x0, segment_xy[:, 3] - y0
    length2 = dx * dx + dy * dy
    along = np.divide((x - x0) * dx + (y - y0) * dy, length2, out=np.zeros_like(length2), where=length2 > 0)
    np.clip(along, 0, 1, out=along)
    return np.hypot(x0 + along * dx - x, y0 + along * dy - y)


def intersection_parameter(route_xy: np.ndarray, edge_xy: np.ndarray) -> np.ndarray:
    """Position (0–1) along each route segment where it meets the paired outline segment."""
    px, py = route_xy[:, 0], route_xy[:, 1]
    rx, ry = route_xy[:, 2] - px, route_xy[:, 3] - py
    qx, qy = edge_xy[:, 0], edge_xy[:, 1]
    sx, sy = edge_xy[:, 2] - qx, edge_xy[:, 3] - qy
    denom = rx * sy - ry * sx
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denom != 0, ((qx - px) * sy - (qy - py) * sx) / denom, np.nan)
