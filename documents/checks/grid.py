"""The fixed character grid of an MRZ line: where each cell's centre lies on the deskewed band. The
band finder (``mrz_image``) fits it; the readers (``templates``, ``mrz_cells``) cut cells by it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Grid:
    top: int
    bottom: int
    first: float  # centre of the first cell
    pitch: float
    width: int

    def centre(self, index: int) -> float:
        return self.first + index * self.pitch

    def index(self, x: float) -> int:
        return round((x - self.first) / self.pitch)

    def cell(self, ink: np.ndarray, index: int) -> np.ndarray:
        c = self.centre(index)
        x0, x1 = max(0, int(c - 0.45 * self.pitch)), int(c + 0.45 * self.pitch) + 1
        return ink[self.top:self.bottom, x0:x1]
