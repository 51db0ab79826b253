"""Comment embeddings computed in batches: one encoder call for every comment that arrived meanwhile.

The encoder costs far less per text in a batch than one text at a time, so under load the room
gets faster, not slower. With a single comment waiting, it is encoded at once (no added delay).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor

import numpy as np

from recommender.encoder import TextEncoder

logger = logging.getLogger(__name__)


class EncodeBatcher:
    def __init__(self, encoder: TextEncoder, executor: Executor, max_batch: int = 64) -> None:
        self.encoder = encoder
        self.executor = executor
        self.max_batch = max_batch
        self._waiting: list[tuple[str, asyncio.Future[np.ndarray]]] = []
        self._running = False
        self._task: asyncio.Task[None] | None = None

    async def encode(self, texts: list[str]) -> list[np.ndarray]:
        """The embeddings of cleaned texts (`handlers.qa.search_texts`), computed in the next batch."""
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[np.ndarray]] = []
        for text in texts:
            futures.append(loop.create_future())
            self._waiting.append((text, futures[-1]))
        if futures and not self._running:
            self._running = True
            self._task = loop.create_task(self._drain())
        return list(await asyncio.gather(*futures))

    async def _drain(self) -> None:
        """Encode what is waiting, batch after batch, until nothing is left."""
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self.max_batch], self._waiting[self.max_batch :]
                try:
                    vectors = await loop.run_in_executor(
                        self.executor, self.encoder.encode, [t for t, _ in batch]
                    )
                except Exception as e:  # every waiting comment learns of it; the next batch tries again
                    logger.exception("encoding %d comments failed", len(batch))
                    for _, f in batch:
                        if not f.done():
                            f.set_exception(e)
                    continue
                for (_, f), v in zip(batch, vectors, strict=True):
                    if not f.done():
                        f.set_result(v)
        finally:
            self._running = False
