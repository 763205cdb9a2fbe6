"""A world grid of 0.01° cells flagged near country outlines, stored sparsely per 1° tile."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["GRID_DEG", "NEAR_DEG", "NearGrid"]

# Cells of GRID_DEG degrees are flagged where an outline comes within NEAR_DEG (~2 km) of them.
# A short route segment whose midpoint lies in an unflagged cell neither crosses nor comes near
# any outline: it needs no geometric test (see corridors.legs.pieces_from_segments).
GRID_DEG = 0.01
NEAR_DEG = 0.02
_CELLS_PER_TILE = 100  # a tile is 1° square
_TILES_X, _TILES_Y = 360, 180
_CELLS_X, _CELLS_Y = _TILES_X * _CELLS_PER_TILE, _TILES_Y * _CELLS_PER_TILE
# Outline points sampled at once: bounds the memory of building the grid whatever the layer.
_POINTS_PER_CHUNK = 1_000_000
# Flagging works on dense images of blocks of _BLOCK x _BLOCK cells (2°), one at a time.
_BLOCK = 200
_BLOCK_TILES = _BLOCK // _CELLS_PER_TILE
# A point within NEAR_DEG of an outline is within NEAR_DEG + GRID_DEG / 2 (+ rounding) of a
# sample, so at most this many cells away from the sample's cell along lon and along lat.
_RADIUS = int(np.floor((NEAR_DEG + GRID_DEG / 2) / GRID_DEG + 1e-6)) + 1


@dataclass(frozen=True)
class NearGrid:
    """Flags of the 0.01° cells of the world (lon -180 … 180, lat -90 … 90) near an outline.

    Only the 1° tiles with a flagged cell hold a bitmap, so that a world layer costs memory in
    proportion to the length of its outlines, not to the area of the world.

    Attributes
    ----------
    tile_row
        For each 1° tile (``tile = lon_tile * 180 + lat_tile``), its row of :attr:`bits`, or -1
        where no cell of the tile is flagged.
    bits
        Shape (tiles, 1250): the packed flags of the 100 × 100 cells of each tile
        (``cell = lon_cell * 100 + lat_cell`` within the tile).
    """

    tile_row: np.ndarray
    bits: np.ndarray

    @classmethod
    def of(cls, edge_xy: np.ndarray) -> NearGrid:
        """Flag the cells that come within :data:`NEAR_DEG` of the outline segments ``edge_xy``.

        ``edge_xy`` has one row lon0, lat0, lon1, lat1 per segment (WGS84 degrees).
        """
        # Every point within NEAR_DEG of an outline lies within NEAR_DEG + GRID_DEG / 2 of a
        # point sampled along it every GRID_DEG, hence in a cell at most _RADIUS cells (in lon
        # and in lat) from that sample's cell: flag those, block by block of 2° x 2°.
        cells = _sample_cells(edge_xy)
        ix, iy = cells // _CELLS_Y, cells % _CELLS_Y
        tiles, bitmaps = [], []
        for (bx, by), block_x, block_y in _by_block(ix, iy):
            image = np.zeros((_BLOCK + 2 * _RADIUS, _BLOCK + 2 * _RADIUS), dtype=bool)
            image[block_x, block_y] = True
            wide = np.logical_or.reduce([image[k : k + _BLOCK] for k in range(2 * _RADIUS + 1)])
            near = np.logical_or.reduce([wide[:, k : k + _BLOCK] for k in range(2 * _RADIUS + 1)])
            per_tile = near.reshape(_BLOCK_TILES, _CELLS_PER_TILE, _BLOCK_TILES, _CELLS_PER_TILE).swapaxes(1, 2)
            per_tile = per_tile.reshape(_BLOCK_TILES * _BLOCK_TILES, -1)
            used = np.flatnonzero(per_tile.any(axis=1))
            tx, ty = bx * _BLOCK_TILES + used // _BLOCK_TILES, by * _BLOCK_TILES + used % _BLOCK_TILES
            tiles.append(tx * _TILES_Y + ty)
            bitmaps.append(np.packbits(per_tile[used], axis=1))
        tile = np.concatenate(tiles) if tiles else np.zeros(0, dtype=np.int64)
        tile_row = np.full(_TILES_X * _TILES_Y, -1, dtype=np.int32)
        tile_row[tile] = np.arange(len(tile), dtype=np.int32)
        bits = np.concatenate(bitmaps) if bitmaps else np.zeros((0, _CELLS_PER_TILE**2 // 8), dtype=np.uint8)
        return cls(tile_row, bits)

    def flagged(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether the cell of each point is flagged (``True`` too for points off the world's grid)."""
        ix = np.floor((np.asarray(x, dtype=float) + 180.0) / GRID_DEG)
        iy = np.floor((np.asarray(y, dtype=float) + 90.0) / GRID_DEG)
        inside = (ix >= 0) & (ix < _CELLS_X) & (iy >= 0) & (iy < _CELLS_Y)
        ix = np.where(inside, ix, 0).astype(np.int64)
        iy = np.where(inside, iy, 0).astype(np.int64)
        row = self.tile_row[(ix // _CELLS_PER_TILE) * _TILES_Y + iy // _CELLS_PER_TILE]
        local = (ix % _CELLS_PER_TILE) * _CELLS_PER_TILE + iy % _CELLS_PER_TILE
        bit = (self.bits[np.maximum(row, 0), local >> 3] >> (7 - (local & 7)).astype(np.uint8)) & 1
        return ~inside | ((row >= 0) & (bit == 1))


def _sample_cells(edge_xy: np.ndarray) -> np.ndarray:
    """Numbers (``lon_cell * 18000 + lat_cell``) of the cells of points sampled every ``GRID_DEG``."""
    dx, dy = edge_xy[:, 2] - edge_xy[:, 0], edge_xy[:, 3] - edge_xy[:, 1]
    steps = np.maximum(np.ceil(np.hypot(dx, dy) / GRID_DEG), 1).astype(np.int64)
    points = np.cumsum(steps + 1)
    starts = np.searchsorted(points, np.arange(0, points[-1] if len(points) else 0, _POINTS_PER_CHUNK))
    bounds = np.unique(np.r_[starts, len(edge_xy)])
    cells = [np.zeros(0, dtype=np.int64)]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):  # chunks of ~_POINTS_PER_CHUNK points
        n = steps[a:b]
        edge = np.repeat(np.arange(a, b), n + 1)
        fraction = (np.arange(len(edge)) - np.repeat(np.cumsum(n + 1) - n - 1, n + 1)) / steps[edge]
        px = edge_xy[edge, 0] + dx[edge] * fraction
        py = edge_xy[edge, 1] + dy[edge] * fraction
        ix = np.clip(np.floor((px + 180.0) / GRID_DEG), 0, _CELLS_X - 1).astype(np.int64)
        iy = np.clip(np.floor((py + 90.0) / GRID_DEG), 0, _CELLS_Y - 1).astype(np.int64)
        cells.append(_distinct(ix * _CELLS_Y + iy))
    return _distinct(np.concatenate(cells))


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (by sorting: numpy's hashing ``unique`` is slower here, ~2 s per million)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def _by_block(ix: np.ndarray, iy: np.ndarray) -> list[tuple[tuple[int, int], np.ndarray, np.ndarray]]:
    """Cells grouped by the 2° blocks whose margin of ``_RADIUS`` cells they fall in.

    Returns (block lon and lat numbers, cell positions in the block's image with its margin).
    """
    entries_b, entries_x, entries_y = [], [], []
    for ox in (-1, 0, 1):
        for oy in (-1, 0, 1):
            bx, by = ix // _BLOCK + ox, iy // _BLOCK + oy
            x, y = ix - bx * _BLOCK + _RADIUS, iy - by * _BLOCK + _RADIUS
            ok = (x >= 0) & (x < _BLOCK + 2 * _RADIUS) & (y >= 0) & (y < _BLOCK + 2 * _RADIUS)
            ok &= (bx >= 0) & (bx < _CELLS_X // _BLOCK) & (by >= 0) & (by < _CELLS_Y // _BLOCK)
            entries_b.append(bx[ok] * (_CELLS_Y // _BLOCK) + by[ok])
            entries_x.append(x[ok])
            entries_y.append(y[ok])
    block, x, y = np.concatenate(entries_b), np.concatenate(entries_x), np.concatenate(entries_y)
    order = np.argsort(block, kind="stable")
    block, x, y = block[order], x[order], y[order]
    starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
    ends = np.r_[starts[1:], len(block)]
    per_lon = _CELLS_Y // _BLOCK
    return [
        ((int(block[a]) // per_lon, int(block[a]) % per_lon), x[a:b], y[a:b])
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]
