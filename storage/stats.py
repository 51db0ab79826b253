"""Pure computations behind the room analytics: ratios, watch time, segments, rules and two models.

Plain data in, plain (JSON-able) data out; no SQL and no I/O here.
"""

from __future__ import annotations

import math
from collections import Counter
from itertools import combinations
from typing import Any

import numpy as np

SEGMENTS = ("low", "medium", "high", "very high")
# why a model was not fitted, filled with the counts the result holds (`n`, `buyers`)
FEW_ROWS = "only {n} show × product rows with a logged price"
FEW_VIEWERS = "{n} viewers, {buyers} buyers: too few to fit and hold out"
PROPENSITY_FEATURES = ("watch_min", "comments", "questions", "likes", "impressions", "clicks", "carts")


def ratio(part: float, whole: float) -> float | None:
    return None if not whole else part / whole


def median(values: list[float]) -> float | None:
    return float(np.median(values)) if values else None


def watch_seconds(sessions: list[dict[str, Any]], end: float) -> dict[str, float]:
    """Total watch time per viewer from join/leave rows sorted by viewer then time. A join while
    already watching is the same visit (a second tab); a visit never left ends at `end`."""
    total: dict[str, float] = {}
    opened: dict[str, float] = {}
    for row in sessions:
        viewer, event, at = row["viewer_id"], row["event"], row["created_at"]
        if event == "join":
            total.setdefault(viewer, 0.0)
            opened.setdefault(viewer, at)
        elif event == "leave" and viewer in opened:
            total[viewer] += max(0.0, at - opened.pop(viewer))
    for viewer, at in opened.items():
        total[viewer] += max(0.0, end - at)
    return total


def retention_curve(watch: list[float], points: int = 20) -> list[dict[str, float]]:
    """Share of viewers still watching after t seconds, at `points` steps up to the longest visit."""
    if not watch:
        return []
    arr = np.asarray(watch, dtype=float)
    top = float(arr.max()) or 1.0
    return [{"t_s": float(t), "share": float((arr >= t).mean())} for t in np.linspace(0.0, top, points + 1)]


def segments(viewers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Viewers in four equal groups by interactions (comments + likes + clicks + carts; ties broken by
    id so the groups are quartiles of the ranking), with each group's share and conversion."""
    if not viewers:
        return []
    scored = sorted(
        ((v["comments"] + v["questions"] + v["likes"] + v["clicks"] + v["carts"], v) for v in viewers),
        key=lambda sv: (sv[0], sv[1]["viewer_id"]),
    )
    n = len(scored)
    total_orders = sum(v["orders"] for v in viewers)
    groups: list[list[tuple[int, dict[str, Any]]]] = [[] for _ in SEGMENTS]
    for rank, item in enumerate(scored):
        groups[min(rank * len(SEGMENTS) // n, len(SEGMENTS) - 1)].append(item)
    out = []
    for name, members in zip(SEGMENTS, groups, strict=True):
        buyers = sum(1 for _, v in members if v["orders"] > 0)
        orders = sum(v["orders"] for _, v in members)
        out.append(
            {
                "segment": name,
                "viewers": len(members),
                "share": len(members) / n,
                "interactions_min": min((s for s, _ in members), default=0),
                "interactions_max": max((s for s, _ in members), default=0),
                "mean_interactions": float(np.mean([s for s, _ in members])) if members else 0.0,
                "buyers": buyers,
                "conversion": ratio(buyers, len(members)),
                "orders": orders,
                "order_share": ratio(orders, total_orders),
            }
        )
    return out


def bought_together(baskets: list[set[str]], min_count: int = 2, top: int = 20) -> dict[str, Any]:
    """Association rules A → B over baskets: support = P(A and B), confidence = P(B | A), lift."""
    n = len(baskets)
    singles: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for basket in baskets:
        items = sorted(basket)
        singles.update(items)
        pairs.update(combinations(items, 2))
    rules = []
    for (a, b), both in pairs.items():
        if both < min_count:
            continue
        for x, y in ((a, b), (b, a)):
            confidence = both / singles[x]
            rules.append(
                {
                    "antecedent": x,
                    "consequent": y,
                    "count": both,
                    "support": both / n,
                    "confidence": confidence,
                    "lift": confidence / (singles[y] / n),
                }
            )
    rules.sort(key=lambda r: (-r["confidence"], -r["support"], r["antecedent"], r["consequent"]))
    return {"baskets": n, "min_count": min_count, "rules": rules[:top]}


def split_shows(events: list[dict[str, Any]], gap_s: float) -> list[dict[str, Any]]:
    """Cut a room's time-ordered events into shows: one starts at the first event after `gap_s`
    without any (a server restarted mid-show does not start one); per show: viewers, length in
    minutes and units sold per product."""
    shows: list[dict[str, Any]] = []
    for e in events:
        at = e["created_at"]
        if not shows or at - shows[-1]["last"] >= gap_s:
            shows.append(
                {
                    "show": len(shows) + 1,
                    "start": at,
                    "last": at,
                    "viewers": set(),
                    "units": Counter(),
                    "orders": 0,
                }
            )
        show = shows[-1]
        show["last"] = at
        if e["kind"] == "view":
            show["viewers"].add(e["viewer_id"])
        elif e["kind"] == "buy":
            show["units"][e["product_id"]] += int(e["qty"] or 0)
            show["orders"] += 1
    return [
        {
            "show": s["show"],
            "start": s["start"],
            "viewers": len(s["viewers"]),
            "minutes": (s["last"] - s["start"]) / 60.0,
            "orders": s["orders"],
            "units": dict(s["units"]),
        }
        for s in shows
        if s["viewers"]
    ]


def sales_forecast(shows: list[dict[str, Any]], prices: dict[str, float]) -> dict[str, Any]:
    """Units sold of a product in a show ~ viewers + price + show length (ordinary least squares), one
    row per show and product with a logged price. Reports R², coefficients and n."""
    from sklearn.linear_model import LinearRegression

    rows = [
        (s["viewers"], price, s["minutes"], s["units"].get(pid, 0), s["show"], pid)
        for s in shows
        for pid, price in sorted(prices.items())
    ]
    if len(rows) < 4:
        return {"ok": False, "why": FEW_ROWS.format(n=len(rows)), "n": len(rows)}
    x = np.array([r[:3] for r in rows], dtype=float)
    y = np.array([r[3] for r in rows], dtype=float)
    model = LinearRegression().fit(x, y)
    predicted = model.predict(x)
    ss_res = float(((y - predicted) ** 2).sum())
    ss_tot = float(((y - y.mean()) ** 2).sum())
    return {
        "ok": True,
        "n": len(rows),
        "shows": len(shows),
        "r2": 1.0 - ss_res / ss_tot if ss_tot > 0 else None,
        "rmse": math.sqrt(ss_res / len(rows)),
        "intercept": float(model.intercept_),
        "coefficients": {
            "viewers": float(model.coef_[0]),
            "price": float(model.coef_[1]),
            "show_minutes": float(model.coef_[2]),
        },
        "constant_features": [
            name
            for name, col in zip(("viewers", "price", "show_minutes"), x.T, strict=True)
            if np.ptp(col) == 0
        ],
        "points": [
            {"show": r[4], "product_id": r[5], "actual": float(a), "predicted": float(p)}
            for r, a, p in zip(rows, y, predicted, strict=True)
        ],
    }


def purchase_propensity(viewers: list[dict[str, Any]], seed: int = 0, top: int = 15) -> dict[str, Any]:
    """P(viewer buys) from behaviour by logistic regression, fitted on 70% of viewers (stratified) and
    scored on the held-out 30%: precision and recall at 0.5, coefficients on standardised features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import precision_score, recall_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.array(
        [[v["watch_s"] / 60.0] + [v[k] for k in PROPENSITY_FEATURES[1:]] for v in viewers], dtype=float
    ).reshape(len(viewers), len(PROPENSITY_FEATURES))
    y = np.array([1 if v["orders"] > 0 else 0 for v in viewers])
    positives = int(y.sum())
    if len(viewers) < 10 or positives < 3 or len(viewers) - positives < 3:
        return {
            "ok": False,
            "why": FEW_VIEWERS.format(n=len(viewers), buyers=positives),
            "n": len(viewers),
            "buyers": positives,
        }
    try:
        x_train, x_test, y_train, y_test = train_test_split(
            x, y, test_size=0.3, stratify=y, random_state=seed
        )
    except ValueError as e:
        return {"ok": False, "why": str(e), "n": len(viewers)}
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    model.fit(x_train, y_train)
    predicted = model.predict(x_test)
    proba = model.predict_proba(x)[:, 1]
    ranked = sorted(
        zip((v["viewer_id"] for v in viewers), proba, y, strict=True), key=lambda t: (-t[1], t[0])
    )
    logistic = model[-1]
    return {
        "ok": True,
        "n": len(viewers),
        "n_train": len(y_train),
        "n_test": len(y_test),
        "positives": positives,
        "precision": float(precision_score(y_test, predicted, zero_division=0)),
        "recall": float(recall_score(y_test, predicted, zero_division=0)),
        "accuracy": float((predicted == y_test).mean()),
        "coefficients": {
            name: float(c) for name, c in zip(PROPENSITY_FEATURES, logistic.coef_[0], strict=True)
        },
        "probabilities": [float(p) for p in proba],
        "top": [{"viewer_id": vid, "probability": float(p), "bought": bool(b)} for vid, p, b in ranked[:top]],
    }


def label_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The bot's logged decisions scored against the operators' labels, as the evaluation set's
    `score_qa.py` scores predictions: `rows` hold the bot's `kind`, `product_id`, `source` and the
    label's `label_kind`, `label_product`, `label_source`. Right: a labelled answer answered with its
    product and entry; wrong sent: an answer that is not right, as a share of all labelled comments."""

    def right(r: dict[str, Any]) -> bool:
        return r["kind"] == r["label_kind"] == "answer" and (r["product_id"], r["source"]) == (
            r["label_product"],
            r["label_source"],
        )

    answerable = [r for r in rows if r["label_kind"] == "answer"]
    unanswerable = [r for r in rows if r["label_kind"] == "escalate"]
    return {
        "labelled": len(rows),
        "right": ratio(sum(map(right, answerable)), len(answerable)),
        "wrong_sent": ratio(sum(r["kind"] == "answer" and not right(r) for r in rows), len(rows)),
        "kind_right": ratio(sum(r["kind"] == r["label_kind"] for r in rows), len(rows)),
        "handed_over": ratio(sum(r["kind"] == "escalate" for r in unanswerable), len(unanswerable)),
    }
