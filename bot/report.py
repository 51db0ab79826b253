"""The room analytics as one self-contained HTML page: charts as embedded PNGs, tables beside them.

`render_report(data, lang, names)` turns storage.reports.room_report() into HTML in Chinese or English
(every text escaped, products named, card reasons by code);
`write_report()` is `cohost report`. Charts use matplotlib's Agg backend and label with ASCII only
(product ids), so no CJK font is needed.
"""

from __future__ import annotations

import base64
import contextvars
import functools
import html
import io
import sqlite3
import time
from pathlib import Path
from typing import Any, Literal

from storage.log import InteractionLog
from storage.reports import room_report
from storage.schema import TABLES
from storage.stats import FEW_ROWS, FEW_VIEWERS

FUNNEL_STEPS = (
    ("viewers", "viewers"),
    ("commenters", "commenters"),
    ("askers", "askers"),
    ("shown_cards", "saw a card"),
    ("clickers", "clicked"),
    ("carters", "added to cart"),
    ("buyers", "ordered"),
)


Lang = Literal["zh", "en"]
_LANG: contextvars.ContextVar[str] = contextvars.ContextVar("report_lang", default="en")
_NAMES: contextvars.ContextVar[dict[str, dict[str, Any]] | None] = contextvars.ContextVar(
    "report_names", default=None
)

REASON_LABELS: dict[str, dict[str, str]] = {
    "asked": {"zh": "你刚问过", "en": "you just asked"},
    "bought_together": {"zh": "买了X的人也买了", "en": "bought together"},
    "for_you": {"zh": "猜你喜欢", "en": "picked for you"},
    "hot": {"zh": "直播间热卖", "en": "selling fast"},
    "on_screen": {"zh": "正在讲解", "en": "on screen"},
}

# Chinese chart labels need a CJK font: Debian's (scripts/system-deps.sh installs the first); without
# one, charts keep their English labels rather than draw empty boxes
CJK_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)

# the page's words in Chinese (English is what the code says); a label missing here stays English
ZH: dict[str, str] = {
    "not fitted: ": "未拟合：",
    FEW_ROWS: "记下了价格的“场次 × 商品”只有 {n} 行",
    FEW_VIEWERS: "{n} 位观众、{buyers} 位买家：太少，无法拟合并留出一部分检验",
    "viewers": "观众",
    "commenters": "发言观众",
    "askers": "提问观众",
    "saw a card": "看到卡片",
    "clicked": "点击卡片",
    "added to cart": "加购",
    "ordered": "下单",
    "Funnel": "转化漏斗",
    # the charts' axes and titles
    "distinct viewers": "人数",
    "minutes watched": "观看分钟数",
    "% of viewers still watching": "仍在观看的观众 %",
    "Retention": "留存",
    "% who ordered": "下单观众 %",
    "Conversion by interaction quartile": "按互动四分位的转化",
    "units sold": "实际销量",
    "predicted": "预测",
    "Sales forecast (show x product)": "销量预测（场次 × 商品）",
    "P(purchase)": "购买概率",
    "Purchase probability": "购买概率分布",
    "step": "步骤",
    "of all viewers": "占全部观众",
    "event": "事件",
    "count": "次数",
    "comments": "评论",
    "questions": "提问",
    "impressions": "曝光",
    "clicks": "点击",
    "carts": "加购",
    "orders": "订单",
    "units": "件数",
    "revenue": "销售额",
    "Answers": "回答",
    "figure": "指标",
    "value": "数值",
    "answered by the bot": "机器人回答",
    "escalated to the streamer": "转给主播",
    "of them not queued (the viewer's open-question limit)": "其中未进队列（该观众待答已满）",
    "answered by the streamer": "主播回答",
    "answer rate": "回答率",
    "escalation rate": "转主播率",
    "median answer latency (s)": "回答耗时中位数（秒）",
    "median streamer latency (s)": "主播回答耗时中位数（秒）",
    "latency: first reply's time minus the comment's time (replies.reply_to); checked: the "
    "bot's decisions on the comments operators labelled on the review page": "耗时：第一条回复时间减去评论时间；"
    "核对：运营在审核页标注过的评论上机器人的决定",
    "comments labelled by operators": "运营标注的评论",
    "checked: right answers (of labelled answerable)": "核对：答对（占可回答的标注）",
    "checked: wrong answers sent (of labelled)": "核对：发出的错误回答（占全部标注）",
    "checked: comment kind right": "核对：评论类型正确",
    "checked: handed over (of labelled unanswerable)": "核对：转给主播（占不可回答的标注）",
    "Cards per product": "各商品的卡片",
    "Cards per reason": "各推荐理由的卡片",
    "Cards per recommendation strategy": "各推荐策略的卡片",
    "product": "商品",
    "reason": "理由",
    "strategy": "策略",
    "CTR": "点击率",
    "conversion": "转化率",
    "orders and carts here are the ones made from the card itself": "此处的加购和订单只算从卡片本身发起的",
    "Sales per product": "各商品销售",
    "Retention (watch time from join / leave)": "留存（按进出直播间的观看时长）",
    "minutes": "分钟",
    "still watching": "仍在观看",
    "Viewers by interaction (quartiles)": "按互动量分组的观众（四分位）",
    "segment": "分组",
    "share": "占比",
    "interactions": "互动数",
    "buyers": "买家",
    "share of orders": "订单占比",
    "interactions: comments + likes + card clicks + add-to-carts": "互动：评论 + 点赞 + 卡片点击 + 加购",
    "Bought together": "一起购买",
    "if bought": "买了",
    "then also": "也买了",
    "baskets": "购物篮",
    "support": "支持度",
    "confidence": "置信度",
    "lift": "提升度",
    "Shows": "场次",
    "show": "场次",
    "started": "开始",
    "a show ends after 30 minutes without a viewer's event": "观众 30 分钟无任何动作即算一场结束",
    "statistic": "统计量",
    "shows": "场次",
    "viewer": "观众",
    "bought": "已购买",
    "yes": "是",
    "no": "否",
    "in-sample fit": "样本内拟合",
    "; constant in this log, so not identified: ": "；这些在日志里没有变化，估不出系数：",
    "coefficients on standardised features; threshold 0.5": "标准化特征上的系数；阈值 0.5",
    "Sales forecast: units ~ viewers + price + show length (linear regression)": "销量预测：件数 ~ 观众 + 价格 + 时长（线性回归）",
    "Purchase probability per viewer (logistic regression)": "每位观众的购买概率（逻辑回归）",
    "train / held out": "训练 / 留出",
    "precision (held out)": "精确率（留出）",
    "recall (held out)": "召回率（留出）",
    "intercept": "截距",
    "RMSE (units)": "RMSE（件）",
    "n (show × product)": "n（场次 × 商品）",
    "Room": "直播间",
    "analytics": "数据分析",
    "computed from the interaction log at": "根据互动日志计算于",
    # recommendation strategies, interaction segments and the models' inputs
    "personalized": "个性化",
    "popularity": "热门",
    "low": "低",
    "medium": "中",
    "high": "高",
    "very high": "很高",
    "coefficient": "系数",
    "price": "价格",
    "show_minutes": "直播时长（分钟）",
    "watch_min": "观看分钟",
    "likes": "点赞",
}


# the bot's decisions on the labelled comments (storage/stats.py label_figures): key, label, format
CHECKED = (
    ("labelled", "comments labelled by operators", ""),
    ("right", "checked: right answers (of labelled answerable)", "pct"),
    ("wrong_sent", "checked: wrong answers sent (of labelled)", "pct"),
    ("kind_right", "checked: comment kind right", "pct"),
    ("handed_over", "checked: handed over (of labelled unanswerable)", "pct"),
)


def tr(text: str) -> str:
    """A label in the report's language."""
    return ZH.get(text, text) if _LANG.get() == "zh" else text


def product_label(product_id: Any) -> str:
    """A product as a person reads it ("3号 头层牛皮托特包" / "Link 3 Leather tote"); the id only
    when the log and the catalog both lack it."""
    p = (_NAMES.get() or {}).get(str(product_id))
    if not p:
        return str(product_id)
    if _LANG.get() == "zh":
        return f"{p.get('link')}号 {p.get('title')}"
    return f"Link {p.get('link')} {p.get('title_en') or p.get('title')}"


def reason_label(code: Any) -> str:
    labels = REASON_LABELS.get(str(code))
    return labels[_LANG.get()] if labels else str(code)


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def fmt(value: Any, kind: str = "") -> str:
    """Numbers as people read them: shares as %, seconds and minutes with one decimal, None as a dash."""
    if value is None:
        return "–"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "min":
        return f"{value:,.1f}"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=72, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(width: float = 5.0, height: float = 2.8) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cjk = _cjk_font() if _LANG.get() == "zh" else None
    plt.rcParams["font.sans-serif"] = [cjk, "DejaVu Sans"] if cjk else ["DejaVu Sans"]
    return plt.subplots(figsize=(width, height))


@functools.cache
def _cjk_font() -> str | None:
    """The family name of an installed CJK font, registered with matplotlib; None when there is none."""
    from matplotlib import font_manager

    for path in CJK_FONT_FILES:
        if Path(path).is_file():
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    return None


def ctr(text: str) -> str:
    """A chart label in the report's language, English when no CJK font can draw Chinese."""
    return tr(text) if _LANG.get() != "zh" or _cjk_font() else text


def chart_funnel(funnel: dict[str, Any]) -> str:
    fig, ax = _figure()
    labels = [ctr(label) for _, label in FUNNEL_STEPS][::-1]
    values = [funnel[key] for key, _ in FUNNEL_STEPS][::-1]
    ax.barh(labels, values, color="#d9534f")
    for i, v in enumerate(values):
        ax.text(v, i, f" {v}", va="center", fontsize=8)
    ax.set_xlabel(ctr("distinct viewers"))
    ax.set_title(ctr("Funnel"))
    return _png(fig)


def chart_retention(curve: list[dict[str, float]]) -> str:
    fig, ax = _figure()
    ax.plot([p["t_s"] / 60 for p in curve], [100 * p["share"] for p in curve], marker=".", color="#337ab7")
    ax.set_xlabel(ctr("minutes watched"))
    ax.set_ylabel(ctr("% of viewers still watching"))
    ax.set_ylim(0, 105)
    ax.set_title(ctr("Retention"))
    return _png(fig)


def chart_segments(rows: list[dict[str, Any]]) -> str:
    fig, ax = _figure()
    ax.bar([ctr(r["segment"]) for r in rows], [100 * (r["conversion"] or 0) for r in rows], color="#5cb85c")
    ax.set_ylabel(ctr("% who ordered"))
    ax.set_title(ctr("Conversion by interaction quartile"))
    return _png(fig)


def chart_forecast(points: list[dict[str, Any]]) -> str:
    fig, ax = _figure(4.0, 3.0)
    actual = [p["actual"] for p in points]
    predicted = [p["predicted"] for p in points]
    ax.scatter(actual, predicted, s=14, color="#f0ad4e")
    top = max([*actual, *predicted, 1.0])
    ax.plot([0, top], [0, top], color="#999", linewidth=1)
    ax.set_xlabel(ctr("units sold"))
    ax.set_ylabel(ctr("predicted"))
    ax.set_title(ctr("Sales forecast (show x product)"))
    return _png(fig)


def chart_propensity(probabilities: list[float]) -> str:
    fig, ax = _figure(4.0, 3.0)
    ax.hist(probabilities, bins=10, range=(0, 1), color="#6f42c1")
    ax.set_xlabel(ctr("P(purchase)"))
    ax.set_ylabel(ctr("viewers"))
    ax.set_title(ctr("Purchase probability"))
    return _png(fig)


def _table(headers: list[str], rows: list[list[str]], cls: str = "") -> str:
    head = "".join(f"<th>{esc(tr(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(rows_cell for rows_cell in row) + "</tr>" for row in rows)
    return f'<table class="{esc(cls)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _td(value: Any, kind: str = "", metric: str | None = None) -> str:
    attr = f' data-metric="{esc(metric)}" data-value="{esc(value)}"' if metric else ""
    shown = tr(value) if isinstance(value, str) else fmt(value, kind)
    return f"<td{attr}>{esc(shown)}</td>"


def _section(title: str, chart: str | None, table: str, note: str = "") -> str:
    title = tr(title)
    img = f'<img alt="{esc(title)}" src="{chart}">' if chart else ""
    extra = f'<p class="note">{esc(tr(note))}</p>' if note else ""
    return f'<section><h2>{esc(title)}</h2><div class="pair"><div>{img}</div><div>{table}{extra}</div></div></section>'


def _baskets_note(baskets: int, min_count: int) -> str:
    if _LANG.get() == "zh":
        return f"{baskets} 个购物篮（每位买家一个）；规则至少在 {min_count} 个购物篮里出现"
    return f"{baskets} baskets (one per buyer); rules held by at least {min_count}"


def _performance(title: str, rows: list[dict[str, Any]], key: str) -> str:
    label = {"product": product_label, "reason": reason_label}.get(key, lambda k: tr(str(k)))
    table = _table(
        [key, "impressions", "clicks", "CTR", "carts", "orders", "conversion"],
        [
            [
                f"<td>{esc(label(r['key']))}</td>",
                _td(r["impressions"], metric=f"{key}.{r['key']}.impressions"),
                _td(r["clicks"], metric=f"{key}.{r['key']}.clicks"),
                _td(r["ctr"], "pct"),
                _td(r["carts"]),
                _td(r["orders"], metric=f"{key}.{r['key']}.orders"),
                _td(r["conversion"], "pct"),
            ]
            for r in rows
        ],
    )
    return _section(title, None, table, "orders and carts here are the ones made from the card itself")


def render_report(
    data: dict[str, Any],
    lang: Lang = "en",
    names: dict[str, dict[str, Any]] | None = None,
    page: bool = False,
) -> str:
    """The whole analytics page for one room, in `lang`; products named from `names` (id -> link,
    title, title_en: the live catalog) over the names the log's stored shelf gives. `page`: served
    under /ops, with the page-language switch (a self-contained file has none)."""
    lang_token = _LANG.set(lang)
    names_token = _NAMES.set({**data.get("products", {}), **(names or {})})
    try:
        return _render(data, lang, page)
    finally:
        _LANG.reset(lang_token)
        _NAMES.reset(names_token)


def _render(data: dict[str, Any], lang: Lang, page: bool) -> str:
    funnel, answers = data["funnel"], data["answers"]
    checked = answers["checked"]
    parts = []
    steps = [
        [_td(label), _td(funnel[key], metric=f"funnel.{key}"), _td(_step_rate(funnel, i), "pct")]
        for i, (key, label) in enumerate(FUNNEL_STEPS)
    ]
    events = [
        [_td(k), _td(funnel[k], "money" if k == "revenue" else "", metric=f"events.{k}")]
        for k in ("comments", "questions", "impressions", "clicks", "carts", "orders", "units", "revenue")
    ]
    parts.append(
        _section(
            "Funnel",
            chart_funnel(funnel),
            _table(["step", "viewers", "of all viewers"], steps, "funnel")
            + _table(["event", "count"], events, "events"),
        )
    )
    parts.append(
        _section(
            "Answers",
            None,
            _table(
                ["figure", "value"],
                [
                    [_td("questions"), _td(answers["questions"], metric="answers.questions")],
                    [_td("answered by the bot"), _td(answers["answered"], metric="answers.answered")],
                    [_td("escalated to the streamer"), _td(answers["escalated"], metric="answers.escalated")],
                    [
                        _td("of them not queued (the viewer's open-question limit)"),
                        _td(answers.get("not_queued", 0), metric="answers.not_queued"),
                    ],
                    [
                        _td("answered by the streamer"),
                        _td(answers["streamer_answered"], metric="answers.streamer_answered"),
                    ],
                    [_td("answer rate"), _td(answers["answer_rate"], "pct", metric="answers.answer_rate")],
                    [
                        _td("escalation rate"),
                        _td(answers["escalation_rate"], "pct", metric="answers.escalation_rate"),
                    ],
                    [
                        _td("median answer latency (s)"),
                        _td(answers["median_latency_s"], metric="answers.median_latency_s"),
                    ],
                    [_td("median streamer latency (s)"), _td(answers["median_streamer_latency_s"])],
                    *(
                        [_td(label), _td(checked[key], kind, metric=f"answers.checked.{key}")]
                        for key, label, kind in CHECKED
                    ),
                ],
            ),
            "latency: first reply's time minus the comment's time (replies.reply_to); checked: the "
            "bot's decisions on the comments operators labelled on the review page",
        )
    )
    parts.append(_performance("Cards per product", data["by_product"], "product"))
    parts.append(_performance("Cards per reason", data["by_reason"], "reason"))
    parts.append(_performance("Cards per recommendation strategy", data["by_strategy"], "strategy"))
    parts.append(
        _section(
            "Sales per product",
            None,
            _table(
                ["product", "orders", "units", "revenue"],
                [
                    [
                        f"<td>{esc(product_label(r['product_id']))}</td>",
                        _td(r["orders"], metric=f"sales.{r['product_id']}.orders"),
                        _td(r["units"], metric=f"sales.{r['product_id']}.units"),
                        _td(r["revenue"], "money"),
                    ]
                    for r in data["sales"]
                ],
            ),
        )
    )
    curve = data["retention"]
    if curve:
        marks = [curve[i] for i in range(0, len(curve), max(1, len(curve) // 5))]
        parts.append(
            _section(
                "Retention (watch time from join / leave)",
                chart_retention(curve),
                _table(
                    ["minutes", "still watching"],
                    [[_td(p["t_s"] / 60, "min"), _td(p["share"], "pct")] for p in marks],
                ),
            )
        )
    if data["segments"]:
        parts.append(
            _section(
                "Viewers by interaction (quartiles)",
                chart_segments(data["segments"]),
                _table(
                    [
                        "segment",
                        "viewers",
                        "share",
                        "interactions",
                        "buyers",
                        "conversion",
                        "share of orders",
                    ],
                    [
                        [
                            _td(r["segment"]),
                            _td(r["viewers"], metric=f"segment.{r['segment']}.viewers"),
                            _td(r["share"], "pct"),
                            _td(f"{r['interactions_min']}–{r['interactions_max']}"),
                            _td(r["buyers"], metric=f"segment.{r['segment']}.buyers"),
                            _td(r["conversion"], "pct"),
                            _td(r["order_share"], "pct"),
                        ]
                        for r in data["segments"]
                    ],
                ),
                "interactions: comments + likes + card clicks + add-to-carts",
            )
        )
    rules = data["rules"]
    parts.append(
        _section(
            "Bought together",
            None,
            _table(
                ["if bought", "then also", "baskets", "support", "confidence", "lift"],
                [
                    [
                        f"<td>{esc(product_label(r['antecedent']))}</td>",
                        f"<td>{esc(product_label(r['consequent']))}</td>",
                        _td(r["count"]),
                        _td(r["support"], "pct"),
                        _td(r["confidence"], "pct"),
                        _td(r["lift"]),
                    ]
                    for r in rules["rules"]
                ],
            ),
            _baskets_note(rules["baskets"], rules["min_count"]),
        )
    )
    parts.append(_forecast_section(data["forecast"]))
    parts.append(_propensity_section(data["propensity"]))
    shows = _table(
        ["show", "started", "viewers", "minutes", "orders"],
        [
            [
                _td(s["show"]),
                _td(time.strftime("%Y-%m-%d %H:%M", time.localtime(s["start"]))),
                _td(s["viewers"]),
                _td(s["minutes"]),
                _td(s["orders"]),
            ]
            for s in data["shows"]
        ],
    )
    parts.append(_section("Shows", None, shows, "a show ends after 30 minutes without a viewer's event"))
    generated = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(data["generated_at"]))
    return PAGE.format(
        html_lang="zh-CN" if lang == "zh" else "en",
        lang=lang,
        head=PAGE_HEAD if page else FILE_HEAD,
        room_word=esc(tr("Room")),
        analytics=esc(tr("analytics")),
        computed=esc(tr("computed from the interaction log at")),
        room=esc(data["room_id"]),
        generated=esc(generated),
        body="\n".join(parts),
        scripts=PAGE_SCRIPTS if page else "",
    )


def _step_rate(funnel: dict[str, Any], i: int) -> float | None:
    """A step's share of all viewers (cards also come from on-screen pushes, so a step can be wider
    than the one before it)."""
    if i == 0 or not funnel["viewers"]:
        return None
    return funnel[FUNNEL_STEPS[i][0]] / funnel["viewers"]


def _not_fitted(result: dict[str, Any]) -> str:
    """Why a model was not fitted, in the report's language (its counts filled in again)."""
    for template in (FEW_ROWS, FEW_VIEWERS):
        if result["why"] == template.format(n=result["n"], buyers=result.get("buyers")):
            return tr("not fitted: ") + tr(template).format(n=result["n"], buyers=result.get("buyers"))
    return tr("not fitted: ") + result["why"]


def _forecast_section(f: dict[str, Any]) -> str:
    title = "Sales forecast: units ~ viewers + price + show length (linear regression)"
    if not f["ok"]:
        return _section(title, None, "", _not_fitted(f))
    rows = [
        [_td("n (show × product)"), _td(f["n"], metric="forecast.n")],
        [_td("shows"), _td(f["shows"])],
        [_td("R²"), _td(f["r2"], metric="forecast.r2")],
        [_td("RMSE (units)"), _td(f["rmse"])],
        [_td("intercept"), _td(f["intercept"])],
        *[[_td(f"{tr('coefficient')}: {tr(k)}"), _td(v)] for k, v in f["coefficients"].items()],
    ]
    note = tr("in-sample fit")
    if f["constant_features"]:
        note += tr("; constant in this log, so not identified: ") + ", ".join(
            tr(k) for k in f["constant_features"]
        )
    return _section(title, chart_forecast(f["points"]), _table(["statistic", "value"], rows), note)


def _propensity_section(p: dict[str, Any]) -> str:
    title = "Purchase probability per viewer (logistic regression)"
    if not p["ok"]:
        return _section(title, None, "", _not_fitted(p))
    stats_rows = [
        [_td("viewers"), _td(p["n"], metric="propensity.n")],
        [_td("train / held out"), _td(f"{p['n_train']} / {p['n_test']}")],
        [_td("buyers"), _td(p["positives"])],
        [_td("precision (held out)"), _td(p["precision"], metric="propensity.precision")],
        [_td("recall (held out)"), _td(p["recall"], metric="propensity.recall")],
        *[[_td(f"{tr('coefficient')}: {tr(k)}"), _td(v)] for k, v in p["coefficients"].items()],
    ]
    top = _table(
        ["viewer", "P(purchase)", "bought"],
        [
            [_td(t["viewer_id"]), _td(t["probability"], "pct"), _td("yes" if t["bought"] else "no")]
            for t in p["top"]
        ],
    )
    return _section(
        title,
        chart_propensity(p["probabilities"]),
        _table(["statistic", "value"], stats_rows) + top,
        "coefficients on standardised features; threshold 0.5",
    )


STYLE = """
body.report { font: 14px/1.4 system-ui, "PingFang SC", "Noto Sans CJK SC", sans-serif; margin: 1.5em; color: #222; }
.report h1 { font-size: 1.4em; } .report h2 { font-size: 1.1em; border-bottom: 1px solid #ddd; }
.report .pair { display: flex; gap: 1.5em; flex-wrap: wrap; align-items: flex-start; }
.report table { border-collapse: collapse; margin-bottom: .8em; }
.report td, .report th { border: 1px solid #ddd; padding: 2px 8px; text-align: right; }
.report td:first-child, .report th:first-child { text-align: left; }
.report .note { color: #666; font-size: .9em; }
"""

# a file (`cohost report`) carries its style; the page under /ops takes it from /static (no inline
# style or script there) and adds the 中文 / English switch (static/analytics.js)
FILE_HEAD = "<style>" + STYLE + "</style>"
PAGE_HEAD = '<link rel="stylesheet" href="/static/style.css">'
PAGE_SCRIPTS = '<script src="/static/common.js"></script><script src="/static/analytics.js"></script>'

PAGE = """<!doctype html>
<html lang="{html_lang}" data-lang="{lang}"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>live-cohost · {room}</title>
{head}</head>
<body class="report"><h1>{room_word} <span id="room">{room}</span>: {analytics}<span id="lang"></span></h1>
<p class="note">{computed} {generated}</p>
{body}
{scripts}
</body></html>
"""


class ReportError(ValueError):
    """A report that cannot be written; the message is one line saying why."""


def logged_rooms(log: InteractionLog) -> list[str]:
    """Every room id with at least one row in the log's tables, sorted."""
    have = {r["name"] for r in log.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    tables = [t for t in TABLES if t in have]
    if not tables:
        return []
    union = " UNION ".join(f"SELECT DISTINCT room_id FROM [{t}]" for t in tables)
    return sorted(r["room_id"] for r in log.query(union) if r["room_id"])


def catalog_names(paths: list[str | Path], room_id: str) -> dict[str, dict[str, Any]]:
    """Product names of the room from catalog files (the ones that fail to load or are another
    room's are skipped: names are a courtesy, the figures come from the log)."""
    from domain.catalog import CatalogError, load_catalog

    names: dict[str, dict[str, Any]] = {}
    for path in paths:
        try:
            catalog = load_catalog(path)
        except (CatalogError, OSError, ValueError):
            continue
        if catalog.room_id == room_id:
            for p in catalog.products:
                names[p.id] = {"link": p.link, "title": p.title, "title_en": p.title_en}
    return names


def write_report(
    db_path: str | Path,
    room_id: str,
    out: str | Path,
    seed: int = 0,
    lang: Lang = "en",
    catalogs: list[str | Path] | None = None,
) -> dict[str, Any]:
    """`cohost report`: read the log at `db_path`, write the HTML page to `out`, return the data.
    Products are named from the shelf stored in the log, else from the `catalogs` files.

    ReportError when the database is missing, holds no row of the room (the message lists the rooms
    it has), or `out` cannot be written; a missing folder of `out` is created."""
    if not Path(db_path).is_file():
        raise ReportError(f"{db_path}: no such database")
    log = InteractionLog(db_path)
    try:
        rooms = logged_rooms(log)
    except sqlite3.DatabaseError as e:
        raise ReportError(f"{db_path}: not a readable SQLite database ({e})") from None
    if room_id not in rooms:
        has = ", ".join(rooms[:20]) + (f" and {len(rooms) - 20} more" if len(rooms) > 20 else "")
        raise ReportError(f"{db_path}: no rows for room {room_id!r} (rooms in it: {has or 'none'})")
    target = Path(out)
    if target.is_dir():
        raise ReportError(f"--out {out}: is a folder; give a file name such as {target / 'report.html'}")
    data = room_report(log.query, room_id, seed)
    names = {} if data["products"] else catalog_names(list(catalogs or []), room_id)
    page = render_report(data, lang, names)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
    except OSError as e:
        raise ReportError(f"--out {out}: cannot write it ({e.strerror})") from None
    return data
