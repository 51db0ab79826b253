"""`RecSettings`: every knob of the card recommender, typed and bounded (the `rec:` config section)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_CONSUMABLES = ["食品", "零食", "饮料", "美妆", "护肤", "日用品"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EventWeights(_Strict):
    """wᵢ in b(u,v) = Σ wᵢ·rᵢ(u,v). `watch` is per minute on screen; the others per event."""

    view: float = Field(0.5, ge=-5, le=20)
    watch: float = Field(0.5, ge=-5, le=20, description="per minute watched while the product is on screen")
    like: float = Field(0.3, ge=-5, le=20)
    comment: float = Field(0.2, ge=-5, le=20)
    question: float = Field(1.0, ge=-5, le=20)
    click: float = Field(1.0, ge=-5, le=20)
    cart: float = Field(2.0, ge=-5, le=20)
    purchase: float = Field(3.0, ge=-5, le=20)
    impression: float = Field(0.0, ge=-5, le=20, description="a card shown; negative = mild fatigue")
    watch_cap_s: float = Field(600, ge=1, le=86_400, description="longer watches count as this long")


class BlendWeights(_Strict):
    """Weights of the blend: score = Σ weight·signal, every signal in [0, 1]."""

    similarity: float = Field(0.4, ge=0, le=10)
    affinity: float = Field(0.6, ge=0, le=10)
    collaborative: float = Field(1.0, ge=0, le=10)
    popularity: float = Field(0.15, ge=0, le=10)
    rule: float = Field(0.8, ge=0, le=10)
    on_screen: float = Field(0.3, ge=0, le=10)


class RecSettings(_Strict):
    """The card recommender: behaviour weights, decay, blend, caps, strategies, memory bounds."""

    events: EventWeights = Field(default_factory=EventWeights)
    blend: BlendWeights = Field(default_factory=BlendWeights)

    # time decay α(t) = e^(−λt), λ = ln 2 / half-life
    half_life_s: float = Field(1800, ge=1, le=365 * 86_400, description="viewer behaviour and interest")
    room_pop_half_life_s: float = Field(300, ge=1, le=86_400, description="'sells in this room now'")
    overall_pop_half_life_s: float = Field(7 * 86_400, ge=60, le=3650 * 86_400)
    room_pop_share: float = Field(0.5, ge=0, le=1, description="popularity = share·room-now + rest·overall")
    stock_share: float = Field(0.1, ge=0, le=1, description="part of 'overall' that is stock on hand")
    affinity_scale: float = Field(1.0, gt=0, le=100, description="affinity signal = 1 − e^(−b/scale)")
    sim_floor: float = Field(0.25, ge=-1, lt=1, description="cosine at or below this is no similarity")

    # collaborative (EASE) and bought-together rules
    ease_l2: float = Field(500, gt=0, le=1e6)
    collab_max_items: int = Field(3000, ge=10, le=20_000, description="EASE keeps the most-touched items")
    collab_min_viewers: int = Field(2, ge=1, le=1000)
    rule_min_support: int = Field(2, ge=1, le=100_000, description="orders holding both products")
    rule_min_confidence: float = Field(0.05, ge=0, le=1)
    rebuild_interval_s: float = Field(600, ge=1, le=7 * 86_400)

    # which cards reach a viewer
    max_same_category_run: int = Field(2, ge=1, le=20, description="no longer runs of one category")
    cap_cards: int = Field(4, ge=1, le=1000, description="cards per viewer per cap window")
    cap_window_s: float = Field(600, ge=1, le=86_400)
    cooldown_s: float = Field(300, ge=0, le=86_400, description="same card to same viewer, at most once per")
    bought_block_s: float = Field(86_400, ge=0, le=365 * 86_400)
    consumable_categories: list[str] = Field(default_factory=lambda: list(DEFAULT_CONSUMABLES))
    push_threshold: float = Field(0.05, ge=0, le=20, description="on-screen push: personal match needed")
    periodic_threshold: float = Field(0.04, ge=0, le=20, description="periodic push: blended score needed")
    engaged_min_weight: float = Field(1.0, ge=0, le=1000, description="decayed behaviour to count as engaged")

    # strategies side by side (stable hash split)
    strategy_shares: dict[str, float] = Field(
        default_factory=lambda: {"personalized": 0.9, "popularity": 0.1}
    )
    strategy_salt: str = Field("rec-v1", max_length=64)

    # memory bounds
    max_items_per_viewer: int = Field(200, ge=4, le=10_000)
    max_viewers: int = Field(200_000, ge=10, le=10_000_000, description="live profiles kept (LRU)")
    idle_evict_s: float = Field(4 * 3600, ge=60, le=365 * 86_400)
    history_viewers: int = Field(200_000, ge=10, le=10_000_000, description="viewers kept for rebuilds")
    history_items_per_viewer: int = Field(500, ge=4, le=10_000)
    shown_log: int = Field(32, ge=4, le=1000, description="recent cards kept per viewer")

    @model_validator(mode="after")
    def _check_strategies(self) -> RecSettings:
        known = {"personalized", "popularity"}
        unknown = set(self.strategy_shares) - known
        if unknown:
            raise ValueError(f"unknown strategy {sorted(unknown)[0]!r} (known: personalized, popularity)")
        if any(v < 0 for v in self.strategy_shares.values()) or sum(self.strategy_shares.values()) <= 0:
            raise ValueError("strategy_shares must be non-negative and not all zero")
        return self
